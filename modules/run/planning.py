"""Plan a run: every token's combination from the seed, or continuing the plan saved in the
output folder when resuming; capacity and animation limits are checked first. Reads the
checkpoint, writes nothing."""

import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from modules.errors import (
    CapacityError,
    CheckpointError,
    ConfigError,
    TraitFileError,
)
from modules.load.spec import CollectionSpec
from modules.plan.capacity import Capacity
from modules.plan.counted_plan import plan_counted
from modules.plan.layout import LayoutPlanner, TokenLayout
from modules.plan.one_of_ones import marker
from modules.plan.quotas import Quotas, quota_problems, quotas_from_spec
from modules.plan.reroll import Reroller, replay_rerolls
from modules.plan.rule_check import rule_problems
from modules.plan.saved_plan import saved_plan_problem
from modules.plan.selection import Combo, SelectionModel, model_from_spec
from modules.plan.trait_tracker import TraitTracker
from modules.publish.checkpoint import (
    TRACKER_STATE,
    PlanState,
    check_fingerprint,
    fingerprint,
    read_plan_state,
    tracker_damaged,
)
from modules.publish.output_folder import collection_files
from modules.render.animation import spec_animation_problems
from modules.run.memory_budget import check_plan_memory
from modules.run.plan_shape import PlanShape, plan_shape, shape_capacity
from modules.settings import GenerationSettings, draw_seed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """Every token's combination (ids 1..N) and what planning found; nothing is written."""

    spec: CollectionSpec
    state: PlanState
    capacity: Capacity
    layout: TokenLayout = TokenLayout()  # each id's layer set and 1-of-1

    @property
    def combos(self) -> Sequence[Combo]:
        return self.state.combos

    @property
    def seed(self) -> int:
        return self.state.seed

    @property
    def redraws(self) -> Counter[str]:
        return Counter(self.state.redraws)


def make_plan(spec: CollectionSpec, tracker: TraitTracker, settings: GenerationSettings) -> Plan:
    """Plan tokens 1..settings.num_tokens into `tracker` (empty on entry)."""
    _check_animation(spec, settings)
    _check_rules(spec)
    _check_floor(spec)
    model = model_from_spec(spec)
    saved = _saved_plan(settings)
    seed = _seed(settings, saved)
    current = fingerprint(spec, settings, seed)
    rng, redraws = random.Random(seed), Counter[str]()
    if saved is not None:
        check_fingerprint(saved.fingerprint, current, settings.output_dir)
    shape = plan_shape(spec, model, seed, settings, saved)
    shape.reserve(tracker)
    if saved is not None:
        reroller = token_reroller(spec, shape.models, shape.layout, seed)
        rng, redraws = _restore(spec, saved, seed, shape, tracker, settings, reroller)
    limit = shape_capacity(shape, spec, settings.num_tokens)
    limit = _check_count(settings, len(tracker), limit, model)
    quotas = quotas_from_spec(spec)
    check_plan_memory(settings.num_tokens, len(tracker), counted=bool(quotas))
    if quotas and len(tracker) < settings.num_tokens:
        _plan_counts(spec, shape, quotas, rng, tracker, settings.num_tokens)
    planner = _planner(shape, rng, tracker, settings)
    planner.failures = redraws
    planner.extend(settings.num_tokens - len(tracker))
    rerolls = [] if saved is None else saved.rerolls  # in order, for a rebuild
    state = PlanState(
        current, seed, rng.getstate(), tracker.combos, dict(planner.failures), rerolls
    )
    return Plan(spec, state, limit, shape.layout)


def _plan_counts(
    spec: CollectionSpec,
    shape: PlanShape,
    quotas: Quotas,
    rng: random.Random,
    tracker: TraitTracker,
    requested: int,
) -> None:
    """Plan ids 1..requested at once with the counts exact (1-of-1s keep their ids); counts
    fix the whole collection, so a counted collection is never extended."""
    if len(tracker):
        msg = (
            f"-n {requested}: the {len(tracker)} tokens of this collection were planned with "
            "exact counts (count, absent_count, max_count), which hold for the whole "
            f"collection, so it cannot be extended; resume with -n {len(tracker)}, or start "
            "over with --force"
        )
        raise ConfigError(msg)
    layout = shape.layout
    generated = [i for i in range(1, requested + 1) if i not in layout.one_of_ones]
    problems = quota_problems(spec, shape.model, quotas, len(generated))
    if problems:
        raise CapacityError(*problems)
    models = [shape.models[layout.set_of(i) or 0] for i in generated]
    combos = iter(plan_counted(spec, models, quotas, rng, frozenset(shape.reserved)))
    for token_id in range(1, requested + 1):
        index = layout.one_of_ones.get(token_id)
        tracker.add(next(combos) if index is None else marker(index, shape.model.layer_count))


def _check_floor(spec: CollectionSpec) -> None:
    layers = len(spec.layers)
    if spec.min_trait_difference > layers:
        msg = (
            f"config.json: $.min_trait_difference: {spec.min_trait_difference} is more than the "
            f"{layers} layers, so no two tokens could differ that much; use at most {layers}"
        )
        raise ConfigError(msg)


def _check_animation(spec: CollectionSpec, settings: GenerationSettings) -> None:
    """Animated traits that cannot share a token are refused before anything runs."""
    problems = spec_animation_problems(spec, settings.encode.gif_duration)
    if problems:
        raise TraitFileError(*problems)


def _check_rules(spec: CollectionSpec) -> None:
    """Rules that make an option impossible, and dead ends the planner routes around, are
    reported before planning. An option shut out by rules is warned about, not refused:
    ruler.json has always allowed that ("*" next to a required layer); a count on such an
    option is refused by the count checks."""
    impossible, dead_ends = rule_problems(spec)
    for warning in (*impossible, *dead_ends):
        logger.warning("%s", warning)


def _planner(
    shape: PlanShape, rng: random.Random, tracker: TraitTracker, settings: GenerationSettings
) -> LayoutPlanner:
    return shape.planner(rng, tracker, settings)


def _saved_plan(settings: GenerationSettings) -> PlanState | None:
    if not settings.resume:
        return None
    output = settings.output_dir
    saved = read_plan_state(output)
    if saved is None and collection_files(output):
        msg = (
            f"{output}: holds a collection but no checkpoint (rng_state.json, "
            "tracker_state.json), so it cannot be resumed; use --force to start over"
        )
        raise CheckpointError(msg)
    return saved


def _seed(settings: GenerationSettings, saved: PlanState | None) -> int:
    if settings.seed is not None:
        return settings.seed
    if saved is not None:
        return saved.seed
    seed = draw_seed()
    logger.info("Seed %d (pass --seed %d to reproduce this collection)", seed, seed)
    return seed


def _restore(
    spec: CollectionSpec,
    saved: PlanState,
    seed: int,
    shape: PlanShape,
    tracker: TraitTracker,
    settings: GenerationSettings,
    reroller: Reroller,
) -> tuple[random.Random, Counter[str]]:
    """Load the saved tokens into the tracker and continue from the saved RNG; when the
    RNG state was lost, plan again from the seed (the plan is a pure function of it and
    the recorded re-rolls, replayed where they happened)."""
    combos, tracker_path = saved.combos, settings.output_dir / TRACKER_STATE
    _check_combos(combos, shape, tracker_path)
    if saved.rng_state is None:
        planner = _planner(shape, random.Random(seed), tracker, settings)
        quotas = quotas_from_spec(spec)

        def plan_to(count: int) -> None:
            if quotas and not len(tracker):  # a counted plan is made whole at once
                _plan_counts(spec, shape, quotas, planner.rng, tracker, count)
            else:
                planner.extend(count - len(tracker))

        if not _replanned(saved, plan_to, reroller, tracker):
            problem = f"its tokens are not the ones seed {seed} plans from these inputs"
            raise tracker_damaged(f"{tracker_path}: {problem}")
        return planner.rng, planner.failures
    tracker.restore(saved.combos)
    rng = random.Random()
    rng.setstate(saved.rng_state)
    return rng, Counter(saved.redraws)


def _replanned(
    saved: PlanState, plan_to: Callable[[int], None], reroller: Reroller, tracker: TraitTracker
) -> bool:
    """Plan the saved tokens again from the seed, replaying the re-rolls where they happened;
    whether that gives the saved tokens."""
    try:
        replay_rerolls(
            saved.rerolls,
            len(saved.combos),
            plan_to,
            lambda token_id, keep, count: reroller.reroll(tracker, token_id, keep, count),
        )
    except (CapacityError, ConfigError):  # a re-roll these inputs cannot replay
        return False
    return list(tracker.combos) == list(saved.combos)


def token_reroller(
    spec: CollectionSpec, models: Sequence[SelectionModel], layout: TokenLayout, seed: int
) -> Reroller:
    """Re-rolls tokens of a plan, each with its layer set's model."""
    return Reroller(spec.layers, lambda token_id: models[layout.set_of(token_id) or 0], seed)


def _check_count(
    settings: GenerationSettings, planned: int, limit: Capacity, model: SelectionModel
) -> Capacity:
    requested = settings.num_tokens
    if requested < planned:
        msg = (
            f"-n {requested} is less than the {planned} tokens already planned in "
            f"{settings.output_dir}; use -n {planned} or more (tokens are never removed)"
        )
        raise ConfigError(msg)
    if requested > limit.count:
        raise CapacityError(too_many_tokens(requested, limit, model))
    return limit


def _check_combos(combos: Sequence[Combo], shape: PlanShape, tracker_path: Path) -> None:
    """Saved combinations must be ones planning makes with these layers, rules and limits
    (the fingerprint says they are the same), before the tracker takes them."""
    problem = saved_plan_problem(combos, shape.model, shape.saved_layout())
    if problem is not None:
        raise tracker_damaged(f"{tracker_path}: {problem}")


def too_many_tokens(requested: int, limit: Capacity, model: SelectionModel) -> str:
    """The refusal for an -n above capacity, naming only the limits that apply."""
    count = f"{limit.count}" if limit.exact else f"(at most) {limit.count}"
    settings = [
        name
        for name, used in (
            ("max_similar_combinations", model.similar_limit is not None),
            ("min_trait_difference", model.min_difference > 1),
        )
        if used
    ]
    limits, relax = "traits and rules", "ruler.json"
    if settings:
        limits = f"traits, rules and {' and '.join(settings)}"
        relax = f"{relax} / those settings"
    return (
        f"-n {requested} is more than the {count} distinct tokens these {limits} allow; "
        f"lower -n, add options or relax {relax}"
    )
