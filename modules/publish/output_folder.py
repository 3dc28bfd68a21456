"""Check and prepare the output folder before anything is rendered."""

import os
import re
from collections.abc import Callable
from pathlib import Path

from modules.atomic_io import TEMP_PREFIX
from modules.constants import (
    ANALYSIS_FILES,
    COLLECTION_STATS,
    COMBINED_METADATA,
    IMAGE_DIR,
    METADATA_DIR,
    PROVENANCE,
    RARITY_REPORT,
)
from modules.errors import OutputError
from modules.publish.checkpoint import LEDGER_DIR, RNG_STATE, SEEN_HASHES, TRACKER_STATE
from modules.resource_manager import ResourceManager

TOKEN_FILE = re.compile(r"^\d+\.(png|jpg|webp|gif|json)$")
OUTPUT_FILES = (
    COLLECTION_STATS,
    RARITY_REPORT,
    PROVENANCE,
    RNG_STATE,
    TRACKER_STATE,
    SEEN_HASHES,
    *ANALYSIS_FILES,
)


def prepare_output(output_dir: Path, force: bool, resume: bool) -> tuple[Path, Path]:
    """Create output/image and output/metadata and prove they are writable; an existing
    collection is refused unless resuming, or replaced with `force`. Stale temp files of
    interrupted writes are removed. Returns (image_dir, metadata_dir)."""
    image_dir, metadata_dir = output_dir / IMAGE_DIR, output_dir / METADATA_DIR
    existing = collection_files(output_dir)
    if existing and not (force or resume):
        msg = (
            f"{output_dir}: already holds a collection ({len(existing)} files); pass --resume "
            "to finish or extend it, --force to replace it, or choose another --output"
        )
        raise OutputError(msg)
    for folder in (output_dir, image_dir, metadata_dir):
        make_writable_folder(folder)
    try:
        for path in (existing if force else []) + _temp_files(output_dir):
            path.unlink(missing_ok=True)
    except OSError as exc:
        msg = f"{exc.filename}: cannot remove it ({exc.strerror}); fix permissions or remove it"
        raise OutputError(msg) from None
    return image_dir, metadata_dir


def collection_files(output_dir: Path) -> list[Path]:
    """Token, collection and checkpoint files a run in `output_dir` would write."""
    files = [output_dir / name for name in OUTPUT_FILES]
    files.append(output_dir / METADATA_DIR / COMBINED_METADATA)
    for folder in (output_dir / IMAGE_DIR, output_dir / METADATA_DIR):
        files += [path for path in _entries(folder) if TOKEN_FILE.match(path.name)]
    files += _entries(output_dir / LEDGER_DIR)
    return sorted(path for path in files if path.is_file())


def _entries(folder: Path) -> list[Path]:
    """A folder's entries (none when it is not a folder); unreadable is an error, since a
    collection hidden in it could otherwise be overwritten."""
    if not folder.is_dir():
        return []
    try:
        return list(folder.iterdir())
    except OSError as exc:
        msg = (
            f"{folder}: cannot list it ({exc.strerror}); fix permissions or choose another --output"
        )
        raise OutputError(msg) from None


def _temp_files(output_dir: Path) -> list[Path]:
    folders = [output_dir, *(output_dir / name for name in (IMAGE_DIR, METADATA_DIR, LEDGER_DIR))]
    return [
        path for folder in folders for path in _entries(folder) if path.name.startswith(TEMP_PREFIX)
    ]


def make_writable_folder(folder: Path) -> None:
    """Create `folder` (and its parents) and prove it is writable, or say why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe_write(folder / f"{TEMP_PREFIX}probe-{os.getpid()}")
    except (FileExistsError, NotADirectoryError):
        msg = f"{folder}: a file stands where this folder should be; choose another --output"
        raise OutputError(msg) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        msg = f"{folder}: cannot write there ({reason}); fix permissions or choose another --output"
        raise OutputError(msg) from None


def probe_write(path: Path) -> None:
    """Create and remove an empty file: proves a folder is writable before any work."""
    path.write_bytes(b"")
    path.unlink()


def checked_write(
    resources: ResourceManager, output_dir: Path, action: Callable[..., None], *args: object
) -> None:
    """Run a parent-side write with retries; any other OS error becomes one clear line."""
    try:
        resources.call(action, *args)
    except OSError as exc:
        where = exc.filename or output_dir
        msg = (
            f"{where}: cannot write ({exc.strerror or exc}); free space or fix permissions, "
            "then run the same command with --resume"
        )
        raise OutputError(msg) from None


def check_output_location(output_dir: Path, traits_dir: Path) -> None:
    """The collection may not live inside the traits folder, where it would be read as art."""
    if output_dir.resolve().is_relative_to(traits_dir.resolve()):
        msg = f"{output_dir}: is inside the traits folder {traits_dir}; choose another --output"
        raise OutputError(msg)
