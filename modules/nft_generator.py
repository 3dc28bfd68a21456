"""One generation run: capacity check, plan, output preflight, render pool, collection files."""

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence

from modules.capacity import Capacity, capacity
from modules.dependency_container import Container
from modules.errors import CapacityError
from modules.output_folder import prepare_output
from modules.planner import Planner
from modules.render_pool import RenderJob, RenderSettings, render_all
from modules.report import Report
from modules.selection import ABSENT, Combo
from modules.settings import GenerationSettings

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int], None]


class NFTGenerator:
    """Runs the pipeline for one settings object with the services of one container."""

    def __init__(self, container: Container, settings: GenerationSettings) -> None:
        self.container = container
        self.settings = settings

    def plan(self) -> tuple[list[Combo], Report]:
        """Check capacity, then choose every token's combination; writes nothing."""
        model, settings = self.container.model, self.settings
        limit = capacity(model)
        if settings.num_tokens > limit.count:
            raise CapacityError(too_many_tokens(settings.num_tokens, limit, model.similar_limit))
        planner = Planner(
            model,
            random.Random(settings.seed),
            self.container.trait_tracker,
            settings.max_attempts,
            settings.max_trait_attempts,
        )
        combos = planner.plan(settings.num_tokens)
        report = Report(settings.num_tokens, settings.seed, limit, planner.failures)
        return combos, report

    def run(self, on_progress: ProgressCallback | None = None) -> tuple[list[Combo], Report]:
        """Plan and, unless dry-run, render and publish the whole collection."""
        combos, report = self.plan()
        if self.settings.dry_run:
            return combos, report
        started = time.perf_counter()
        image_dir, metadata_dir = prepare_output(self.settings.output_dir, self.settings.force)
        render_settings = RenderSettings(
            image_size=self.container.spec.image_size,
            fmt=self.settings.fmt,
            quality=self.settings.quality,
            max_memory_mb=self.settings.max_memory_mb,
            cache_size=self.settings.cache_size,
            image_dir=image_dir,
            metadata_dir=metadata_dir,
        )
        self._render(combos, render_settings, report, on_progress)
        if report.exit_code == 0:
            # Collection files describe a complete collection only.
            self.container.metadata_manager.write_collection_files(
                self.settings.output_dir, metadata_dir, combos, self._stats(report)
            )
        report.seconds = time.perf_counter() - started
        return combos, report

    def _render(
        self,
        combos: Sequence[Combo],
        render_settings: RenderSettings,
        report: Report,
        on_progress: ProgressCallback | None,
    ) -> None:
        breaker = self.container.circuit_breaker
        results = render_all(
            self._jobs(combos),
            render_settings,
            self.settings.workers,
            self.container.resource_manager,
            self.container.image_processor,
        )
        for result in results:
            report.record(result.token_id, result.error, result.cache_hits, result.cache_misses)
            breaker.record(result.error is None)
            if result.error:
                logger.debug("token %d failed: %s", result.token_id, result.error)
            if on_progress:
                on_progress(1)
            if breaker.is_open:
                report.stopped_early = True
                break

    def _jobs(self, combos: Sequence[Combo]) -> Iterator[RenderJob]:
        layers = self.container.spec.layers
        metadata = self.container.metadata_manager
        for token_id, combo in enumerate(combos, start=1):
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
            "tokens": report.written,
        }


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
