"""Metadata labels that OpenRarity (and the marketplaces that use it) would merge: trait types
or values differing only in case or surrounding spaces ('Cap' and 'cap ') are one to it, so a
config that shows two options, or two layers, that way is refused when it loads."""

from typing import Any

Shown = tuple[str, str]  # (layer or option name, the label metadata shows for it)

REASON = "which differ only in case or surrounding spaces: OpenRarity counts them as one"


def openrarity_key(text: str) -> str:
    """A trait type or value as OpenRarity compares it: lower case, no surrounding spaces."""
    return text.lower().strip()


def twin_label_problems(config: dict[str, Any], label: str) -> list[str]:
    """One line per clash: two layers' trait_types, two options' values of one layer, or an
    option's value and the layer's none_value."""
    layers = [(name, layer.get("display_name", name)) for name, layer in config["traits"].items()]
    problems = [
        f"{label}: $.traits.{b}: layers '{a}' and '{b}' are shown as trait_type {la!r} and "
        f"{lb!r}, {REASON} trait; rename one or give it another display_name"
        for (a, la), (b, lb) in twins(layers)
    ]
    for name, layer in config["traits"].items():
        where = f"{label}: $.traits.{name}"
        options = [(o["name"], o.get("display_name", o["name"])) for o in layer["options"]]
        problems += [
            f"{where}: options '{a}' and '{b}' are shown as {la!r} and {lb!r}, {REASON} value; "
            "rename one or give it another display_name"
            for (a, la), (b, lb) in twins(options)
        ]
        if "none_value" in layer:
            problems += _none_value_twins(layer["none_value"], options, where)
    return problems


def twins(shown: list[Shown]) -> list[tuple[Shown, Shown]]:
    """Pairs whose labels differ but have one openrarity_key: each later one with the first
    of its key (identical labels are refused as such by config_checks.label_problems)."""
    first: dict[str, Shown] = {}
    pairs = []
    for entry in shown:
        earlier = first.setdefault(openrarity_key(entry[1]), entry)
        if earlier[1] != entry[1]:
            pairs.append((earlier, entry))
    return pairs


def _none_value_twins(none_value: str, options: list[Shown], where: str) -> list[str]:
    key = openrarity_key(none_value)
    return [
        f"{where}.none_value: {none_value!r} and option '{name}' shown as {shown!r}, {REASON} "
        "value, so absent and present would look alike; choose another none_value"
        for name, shown in options
        if shown != none_value and openrarity_key(shown) == key
    ]
