"""nftchef's rules between items: incompatible becomes ruler.json rules, forcedCombinations is
listed as not translated yet, traitValueOverrides renames the options it names.
"""

from typing import Any

from modules.load.importers.state import (
    LABEL,
    NFTCHEF,
    ImportState,
    as_written,
    empty_layer_name,
    key_path,
    option_choices,
)
from modules.load.validation import nfc


def incompatible(state: ImportState, key: str, value: Any) -> None:
    """nftchef: once an item is drawn, the items listed for it are not drawn after it."""
    state.covered.add(key)
    if not isinstance(value, dict):
        state.skip(key, f"{as_written(value)} is not an object of item names; not translated")
        return
    for item, others in value.items():
        where = key_path(key, item)
        drawn = _locate(state, where, item)
        if not isinstance(others, list):
            state.skip(where, f"{as_written(others)} is not a list of item names; not translated")
        elif drawn:
            _incompatible_rules(state, where, drawn, others)


def _incompatible_rules(
    state: ImportState, where: str, drawn: dict[str, list[str]], others: list[Any]
) -> None:
    """One rule per pair of the item's layer and a listed item's layer."""
    excluded: dict[tuple[str, str], list[str]] = {}
    for index, other in enumerate(others):
        for then_layer, names in _locate(state, f"{where}[{index}]", other).items():
            for if_layer in drawn:
                if if_layer == then_layer:
                    state.skip(
                        f"{where}[{index}]",
                        f"'{other}' is in '{if_layer}' too; a rule links two layers; "
                        "not translated",
                    )
                else:
                    excluded.setdefault((if_layer, then_layer), []).extend(names)
    order = state.config["trait_order"]
    for (if_layer, then_layer), names in excluded.items():
        state.rules.append(_rule(if_layer, drawn[if_layer], then_layer, names))
        if order.index(then_layer) < order.index(if_layer):
            state.note(
                where,
                f"'{then_layer}' is drawn before '{if_layer}', so nftchef never excluded "
                f"these; Genecator's rule excludes them both ways",
            )


def _locate(state: ImportState, where: str, item: Any) -> dict[str, list[str]]:
    """The options, by layer, that an nftchef item name means: an option of that name or
    value, or every option under a sub-folder of that name."""
    if not isinstance(item, str):
        state.skip(where, f"{as_written(item)} is not an item name; not translated")
        return {}
    if state.kind == NFTCHEF and nfc(item) == nfc(empty_layer_name(state)):
        state.skip(
            where,
            f"'{item}' is the empty-layer name; a rule cannot name an absent layer; not translated",
        )
        return {}
    found: dict[str, list[str]] = {}
    for layer, option in state.options():
        if nfc(item) in option_choices(option) or nfc(item) == nfc(option.get("display_name", "")):
            found.setdefault(layer, []).append(option["name"])
    if not found:
        state.skip(
            where,
            f"'{item}': no imported layer has an option or sub-folder of that name; not translated",
        )
    return found


def _rule(if_layer: str, values: list[str], then_layer: str, excluded: list[str]) -> dict[str, Any]:
    return {
        "if": {"trait_type": if_layer, "value": list(dict.fromkeys(values))},
        "then": {"trait_type": then_layer, "excluded_values": list(dict.fromkeys(excluded))},
    }


def forced_combinations(state: ImportState, key: str, value: Any) -> None:
    """One line per forced pair: Genecator cannot force them yet."""
    state.covered.add(key)
    if isinstance(value, dict):
        entries: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list):
        entries = list(enumerate(value))
    else:
        state.skip(key, f"{as_written(value)}: not translated yet (no forced combinations here)")
        return
    for item, required in entries:
        state.untranslated.append(
            f"{LABEL}: {key}: '{item}' → {as_written(required)}: not translated yet (Genecator has "
            "no forced combinations; these items are drawn independently)"
        )


def trait_value_overrides(state: ImportState, key: str, value: Any) -> None:
    """nftchef shows another value for the options of a clean name."""
    state.covered.add(key)
    if not isinstance(value, dict):
        state.skip(key, f"{as_written(value)} is not an object of names; not translated")
        return
    for raw, shown in value.items():
        where = key_path(key, raw)
        matched = [o for _, o in state.options() if option_choices(o)[-1] == nfc(raw)]
        if not isinstance(shown, str) or not shown:
            state.skip(where, f"{as_written(shown)} is not a value to show; not translated")
            continue
        for option in matched:
            option["display_name"] = shown
        if not matched:
            state.note(where, f"no option is named '{raw}'; nothing to override")
