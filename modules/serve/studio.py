"""The studio's services, built by one function: workspace, database, job runner, limits and
the read caches; plus how a job becomes a `genecator generate` command line."""

import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from modules.run.input_check import InputCheck
from modules.serve.collections import CollectionFiles
from modules.serve.gallery import CollectionView, view_key
from modules.serve.jobs import JobCommand, JobRunner
from modules.serve.store import Store
from modules.serve.uploads import UploadLimits
from modules.serve.workspace import Workspace

DATABASE = "studio.sqlite3"
RATE_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class StudioOptions:
    """What `genecator serve` was started with."""

    workspace: Path
    token: str | None = None  # required on every request when set
    loopback: bool = True  # bound to 127.0.0.1/::1 only: requests must name a local host
    job_slots: int = 1
    generate_rate: int = 30  # generate requests per client per minute
    workers: int | None = None  # render processes per job [default: the CLI's]
    upload: UploadLimits = field(default_factory=UploadLimits)


class RateLimiter:
    """At most `limit` calls per client in any RATE_WINDOW_SECONDS."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: float) -> bool:
        with self._lock:
            calls = self._calls.setdefault(client, deque())
            while calls and now - calls[0] >= RATE_WINDOW_SECONDS:
                calls.popleft()
            if len(calls) >= self.limit:
                return False
            calls.append(now)
            return True


@dataclass
class Studio:
    """Everything a request handler needs."""

    options: StudioOptions
    workspace: Workspace
    store: Store
    runner: JobRunner
    limiter: RateLimiter
    _checks: dict[Path, tuple[tuple[int, ...], InputCheck]] = field(default_factory=dict)
    _views: dict[Path, tuple[tuple[str, int], CollectionView]] = field(default_factory=dict)

    def files(self, collection: dict[str, Any]) -> CollectionFiles:
        return collection_files(self.workspace, collection)

    def output(self, job: dict[str, Any]) -> Path:
        return job_folder(self.workspace, self.store, job) / "output"

    def check(self, files: CollectionFiles) -> InputCheck:
        """The collection's preflight, cached until its config or rules change."""
        stamps = tuple(p.stat().st_mtime_ns for p in (files.config, files.ruler) if p)
        cached = self._checks.get(files.folder)
        if cached is None or cached[0] != stamps:
            cached = (stamps, files.check())
            self._checks[files.folder] = cached
        return cached[1]

    def view(self, output: Path) -> CollectionView:
        """The finished collection in `output`, read again only after it changed."""
        key = view_key(output)
        cached = self._views.get(output)
        if cached is None or key is None or cached[0] != key:
            view = CollectionView.load(output)  # refuses an unfinished folder
            self._views[output] = (view_key(output) or ("", 0), view)
            return view
        return cached[1]


def collection_files(workspace: Workspace, collection: dict[str, Any]) -> CollectionFiles:
    folder = workspace.state_dir / "collections" / collection["folder"]
    return CollectionFiles(folder, workspace.root / collection["traits"])


def job_folder(workspace: Workspace, store: Store, job: dict[str, Any]) -> Path:
    collection = store.collection(job["collection_id"])
    if collection is None:
        msg = f"job {job['id']}: its collection {job['collection_id']} is not in the database"
        raise LookupError(msg)
    return collection_files(workspace, collection).folder / job["output"]


def job_command(
    workspace: Workspace, store: Store, options: StudioOptions, job: dict[str, Any]
) -> JobCommand:
    """The CLI command line that runs `job`."""
    collection = store.collection(job["collection_id"])
    folder = job_folder(workspace, store, job)
    files = collection_files(workspace, collection or {})
    argv = [*cli_prefix(), "generate", *input_arguments(files), "-o", str(folder / "output")]
    argv += generate_arguments(job["params"])
    if job["resume"]:
        argv.append("--resume")
    if options.workers:
        argv += ["--workers", str(options.workers)]
    argv += ["--events", str(folder / "events.jsonl")]
    return JobCommand(argv, workspace.root, folder)


def cli_prefix() -> list[str]:
    """How to run the `genecator` command with this interpreter."""
    return [sys.executable, "-m", "modules.cli"]


def input_arguments(files: CollectionFiles) -> list[str]:
    ruler = files.ruler
    return [
        "-c",
        str(files.config),
        *(["-r", str(ruler)] if ruler else []),
        "-t",
        str(files.traits),
    ]


def generate_arguments(params: dict[str, Any]) -> list[str]:
    """The generate options of a request (schema GenerateRequest)."""
    argv = ["-n", str(params["n"])]
    if params.get("seed") is not None:
        argv += ["--seed", str(params["seed"])]
    for name in ("format", "animated_format", "quality", "png_compression"):
        if name in params:
            argv += [f"--{name.replace('_', '-')}", str(params[name])]
    for chain in params.get("chains", ()):
        argv += ["--chain", chain]
    return argv


def build_studio(options: StudioOptions) -> Studio:
    """The services for `options`; the caller starts and stops the runner."""
    workspace = Workspace(options.workspace)
    workspace.ensure()
    store = Store(workspace.state_dir / DATABASE)
    runner = JobRunner(store, partial(job_command, workspace, store, options), options.job_slots)
    return Studio(options, workspace, store, runner, RateLimiter(options.generate_rate))
