"""The single atomic-write helper: a final path never holds a partial file."""

import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

# Temp files are named for Genecator and their writer's process, so a later run removes its own
# stale ones (left by a killed process) and never a user's `.tmp-` file.
TEMP_PREFIX = ".tmp-genecator-"
TEMP_NAME = re.compile(rf"{re.escape(TEMP_PREFIX)}[0-9]+-.+")


def no_follow_opener(path: str, flags: int) -> int:
    """An `open` opener that refuses a symbolic link at the path (ELOOP): a link planted in
    the output folder must never make a write land outside it."""
    return os.open(path, flags | os.O_NOFOLLOW, 0o666)


def temp_path(path: Path) -> Path:
    """The temp file beside `path` that this process writes before renaming it into place."""
    return path.with_name(f"{TEMP_PREFIX}{os.getpid()}-{path.name}")


def is_temp_file(path: Path) -> bool:
    """Whether `path` is named like a temp file of an atomic write (by any process)."""
    return TEMP_NAME.fullmatch(path.name) is not None


def atomic_write(path: Path, write: Callable[[IO[bytes]], object], durable: bool = True) -> None:
    """Write via `write(file)` to a temp file beside `path`, fsync it, then rename over `path`.
    `durable=False` skips the fsync for files whose caller syncs them in batches later."""
    temp = temp_path(path)
    try:
        with open(temp, "wb", opener=no_follow_opener) as handle:
            write(handle)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        # Cleanup only: the error still propagates to the caller.
        temp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    """Atomically replace `path` with `data`."""
    atomic_write(path, lambda handle: handle.write(data), durable)


def json_bytes(document: Any) -> bytes:
    """Canonical JSON: sorted keys, two-space indent, UTF-8, trailing newline."""
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def write_json_array(handle: IO[bytes], documents: Iterable[Any]) -> int:
    """Stream `documents` as one JSON array, byte for byte as json_bytes(list) would write it
    (so memory stays flat in the array's length); returns how many were written."""
    count = 0
    for document in documents:
        text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)
        # JSON text has no empty line, so this is textwrap.indent at a sixth of its time.
        text = "  " + text.replace("\n", "\n  ")
        handle.write(((",\n" if count else "[\n") + text).encode("utf-8"))
        count += 1
    handle.write(b"\n]\n" if count else b"[]\n")
    return count


def atomic_write_json(path: Path, document: Any, durable: bool = True) -> None:
    """Atomically write `document` as canonical JSON."""
    atomic_write_bytes(path, json_bytes(document), durable)
