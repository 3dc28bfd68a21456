"""The job runner: queued generations run one at a time (or `slots` at a time), each as a
`genecator generate` process, the CLI itself, so a job's output is the CLI's byte for byte.
The runner follows the process's `--events` file and records progress in the store."""

import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.run.report import EXIT_INTERRUPTED, EXIT_OK
from modules.serve.store import Store

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class JobCommand:
    """How to run one job: the command line, its working folder and its files' folder."""

    argv: list[str]
    cwd: Path
    folder: Path

    @property
    def events(self) -> Path:
        return self.folder / "events.jsonl"


@dataclass
class _Progress:
    """Turns the process's cumulative `done` counts into a rate and an ETA."""

    total: int
    first: tuple[float, int] | None = None
    done: int = 0
    started: bool = False  # the process has written its start event

    def update(self, at: float, done: int) -> dict[str, Any]:
        self.done = done
        if self.first is None:
            self.first = (at, done)
        start_at, start_done = self.first
        rate = (done - start_done) / (at - start_at) if at > start_at else None
        eta = (self.total - done) / rate if rate else None
        return {"done": done, "total": self.total, "rate": rate, "eta_seconds": eta}


@dataclass
class _Stopping:
    """Stops a job process as Ctrl-C would: SIGINT once it handles signals (its `start`
    event; a signal during start-up would cut its imports short), SIGKILL past
    STOP_GRACE_SECONDS."""

    pid: int
    first: float | None = None

    def press(self, now: float, ready: bool) -> None:
        if self.first is None and ready:
            self.first = now
            _signal_group(self.pid, signal.SIGINT)
        elif self.first is not None and now - self.first > STOP_GRACE_SECONDS:
            _signal_group(self.pid, signal.SIGKILL)


def final_status(exit_code: int, cancelled: bool) -> str:
    """A finished process's job status: cancelled means the user asked for the stop. A
    negative code is a signal that ended the process before its own handling was in place
    (a stop during start-up) or that cannot be handled (SIGKILL): either way, resumable."""
    if exit_code == EXIT_OK:
        return "succeeded"
    if exit_code == EXIT_INTERRUPTED or exit_code < 0:
        return "cancelled" if cancelled else "interrupted"
    return "failed"


class JobRunner:
    """Runs queued jobs in the background until `stop()`; `command_for` builds each command."""

    def __init__(
        self, store: Store, command_for: Callable[[dict[str, Any]], JobCommand], slots: int = 1
    ) -> None:
        self.store = store
        self.command_for = command_for
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, name=f"job-runner-{i}", daemon=True)
            for i in range(slots)
        ]
        self._claim_lock = threading.Lock()

    def start(self) -> None:
        self.recover()
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Stop every running job cleanly (they stay resumable) and the runner threads."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(STOP_GRACE_SECONDS + 5)

    def recover(self) -> None:
        """Jobs a previous server left running are stopped and shown as interrupted."""
        for job in self.store.jobs_in("running"):
            if job["pid"]:
                _stop_orphan(job["pid"])
            self._finish(job["id"], "interrupted", EXIT_INTERRUPTED, "the studio stopped")

    def cancel(self, job: dict[str, Any]) -> bool:
        """Ask a queued or running job to stop; False when it has already finished."""
        if job["status"] == "queued" and self.store.cancel_queued(job["id"], time.time()):
            return True
        # Running (perhaps claimed a moment ago): the runner thread stops the process.
        return self.store.request_cancel(job["id"])

    def _loop(self) -> None:
        while not self._stopping.is_set():
            job = self._claim_next()
            if job is None:
                self._wake.wait(POLL_SECONDS * 5)
                self._wake.clear()
                continue
            self._run(job)

    def _claim_next(self) -> dict[str, Any] | None:
        with self._claim_lock:
            job = self.store.next_queued()
            if job is None or not self.store.claim(job["id"], time.time()):
                return None
            return job

    def _run(self, job: dict[str, Any]) -> None:
        try:
            command = self.command_for(job)
            command.folder.mkdir(parents=True, exist_ok=True)
            offset = command.events.stat().st_size if command.events.exists() else 0
            process = self._spawn(job, command)
        except OSError as exc:
            self._finish(job["id"], "failed", None, f"the job could not start: {exc}")
            return
        code = self._follow(job, command, process, offset)
        cancelled = bool((self.store.job(job["id"]) or {}).get("cancel"))
        message = _error_lines(command.folder / "stderr.log")
        self._finish(job["id"], final_status(code, cancelled), code, message)

    def _spawn(self, job: dict[str, Any], command: JobCommand) -> subprocess.Popen[bytes]:
        with (
            (command.folder / "stdout.log").open("ab") as out,
            (command.folder / "stderr.log").open("wb") as err,
        ):
            # Its own session: a Ctrl-C in the server's terminal does not reach the job, which
            # the runner then stops cleanly itself.
            process = subprocess.Popen(
                command.argv, cwd=command.cwd, stdout=out, stderr=err, start_new_session=True
            )
        self.store.update_job(job["id"], pid=process.pid)
        self.store.add_event(job["id"], "status", {"status": "running"})
        return process

    def _follow(
        self,
        job: dict[str, Any],
        command: JobCommand,
        process: subprocess.Popen[bytes],
        offset: int,
    ) -> int:
        progress = _Progress(job["n"])
        stopping = _Stopping(process.pid)
        while True:
            code = process.poll()
            offset = self._read_events(job, command.events, offset, progress)
            if code is not None:
                return code
            cancelled = bool((self.store.job(job["id"]) or {}).get("cancel"))
            if cancelled or self._stopping.is_set():
                stopping.press(time.monotonic(), progress.started)
            time.sleep(POLL_SECONDS)

    def _read_events(
        self, job: dict[str, Any], path: Path, offset: int, progress: _Progress
    ) -> int:
        if not path.exists():
            return offset
        with path.open("rb") as stream:
            stream.seek(offset)
            chunk = stream.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
        for line in complete.splitlines():
            self._apply(job["id"], json.loads(line), progress)
        return offset + len(complete)

    def _apply(self, job_id: int, event: dict[str, Any], progress: _Progress) -> None:
        kind = event.pop("kind")
        if kind == "start":
            progress.started = True
        elif kind == "progress":
            data = progress.update(event["time"], event["done"])
            self.store.update_job(
                job_id, done=data["done"], rate=data["rate"], eta=data["eta_seconds"]
            )
            self.store.add_event(job_id, "progress", data)
        elif kind == "report":
            lines = "\n".join(event["lines"])
            self.store.update_job(job_id, done=event["done"], seed=event["seed"], message=lines)
            self.store.add_event(job_id, "report", event)
        else:
            self.store.add_event(job_id, kind, event)

    def _finish(self, job_id: int, status: str, code: int | None, message: str | None) -> None:
        job = self.store.job(job_id) or {}
        finished = time.time()
        seconds = job.get("seconds", 0.0) + (finished - (job.get("started") or finished))
        # The event first: a stream that sees the job finished has every event to send.
        self.store.add_event(job_id, "status", {"status": status, "exit_code": code})
        fields = {"message": message} if message else {}
        self.store.update_job(
            job_id,
            status=status,
            exit_code=code,
            finished=finished,
            seconds=seconds,
            pid=None,
            eta=None,
            **fields,
        )


def _error_lines(stderr: Path) -> str | None:
    """The 'Error: …' lines the CLI printed, the job's message when it refused to run."""
    try:
        text = stderr.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = [line for line in text.splitlines() if line.startswith("Error: ")]
    return "\n".join(lines) or None


def _stop_orphan(pid: int) -> None:
    """Stop a job process a previous server left behind, and wait until it has ended (it
    holds its output's lock until then)."""
    _signal_group(pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while _alive(pid):
        if time.monotonic() > deadline:
            _signal_group(pid, signal.SIGKILL)
        time.sleep(POLL_SECONDS)


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _signal_group(pid: int, number: signal.Signals) -> None:
    try:
        os.killpg(pid, number)
    except ProcessLookupError:
        logger.debug("job process %d had already ended", pid)
