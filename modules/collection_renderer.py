"""Render the tokens a collection is missing: verify what earlier runs wrote, fan the rest
out to the pool, record hashes as checkpoints, stop cleanly, publish when complete."""

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from modules.atomic_io import atomic_write_json
from modules.checkpoint import HashLedger
from modules.dependency_container import Container
from modules.output_folder import checked_write
from modules.provenance import provenance_document, write_provenance_document
from modules.render_pool import RenderJob, RenderResult, RenderSettings, render_all
from modules.report import Report
from modules.resource_manager import activate_circuit_breaker
from modules.selection import ABSENT, Combo
from modules.settings import GenerationSettings
from modules.stop_signals import StopSignals
from modules.token_verification import verify_tokens

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int], None]
# Progress is reported at most this often (seconds), not per token.
PROGRESS_INTERVAL = 0.2


class BatchedProgress:
    """Passes finished-token counts on to a callback at most every PROGRESS_INTERVAL s."""

    def __init__(self, callback: ProgressCallback) -> None:
        self.callback = callback
        self.pending = 0
        self.last = time.perf_counter()

    def add(self, tokens: int) -> None:
        self.pending += tokens
        if time.perf_counter() - self.last >= PROGRESS_INTERVAL:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.callback(self.pending)
            self.pending = 0
        self.last = time.perf_counter()


class CollectionRenderer:
    """One run's rendering; `hashes` maps every finished token id to its image's SHA-256."""

    def __init__(
        self,
        container: Container,
        settings: GenerationSettings,
        render_settings: RenderSettings,
        report: Report,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.container = container
        self.settings = settings
        self.render_settings = render_settings
        self.report = report
        self.on_progress = on_progress or (lambda _: None)
        self.ledger = HashLedger(settings.output_dir)
        self.hashes: dict[int, str] = {}

    def run(self, combos: Sequence[Combo]) -> None:
        """Render what is missing; write the collection files once every token exists."""
        started = time.perf_counter()
        todo = self._verify_existing(combos)
        self.report.reused = len(self.hashes)
        self.on_progress(len(self.hashes))
        try:
            self._render(todo, combos)
        finally:
            self._write(self.ledger.flush)
            self.report.seconds = time.perf_counter() - started
        if self.report.done == len(combos):
            self._write(self.ledger.finish, self.hashes)
            self._write(
                self.container.metadata_manager.write_collection_files,
                self.settings.output_dir,
                self.render_settings.metadata_dir,
                combos,
                self._stats(),
            )
            metadata = self.container.metadata_manager
            images = [
                (i, metadata.image_file(i, combo), self.hashes[i])
                for i, combo in enumerate(combos, start=1)
            ]
            write_provenance_document(self.settings.output_dir, provenance_document(images))

    def _verify_existing(self, combos: Sequence[Combo]) -> list[int]:
        """When resuming: keep the tokens already complete on disk (rewriting metadata that
        no longer matches the config); return the ids to render."""
        if not self.settings.resume:
            return list(range(1, len(combos) + 1))
        recorded = self.ledger.load()
        metadata = self.container.metadata_manager
        found = verify_tokens(
            (
                (i, metadata.image_file(i, combo), metadata.token_metadata(i, combo))
                for i, combo in enumerate(combos, start=1)
            ),
            recorded,
            self.render_settings.image_dir,
            self.render_settings.metadata_dir,
            self.render_settings.image_size,
        )
        for token_id in found.stale_metadata:
            path = self.render_settings.metadata_dir / f"{token_id}.json"
            document = metadata.token_metadata(token_id, combos[token_id - 1])
            self._write(atomic_write_json, path, document)
        self.report.metadata_rewritten = len(found.stale_metadata)
        self.hashes = found.hashes
        for token_id in self.hashes.keys() - recorded.keys():
            self.ledger.add(token_id, self.hashes[token_id])
        return found.todo

    def _render(self, todo: list[int], combos: Sequence[Combo]) -> None:
        activate_circuit_breaker(self.container.circuit_breaker)
        # Neighbours in this order share their bottom layers (a prefix of the combination),
        # which workers reuse; ids and output bytes do not depend on the order.
        todo = sorted(todo, key=lambda token_id: combos[token_id - 1])
        results = render_all(
            self._jobs(todo, combos),
            self.render_settings,
            self.settings.workers,
            self.container.resource_manager,
            self.container.image_processor,
        )
        progress = BatchedProgress(self.on_progress)
        with StopSignals() as stop:
            for count, result in enumerate(results, start=1):
                self._record(result)
                if count % self.settings.checkpoint_every == 0:
                    self._write(self.ledger.flush)
                progress.add(1)
                if self._should_stop(result, stop):
                    break
        progress.flush()

    def _record(self, result: RenderResult) -> None:
        self.report.record(result.token_id, result.error)
        self.report.retries += result.retries
        self.report.worker_totals[result.worker] = result.worker_totals
        self.container.circuit_breaker.record(result.error is None)
        if result.digest is not None:
            self.hashes[result.token_id] = result.digest
            self.ledger.add(result.token_id, result.digest)
        else:
            logger.debug("token %d failed: %s", result.token_id, result.error)

    def _should_stop(self, result: RenderResult, stop: StopSignals) -> bool:
        report = self.report
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
            yield RenderJob(
                token_id,
                files,
                metadata.image_file(token_id, combo),
                metadata.token_metadata(token_id, combo),
            )

    def _stats(self) -> dict[str, object]:
        report = self.report
        stats: dict[str, object] = {
            "capacity": {"count": report.capacity.count, "exact": report.capacity.exact},
            "planning_redraws": dict(report.planning_failures),
            "seed": report.seed,
            "tokens": report.done,
        }
        if self.settings.performance_stats:  # opt-in: these figures differ from run to run
            stats["performance"] = report.statistics(self.container.circuit_breaker.status())
        return stats

    def _write(self, action: Callable[..., None], *args: object) -> None:
        checked_write(self.container.resource_manager, self.settings.output_dir, action, *args)


def render_settings_for(
    container: Container, settings: GenerationSettings, image_dir: Path, metadata_dir: Path
) -> RenderSettings:
    """What workers need to know about this run."""
    return RenderSettings(
        image_size=container.spec.image_size,
        options=settings.encode_options,
        max_memory_mb=settings.max_memory_mb,
        cache_size=settings.cache_size,
        image_dir=image_dir,
        metadata_dir=metadata_dir,
    )
