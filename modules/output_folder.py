"""Check and prepare the output folder before anything is rendered."""

import os
import re
from pathlib import Path

from modules.atomic_io import TEMP_PREFIX
from modules.constants import (
    COLLECTION_STATS,
    COMBINED_METADATA,
    IMAGE_DIR,
    METADATA_DIR,
    RARITY_REPORT,
)
from modules.errors import OutputError

TOKEN_FILE = re.compile(r"^\d+\.(png|jpg|webp|gif|json)$")


def prepare_output(output_dir: Path, force: bool) -> tuple[Path, Path]:
    """Create output/image and output/metadata, refusing to mix with an existing collection
    unless `force`, and prove the folders are writable. Returns (image_dir, metadata_dir)."""
    image_dir, metadata_dir = output_dir / IMAGE_DIR, output_dir / METADATA_DIR
    existing = _collection_files(output_dir, image_dir, metadata_dir)
    if existing and not force:
        msg = (
            f"{output_dir}: already holds a collection ({len(existing)} files); "
            "pass --force to replace it or choose another --output"
        )
        raise OutputError(msg)
    for folder in (output_dir, image_dir, metadata_dir):
        _make_writable_folder(folder)
    for path in existing:
        path.unlink()
    return image_dir, metadata_dir


def _collection_files(output_dir: Path, image_dir: Path, metadata_dir: Path) -> list[Path]:
    files = [output_dir / name for name in (COLLECTION_STATS, RARITY_REPORT)]
    files.append(metadata_dir / COMBINED_METADATA)
    for folder in (image_dir, metadata_dir):
        if folder.is_dir():
            files += [path for path in folder.iterdir() if TOKEN_FILE.match(path.name)]
    return sorted(path for path in files if path.is_file())


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
