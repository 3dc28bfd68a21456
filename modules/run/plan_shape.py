"""The shape of a plan beyond its combinations: the layer set and 1-of-1 of each token id,
each set's model and capacity, and the combinations reserved for 1-of-1s."""

import random
from collections import Counter
from dataclasses import dataclass

from modules.errors import CapacityError, ConfigError
from modules.load.spec import CollectionSpec
from modules.plan.capacity import Capacity, capacity
from modules.plan.layer_sets import set_label
from modules.plan.layout import LayoutPlanner, TokenLayout, layout_models, token_layout
from modules.plan.one_of_ones import marker, reserved_combos
from modules.plan.saved_plan import SavedLayout
from modules.plan.selection import Combo, SelectionModel
from modules.plan.trait_tracker import TraitTracker
from modules.publish.checkpoint import PlanState
from modules.settings import GenerationSettings


@dataclass(frozen=True)
class PlanShape:
    """The model of the whole collection, the model of each layer set (the one model without
    sets), which ids take which set and 1-of-1, and the 1-of-1s' reserved combinations."""

    model: SelectionModel
    models: tuple[SelectionModel, ...]
    layout: TokenLayout
    reserved: tuple[Combo, ...]
    set_labels: tuple[str, ...] = ()

    def planner(
        self, rng: random.Random, tracker: TraitTracker, settings: GenerationSettings
    ) -> LayoutPlanner:
        attempts = (settings.max_attempts, settings.max_trait_attempts)
        return LayoutPlanner(self.models, self.layout, rng, tracker, attempts, self.set_labels)

    def saved_layout(self) -> SavedLayout | None:
        """What a saved plan must hold beyond the model's checks; None when nothing does."""
        layout = self.layout
        if not layout.sets and not layout.one_of_ones:
            return None
        count = self.model.layer_count
        markers = {token_id: marker(j, count) for token_id, j in layout.one_of_ones.items()}
        return SavedLayout(
            lambda token_id: self.models[layout.set_of(token_id) or 0], markers, self.reserved
        )

    def reserve(self, tracker: TraitTracker) -> None:
        """No generated token may take a combination a 1-of-1's attributes name."""
        for combo in self.reserved:
            tracker.reserve(combo)


def plan_shape(
    spec: CollectionSpec,
    model: SelectionModel,
    seed: int,
    settings: GenerationSettings,
    saved: PlanState | None,
) -> PlanShape:
    """The shape of a plan of -n tokens, continuing `saved` (whose 1-of-1s keep their ids)."""
    requested, planned = settings.num_tokens, 0 if saved is None else len(saved.combos)
    if spec.shuffle_layer_sets and planned and requested > planned:
        msg = (
            f"-n {requested}: the layer sets of this collection's {planned} tokens are "
            "shuffled over those ids (shuffle_layer_sets), so it cannot be extended; resume "
            f"with -n {planned}, or start a new collection with -n {requested}"
        )
        raise ConfigError(msg)
    layout = token_layout(spec, seed, max(requested, planned), planned or requested)
    reserved = tuple(reserved_combos(spec))
    labels = tuple(set_label(i, layer_set) for i, layer_set in enumerate(spec.layer_sets))
    return PlanShape(model, layout_models(model, spec), layout, reserved, labels)


def shape_capacity(shape: PlanShape, spec: CollectionSpec, requested: int) -> Capacity:
    """Tokens possible: the 1-of-1s plus what the model (or each layer set, for its ids)
    allows besides the reserved combinations; a set with too few is refused by name."""
    ones = len(spec.one_of_ones)
    if not spec.layer_sets:
        limit = capacity(shape.model)
        return Capacity(limit.count - _reserved_in(shape.model, shape.reserved) + ones, limit.exact)
    generated = [
        index
        for token_id, index in enumerate(shape.layout.sets[:requested], start=1)
        if token_id not in shape.layout.one_of_ones
    ]
    wanted, total, exact = Counter(generated), ones, len(spec.layer_sets) == 1
    for index, model in enumerate(shape.models):
        limit = capacity(model)
        count = limit.count - _reserved_in(model, shape.reserved)
        if wanted[index] > count:
            bound = f"{count}" if limit.exact else f"at most {count}"
            label = set_label(index, spec.layer_sets[index])
            msg = (
                f"{label} takes {wanted[index]} token ids but its layers and rules allow "
                f"{bound} distinct tokens; lower its up_to (and -n) or add options"
            )
            raise CapacityError(msg)
        total, exact = total + count, exact and limit.exact
    return Capacity(total, exact)


def _reserved_in(model: SelectionModel, reserved: tuple[Combo, ...]) -> int:
    """Reserved combinations the model could draw, which it then has fewer of (counted only
    without a priority limit, where each valid combination is one token)."""
    if model.similar_limit is not None:
        return 0
    return sum(1 for combo in reserved if _valid(model, combo))


def _valid(model: SelectionModel, combo: Combo) -> bool:
    chosen = dict(enumerate(combo))
    return all(
        value in model.domain(layer) and model.compatible(layer, value, chosen)
        for layer, value in chosen.items()
    )
