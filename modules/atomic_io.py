"""The single atomic-write helper: a final path never holds a partial file."""

import os
import re
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import IO, Any

from modules.canonical_json import canonical_json

# Temp files are named for Genecator and their writer's process, so a later run removes its own
# stale ones (left by a killed process) and never a user's `.tmp-` file.
TEMP_PREFIX = ".tmp-genecator-"
TEMP_NAME = re.compile(rf"{re.escape(TEMP_PREFIX)}[0-9]+-.+")
WRITE_BATCH = 1 << 20  # bytes of a streamed JSON array gathered per write
ENCODE_BATCH = 256  # its items encoded per call: one encoder call per item costs a third more


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
    return canonical_json(document) + b"\n"


def write_json_array(handle: IO[bytes], documents: Iterable[Any], depth: int = 0) -> int:
    """Stream `documents` as one JSON array, byte for byte as json_bytes(list) would write it
    (so memory stays flat in the array's length), or as it stands `depth` levels into a
    document (no final newline then); returns how many were written."""
    count, pending, size = 0, [b"["], 1
    items = iter(documents)
    while batch := list(islice(items, ENCODE_BATCH)):
        # the items of a list's text, each on its lines one level in: "\n  {...},\n  {...}"
        text = canonical_json(batch)[1:-2]
        if depth:
            text = text.replace(b"\n", b"\n" + b"  " * depth)
        pending += (b"," if count else b"", text)
        count, size = count + len(batch), size + len(text) + 1
        if size >= WRITE_BATCH:  # one write per megabyte, not per document
            handle.write(b"".join(pending))
            pending, size = [], 0
    pending.append(b"\n" + b"  " * depth + b"]" if count else b"]")
    handle.write(b"".join(pending) + (b"" if depth else b"\n"))
    return count


def write_json_streamed(handle: IO[bytes], document: dict[str, Any], key: str) -> None:
    """`document` as json_bytes writes it, its (long) array `document[key]` streamed."""
    head, found, tail = canonical_json({**document, key: []}).partition(
        b"\n  " + canonical_json(key) + b": []"
    )
    if not found:
        raise ValueError(f"{key!r} is not a key of the document")
    handle.write(head + b"\n  " + canonical_json(key) + b": ")
    write_json_array(handle, document[key], depth=1)
    handle.write(tail + b"\n")


def atomic_write_json(path: Path, document: Any, durable: bool = True) -> None:
    """Atomically write `document` as canonical JSON."""
    atomic_write_bytes(path, json_bytes(document), durable)
