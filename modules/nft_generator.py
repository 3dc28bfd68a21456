"""One generation run: plan (or resume the saved plan), check capacity, prepare the output,
render what is missing, then publish the collection files and log the run."""

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from modules.capacity import Capacity, capacity
from modules.checkpoint import (
    HashLedger,
    PlanState,
    RunInputs,
    check_fingerprint,
    fingerprint,
    fingerprint_digest,
    read_plan_state,
    write_plan_state,
)
from modules.dependency_container import Container
from modules.errors import CapacityError, CheckpointError, ConfigError, OutputError
from modules.output_folder import collection_files, prepare_output
from modules.planner import Planner
from modules.render_pool import RenderJob, RenderResult, RenderSettings, render_all
from modules.report import Report
from modules.resource_manager import activate_circuit_breaker
from modules.run_log import append_run, utc_now
from modules.selection import ABSENT, Combo
from modules.settings import GenerationSettings, draw_seed
from modules.stop_signals import StopSignals
from modules.token_verification import verify_tokens

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int], None]


class NFTGenerator:
    """Runs the pipeline for one settings object with the services of one container."""

    def __init__(self, container: Container, settings: GenerationSettings) -> None:
        self.container = container
        self.settings = settings

    def run(self, on_progress: ProgressCallback | None = None) -> tuple[list[Combo], Report]:
        """Plan and, unless dry-run, render what is missing and publish the collection."""
        state, report = self.plan()
        if self.settings.dry_run:
            report.planned_only = True
            return state.combos, report
        started_at, started = utc_now(), time.perf_counter()
        image_dir, metadata_dir = prepare_output(
            self.settings.output_dir, self.settings.force, self.settings.resume
        )
        self._write(write_plan_state, self.settings.output_dir, state)
        self._render_missing(state.combos, image_dir, metadata_dir, report, on_progress)
        report.seconds = time.perf_counter() - started
        self._log_run(state, report, started_at)
        return state.combos, report

    def plan(self) -> tuple[PlanState, Report]:
        """The combination of every token 1..N, continuing a saved plan when resuming;
        checks capacity first and writes nothing."""
        settings, model = self.settings, self.container.model
        saved = self._saved_plan()
        seed = self._seed(saved)
        inputs = RunInputs(
            seed, settings.fmt, settings.quality, settings.max_attempts, settings.max_trait_attempts
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
        combos = planner.tracker.combos
        state = PlanState(current, seed, rng.getstate(), combos, dict(planner.failures))
        return state, Report(settings.num_tokens, seed, limit, planner.failures)

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
        _check_combos(saved.combos, self.container.model.weights, self.settings.output_dir)
        if saved.rng_state is None:
            planner = self._planner(random.Random(seed))
            if planner.plan(len(saved.combos)) != saved.combos:
                msg = f"{self.settings.output_dir}: checkpoint does not match; use --force"
                raise CheckpointError(msg)
            return planner.rng, planner.failures
        for combo in saved.combos:
            self.container.trait_tracker.add(combo)
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

    def _render_missing(
        self,
        combos: list[Combo],
        image_dir: Path,
        metadata_dir: Path,
        report: Report,
        on_progress: ProgressCallback | None,
    ) -> None:
        """Verify what earlier runs wrote, render the rest, and publish when complete."""
        settings = self._render_settings(image_dir, metadata_dir)
        ledger = HashLedger(self.settings.output_dir)
        hashes, todo = self._existing_tokens(combos, ledger, settings)
        report.reused = len(hashes)
        if on_progress and hashes:
            on_progress(len(hashes))
        try:
            self._render(todo, combos, settings, report, ledger, hashes, on_progress)
        finally:
            self._write(ledger.flush)
        if report.done == len(combos):
            self._write(ledger.finish, hashes)
            self._write(
                self.container.metadata_manager.write_collection_files,
                self.settings.output_dir,
                metadata_dir,
                combos,
                self._stats(report),
            )

    def _existing_tokens(
        self, combos: Sequence[Combo], ledger: HashLedger, settings: RenderSettings
    ) -> tuple[dict[int, str], list[int]]:
        """When resuming: hashes of the tokens already complete, and the ids to render."""
        if not self.settings.resume:
            return {}, list(range(1, len(combos) + 1))
        recorded = ledger.load()
        metadata = self.container.metadata_manager
        hashes, todo = verify_tokens(
            ((i, metadata.token_metadata(i, combo)) for i, combo in enumerate(combos, start=1)),
            recorded,
            settings.image_dir,
            settings.metadata_dir,
            settings.extension,
            settings.image_size,
        )
        for token_id in hashes.keys() - recorded.keys():
            ledger.add(token_id, hashes[token_id])
        return hashes, todo

    def _render_settings(self, image_dir: Path, metadata_dir: Path) -> RenderSettings:
        return RenderSettings(
            image_size=self.container.spec.image_size,
            fmt=self.settings.fmt,
            quality=self.settings.quality,
            max_memory_mb=self.settings.max_memory_mb,
            cache_size=self.settings.cache_size,
            image_dir=image_dir,
            metadata_dir=metadata_dir,
        )

    def _render(
        self,
        todo: list[int],
        combos: Sequence[Combo],
        settings: RenderSettings,
        report: Report,
        ledger: HashLedger,
        hashes: dict[int, str],
        on_progress: ProgressCallback | None,
    ) -> None:
        activate_circuit_breaker(self.container.circuit_breaker)
        results = render_all(
            self._jobs(todo, combos),
            settings,
            self.settings.workers,
            self.container.resource_manager,
            self.container.image_processor,
        )
        with StopSignals() as stop:
            for count, result in enumerate(results, start=1):
                self._record(result, report, ledger, hashes)
                if count % self.settings.checkpoint_every == 0:
                    self._write(ledger.flush)
                if on_progress:
                    on_progress(1)
                if self._should_stop(result, report, stop):
                    break

    def _record(
        self, result: RenderResult, report: Report, ledger: HashLedger, hashes: dict[int, str]
    ) -> None:
        report.record(result.token_id, result.error, result.cache_hits, result.cache_misses)
        report.retries += result.retries
        self.container.circuit_breaker.record(result.error is None)
        if result.digest is not None:
            hashes[result.token_id] = result.digest
            ledger.add(result.token_id, result.digest)
        else:
            logger.debug("token %d failed: %s", result.token_id, result.error)

    def _should_stop(self, result: RenderResult, report: Report, stop: StopSignals) -> bool:
        if result.fatal:
            report.fatal = result.error
        elif stop.requested:
            report.interrupted = stop.requested
        elif not self.container.circuit_breaker.allow():
            report.stopped_early = True
        return bool(report.fatal or report.interrupted or report.stopped_early)

    def _jobs(self, todo: Iterable[int], combos: Sequence[Combo]) -> Iterator[RenderJob]:
        layers = self.container.spec.layers
        metadata = self.container.metadata_manager
        for token_id in todo:
            combo = combos[token_id - 1]
            files = tuple(
                layer.options[value].file
                for layer, value in zip(layers, combo, strict=True)
                if value != ABSENT
            )
            yield RenderJob(token_id, files, metadata.token_metadata(token_id, combo))

    def _stats(self, report: Report) -> dict[str, object]:
        return {
            "capacity": {"count": report.capacity.count, "exact": report.capacity.exact},
            "planning_redraws": dict(report.planning_failures),
            "seed": report.seed,
            "tokens": report.done,
        }

    def _write(self, action: Callable[..., None], *args: object) -> None:
        """Parent-side writes: transient errors retried, the rest one clear error."""
        try:
            self.container.resource_manager.call(action, *args)
        except OSError as exc:
            where = exc.filename or self.settings.output_dir
            msg = (
                f"{where}: cannot write ({exc.strerror or exc}); free space or fix permissions, "
                "then run the same command with --resume"
            )
            raise OutputError(msg) from None

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
