"""OpenSea numeric traits: a layer or option with a `display_type` shows its value as a number
(with `max_value` when set); its labels must then be numbers."""

from collections.abc import Sequence
from typing import Any

from modules.load.spec import Layer, TraitOption


def numeric_value(label: str) -> int | float | None:
    """`label` as a number (an int when whole, "7" -> 7), or None when it is not one."""
    try:
        number = float(label)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):  # NaN, infinities
        return None
    return int(number) if number.is_integer() and "." not in label else number


def display_of(layer: Layer, option: TraitOption) -> tuple[str | None, float | None]:
    """The option's display_type and max_value, else its layer's."""
    display = option.display_type or layer.display_type
    maximum = option.max_value if option.max_value is not None else layer.max_value
    return display, maximum


def attribute(layer: Layer, option: TraitOption) -> dict[str, Any]:
    """The OpenSea attribute of `option`: a number with its display_type when it has one."""
    display, maximum = display_of(layer, option)
    if display is None:
        return {"trait_type": layer.label, "value": option.label}
    document: dict[str, Any] = {
        "trait_type": layer.label,
        "value": numeric_value(option.label),
        "display_type": display,
    }
    if maximum is not None:
        document["max_value"] = maximum
    return document


def display_problems(layers: Sequence[Layer], label: str) -> list[str]:
    """Options shown as numbers whose value is not a number."""
    return [
        f"{label}: $.traits.{layer.name}: option {option.name!r}: display_type "
        f"{display_of(layer, option)[0]} needs a number, and {option.label!r} is not one "
        "(set display_name to the number)"
        for layer in layers
        for option in layer.options
        if display_of(layer, option)[0] is not None and numeric_value(option.label) is None
    ]
