"""Check and prepare the output folder before anything is rendered."""

import os
import re
from collections.abc import Callable
from pathlib import Path

from modules.atomic_io import TEMP_PREFIX
from modules.checkpoint import LEDGER_DIR, RNG_STATE, SEEN_HASHES, TRACKER_STATE
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
        _make_writable_folder(folder)
    for path in (existing if force else []) + _temp_files(output_dir):
        path.unlink(missing_ok=True)
    return image_dir, metadata_dir


def collection_files(output_dir: Path) -> list[Path]:
    """Token, collection and checkpoint files a run in `output_dir` would write."""
    files = [output_dir / name for name in OUTPUT_FILES]
    files.append(output_dir / METADATA_DIR / COMBINED_METADATA)
    for folder in (output_dir / IMAGE_DIR, output_dir / METADATA_DIR):
        if folder.is_dir():
            files += [path for path in folder.iterdir() if TOKEN_FILE.match(path.name)]
    ledger = output_dir / LEDGER_DIR
    if ledger.is_dir():
        files += list(ledger.iterdir())
    return sorted(path for path in files if path.is_file())


def _temp_files(output_dir: Path) -> list[Path]:
    folders = [output_dir, *(output_dir / name for name in (IMAGE_DIR, METADATA_DIR, LEDGER_DIR))]
    return [
        path
        for folder in folders
        if folder.is_dir()
        for path in folder.iterdir()
        if path.name.startswith(TEMP_PREFIX)
    ]


def _make_writable_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f"{TEMP_PREFIX}probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except (FileExistsError, NotADirectoryError):
        msg = f"{folder}: a file stands where this folder should be; choose another --output"
        raise OutputError(msg) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        msg = f"{folder}: cannot write there ({reason}); fix permissions or choose another --output"
        raise OutputError(msg) from None


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
