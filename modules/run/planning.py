"""Plan a run: every token's combination from the seed, or continuing the plan saved in the
output folder when resuming; capacity and animation limits are checked first. Reads the
checkpoint, writes nothing."""

import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from modules.errors import CapacityError, CheckpointError, ConfigError, TraitFileError
from modules.load.spec import CollectionSpec
from modules.plan.capacity import Capacity, capacity
from modules.plan.planner import Planner
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
from modules.settings import GenerationSettings, draw_seed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """Every token's combination (ids 1..N) and what planning found; nothing is written."""

    spec: CollectionSpec
    state: PlanState
    capacity: Capacity

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
    model = model_from_spec(spec)
    saved = _saved_plan(settings)
    seed = _seed(settings, saved)
    current = fingerprint(spec, settings, seed)
    rng, redraws = random.Random(seed), Counter[str]()
    if saved is not None:
        check_fingerprint(saved.fingerprint, current, settings.output_dir)
        rng, redraws = _restore(saved, seed, model, tracker, settings)
    limit = _check_count(settings, len(tracker), capacity(model), model.similar_limit)
    check_plan_memory(settings.num_tokens, len(tracker))
    planner = _planner(model, rng, tracker, settings)
    planner.failures = redraws
    for _ in range(settings.num_tokens - len(tracker)):
        planner.next_combo()
    state = PlanState(current, seed, rng.getstate(), tracker.combos, dict(planner.failures))
    return Plan(spec, state, limit)


def _check_animation(spec: CollectionSpec, settings: GenerationSettings) -> None:
    """Animated traits that cannot share a token are refused before anything runs."""
    problems = spec_animation_problems(spec, settings.encode.gif_duration)
    if problems:
        raise TraitFileError(*problems)


def _planner(
    model: SelectionModel, rng: random.Random, tracker: TraitTracker, settings: GenerationSettings
) -> Planner:
    return Planner(model, rng, tracker, settings.max_attempts, settings.max_trait_attempts)


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
    saved: PlanState,
    seed: int,
    model: SelectionModel,
    tracker: TraitTracker,
    settings: GenerationSettings,
) -> tuple[random.Random, Counter[str]]:
    """Load the saved tokens into the tracker and continue from the saved RNG; when the
    RNG state was lost, plan again from the seed (the plan is a pure function of it)."""
    combos, tracker_path = saved.combos, settings.output_dir / TRACKER_STATE
    _check_combos(combos, model, tracker_path)
    if saved.rng_state is None:
        planner = _planner(model, random.Random(seed), tracker, settings)
        if planner.plan(len(combos)) != combos:
            problem = f"its tokens are not the ones seed {seed} plans from these inputs"
            raise tracker_damaged(f"{tracker_path}: {problem}")
        return planner.rng, planner.failures
    tracker.restore(saved.combos)
    rng = random.Random()
    rng.setstate(saved.rng_state)
    return rng, Counter(saved.redraws)


def _check_count(
    settings: GenerationSettings, planned: int, limit: Capacity, similar_limit: int | None
) -> Capacity:
    requested = settings.num_tokens
    if requested < planned:
        msg = (
            f"-n {requested} is less than the {planned} tokens already planned in "
            f"{settings.output_dir}; use -n {planned} or more (tokens are never removed)"
        )
        raise ConfigError(msg)
    if requested > limit.count:
        raise CapacityError(too_many_tokens(requested, limit, similar_limit))
    return limit


def _check_combos(combos: Sequence[Combo], model: SelectionModel, tracker_path: Path) -> None:
    """Saved combinations must be ones planning makes with these layers, rules and limits
    (the fingerprint says they are the same), before the tracker takes them."""
    problem = saved_plan_problem(combos, model)
    if problem is not None:
        raise tracker_damaged(f"{tracker_path}: {problem}")


def too_many_tokens(requested: int, limit: Capacity, similar_limit: int | None) -> str:
    """The refusal for an -n above capacity, naming only the limits that apply."""
    count = f"{limit.count}" if limit.exact else f"(at most) {limit.count}"
    limits, relax = "traits and rules", "ruler.json"
    if similar_limit is not None:
        limits, relax = "traits, rules and max_similar_combinations", f"{relax} / those settings"
    return (
        f"-n {requested} is more than the {count} distinct tokens these {limits} allow; "
        f"lower -n, add options or relax {relax}"
    )
