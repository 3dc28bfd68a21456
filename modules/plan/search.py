"""Complete search for one combination: depth-first over every rule-abiding assignment in a
weighted random order, so it finds a wanted combination whenever one exists or proves none does."""

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from modules.constants import MAX_RARITY
from modules.plan.capacity import Budget
from modules.plan.selection import ABSENT, Combo, SelectionModel, weighted_index

# Whether a partial assignment (the first `depth` + 1 layers of the draw order) may still lead
# to a wanted combination; a False prunes the whole subtree.
PrefixCheck = Callable[[int, Mapping[int, int]], bool]


@dataclass
class FullPrefixes:
    """Draw-order prefixes proven to hold no wanted combination. Valid while the wanted set only
    shrinks (a planner that only adds tokens), so later searches skip those subtrees."""

    prefixes: set[tuple[int, ...]] = field(default_factory=set)


def find_combo(
    model: SelectionModel,
    rng: random.Random,
    accept: Callable[[Combo], bool],
    fixed: Mapping[int, int] | None = None,
    budget: Budget | None = None,
    prefix_ok: PrefixCheck | None = None,
    full: FullPrefixes | None = None,
) -> Combo | None:
    """A rule-abiding combination with the `fixed` values that `accept` takes, trying values in
    weighted random order; None when none exists. Raises BudgetExceeded past `budget`.

    It draws one number from `rng`: each node's order comes from it and the node's prefix, so
    skipping a full subtree changes neither the orders elsewhere nor what `rng` holds next."""
    search = _Search(model, rng.random(), accept, dict(fixed or {}), budget, prefix_ok, full)
    return search.descend(0, {}, ())


@dataclass
class _Search:
    model: SelectionModel
    seed: float
    accept: Callable[[Combo], bool]
    fixed: dict[int, int]
    budget: Budget | None
    prefix_ok: PrefixCheck | None
    full: FullPrefixes | None

    def descend(self, depth: int, chosen: dict[int, int], prefix: tuple[int, ...]) -> Combo | None:
        model = self.model
        if depth == model.layer_count:
            combo = tuple(chosen[layer] for layer in range(model.layer_count))
            return combo if self.accept(combo) else None
        layer = model.draw_order[depth]
        for value in self._values(layer, prefix):
            if self.budget is not None:
                self.budget.spend()
            if not model.compatible(layer, value, chosen):
                continue
            chosen[layer] = value
            here = (*prefix, value)
            if self._open(depth, chosen, here):
                found = self.descend(depth + 1, chosen, here)
                if found is not None:
                    return found
                if self.full is not None and not self.fixed:
                    self.full.prefixes.add(here)
            del chosen[layer]
        return None

    def _open(self, depth: int, chosen: dict[int, int], prefix: tuple[int, ...]) -> bool:
        if self.full is not None and not self.fixed and prefix in self.full.prefixes:
            return False
        return self.prefix_ok is None or self.prefix_ok(depth, chosen)

    def _values(self, layer: int, prefix: tuple[int, ...]) -> list[int]:
        if layer in self.fixed:
            return [self.fixed[layer]]
        return weighted_order(self.model, random.Random(f"{self.seed}/{prefix}"), layer)


def weighted_order(model: SelectionModel, rng: random.Random, layer: int) -> list[int]:
    """The layer's values in a random order where each comes next with its configured chance
    among those left (ABSENT weighted by the chance the layer is missing)."""
    values = model.domain(layer)
    if len(values) == 1:
        return values
    present = model.presence[layer] / MAX_RARITY
    total = sum(model.weights[layer])
    weights = [
        1 - present if value == ABSENT else present * model.weights[layer][value] / total
        for value in values
    ]
    order = []
    while values:
        running, sums = 0.0, []
        for weight in weights:
            running += weight
            sums.append(running)
        index = weighted_index(rng, sums)
        order.append(values.pop(index))
        weights.pop(index)
    return order
