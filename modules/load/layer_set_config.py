"""The config's layer_sets: checked against traits and each other, then indexed into the
spec's layers."""

from typing import Any

from modules.load.spec import LayerSet
from modules.load.validation import did_you_mean


def layer_set_problems(config: dict[str, Any], label: str) -> list[str]:
    """Every set's layers must be layers of traits; up_to must grow from set to set, and
    only the last set may leave it out."""
    sets = config.get("layer_sets", [])
    problems = []
    if config.get("shuffle_layer_sets") and not sets:
        problems.append(
            f"{label}: $.shuffle_layer_sets: true, but there are no layer_sets to shuffle; "
            "add layer_sets or remove it"
        )
    previous = 0
    for index, layer_set in enumerate(sets):
        where = f"{label}: $.layer_sets[{index}]"
        problems += [
            f"{where}.trait_order[{i}]: layer '{name}' has no entry in $.traits"
            + (did_you_mean(name, config["traits"]) or "; add it there or remove it here")
            for i, name in enumerate(layer_set["trait_order"])
            if name not in config["traits"]
        ]
        up_to = layer_set.get("up_to")
        if up_to is None and index < len(sets) - 1:
            problems.append(
                f"{where}: no up_to; only the last set may leave it out (it takes the rest)"
            )
        elif up_to is not None and up_to <= previous:
            problems.append(
                f"{where}.up_to: {up_to} is not above the previous set's {previous}; up_to is "
                "the set's last token id (like growEditionSizeTo), so it must grow"
            )
        previous = up_to or previous
    return problems


def layer_sets(config: dict[str, Any]) -> tuple[LayerSet, ...]:
    """The sets of a config without layer_set_problems, their layers as trait_order indices."""
    order = config["trait_order"]
    return tuple(
        LayerSet(
            tuple(order.index(name) for name in layer_set["trait_order"]),
            layer_set.get("up_to"),
            layer_set.get("name_prefix"),
        )
        for layer_set in config.get("layer_sets", [])
    )
