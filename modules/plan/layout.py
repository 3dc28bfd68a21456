"""What each token id is besides its combination: the layer set it draws (and composites in
that set's order) and whether it is a 1-of-1; and the planner that fills ids in order with
their set's Planner, all sharing one RNG and tracker."""

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from modules.errors import CapacityError
from modules.load.spec import CollectionSpec
from modules.plan.bulk_draws import BulkDraws, bulk_drawable
from modules.plan.layer_sets import set_assignment, set_models
from modules.plan.one_of_ones import marker, placement
from modules.plan.planner import Planner
from modules.plan.selection import Combo, SelectionModel
from modules.plan.trait_tracker import TraitTracker


@dataclass(frozen=True)
class TokenLayout:
    """`sets[i]`: the layer set of token id i + 1 (empty without layer sets); `one_of_ones`:
    token id -> 1-of-1 number."""

    sets: tuple[int, ...] = ()
    one_of_ones: Mapping[int, int] = field(default_factory=dict)

    def set_of(self, token_id: int) -> int | None:
        return self.sets[token_id - 1] if self.sets else None

    def order(self, spec: CollectionSpec, token_id: int) -> tuple[int, ...]:
        """The layers token `token_id` draws, in drawing order (bottom first)."""
        index = self.set_of(token_id)
        if index is None:
            return tuple(range(len(spec.layers)))
        return spec.layer_sets[index].order

    def name_prefix(self, spec: CollectionSpec, token_id: int) -> str | None:
        index = self.set_of(token_id)
        return None if index is None else spec.layer_sets[index].name_prefix


def token_layout(spec: CollectionSpec, seed: int, count: int, placed: int) -> TokenLayout:
    """The layout of ids 1..count; the 1-of-1s were placed when the first `placed` ids
    (`count` for a new plan) were planned, and keep those ids when a plan is extended."""
    return TokenLayout(set_assignment(spec, seed, count), placement(spec, seed, placed))


class LayoutPlanner:
    """Plans the next token id like Planner: a 1-of-1's marker at its id, otherwise a draw
    by the Planner of the id's layer set."""

    def __init__(
        self,
        models: Sequence[SelectionModel],
        layout: TokenLayout,
        rng: random.Random,
        tracker: TraitTracker,
        attempts: tuple[int, int],
        set_labels: Sequence[str] = (),
    ) -> None:
        self.layout = layout
        self.set_labels = set_labels
        self.rng = rng
        self.tracker = tracker
        self.planners = [Planner(model, rng, tracker, *attempts) for model in models]
        self.layer_count = models[0].layer_count
        self._bulk = (
            BulkDraws(models[0], attempts[0])
            if not layout.sets and bulk_drawable(models[0])
            else None
        )
        self.failures = Counter[str]()

    @property
    def failures(self) -> Counter[str]:
        return self._failures

    @failures.setter
    def failures(self, counts: Counter[str]) -> None:
        # one counter for every set's planner: the plan's redraws are their sum
        self._failures = counts
        for planner in self.planners:
            planner.failures = counts

    def extend(self, count: int) -> None:
        """Plan the next `count` ids, the same as next_combo would; runs of drawn ids go
        through a bulk draw when the model allows one, until the draws start to fail."""
        target, bulk = len(self.tracker) + count, self._bulk
        while len(self.tracker) < target:
            run = 0 if bulk is None else self._bulk_run(len(self.tracker) + 1, target)
            if bulk is not None and run:
                added, redraws = bulk.plan(self.rng, self.tracker, run)
                if redraws:  # a count of 0 would show in the checkpoint, unlike next_combo's
                    self.failures["duplicate"] += redraws
                if added:
                    continue
                bulk = None  # the space is nearly full: each token needs the search anyway
            self.next_combo()

    def _bulk_run(self, token_id: int, target: int) -> int:
        """How many ids from `token_id` on a bulk draw may plan: up to the next 1-of-1."""
        if token_id in self.layout.one_of_ones:
            return 0
        ahead = [i for i in self.layout.one_of_ones if token_id < i <= target]
        return min(ahead, default=target + 1) - token_id

    def next_combo(self) -> Combo:
        token_id = len(self.tracker) + 1
        index = self.layout.one_of_ones.get(token_id)
        if index is not None:
            combo = marker(index, self.layer_count)
            self.tracker.add(combo)
            return combo
        index = self.layout.set_of(token_id)
        try:
            return self.planners[index or 0].next_combo()
        except CapacityError as error:
            if index is None:
                raise
            # Tokens of other sets that leave out the same layers may hold its combinations,
            # so "only k are possible" would not be the collection's true count.
            msg = (
                f"token {token_id}: {self.set_labels[index]} has no combination left that is "
                f"unlike the {token_id - 1} tokens before it (tokens of other sets that look "
                "the same count too); lower its up_to and -n, or add options"
            )
            raise CapacityError(msg) from error


def layout_models(model: SelectionModel, spec: CollectionSpec) -> tuple[SelectionModel, ...]:
    """The model of each layer set, or the one model without sets."""
    return set_models(model, spec) if spec.layer_sets else (model,)
