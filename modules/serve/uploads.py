"""Uploaded traits folders: the stream is bounded as it arrives, and a zip is checked whole
before one byte of it is unpacked (zip-slip, links, zip bombs, clashing names)."""

import posixpath
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from modules.errors import ConfigError
from modules.serve.workspace import DRIVE

# Methods whose decoding errors are known (zlib.error); bzip2 and lzma would add their own.
ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
# What zipfile raises for a damaged member (NotImplementedError: a flag such as patched data).
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)
CHUNK = 2**20
MAX_LISTED = 20  # problems shown for one upload; the rest are counted


class UploadTooLarge(ConfigError):
    """An upload passes a size or file-count limit (the API answers 413)."""


@dataclass(frozen=True)
class UploadLimits:
    """How big an upload may be: as sent, in entries, and unpacked."""

    max_bytes: int = 200 * 2**20
    max_files: int = 5000
    max_unpacked_bytes: int = 1 * 2**30


def _size(count: int) -> str:
    return f"{count:,} bytes" if count < 2**20 else f"{count / 2**20:,.0f} MiB"


def too_large(limits: UploadLimits) -> UploadTooLarge:
    """The refusal of an upload past `limits.max_bytes`."""
    limit = _size(limits.max_bytes)
    return UploadTooLarge(f"upload: larger than the limit of {limit}; upload a smaller archive")


def save_upload(chunks: Iterable[bytes], path: Path, limits: UploadLimits) -> int:
    """Write the streamed upload to `path` and return its size; past `limits.max_bytes`, or on
    any failure, the partial file is removed."""
    total = 0
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                total += len(chunk)
                if total > limits.max_bytes:
                    raise too_large(limits)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return total


def _key(name: str) -> str:
    """An entry's path once './', '//' and a trailing '/' are dropped."""
    return posixpath.normpath(name)


def _name_problem(name: str) -> str | None:
    if "\x00" in name:
        return "contains a NUL byte; rename it"
    if "\\" in name:
        return "contains a backslash; re-zip it with a tool that writes '/' between folders"
    if name.startswith("/") or DRIVE.match(name):
        return "is an absolute path; re-create the archive from inside the traits folder"
    if ".." in name.split("/"):
        return "points outside the archive folder (zip-slip); remove it"
    if _key(name) == ".":
        return "has no file name; remove it"
    return None


def _format_problem(info: zipfile.ZipInfo) -> str | None:
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link; replace it with the file itself"
    if info.flag_bits & 0x1:
        return "is encrypted; use an archive without a password"
    if info.compress_type not in ZIP_METHODS:
        return f"uses compression method {info.compress_type}; re-zip it with deflate"
    if info.header_offset < 0:
        return "is damaged (its header lies before the archive); re-zip it"
    return None


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why one entry is refused, as a whole line, if it is. orig_filename keeps a NUL that
    zipfile cuts from `filename`."""
    reason = _name_problem(info.orig_filename) or _format_problem(info)
    return f"upload: entry {info.orig_filename!r} {reason} and upload again" if reason else None


def _clash_problems(infos: list[zipfile.ZipInfo]) -> list[str]:
    """Entries that name the same path, or sit inside a path the archive holds as a file."""
    first: dict[str, str] = {}
    problems = []
    for info in infos:
        key = _key(info.filename)
        if key in first:
            problems.append(
                f"upload: entry {info.filename!r} is the same path as {first[key]!r}; "
                "remove one and upload again"
            )
        first.setdefault(key, info.filename)
    files = {_key(info.filename) for info in infos if not info.is_dir()}
    for key, name in first.items():
        parts = key.split("/")
        parents = ["/".join(parts[:end]) for end in range(1, len(parts))]
        problems.extend(
            f"upload: entry {name!r} is inside {first[parent]!r}, which the archive also holds "
            "as a file; remove one and upload again"
            for parent in parents
            if parent in files
        )
    return problems


def _listed(problems: list[str]) -> list[str]:
    extra = len(problems) - MAX_LISTED
    return problems if extra <= 0 else [*problems[:MAX_LISTED], f"upload: {extra} more problems"]


def _skipped(key: str) -> bool:
    """Finder's resource forks and folder settings, which are no part of the traits."""
    parts = key.split("/")
    return parts[0] == "__MACOSX" or parts[-1] == ".DS_Store"


def _declared_size(infos: list[zipfile.ZipInfo]) -> int:
    return sum(info.file_size for info in infos)


def _checked_entries(infos: list[zipfile.ZipInfo], limits: UploadLimits) -> list[zipfile.ZipInfo]:
    """The entries to unpack, once the whole archive passes every check."""
    if len(infos) > limits.max_files:
        msg = (
            f"upload: the archive holds {len(infos):,} entries, more than the limit of "
            f"{limits.max_files:,}; upload fewer files"
        )
        raise UploadTooLarge(msg)
    declared = _declared_size(infos)
    if declared > limits.max_unpacked_bytes:
        msg = (
            f"upload: the archive would unpack to {_size(declared)}, more than the limit of "
            f"{_size(limits.max_unpacked_bytes)}; upload a smaller archive"
        )
        raise UploadTooLarge(msg)
    problems = [line for info in infos if (line := _entry_problem(info))]
    if not problems:
        problems = _clash_problems(infos)
    if problems:
        raise ConfigError(*_listed(problems))
    kept = [info for info in infos if not _skipped(_key(info.filename))]
    if all(info.is_dir() for info in kept):
        msg = "upload: the archive holds no files; zip the traits folder and upload again"
        raise ConfigError(msg)
    return kept


def _copy_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Unpack one file, counting what it really holds against `budget`; returns what is left."""
    try:
        with archive.open(info) as source, target.open("xb") as out:
            while chunk := source.read(CHUNK):
                budget -= len(chunk)
                if budget < 0:
                    msg = (
                        "upload: the archive unpacks to more than its headers say, past the "
                        "size limit; upload a smaller archive"
                    )
                    raise UploadTooLarge(msg)
                out.write(chunk)
    except DAMAGED as exc:
        msg = f"upload: entry {info.filename!r} is damaged ({exc}); re-zip it and upload again"
        raise ConfigError(msg) from exc
    return budget


def _unpack(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], folder: Path, limits: UploadLimits
) -> None:
    budget = limits.max_unpacked_bytes
    for info in entries:
        target = folder.joinpath(*_key(info.filename).split("/"))
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            budget = _copy_entry(archive, info, target, budget)


def _traits_root(dest: Path, entries: list[zipfile.ZipInfo]) -> Path:
    """The one top-level folder when the archive holds nothing beside it, else `dest`."""
    keys = [(_key(info.filename), info.is_dir()) for info in entries]
    tops = {key.split("/")[0] for key, _ in keys}
    if len(tops) == 1 and all(is_dir or "/" in key for key, is_dir in keys):
        return dest / tops.pop()
    return dest


def _open_zip(archive: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise ConfigError("upload: not a zip archive") from None
    except NotImplementedError as exc:  # an entry of a zip version it does not know
        msg = f"upload: the archive is damaged or too new to read ({exc}); re-zip it"
        raise ConfigError(msg) from exc


def extract_zip(archive: Path, dest: Path, limits: UploadLimits) -> Path:
    """Unpack a checked archive into the new folder `dest` (all or nothing) and return the
    traits folder in it. Names cannot leave `dest`: '..' and absolute names are refused and no
    link is ever written."""
    if dest.exists():
        raise FileExistsError(f"{dest}: the upload folder already exists")
    with _open_zip(archive) as opened:
        entries = _checked_entries(opened.infolist(), limits)
        # Unpacked beside dest and renamed into place, so a failure leaves no dest at all.
        partial = Path(
            tempfile.mkdtemp(prefix=f".{dest.name}-", suffix=".partial", dir=dest.parent)
        )
        try:
            _unpack(opened, entries, partial, limits)
            partial.rename(dest)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    return _traits_root(dest, entries)
