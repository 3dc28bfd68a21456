"""output/runs.jsonl: one JSON line per run; the only place timestamps and durations live.

A run reserves its line before it renders and overwrites it in place at the end, which takes
no new disk space: a run stopped by a full disk is still logged, and one that never reached its
end (killed, or an error) keeps the reserved line, `"ended": null`. This is the one file whose
last line is rewritten in place rather than replaced through a temp file."""

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modules.atomic_io import atomic_write_bytes, no_follow_opener
from modules.errors import OutputError

RUN_LOG = "runs.jsonl"
RESERVED_BYTES = 1024  # a finished run's line takes about 450


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def reserve_run(output_dir: Path, started: str) -> None:
    """Append the line of the run that started at `started`, padded to RESERVED_BYTES."""
    path = output_dir / RUN_LOG
    before = _read_log(path)
    line = json.dumps({"ended": None, "started": started}, sort_keys=True).encode("utf-8")
    atomic_write_bytes(path, before + line.ljust(RESERVED_BYTES - 1) + b"\n")


def append_run(output_dir: Path, entry: dict[str, Any]) -> None:
    """Write `entry` as its run's line: over the line reserve_run wrote for it, else (none
    was reserved) appended by rewriting the small file atomically."""
    path = output_dir / RUN_LOG
    before = _read_log(path)
    line = (json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    start = _reserved_line(before, entry["started"])
    if start is None:
        atomic_write_bytes(path, before + line)
        return
    with open(path, "r+b", opener=no_follow_opener) as handle:
        handle.seek(start)
        handle.write(line)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def _read_log(path: Path) -> bytes:
    """The log so far (empty when there is none); only a regular file is read, so a pipe
    cannot block a run and a link cannot point its writes elsewhere."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return b""
    if not stat.S_ISREG(mode):
        raise OutputError(
            f"{path}: is not a regular file, so it is not Genecator's run log; move it away"
        )
    return path.read_bytes()


def _reserved_line(log: bytes, started: str) -> int | None:
    """Where the last line of `log` starts, when it is the one reserved for the run that
    started at `started`."""
    start = log.rstrip(b"\n").rfind(b"\n") + 1
    try:
        last = json.loads(log[start:])
    except ValueError:  # not a line reserve_run wrote (someone edited the file)
        return None
    return start if last == {"ended": None, "started": started} else None
