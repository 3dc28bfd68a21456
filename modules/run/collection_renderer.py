"""Render the tokens a collection is missing: keep what earlier runs completed, fan the rest
out to the pool, record hashes as checkpoints, stop cleanly on a signal, a full disk or a
run of failures."""

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from modules.atomic_io import atomic_write_json
from modules.errors import RenderWorkerLost
from modules.load.spec import Background
from modules.plan.backgrounds import background_colour
from modules.plan.selection import Combo
from modules.publish.checkpoint import HashLedger
from modules.publish.metadata_manager import MetadataManager
from modules.publish.output_folder import checked_write, remove_temp_files
from modules.publish.token_verification import verify_tokens
from modules.render.image_processor import ImageProcessor
from modules.render.layout_stack import is_one_of_one, layout_parts
from modules.render.render_pool import (
    FileIdentity,
    RenderJob,
    RenderResult,
    RenderSettings,
    TokenFailure,
    render_all,
    token_identity,
)
from modules.resource_manager import CircuitBreaker, ResourceManager
from modules.run.report import RESUME_HINT, Report
from modules.run.stop_signals import StopSignals

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int], object]  # what it returns is ignored (tqdm's update)
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


@dataclass
class CollectionRenderer:
    """One run's rendering, with the services it uses; `hashes` maps every finished token
    id to its image's SHA-256."""

    render_settings: RenderSettings
    background: Background | None
    seed: int
    metadata: MetadataManager
    processor: ImageProcessor  # renders in this process with --workers 1
    resources: ResourceManager
    breaker: CircuitBreaker
    ledger: HashLedger
    report: Report
    on_progress: ProgressCallback
    hashes: dict[int, str] = field(default_factory=dict)
    # Token id -> its two files' identities when last known good, so the check before
    # publishing reads only files that were replaced since.
    identities: dict[int, tuple[FileIdentity, FileIdentity]] = field(default_factory=dict)

    def run(self, combos: Sequence[Combo]) -> None:
        """Render every planned token that is not complete on disk yet."""
        started = time.perf_counter()
        todo = self._verify_existing(combos)
        self.report.reused = len(self.hashes)
        self.on_progress(len(self.hashes))
        try:
            self._render(todo, combos)
        finally:
            self._checkpoint()
            self.report.seconds = time.perf_counter() - started

    def _verify_existing(self, combos: Sequence[Combo]) -> list[int]:
        """When resuming: keep the tokens whose image matches its recorded hash (rewriting
        metadata that no longer matches the config); return the ids to render."""
        if not self.render_settings.run.resume:
            return list(range(1, len(combos) + 1))
        recorded = self.ledger.load()
        self.hashes = self._verified(combos, recorded, range(1, len(combos) + 1))
        for token_id in self.hashes:
            identity = self._identity(token_id, combos[token_id - 1])
            if identity is not None:
                self.identities[token_id] = identity
        return [i for i in range(1, len(combos) + 1) if i not in self.hashes]

    def recheck(self, combos: Sequence[Combo]) -> None:
        """Before publishing: every token's image must still be the one written (a copy
        over it would otherwise be vouched for) and its metadata is rewritten if changed;
        a changed image counts as a failed token, to render again with --resume."""
        replaced = [
            token_id
            for token_id in self.hashes
            if self._identity(token_id, combos[token_id - 1]) != self.identities.get(token_id)
        ]
        written = self._verified(combos, {i: self.hashes[i] for i in replaced}, replaced)
        image_dir = self.render_settings.run.image_dir
        for token_id in sorted(set(replaced) - written.keys()):
            path = image_dir / self.metadata.image_file(token_id, combos[token_id - 1])
            message = f"{path}: changed after it was written; {RESUME_HINT} to render it again"
            self.report.retract(token_id, TokenFailure(message, "changed on disk"))
            del self.hashes[token_id]

    def _identity(self, token_id: int, combo: Combo) -> tuple[FileIdentity, FileIdentity] | None:
        settings = self.render_settings.run
        image = settings.image_dir / self.metadata.image_file(token_id, combo)
        try:
            metadata_file = settings.metadata_dir / self.metadata.metadata_file(token_id)
            return token_identity(image, metadata_file)
        except FileNotFoundError:
            return None  # removed: verification says what is missing

    def _verified(
        self, combos: Sequence[Combo], recorded: dict[int, str], ids: Iterable[int]
    ) -> dict[int, str]:
        """The hashes of the tokens `ids` that are complete on disk, rewriting metadata files
        that are not the expected document."""
        settings, metadata = self.render_settings.run, self.metadata
        found = verify_tokens(
            (
                (
                    i,
                    metadata.is_animated(combos[i - 1]),
                    metadata.image_file(i, combos[i - 1]),
                    metadata.metadata_file(i),
                    metadata.token_metadata(i, combos[i - 1], self.seed),
                )
                for i in ids
            ),
            recorded,
            settings.image_dir,
            settings.metadata_dir,
            self.render_settings.image_size,
            metadata.spec.image_hash,
        )
        for token_id in found.stale_metadata:
            path = settings.metadata_dir / metadata.metadata_file(token_id)
            combo = combos[token_id - 1]
            document = metadata.published_metadata(token_id, combo, self.seed, settings.image_dir)
            self._write(atomic_write_json, path, document)
        self.report.metadata_rewritten += len(found.stale_metadata)
        return found.hashes

    def _render(self, todo: list[int], combos: Sequence[Combo]) -> None:
        # Neighbours in this order share their bottom layers (a prefix of the combination),
        # which workers reuse; ids and output bytes do not depend on the order.
        todo = sorted(todo, key=lambda token_id: combos[token_id - 1])
        settings = self.render_settings.run
        results = render_all(
            self._jobs(todo, combos),
            self.render_settings,
            settings.workers,
            self.resources,
            self.processor,
        )
        progress = BatchedProgress(self.on_progress)
        with StopSignals() as stop:
            try:
                for count, result in enumerate(results, start=1):
                    self._record(result)
                    if count % settings.checkpoint_every == 0:
                        self._checkpoint()
                    progress.add(1)
                    if self._should_stop(result, stop):
                        break
                else:
                    if settings.cluster is not None:
                        # A Dask worker killed mid-write leaves a temp file while its tokens
                        # are rendered elsewhere (a dead local worker stops the run instead).
                        # Every result is in and the cluster closed: no writer is left.
                        remove_temp_files(settings.output_dir)
            except RenderWorkerLost as lost:
                if stop.requested:  # Ctrl-C to the whole group also reached a worker
                    self.report.interrupted = stop.requested
                else:
                    self.report.worker_lost = str(lost)
        progress.flush()

    def _checkpoint(self) -> None:
        """Record the pending hashes. A disk that refuses the record stops the run as a token
        that cannot be written does (the first such error is the one reported); the tokens
        the record was for stay on disk and --resume checks them again."""
        try:
            self.resources.call(self.ledger.flush)
        except OSError as exc:
            where = exc.filename or self.ledger.folder
            self.report.fatal = self.report.fatal or f"{where}: {exc.strerror or exc}"

    def _record(self, result: RenderResult) -> None:
        self.report.record(result.token_id, result.failure)
        self.report.retries += result.retries
        self.report.worker_totals[result.worker] = result.worker_totals
        self.breaker.record(result.failure is None)
        if result.digest is not None:
            self.hashes[result.token_id] = result.digest
            if result.identity is not None:
                self.identities[result.token_id] = result.identity
            self.ledger.add(result.token_id, result.digest)
        elif result.failure is not None:
            logger.debug("token %d failed: %s", result.token_id, result.failure.message)

    def _should_stop(self, result: RenderResult, stop: StopSignals) -> bool:
        report = self.report
        if result.failure is not None and result.failure.fatal:
            report.fatal = result.failure.message
        elif stop.requested:
            report.interrupted = stop.requested
        elif not self.breaker.allow():
            report.stopped_early = True
        return bool(report.fatal or report.interrupted or report.stopped_early)

    def _jobs(self, todo: list[int], combos: Sequence[Combo]) -> Iterator[RenderJob]:
        background, metadata = self.background, self.metadata
        for token_id in todo:
            combo = combos[token_id - 1]
            parts = layout_parts(metadata.spec, metadata.layout, token_id, combo)
            effects = tuple(None if p.plain else (p.blend, p.opacity) for p in parts)
            # a 1-of-1 is its own image: no generated background under it
            colour = None if background is None or is_one_of_one(combo) else background
            yield RenderJob(
                token_id,
                tuple(part.file for part in parts),
                self.metadata.image_file(token_id, combo),
                self.metadata.metadata_file(token_id),
                self.metadata.token_metadata(token_id, combo, self.seed),
                effects if any(effects) else (),
                None if colour is None else background_colour(colour, self.seed, token_id),
                tuple(part.digest for part in parts),
                metadata.spec.image_hash,
            )

    def _write(self, action: Callable[..., None], *args: object) -> None:
        checked_write(self.resources, self.render_settings.run.output_dir, action, *args)
