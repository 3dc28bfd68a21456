"""Plan token combinations: weighted draws, rules, uniqueness, the similarity limit and floor,
with a complete search as fallback so a feasible -n never fails or skips an id."""

import logging
import math
import random
from collections import Counter
from collections.abc import Mapping
from itertools import accumulate
from operator import itemgetter

from modules.errors import CapacityError
from modules.plan.capacity import Budget, BudgetExceeded, available_combos, count_completions
from modules.plan.search import FullPrefixes, find_combo
from modules.plan.selection import (
    Combo,
    SelectionModel,
    combo_probability,
    draw_values,
    weighted_index,
)
from modules.plan.trait_tracker import TraitTracker

logger = logging.getLogger(__name__)

SPARSE_FLOOR_ATTEMPTS = 20


class Planner:
    """Draws one new combination per token from an explicit RNG; all state is in `rng`
    and `tracker`, so a plan can be checkpointed and extended."""

    def __init__(
        self,
        model: SelectionModel,
        rng: random.Random,
        tracker: TraitTracker,
        max_attempts: int,
        max_trait_attempts: int,
    ) -> None:
        self.model = model
        self.rng = rng
        self.tracker = tracker
        self.max_attempts = max_attempts
        # Redraws of the other layers for one priority combination; without priority
        # layers a redraw is a whole new draw, counted by max_attempts alone.
        self.rest_attempts = max_trait_attempts if model.priority else 1
        self.failures: Counter[str] = Counter()
        self._completions: dict[Combo, float] = {}
        self._full = FullPrefixes()
        # the floor's layer subsets, by the draw depth at which their last layer is chosen
        depth_of = {layer: depth for depth, layer in enumerate(model.draw_order)}
        self._floor_checks: dict[int, list[tuple[int, ...]]] = {}
        for subset in tracker.floor_subsets(model.layer_count):
            self._floor_checks.setdefault(max(depth_of[layer] for layer in subset), []).append(
                subset
            )
        # the common case is one set lookup per draw; can_add also checks limit and floor
        self._is_unusable = self._is_close if self._floor_checks else tracker.is_taken
        # Draws come in model.draw_order; a combo lists them in trait order.
        order = model.draw_order
        in_order = order == tuple(range(model.layer_count))
        # with two or more layers out of order, itemgetter returns a tuple
        self._as_combo = (
            tuple if in_order else itemgetter(*map(order.index, range(model.layer_count)))
        )

    def plan(self, count: int) -> list[Combo]:
        """The next `count` combinations, for token ids len(tracker)+1 onwards."""
        return [self.next_combo() for _ in range(count)]

    def next_combo(self) -> Combo:
        combo = self._draw_new() or self._pick_remaining()
        self.tracker.add(combo)
        return combo

    def _draw_new(self) -> Combo | None:
        model = self.model
        if not model.priority and model.similar_limit is None:
            # nothing to draw first and no limit: an attempt is one draw of every layer
            return self._draw_rest([], self._attempts())
        for _ in range(self._attempts()):
            key: list[int] = []
            if not draw_values(model, self.rng, model.priority_steps, key):
                self.failures["rule_dead_end"] += 1
            elif self._saturated(key):
                self.failures["similar_limit"] += 1
            elif combo := self._draw_rest(key, self.rest_attempts):
                return combo
        return None

    def _attempts(self) -> int:
        """Random draws per token. A floor's space only thins out, so once the complete search
        was needed (recorded in the checkpointed redraw counts) a few draws will do."""
        if self._floor_checks and self.failures["exhaustive_pick"]:
            return min(self.max_attempts, SPARSE_FLOOR_ATTEMPTS)
        return self.max_attempts

    def _draw_rest(self, key: list[int], attempts: int) -> Combo | None:
        """Up to `attempts` draws of the non-priority layers after the priority values `key`."""
        # bound once: without priority layers this loop runs every attempt of every token
        model, rng, steps, as_combo = self.model, self.rng, self.model.rest_steps, self._as_combo
        is_unusable = self._is_unusable
        for _ in range(attempts):
            values = key.copy()
            if not draw_values(model, rng, steps, values):
                self.failures["rule_dead_end"] += 1
                continue
            combo = as_combo(values)
            if not is_unusable(combo):
                return combo
            taken = not self._floor_checks or self.tracker.is_taken(combo)
            self.failures["duplicate" if taken else "too_similar"] += 1
        return None

    def _is_close(self, combo: Combo) -> bool:
        return not self.tracker.can_add(combo)

    def _saturated(self, key: list[int]) -> bool:
        """Whether the priority combination `key` can take no further token."""
        limit = self.model.similar_limit
        if limit is None:
            return False
        prefix = tuple(key)
        used = self.tracker.similar_count(prefix)
        return used >= limit or used >= self._completion_count(prefix)

    def _completion_count(self, key: Combo) -> float:
        if key not in self._completions:
            prefix = dict(zip(self.model.priority, key, strict=True))
            try:
                count: float = count_completions(self.model, prefix, self.model.rest, Budget())
            except BudgetExceeded:
                count = math.inf
            self._completions[key] = count
        return self._completions[key]

    def _pick_remaining(self) -> Combo:
        """After the random draws failed: choose by weight among all combinations still
        available, or take the first a complete search in weighted random order finds: when
        too many remain to list, or with a floor, which the search prunes by and a list cannot.
        Either fails only when no token is left."""
        token = len(self.tracker) + 1
        combos = None if self._floor_checks else self._listed()
        if combos is None:
            combo = find_combo(
                self.model,
                self.rng,
                self.tracker.can_add,
                prefix_ok=self._prefix_ok,
                full=self._full,
            )
            combos = [] if combo is None else [combo]
        if not combos:
            raise CapacityError(self._exhausted(token))
        logger.debug("token %d: picked among %d remaining combinations", token, len(combos))
        self.failures["exhaustive_pick"] += 1
        weights = [combo_probability(self.model, combo) for combo in combos]
        return combos[weighted_index(self.rng, list(accumulate(weights)))]

    def _listed(self) -> list[Combo] | None:
        """Every combination still available, or None when there are too many to list."""
        try:
            return available_combos(self.model, self.tracker.can_add, Budget())
        except BudgetExceeded:
            return None

    def _prefix_ok(self, depth: int, chosen: Mapping[int, int]) -> bool:
        """Prune a partial draw whose priority values are saturated or that already agrees with
        a token on one of the floor's layer subsets."""
        model, tracker = self.model, self.tracker
        if depth == len(model.priority) - 1 and model.similar_limit is not None:
            key = tracker.priority_key(dict(chosen))
            if tracker.similar_count(key) >= model.similar_limit:
                return False
        subsets = self._floor_checks.get(depth, ())
        return not any(tracker.shares_projection(chosen, subset) for subset in subsets)

    def _exhausted(self, token: int) -> str:
        planned = token - 1
        if self.model.min_difference > 1:
            return (
                f"token {token}: no combination is left that differs from each of the {planned} "
                f"tokens planned in at least {self.model.min_difference} layers (searched "
                "exhaustively); lower -n or min_trait_difference, or add options"
            )
        return (
            f"token {token}: every valid combination is used; only {planned} distinct "
            "tokens are possible with these traits, rules and max_similar_combinations"
        )
