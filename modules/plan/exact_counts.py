"""The exact answer for small counted collections: a search over sets of distinct valid
combinations that either finds one meeting every count, cap and limit or proves none exists."""

import random
from collections import Counter
from collections.abc import Sequence
from itertools import combinations, islice

from modules.plan.capacity import Budget, BudgetExceeded, assignments
from modules.plan.quotas import Quotas
from modules.plan.selection import Combo, SelectionModel

# The sizes the search takes on (its depth is the token count); beyond them the repair's
# answer stands.
MAX_CANDIDATES = 5_000
MAX_TOKENS = 500


def exact_counted(
    model: SelectionModel,
    quotas: Quotas,
    tokens: int,
    rng: random.Random,
    reserved: frozenset[Combo],
    budget: Budget,
) -> list[Combo] | None:
    """`tokens` distinct combinations meeting the counts, in a seeded order; None when none
    exist. Raises BudgetExceeded when the search would cost more than `budget`."""
    if tokens > MAX_TOKENS:
        raise BudgetExceeded
    order = range(model.layer_count)
    found_combos = (
        combo
        for chosen in assignments(model, order, {}, budget)
        if (combo := tuple(chosen[layer] for layer in order)) not in reserved
    )
    # one past the limit is enough to know: a large model is not enumerated to the budget
    candidates = list(islice(found_combos, MAX_CANDIDATES + 1))
    if len(candidates) > MAX_CANDIDATES:
        raise BudgetExceeded
    search = _Search(model, quotas, tokens, candidates, budget)
    found = search.run()
    if found is None:
        return None
    for i in range(len(found) - 1, 0, -1):  # a seeded shuffle spreads the counts over ids
        j = int(rng.random() * (i + 1))
        found[i], found[j] = found[j], found[i]
    return found


class _Search:
    """Include-or-skip over the candidates in order, pruned by what the counts still need."""

    def __init__(
        self,
        model: SelectionModel,
        quotas: Quotas,
        tokens: int,
        candidates: Sequence[Combo],
        budget: Budget,
    ) -> None:
        self.model, self.tokens, self.candidates, self.budget = model, tokens, candidates, budget
        self.need = Counter(
            {(layer, v): c for layer, counted in quotas.counts.items() for v, c in counted.items()}
        )
        self.pool = {layer: quotas.remainder(layer, tokens) for layer in quotas.counts}
        self.caps = Counter(
            {(layer, v): c for layer, caps in quotas.caps.items() for v, c in caps.items()}
        )
        # how many candidates from index i on hold each counted value, for pruning
        self.ahead: list[Counter[tuple[int, int]]] = [Counter()]
        for combo in reversed(candidates):
            here = Counter(self.ahead[-1])
            here.update((layer, v) for layer, v in enumerate(combo) if (layer, v) in self.need)
            self.ahead.append(here)
        self.ahead.reverse()
        self.similar: Counter[Combo] = Counter()
        span = model.layer_count - model.min_difference + 1
        self.subsets = list(combinations(range(model.layer_count), span))
        self.close: set[tuple[int, Combo]] = set()
        self.chosen: list[Combo] = []

    def run(self) -> list[Combo] | None:
        return list(self.chosen) if self._descend(0) else None

    def _descend(self, start: int) -> bool:
        """Choose the next token among candidates[start:], each skipped one for good."""
        left = self.tokens - len(self.chosen)
        if left == 0:
            return all(count == 0 for count in self.need.values())
        for index in range(start, len(self.candidates)):
            if len(self.candidates) - index < left or not self._reachable(index):
                return False
            self.budget.spend()
            combo = self.candidates[index]
            if self._fits(combo):
                self._apply(combo, 1)
                if self._descend(index + 1):
                    return True
                self._apply(combo, -1)
        return False

    def _reachable(self, index: int) -> bool:
        ahead = self.ahead[index]
        return all(count <= ahead[key] for key, count in self.need.items() if count > 0)

    def _fits(self, combo: Combo) -> bool:
        for layer, value in enumerate(combo):
            key = (layer, value)
            if key in self.need:
                if self.need[key] <= 0:
                    return False
            elif layer in self.pool and self.pool[layer] <= 0:
                return False
            if key in self.caps and self.caps[key] <= 0:
                return False
        limit = self.model.similar_limit
        if limit is not None and self.similar[self._key(combo)] >= limit:
            return False
        return not self._too_close(combo)

    def _key(self, combo: Combo) -> Combo:
        return tuple(combo[layer] for layer in self.model.priority)

    def _too_close(self, combo: Combo) -> bool:
        if self.model.min_difference <= 1:
            return False
        return any((i, self._project(combo, s)) in self.close for i, s in enumerate(self.subsets))

    @staticmethod
    def _project(combo: Combo, subset: tuple[int, ...]) -> Combo:
        return tuple(combo[layer] for layer in subset)

    def _apply(self, combo: Combo, step: int) -> None:
        for layer, value in enumerate(combo):
            key = (layer, value)
            if key in self.need:
                self.need[key] -= step
            elif layer in self.pool:
                self.pool[layer] -= step
            if key in self.caps:
                self.caps[key] -= step
        self.similar[self._key(combo)] += step
        if self.model.min_difference > 1:
            for i, subset in enumerate(self.subsets):
                item = (i, self._project(combo, subset))
                if step > 0:
                    self.close.add(item)
                else:
                    self.close.discard(item)
        if step > 0:
            self.chosen.append(combo)
        else:
            self.chosen.pop()
