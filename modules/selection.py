"""The selection model and weighted draws: pure and deterministic (no PIL, no files)."""

import random
from bisect import bisect_right
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from modules.constants import MAX_RARITY
from modules.spec import CollectionSpec

ABSENT = -1
Combo = tuple[int, ...]  # one option index per layer in trait order, ABSENT for a missing layer
Conflicts = Mapping[tuple[int, int], Mapping[int, frozenset[int]]]


@dataclass(frozen=True, eq=False)
class SelectionModel:
    """Everything selection needs, as indices: weights, presence, rule conflicts, draw order."""

    weights: tuple[tuple[int, ...], ...]
    presence: tuple[int, ...]
    conflicts: Conflicts  # (layer, option) -> {other layer: options it may not appear with}
    priority: tuple[int, ...]
    similar_limit: int | None  # max tokens sharing the priority values; None = unlimited

    @property
    def layer_count(self) -> int:
        return len(self.weights)

    @cached_property
    def rest(self) -> tuple[int, ...]:
        """Non-priority layers in trait order; drawn after the priority layers."""
        return tuple(i for i in range(self.layer_count) if i not in self.priority)

    @cached_property
    def ruled_layers(self) -> frozenset[int]:
        """Layers some rule constrains; the others skip conflict checks entirely."""
        return frozenset(layer for table in self.conflicts.values() for layer in table)

    @cached_property
    def cumulative(self) -> tuple[tuple[int, ...], ...]:
        """Per layer, the running sums of option weights that weighted_index bisects."""
        return tuple(tuple(accumulate(weights)) for weights in self.weights)

    def optional(self, layer: int) -> bool:
        return self.presence[layer] < MAX_RARITY

    def domain(self, layer: int) -> list[int]:
        """Every value the layer can take, ABSENT last when it is optional."""
        values = list(range(len(self.weights[layer])))
        return values + [ABSENT] if self.optional(layer) else values

    def compatible(self, layer: int, value: int, chosen: Mapping[int, int]) -> bool:
        """Whether `layer = value` breaks no rule with the values already chosen."""
        if value == ABSENT:
            return True
        forbidden = self.conflicts.get((layer, value))
        if not forbidden:
            return True
        return not any(other in forbidden.get(j, ()) for j, other in chosen.items())

    def blocked(self, layer: int, chosen: Mapping[int, int]) -> set[int]:
        """Options of `layer` that a rule forbids next to the values already chosen."""
        blocked: set[int] = set()
        for key in chosen.items():
            table = self.conflicts.get(key)
            if table and layer in table:
                blocked |= table[layer]
        return blocked


def model_from_spec(spec: CollectionSpec) -> SelectionModel:
    """Index the spec's weights and rules; rules hold in both directions."""
    conflicts: dict[tuple[int, int], dict[int, set[int]]] = {}
    for rule in spec.rules:
        for a in rule.if_options:
            for b in rule.excluded:
                conflicts.setdefault((rule.if_layer, a), {}).setdefault(rule.then_layer, set()).add(
                    b
                )
                conflicts.setdefault((rule.then_layer, b), {}).setdefault(rule.if_layer, set()).add(
                    a
                )
    return SelectionModel(
        weights=tuple(tuple(o.weight for o in layer.options) for layer in spec.layers),
        presence=tuple(layer.presence for layer in spec.layers),
        conflicts={
            key: {layer: frozenset(options) for layer, options in table.items()}
            for key, table in conflicts.items()
        },
        priority=spec.priority_layers,
        similar_limit=spec.max_similar if spec.priority_layers else None,
    )


def weighted_index(rng: random.Random, cumulative: Sequence[float]) -> int:
    """Pick index i with probability weight_i / total from running sums, using one
    rng.random() call (stable across Python versions, unlike choices/randrange)."""
    index = bisect_right(cumulative, rng.random() * cumulative[-1])
    return min(index, len(cumulative) - 1)  # rounding can land exactly on the total


def draw_layers(
    model: SelectionModel,
    rng: random.Random,
    layers: Sequence[int],
    chosen: MutableMapping[int, int],
) -> bool:
    """Draw `layers` in order into `chosen`; False at a dead end (a required layer with every
    option excluded by rules). Same draws as draw_layer, inlined for rule-free layers because
    planning runs it for every token."""
    random_, ruled = rng.random, model.ruled_layers
    for layer in layers:
        presence = model.presence[layer]
        if presence < MAX_RARITY and random_() * MAX_RARITY >= presence:
            chosen[layer] = ABSENT
        elif layer in ruled:
            value = _draw_option(model, rng, layer, chosen)
            if value is None:
                return False
            chosen[layer] = value
        else:
            cumulative = model.cumulative[layer]
            index = bisect_right(cumulative, random_() * cumulative[-1])
            chosen[layer] = min(index, len(cumulative) - 1)
    return True


def draw_layer(
    model: SelectionModel, rng: random.Random, layer: int, chosen: Mapping[int, int]
) -> int | None:
    """One layer: presence first, then an option by weight among those the rules allow."""
    presence = model.presence[layer]
    if presence < MAX_RARITY and rng.random() * MAX_RARITY >= presence:
        return ABSENT
    return _draw_option(model, rng, layer, chosen)


def _draw_option(
    model: SelectionModel, rng: random.Random, layer: int, chosen: Mapping[int, int]
) -> int | None:
    """An option of a present layer, by weight among those the rules allow."""
    blocked = model.blocked(layer, chosen) if layer in model.ruled_layers else None
    if not blocked:
        return weighted_index(rng, model.cumulative[layer])
    weights = model.weights[layer]
    allowed = [i for i in range(len(weights)) if i not in blocked]
    if not allowed:
        return ABSENT if model.optional(layer) else None
    return allowed[weighted_index(rng, list(accumulate(weights[i] for i in allowed)))]


def combo_probability(model: SelectionModel, combo: Combo) -> float:
    """The configured chance of `combo` before rules and uniqueness: presence x weight share."""
    probability = 1.0
    for layer, value in enumerate(combo):
        present = model.presence[layer] / MAX_RARITY
        if value == ABSENT:
            probability *= 1 - present
        else:
            weights = model.weights[layer]
            probability *= present * weights[value] / sum(weights)
    return probability
