"""output/runs.jsonl: one JSON line per run; the only place timestamps and durations live."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modules.atomic_io import atomic_write_bytes

RUN_LOG = "runs.jsonl"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def append_run(output_dir: Path, entry: dict[str, Any]) -> None:
    """Append `entry` as a line, rewriting the small file atomically."""
    path = output_dir / RUN_LOG
    before = path.read_bytes() if path.exists() else b""
    line = json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, before + line.encode("utf-8"))
