"""Render a plan's tokens as Dask tasks (`--cluster`): chunks of prefix-sorted jobs, a few per
worker in flight, each run by the same render_token as a local pool, results back to the one
process that owns the run. Imported only when --cluster is used (distributed is an extra)."""

import hashlib
import logging
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import CancelledError
from contextlib import contextmanager, suppress
from dataclasses import replace
from itertools import chain, islice
from pathlib import Path

import dask
import distributed

# distributed logs each worker's start and stop, and a lost connection with its traceback:
# noise beside the run's progress and summary, which report what matters (DEBUG shows it).
if not logging.getLogger().isEnabledFor(logging.DEBUG):
    for _name in ["distributed", *logging.root.manager.loggerDict]:
        if _name.split(".")[0] == "distributed":  # some have their own level (client)
            logging.getLogger(_name).setLevel(logging.CRITICAL)

from modules.errors import ConfigError, OutputError, RenderWorkerLost, TraitFileError
from modules.render.allocator import keep_freed_buffers
from modules.render.image_processor import ImageProcessor
from modules.render.render_pool import (
    RenderJob,
    RenderResult,
    RenderSettings,
    render_token,
)
from modules.resource_manager import ResourceManager

LOCAL = "local:"  # --cluster local:N starts a LocalCluster of N worker processes
CONNECT_SECONDS = 10  # to reach the scheduler, and for it to have a worker
STALL_SECONDS = 5  # between checks that the scheduler still has workers
CLOSE_SECONDS = 5
# Tokens per Dask task: each task costs the scheduler a few ms, so a task should be a few
# hundred ms of rendering (the local pool's 8 cost ~10 % of throughput on bench_cluster);
# consecutive in prefix order, so prefix reuse holds within a chunk.
CLUSTER_CHUNK = 32
IN_FLIGHT = 3  # chunks per worker thread submitted ahead, so none waits for the next
# Dask's worker profiler takes the GIL every 10 ms to walk the render thread's stack: 10-20 %
# of a 512 px token (bench_cluster). Off in the clusters Genecator starts; the README says
# how to start the workers of a cluster of one's own without it.
LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
TRAITS_HINT = "every worker needs the traits at the same path"
OUTPUT_HINT = "every worker needs the output folder at the same path"

Problem = tuple[str, str, str]  # (read | write, path, reason), found on a worker


@contextmanager
def connected(address: str) -> Iterator[distributed.Client]:
    """A client of the scheduler at `address` with at least one worker, or of a LocalCluster
    started (and closed in every case) for `local:N`."""
    if address.startswith(LOCAL):
        workers = int(address.removeprefix(LOCAL))
        with (
            dask.config.set(LOCAL_WORKER_CONFIG),
            distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            # Ctrl-C to the process group is this process's to handle, as with a local pool.
            client.run(_ignore_stop_signals)
            yield client
        return
    client = _client(address)
    try:
        yield client
    finally:
        with suppress(OSError, TimeoutError):  # a lost scheduler: nothing left to close
            client.close(timeout=CLOSE_SECONDS)


def _client(address: str) -> distributed.Client:
    try:
        client = distributed.Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        msg = f"cannot reach the Dask scheduler at {address}: {exc}; start it or check --cluster"
        raise ConfigError(msg) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except TimeoutError:
        client.close(timeout=CLOSE_SECONDS)
        msg = (
            f"the Dask scheduler at {address} has no workers; start some with "
            f"`dask worker {address}`"
        )
        raise ConfigError(msg) from None
    return client


def check_cluster(address: str, trait_files: Sequence[Path], output_dir: Path) -> None:
    """Before anything is written: every worker of the scheduler at `address` can read every
    trait file and write in `output_dir`. A local cluster's workers are this machine's
    processes, which the local checks already cover."""
    if address.startswith(LOCAL):
        return
    paths = [str(path.absolute()) for path in trait_files]
    with connected(address) as client:
        found: dict[str, list[Problem]] = client.run(
            _worker_problems, paths, str(output_dir.absolute())
        )
    lines = [
        line for worker, problems in sorted(found.items()) for line in _lines(worker, problems)
    ]
    if any(problem[0] == "read" for problems in found.values() for problem in problems):
        raise TraitFileError(*lines)
    if lines:
        raise OutputError(*lines)


def _lines(worker: str, problems: list[Problem]) -> Iterator[str]:
    """At most one line per kind of problem for a worker (a folder it cannot read makes every
    file in it unreadable)."""
    for kind, hint in (("read", TRAITS_HINT), ("write in", OUTPUT_HINT)):
        mine = [(path, reason) for found, path, reason in problems if found == kind]
        if mine:
            path, reason = mine[0]
            more = f", and {len(mine) - 1} more trait files" if len(mine) > 1 else ""
            yield f"Dask worker {worker}: cannot {kind} {path} ({reason}){more}; {hint}"


def _worker_problems(trait_files: list[str], output_dir: str) -> list[Problem]:
    """On a worker: the trait files it cannot open, and whether it can create a file in
    `output_dir` (a probe, removed at once)."""
    problems = []
    for path in trait_files:
        try:
            with open(path, "rb") as file:
                file.read(1)
        except OSError as exc:
            problems.append(("read", path, exc.strerror or type(exc).__name__))
    try:
        handle, probe = tempfile.mkstemp(prefix=".genecator-probe-", dir=output_dir)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        problems.append(("write in", output_dir, exc.strerror or type(exc).__name__))
    return problems


def render_on_cluster(
    jobs: Iterable[RenderJob],
    settings: RenderSettings,
    address: str,
    resources: ResourceManager,
) -> Iterator[RenderResult]:
    """Results in completion order, each token's once; a lost scheduler, or workers that
    keep dying, raise RenderWorkerLost (the run stops resumable)."""
    chunks = _chunks(jobs)
    first = next(chunks, None)
    if first is None:  # nothing to render (a finished collection resumed): no cluster
        return
    # Workers start elsewhere: they get absolute paths.
    run = replace(settings.run, output_dir=settings.run.output_dir.absolute())
    settings = replace(settings, run=run)
    with connected(address) as client:
        flight = _InFlight(client, address, (settings, resources), chain([first], chunks))
        try:
            flight.submit(IN_FLIGHT * max(1, sum(client.nthreads().values())))
            while flight.pending:
                for future in flight.finished():
                    # The next chunk goes out before this one's results are written, so
                    # the worker has it by the time its queue runs dry.
                    flight.submit(1)
                    yield from _results(future, address)
        finally:
            flight.cancel()  # Ctrl-C, an error or the end: stop what is still queued


class _InFlight:
    """The chunks submitted to the cluster whose results were not collected yet."""

    def __init__(
        self,
        client: distributed.Client,
        address: str,
        task: tuple[RenderSettings, ResourceManager],
        chunks: Iterator[list[RenderJob]],
    ) -> None:
        self.client, self.address, self.task, self.chunks = client, address, task, chunks
        # Each worker keeps its layer cache while this digest of the settings is the same.
        self.key = hashlib.sha256(pickle.dumps(task[0])).hexdigest()
        self.pending: set[distributed.Future] = set()

    def submit(self, count: int) -> None:
        for chunk in islice(self.chunks, count):
            settings, resources = self.task
            future = self.client.submit(
                _render_chunk, self.key, settings, resources, chunk, pure=False
            )
            self.pending.add(future)

    def finished(self) -> set[distributed.Future]:
        """The futures that finished next, no longer pending (so each result is collected
        once, however often Dask ran the chunk); waits in bounded steps so a cluster left
        without workers stops the run instead of hanging it."""
        while True:
            try:
                done, _ = distributed.wait(
                    list(self.pending), timeout=STALL_SECONDS, return_when="FIRST_COMPLETED"
                )
            except TimeoutError:
                _check_workers(self.client, self.address)
                continue
            except CancelledError:
                # distributed.wait raises FuturesCancelledError once the client, having
                # lost the scheduler, cancelled every future (seen in CI under load).
                raise _scheduler_lost(self.address) from None
            self.pending -= done
            return set(done)

    def cancel(self) -> None:
        with suppress(OSError, TimeoutError, CancelledError):  # a lost scheduler
            self.client.cancel(list(self.pending))


def _check_workers(client: distributed.Client, address: str) -> None:
    """Nothing finished for a while: stop when the scheduler or every worker is gone."""
    try:
        workers = client.status == "running" and client.nthreads()
    except (OSError, TimeoutError):
        raise _scheduler_lost(address) from None
    if not workers:
        msg = f"the Dask scheduler at {address} has no workers left"
        raise RenderWorkerLost(msg)


def _scheduler_lost(address: str) -> RenderWorkerLost:
    msg = f"the Dask scheduler at {address} was lost; the tokens in flight were not written"
    return RenderWorkerLost(msg)


def _results(future: distributed.Future, address: str) -> list[RenderResult]:
    try:
        results: list[RenderResult] = future.result()
    except (CancelledError, OSError, TimeoutError):
        # The client cancels every future when it loses the scheduler (nothing else cancels
        # during a run); fetching a result then fails with CommClosedError, an OSError.
        raise _scheduler_lost(address) from None
    except distributed.KilledWorker:
        msg = f"Dask workers of {address} kept dying while rendering the same tokens"
        raise RenderWorkerLost(msg) from None
    return results


def _chunks(jobs: Iterable[RenderJob]) -> Iterator[list[RenderJob]]:
    iterator = iter(jobs)
    while chunk := list(islice(iterator, CLUSTER_CHUNK)):
        yield [replace(job, layer_files=_absolute(job.layer_files)) for job in chunk]


def _absolute(files: tuple[Path, ...]) -> tuple[Path, ...]:
    return tuple(path.absolute() for path in files)


def _ignore_stop_signals() -> None:
    """On a worker (client.run runs it in the worker's main thread)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


# A worker's one layer cache for the run whose settings digest it is kept with (a new run
# replaces it); the lock serializes a worker's threads, which would share it.
_worker: tuple[str, ImageProcessor] | None = None
_worker_lock = threading.Lock()


def _render_chunk(
    key: str, settings: RenderSettings, resources: ResourceManager, jobs: list[RenderJob]
) -> list[RenderResult]:
    global _worker
    with _worker_lock:
        if _worker is None or _worker[0] != key:
            keep_freed_buffers(settings.image_size)
            _worker = (key, settings.new_processor())
        processor = _worker[1]
        return [render_token(job, settings, processor, resources) for job in jobs]
