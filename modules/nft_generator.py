"""One generation run: plan (or resume the saved plan), check capacity, prepare the output,
render what is missing, then publish the collection files and log the run."""

import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from modules.animation import spec_animation_problems
from modules.capacity import Capacity, capacity
from modules.checkpoint import (
    PlanState,
    RunInputs,
    check_fingerprint,
    fingerprint,
    fingerprint_digest,
    read_plan_state,
    write_plan_state,
)
from modules.collection_renderer import CollectionRenderer, ProgressCallback, render_settings_for
from modules.dependency_container import Container
from modules.errors import CapacityError, CheckpointError, ConfigError, TraitFileError
from modules.output_folder import (
    check_output_location,
    checked_write,
    collection_files,
    prepare_output,
)
from modules.planner import Planner
from modules.report import Report
from modules.run_log import append_run, utc_now
from modules.selection import ABSENT, Combo
from modules.settings import GenerationSettings, draw_seed

logger = logging.getLogger(__name__)


class NFTGenerator:
    """Runs the pipeline for one settings object with the services of one container."""

    def __init__(self, container: Container, settings: GenerationSettings) -> None:
        self.container = container
        self.settings = settings

    def run(self, on_progress: ProgressCallback | None = None) -> tuple[list[Combo], Report]:
        """Plan and, unless dry-run, render what is missing and publish the collection."""
        state, report = self.plan()
        combos = state.combos
        if self.settings.dry_run:
            report.planned_only = True
            return combos, report
        started_at = utc_now()
        check_output_location(self.settings.output_dir, self.settings.traits_dir)
        image_dir, metadata_dir = prepare_output(
            self.settings.output_dir, self.settings.force, self.settings.resume
        )
        self._write(write_plan_state, self.settings.output_dir, state)
        render_settings = render_settings_for(
            self.container, self.settings, image_dir, metadata_dir
        )
        CollectionRenderer(self.container, self.settings, render_settings, report, on_progress).run(
            combos
        )
        self._log_run(state, report, started_at)
        return combos, report

    def plan(self) -> tuple[PlanState, Report]:
        """The combination of every token 1..N, continuing a saved plan when resuming;
        checks capacity first and writes nothing."""
        settings, model = self.settings, self.container.model
        self._check_animation()
        saved = self._saved_plan()
        seed = self._seed(saved)
        inputs = RunInputs(
            seed, settings.encode_options, settings.max_attempts, settings.max_trait_attempts
        )
        current = fingerprint(self.container.spec, settings.traits_dir, inputs)
        rng, redraws = random.Random(seed), Counter[str]()
        if saved is not None:
            check_fingerprint(saved.fingerprint, current, settings.output_dir)
            rng, redraws = self._restore(saved, seed)
        limit = self._check_count(capacity(model))
        planner = self._planner(rng)
        planner.failures = redraws
        planner.plan(settings.num_tokens - len(planner.tracker))
        tracker_state = planner.tracker.to_state()
        state = PlanState(current, seed, rng.getstate(), tracker_state, dict(planner.failures))
        return state, Report(settings.num_tokens, seed, limit, planner.failures)

    def _check_animation(self) -> None:
        """Animated traits that cannot share a token are refused before anything runs."""
        problems = spec_animation_problems(self.container.spec, self.settings.gif_duration)
        if problems:
            raise TraitFileError(*problems)

    def _planner(self, rng: random.Random) -> Planner:
        return Planner(
            self.container.model,
            rng,
            self.container.trait_tracker,
            self.settings.max_attempts,
            self.settings.max_trait_attempts,
        )

    def _saved_plan(self) -> PlanState | None:
        if not self.settings.resume:
            return None
        output = self.settings.output_dir
        saved = read_plan_state(output)
        if saved is None and collection_files(output):
            msg = (
                f"{output}: holds a collection but no checkpoint (rng_state.json, "
                "tracker_state.json), so it cannot be resumed; use --force to start over"
            )
            raise CheckpointError(msg)
        return saved

    def _seed(self, saved: PlanState | None) -> int:
        if self.settings.seed is not None:
            return self.settings.seed
        if saved is not None:
            return saved.seed
        seed = draw_seed()
        logger.info("Seed %d (pass --seed %d to reproduce this collection)", seed, seed)
        return seed

    def _restore(self, saved: PlanState, seed: int) -> tuple[random.Random, Counter[str]]:
        """Load the saved tokens into the tracker and continue from the saved RNG; when the
        RNG state was lost, plan again from the seed (the plan is a pure function of it)."""
        combos = saved.combos
        _check_combos(combos, self.container.model.weights, self.settings.output_dir)
        if saved.rng_state is None:
            planner = self._planner(random.Random(seed))
            if planner.plan(len(combos)) != combos:
                msg = f"{self.settings.output_dir}: checkpoint does not match; use --force"
                raise CheckpointError(msg)
            return planner.rng, planner.failures
        self.container.trait_tracker.restore(saved.tracker_state)
        rng = random.Random()
        rng.setstate(saved.rng_state)
        return rng, Counter(saved.redraws)

    def _check_count(self, limit: Capacity) -> Capacity:
        requested, planned = self.settings.num_tokens, len(self.container.trait_tracker)
        if requested < planned:
            msg = (
                f"-n {requested} is less than the {planned} tokens already planned in "
                f"{self.settings.output_dir}; use -n {planned} or more (tokens are never removed)"
            )
            raise ConfigError(msg)
        if requested > limit.count:
            raise CapacityError(
                too_many_tokens(requested, limit, self.container.model.similar_limit)
            )
        return limit

    def _write(self, action: Callable[..., None], *args: object) -> None:
        checked_write(self.container.resource_manager, self.settings.output_dir, action, *args)

    def _log_run(self, state: PlanState, report: Report, started_at: str) -> None:
        self._write(
            append_run,
            self.settings.output_dir,
            {
                "started": started_at,
                "ended": utc_now(),
                "duration_s": round(report.seconds, 3),
                "seed": state.seed,
                "tokens_requested": report.requested,
                "tokens_written": report.written,
                "tokens_reused": report.reused,
                "metadata_rewritten": report.metadata_rewritten,
                "failures": report.failures_by_reason(),
                "retries": report.retries,
                "workers": self.settings.workers,
                "fingerprint": fingerprint_digest(state.fingerprint),
                "resumed": self.settings.resume,
                "exit_code": report.exit_code,
            },
        )


def _check_combos(
    combos: Sequence[Combo], weights: Sequence[Sequence[int]], output_dir: Path
) -> None:
    """Saved combinations must fit the current layers (the fingerprint says they should)."""
    for combo in combos:
        if len(combo) != len(weights) or any(
            not (value == ABSENT or 0 <= value < len(options))
            for value, options in zip(combo, weights, strict=True)
        ):
            msg = f"{output_dir}: tracker_state.json is damaged; start fresh with --force"
            raise CheckpointError(msg)


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
