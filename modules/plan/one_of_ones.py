"""1-of-1s in the plan: the marker combination that stands for one (every layer value
-(2 + j) for 1-of-1 number j, so it never equals a drawn combination), the ids they take and
the combinations their attributes name, which no generated token may have."""

from collections.abc import Sequence

from modules.errors import ConfigError
from modules.load.spec import CollectionSpec, Layer, OneOfOne
from modules.plan.selection import ABSENT, Combo
from modules.plan.sub_seeds import random_index, sub_rng


def marker(index: int, layer_count: int) -> Combo:
    """The combination planned for 1-of-1 number `index` (0-based, file-number order)."""
    return (-(2 + index),) * layer_count


def marker_index(combo: Combo) -> int | None:
    """The 1-of-1 number of a marker combination, None for a drawn one."""
    return -combo[0] - 2 if combo and combo[0] < ABSENT else None


def placement(spec: CollectionSpec, seed: int, count: int) -> dict[int, int]:
    """Plan position (1..count) -> 1-of-1 number for a plan of `count` tokens: pinned ones at
    their token ids (counted from the start id), the others at positions drawn in file order
    from a sub-RNG of the seed."""
    ones = spec.one_of_ones
    if not ones:
        return {}
    check_room(ones, count, spec.start_id)
    placed = {
        one.token_id - spec.start_id + 1: index
        for index, one in enumerate(ones)
        if one.token_id is not None
    }
    free = [token_id for token_id in range(1, count + 1) if token_id not in placed]
    rng = sub_rng(seed, "one_of_ones")
    for index, one in enumerate(ones):
        if one.token_id is None:
            placed[free.pop(random_index(rng, len(free)))] = index
    return dict(sorted(placed.items()))


def check_room(ones: Sequence[OneOfOne], count: int, start_id: int = 1) -> None:
    """Every 1-of-1 needs an id among the collection's, start_id .. start_id + count - 1."""
    if len(ones) > count:
        msg = f"-n {count} leaves no room for the {len(ones)} 1-of-1s; use -n {len(ones)} or more"
        raise ConfigError(msg)
    last = start_id + count - 1
    for one in ones:
        if one.token_id is not None and not start_id <= one.token_id <= last:
            msg = (
                f"$.one_of_ones.ids: 1-of-1 {one.number} is pinned to token {one.token_id}, "
                f"outside the ids {start_id}..{last} of -n {count}; raise -n or pin it to an "
                "id in that range"
            )
            raise ConfigError(msg)


def attribute_combo(layers: Sequence[Layer], one: OneOfOne) -> tuple[Combo, bool]:
    """The combination a 1-of-1's attributes name (trait_type = layer label, value = option
    label or none_value; unnamed layers absent), and whether every attribute matched."""
    values = [ABSENT] * len(layers)
    by_label = {layer.label: index for index, layer in enumerate(layers)}
    complete, seen = True, set()
    for attribute in one.attributes:
        index = by_label.get(attribute.get("trait_type"))  # type: ignore[arg-type]
        value = _option(layers[index], attribute.get("value")) if index is not None else None
        if index is None or value is None or index in seen:
            complete = False
            continue
        seen.add(index)
        values[index] = value
    return tuple(values), complete


def _option(layer: Layer, value: object) -> int | None:
    if layer.none_value is not None and value == layer.none_value:
        return ABSENT
    labels = [option.label for option in layer.options]
    return labels.index(value) if isinstance(value, str) and value in labels else None


def reserved_combos(spec: CollectionSpec) -> list[Combo]:
    """The combinations the 1-of-1s' attributes name completely, once each, in file order."""
    combos = []
    for one in spec.one_of_ones:
        combo, complete = attribute_combo(spec.layers, one)
        if complete and combo not in combos:
            combos.append(combo)
    return combos
