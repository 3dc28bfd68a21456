"""The selection model and weighted draws: pure and deterministic (no PIL, no files)."""

import random
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from modules.constants import MAX_RARITY
from modules.load.spec import CollectionSpec

ABSENT = -1
Combo = tuple[int, ...]  # one option index per layer in trait order, ABSENT for a missing layer
Conflicts = Mapping[tuple[int, int], Mapping[int, frozenset[int]]]
Blockers = Mapping[tuple[int, int], frozenset[int]]  # (other layer, value) -> options it forbids
# What a draw reads for one layer: (layer, presence or None when always present, running sums
# of the weights without the total, total, blockers of the layer, whether a rule can forbid
# leaving the layer out).
Step = tuple[int, float | None, tuple[float, ...], float, Blockers, bool]


@dataclass(frozen=True, eq=False)
class SelectionModel:
    """Everything selection needs, as indices: weights, presence, rule conflicts, draw order."""

    weights: tuple[tuple[float, ...], ...]  # option weights: 1-5 rarities or any positive number
    presence: tuple[float, ...]  # chance each layer is present, in fifths (5 = always)
    conflicts: Conflicts  # (layer, option) -> {other layer: options it may not appear with}
    priority: tuple[int, ...]
    similar_limit: int | None  # max tokens sharing the priority values; None = unlimited
    min_difference: int = 1  # layers in which any two tokens differ at least

    @property
    def layer_count(self) -> int:
        return len(self.weights)

    @cached_property
    def rest(self) -> tuple[int, ...]:
        """Non-priority layers in trait order; drawn after the priority layers."""
        return tuple(i for i in range(self.layer_count) if i not in self.priority)

    @cached_property
    def blockers(self) -> tuple[Blockers, ...]:
        """Per layer, the conflicts turned around: which of its options each value forbids;
        empty for a layer no rule constrains."""
        tables: tuple[dict[tuple[int, int], frozenset[int]], ...]
        tables = tuple({} for _ in range(self.layer_count))
        for key, table in self.conflicts.items():
            for layer, options in table.items():
                tables[layer][key] = options
        return tables

    @cached_property
    def cumulative(self) -> tuple[tuple[float, ...], ...]:
        """Per layer, the running sums of option weights that weighted_index bisects."""
        return tuple(tuple(accumulate(weights)) for weights in self.weights)

    @cached_property
    def draw_order(self) -> tuple[int, ...]:
        """The order planning draws layers in: priority layers first, then the rest."""
        return self.priority + self.rest

    @cached_property
    def priority_steps(self) -> tuple[Step, ...]:
        """What draw_values reads for the priority layers, in draw order."""
        return tuple(map(self._step, self.priority))

    @cached_property
    def rest_steps(self) -> tuple[Step, ...]:
        """What draw_values reads for the other layers, in draw order."""
        return tuple(map(self._step, self.rest))

    def _step(self, layer: int) -> Step:
        """One tuple per layer, so a draw unpacks it once instead of indexing five tables."""
        presence = self.presence[layer]
        cumulative = self.cumulative[layer]
        optional = presence if presence < MAX_RARITY else None
        blockers = self.blockers[layer]
        guarded = any(ABSENT in options for options in blockers.values())
        return layer, optional, cumulative[:-1], cumulative[-1], blockers, guarded

    def optional(self, layer: int) -> bool:
        return self.presence[layer] < MAX_RARITY

    def domain(self, layer: int) -> list[int]:
        """Every value the layer can take, ABSENT last when it is optional (and alone when its
        presence is 0: a layer outside a token's layer set)."""
        if self.presence[layer] == 0:
            return [ABSENT]
        values = list(range(len(self.weights[layer])))
        return values + [ABSENT] if self.optional(layer) else values

    def compatible(self, layer: int, value: int, chosen: Mapping[int, int]) -> bool:
        """Whether `layer = value` breaks no rule with the values already chosen (ABSENT
        included: a rule may require a layer or forbid it)."""
        forbidden = self.conflicts.get((layer, value))
        if not forbidden:
            return True
        return not any(other in forbidden.get(j, ()) for j, other in chosen.items())

    def blocked(self, layer: int, chosen: Iterable[tuple[int, int]]) -> set[int]:
        """Options of `layer` that a rule forbids next to the (layer, value) pairs chosen."""
        return set().union(*filter(None, map(self.blockers[layer].get, chosen)))


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
        min_difference=spec.min_trait_difference,
    )


def weighted_index(rng: random.Random, cumulative: Sequence[float]) -> int:
    """Pick index i with probability weight_i / total from running sums, using one
    rng.random() call (stable across Python versions, unlike choices/randrange)."""
    index = bisect_right(cumulative, rng.random() * cumulative[-1])
    return min(index, len(cumulative) - 1)  # rounding can land exactly on the total


def draw_values(
    model: SelectionModel, rng: random.Random, steps: Sequence[Step], values: list[int]
) -> bool:
    """Append a draw of each layer of `steps` to `values`, which holds the layers before them
    in model.draw_order; False at a dead end (a required layer with every option excluded by
    rules). Same draws as draw_layer, inlined because planning runs it for every token."""
    random_, append, order = rng.random, values.append, model.draw_order
    for layer, presence, bounds, total, blockers, guarded in steps:
        if presence is not None and random_() * MAX_RARITY >= presence:
            if not guarded or ABSENT not in (
                blocked := model.blocked(layer, zip(order, values, strict=False))
            ):
                append(ABSENT)
                continue
            value = _draw_allowed(model, rng, layer, blocked)  # a rule requires the layer
            if value is None:
                return False
            append(value)
        elif blockers and (blocked := model.blocked(layer, zip(order, values, strict=False))):
            value = _draw_allowed(model, rng, layer, blocked)
            if value is None:
                return False
            append(value)
        else:
            # bisecting without the total clamps a draw that rounds up to it, like weighted_index
            append(bisect_right(bounds, random_() * total))
    return True


def draw_layer(
    model: SelectionModel, rng: random.Random, layer: int, chosen: Mapping[int, int]
) -> int | None:
    """One layer: presence first, then an option by weight among those the rules allow."""
    presence = model.presence[layer]
    if presence < MAX_RARITY and rng.random() * MAX_RARITY >= presence:
        blocked = model.blocked(layer, chosen.items())
        return _draw_allowed(model, rng, layer, blocked) if ABSENT in blocked else ABSENT
    return _draw_option(model, rng, layer, chosen.items())


def _draw_option(
    model: SelectionModel, rng: random.Random, layer: int, chosen: Iterable[tuple[int, int]]
) -> int | None:
    """An option of a present layer, by weight among those the rules allow."""
    blocked = model.blocked(layer, chosen)
    if not blocked:
        return weighted_index(rng, model.cumulative[layer])
    return _draw_allowed(model, rng, layer, blocked)


def _draw_allowed(
    model: SelectionModel, rng: random.Random, layer: int, blocked: set[int]
) -> int | None:
    """An option by weight among those not blocked; when every option is, ABSENT if the layer
    may be left out, else None (a dead end)."""
    weights = model.weights[layer]
    allowed = [i for i in range(len(weights)) if i not in blocked]
    if model.presence[layer] == 0 or not allowed:
        return ABSENT if model.optional(layer) and ABSENT not in blocked else None
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
