"""Render tokens in worker processes: small picklable jobs in, small results out."""

import multiprocessing
import multiprocessing.forkserver
import os
import signal
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from modules.atomic_io import atomic_write_bytes, atomic_write_json
from modules.digests import sha256_hex
from modules.errors import GenecatorError, RenderWorkerLost, TraitChangedError
from modules.render.allocator import keep_freed_buffers
from modules.render.image_hash import keccak256_hex, with_image_hash
from modules.render.image_processor import RGB, Effect, ImageProcessor
from modules.resource_manager import FATAL_ERRNOS, ResourceManager
from modules.settings import GenerationSettings

# Jobs handed to a worker at a time: consecutive jobs share layer prefixes (see
# ImageProcessor.prefixes), while small chunks keep both workers busy to the end.
CHUNK = 8


@dataclass(frozen=True)
class RenderSettings:
    """What a worker needs besides the job, sent once per worker: the run's settings and the
    canvas size its spec fixed."""

    run: GenerationSettings
    image_size: tuple[int, int]

    def new_processor(self) -> ImageProcessor:
        """An empty layer cache within the run's limits."""
        cache = self.run.cache
        return ImageProcessor(cache.max_memory_mb, cache.cache_size)


@dataclass(frozen=True)
class RenderJob:
    """One token: its id, layer files in drawing order, image file name and metadata
    document; with the effect of each file (empty when all are plain) and a background."""

    token_id: int
    layer_files: tuple[Path, ...]
    image_file: str
    metadata_file: str
    metadata: dict[str, Any]
    effects: tuple[Effect | None, ...] = ()
    background: RGB | None = None
    layer_digests: tuple[str, ...] = ()  # SHA-256 of each layer file as the run checked it
    image_hash: bool = False  # add the image's Keccak-256 to the metadata (imageHash)


class TokenFailure(NamedTuple):
    """Why a token was not written: one line for the user, a short reason to count by, and
    `fatal` when later tokens would fail the same way (e.g. a full disk)."""

    message: str
    reason: str
    fatal: bool = False


# What a file on disk is, cheaply: (inode, size, mtime in ns) change with any copy or edit.
FileIdentity = tuple[int, int, int]


def token_identity(image: Path, metadata: Path) -> tuple[FileIdentity, FileIdentity]:
    """The identities of a token's two files, to tell later whether either was replaced
    without reading them again."""
    return _identity(image), _identity(metadata)


def _identity(path: Path) -> FileIdentity:
    status = path.stat()
    return status.st_ino, status.st_size, status.st_mtime_ns


@dataclass(frozen=True)
class RenderResult:
    """Outcome of one job: the image's hash and both files' identities when both were
    written, else the failure."""

    token_id: int
    digest: str | None
    failure: TokenFailure | None
    retries: int
    worker: int  # process id: the parent keeps each worker's latest running totals
    worker_totals: dict[str, float]
    identity: tuple[FileIdentity, FileIdentity] | None = None


def render_token(
    job: RenderJob,
    settings: RenderSettings,
    processor: ImageProcessor,
    resources: ResourceManager,
) -> RenderResult:
    """Composite, encode and write one token's image, then its metadata (so a metadata
    file always means the image is complete)."""
    retries = resources.retries
    digest = failure = identity = None
    try:
        data = processor.render(
            job.layer_files,
            settings.image_size,
            settings.run.encode,
            job.effects,
            job.background,
            job.layer_digests,
        )
        started = time.perf_counter()
        # Not synced one by one: the parent syncs them all before it records their hashes
        # (HashLedger.flush), and resume re-checks every token it has no record of.
        resources.call(atomic_write_bytes, settings.run.image_dir / job.image_file, data, False)
        metadata_path = settings.run.metadata_dir / job.metadata_file
        metadata = job.metadata
        if job.image_hash:
            metadata = with_image_hash(metadata, keccak256_hex(data))
        resources.call(atomic_write_json, metadata_path, metadata, False)
        identity = token_identity(settings.run.image_dir / job.image_file, metadata_path)
        processor.stage_seconds["write"] += time.perf_counter() - started
        digest = sha256_hex(data)
    except OSError as exc:
        where = exc.filename or settings.run.image_dir / job.image_file
        reason = exc.strerror or type(exc).__name__
        failure = TokenFailure(f"{where}: {reason}", reason, exc.errno in FATAL_ERRNOS)
    except GenecatorError as exc:
        # A changed trait file stops the run: every later token using it would fail too.
        failure = TokenFailure(str(exc), exc.reason, isinstance(exc, TraitChangedError))
    return RenderResult(
        token_id=job.token_id,
        digest=digest,
        failure=failure,
        retries=resources.retries - retries,
        worker=os.getpid(),
        worker_totals=processor.running_totals(),
        identity=identity,
    )


def render_all(
    jobs: Iterable[RenderJob],
    settings: RenderSettings,
    workers: int,
    resources: ResourceManager,
    processor: ImageProcessor,
) -> Iterator[RenderResult]:
    """Results in completion order; `workers == 1` renders in this process with
    `processor`, otherwise each worker builds its own from `settings`; with
    `settings.run.cluster`, on that Dask cluster."""
    if settings.run.cluster is not None:
        # Imported here: distributed is optional and slow to import.
        from modules.render.cluster import render_on_cluster

        yield from render_on_cluster(jobs, settings, settings.run.cluster, resources)
        return
    if workers == 1:
        keep_freed_buffers(settings.image_size)
        for job in jobs:
            yield render_token(job, settings, processor, resources)
        return
    pool = ProcessPoolExecutor(workers, _worker_context(), _init_worker, (settings, resources))
    try:
        yield from _completed(pool, jobs, workers)
    except BrokenProcessPool:
        # What the OOM killer (or a kill -9) leaves: a worker gone, its tokens unwritten.
        _kill_survivors(pool)
        msg = (
            "a render process died (killed by the system, often for lack of memory); the "
            "tokens it was rendering were not written"
        )
        raise RenderWorkerLost(msg) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _kill_survivors(pool: ProcessPoolExecutor) -> None:
    """End the workers a broken pool still has. They keep SIGTERM blocked for life (stop
    signals are the parent's), so the pool's own terminate() leaves them running, and its
    shutdown then waits forever for one stuck on the queue lock the dead worker held."""
    # The pool has no public list of its processes; the dict is shared with its manager
    # thread, hence the copy.
    for process in list((pool._processes or {}).values()):
        process.kill()


def _completed(
    pool: ProcessPoolExecutor, jobs: Iterable[RenderJob], workers: int
) -> Iterator[RenderResult]:
    """Results of chunks of jobs as they complete, with a few chunks per worker in flight
    (enough to keep every worker busy, few enough that memory stays flat in the run's size)."""
    chunks = _chunks(jobs)
    pending = {pool.submit(_render_chunk, chunk) for chunk in islice(chunks, 2 * workers)}
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield from future.result()
            pending |= {pool.submit(_render_chunk, chunk) for chunk in islice(chunks, 1)}


def _chunks(jobs: Iterable[RenderJob]) -> Iterator[list[RenderJob]]:
    iterator = iter(jobs)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def start_worker_server() -> None:
    """Start the process workers fork from now, so that it imports the rendering code while
    this process loads and checks the inputs."""
    _worker_context()
    multiprocessing.forkserver.ensure_running()


def _worker_context() -> multiprocessing.context.BaseContext:
    # forkserver (Python 3.14's default): workers fork from a server that imported the
    # rendering code once, instead of each starting Python afresh; all state still comes from
    # the initializer, nothing from the parent.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


# Per-worker-process state, set once by the pool initializer (never used in the parent).
_worker: tuple[RenderSettings, ImageProcessor, ResourceManager] | None = None


def _init_worker(settings: RenderSettings, resources: ResourceManager) -> None:
    global _worker
    # Ctrl-C is the parent's to handle: it stops handing out work and ends the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keep_freed_buffers(settings.image_size)
    _worker = (settings, settings.new_processor(), resources)


def _render_chunk(jobs: list[RenderJob]) -> list[RenderResult]:
    if _worker is None:
        msg = "render worker used before its initializer ran"
        raise RuntimeError(msg)
    settings, processor, resources = _worker
    return [render_token(job, settings, processor, resources) for job in jobs]
