"""The edge of packing: read a folder from disk into UnixFS blocks, optionally into a CAR file.
Hidden entries (names starting with '.') are left out, as `ipfs add -r` and ipfs-car do."""

import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from modules.atomic_io import atomic_write
from modules.errors import CollectionError, OutputError
from modules.publish.ipfs.car import CarStream
from modules.publish.ipfs.convention import Convention
from modules.publish.ipfs.multiformats import CODEC_DAG_PB, cid_bytes
from modules.publish.ipfs.unixfs import BlockSink, Entry, build_directory, build_file

Include = Callable[[Path], bool]  # which top-level files of the folder are packed


def _ignore_block(cid: bytes, block: bytes) -> None:
    """A sink for CID-only packing."""


def folder_cid(folder: Path, convention: Convention, include: Include | None = None) -> bytes:
    """The binary root CID of `folder`, writing nothing."""
    return pack_folder(folder, convention, _ignore_block, include).cid


def write_car(
    folder: Path, convention: Convention, car_path: Path, include: Include | None = None
) -> bytes:
    """Atomically write `folder` as a CARv1 file rooted at its CID (blocks children first);
    returns that CID."""
    roots: list[bytes] = []

    def write(handle: IO[bytes]) -> None:
        car = CarStream(handle, cid_bytes(CODEC_DAG_PB, b""))
        roots.append(pack_folder(folder, convention, car.put, include).cid)
        car.finish(roots[0])

    try:
        atomic_write(car_path, write)
    except OSError as exc:
        raise OutputError(f"{car_path}: cannot write it ({exc.strerror or exc})") from None
    return roots[0]


def pack_folder(
    folder: Path, convention: Convention, sink: BlockSink, include: Include | None = None
) -> Entry:
    """`folder` as a UnixFS directory, its blocks handed to `sink` children first."""
    entries = {}
    for path in _children(folder):
        if include is not None and not include(path):
            continue
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            entries[path.name] = pack_folder(path, convention, sink)
        elif stat.S_ISREG(mode):
            entries[path.name] = build_file(_chunks(path, convention.chunk_size), convention, sink)
        else:
            msg = f"{path}: not a regular file or folder (a link?); move it out before packing"
            raise CollectionError(msg)
    return build_directory(entries, convention, sink)


def _children(folder: Path) -> list[Path]:
    """The folder's non-hidden entries, sorted by name for a reproducible block order."""
    try:
        return sorted(path for path in folder.iterdir() if not path.name.startswith("."))
    except OSError as exc:
        raise CollectionError(f"{folder}: cannot list it ({exc.strerror or exc})") from None


def _chunks(path: Path, size: int) -> Iterator[bytes]:
    """The file's content in fixed-size chunks."""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(size):
                yield chunk
    except OSError as exc:
        raise CollectionError(f"{path}: cannot read it ({exc.strerror or exc})") from None
