"""How many distinct valid tokens exist: exact counting by rule-linked components, with a
proven upper bound when the count would cost too much."""

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from modules.constants import COUNT_BUDGET_NODES
from modules.plan.selection import Combo, SelectionModel

FLOOR_BUDGET_NODES = 200_000  # per layer subset of the floor's bound


class BudgetExceeded(Exception):
    """Counting or enumeration would visit more nodes than allowed."""


@dataclass
class Budget:
    """Nodes a search may still visit; shared by the calls of one computation."""

    nodes: int = COUNT_BUDGET_NODES

    def spend(self) -> None:
        self.nodes -= 1
        if self.nodes < 0:
            raise BudgetExceeded


@dataclass(frozen=True)
class Capacity:
    """Distinct valid tokens: `count` exactly, or at most `count` when `exact` is False."""

    count: int
    exact: bool


def capacity(model: SelectionModel, budget: Budget | None = None) -> Capacity:
    """Tokens possible under rules, optional layers, the priority-combination limit and the
    similarity floor (which makes it a proven bound)."""
    budget = budget or Budget()
    limit = _capacity(model, budget)
    if model.min_difference <= 1:
        return limit
    return Capacity(min(limit.count, floor_bound(model)), False)


def floor_bound(model: SelectionModel) -> int:
    """With a floor of d, no two tokens share their values on any (layers - d + 1) layers, so
    each such subset's valid assignments bound the tokens (the Singleton bound, with rules)."""
    span = model.layer_count - model.min_difference + 1
    if span <= 0:
        return 1
    bound = math.inf
    for subset in combinations(range(model.layer_count), span):
        try:
            count = count_completions(model, {}, subset, Budget(FLOOR_BUDGET_NODES))
        except BudgetExceeded:
            count = math.prod(len(model.domain(layer)) for layer in subset)
        bound = min(bound, count)
    return int(bound)


def _capacity(model: SelectionModel, budget: Budget) -> Capacity:
    try:
        if model.similar_limit is None:
            return Capacity(count_completions(model, {}, range(model.layer_count), budget), True)
        total = sum(
            min(model.similar_limit, count_completions(model, prefix, model.rest, budget))
            for prefix in assignments(model, model.priority, {}, budget)
        )
        return Capacity(total, True)
    except BudgetExceeded:
        return Capacity(upper_bound(model), False)


def upper_bound(model: SelectionModel) -> int:
    """Ignoring rules: every layer's values multiplied, capped by the priority limit."""
    sizes = [len(model.domain(layer)) for layer in range(model.layer_count)]
    bound = math.prod(sizes)
    if model.similar_limit is not None:
        prefixes = math.prod(sizes[layer] for layer in model.priority)
        bound = min(bound, prefixes * model.similar_limit)
    return bound


def count_completions(
    model: SelectionModel, fixed: Mapping[int, int], layers: Sequence[int], budget: Budget
) -> int:
    """Valid assignments of `layers` given the `fixed` values; layers that share no rule
    are counted separately and multiplied."""
    total = 1
    for component in _components(model, layers):
        total *= sum(1 for _ in assignments(model, component, fixed, budget))
        if total == 0:
            return 0
    return total


def count_completions_upto(
    model: SelectionModel,
    fixed: Mapping[int, int],
    layers: Sequence[int],
    cap: int,
    budget: Budget,
) -> int:
    """min(count_completions, cap), stopping each component's count at `cap`: cheap when the
    answer is "at least cap", as a feasibility check mostly finds."""
    total = 1
    for component in _components(model, layers):
        found = 0
        for _ in assignments(model, component, fixed, budget):
            found += 1
            if found >= cap:
                break
        total = min(total * found, cap)
        if total == 0:
            return 0
    return total


def assignments(
    model: SelectionModel, layers: Sequence[int], fixed: Mapping[int, int], budget: Budget
) -> Iterator[dict[int, int]]:
    """Depth-first, in a fixed order: every rule-abiding assignment of `layers` extending
    `fixed` (the yielded dict is reused; copy it to keep it)."""
    chosen = dict(fixed)
    yield from _extend(model, list(layers), 0, chosen, budget)


def _extend(
    model: SelectionModel, layers: list[int], depth: int, chosen: dict[int, int], budget: Budget
) -> Iterator[dict[int, int]]:
    if depth == len(layers):
        yield chosen
        return
    layer = layers[depth]
    for value in model.domain(layer):
        budget.spend()
        if model.compatible(layer, value, chosen):
            chosen[layer] = value
            yield from _extend(model, layers, depth + 1, chosen, budget)
            del chosen[layer]


def available_combos(
    model: SelectionModel, is_available: Callable[[Combo], bool], budget: Budget
) -> list[Combo]:
    """Every valid combination that `is_available` accepts, in a deterministic order."""
    order = model.priority + model.rest
    combos = []
    for chosen in assignments(model, order, {}, budget):
        combo = tuple(chosen[layer] for layer in range(model.layer_count))
        if is_available(combo):
            combos.append(combo)
    return combos


def _components(model: SelectionModel, layers: Sequence[int]) -> list[list[int]]:
    """Group `layers` into sets linked by rules, each in ascending layer order."""
    links: dict[int, set[int]] = {layer: set() for layer in layers}
    for (layer, _), table in model.conflicts.items():
        if layer in links:
            links[layer].update(other for other in table if other in links)
    components, seen = [], set()
    for start in layers:
        if start in seen:
            continue
        stack, component = [start], set()
        while stack:
            layer = stack.pop()
            if layer not in component:
                component.add(layer)
                stack.extend(links[layer] - component)
        seen |= component
        components.append(sorted(component))
    return components
