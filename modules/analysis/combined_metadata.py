"""Rebuild metadata/combined_metadata.json from the per-token files."""

from pathlib import Path
from typing import IO

from modules.analysis.collection_reader import iter_tokens, token_files
from modules.atomic_io import atomic_write, write_json_array
from modules.constants import COMBINED_METADATA
from modules.errors import CollectionError, OutputError


def write_combined_metadata(metadata_dir: Path) -> int:
    """Write combined_metadata.json in id order, byte for byte as the generator does; returns
    the number of tokens. Nothing else in the folder is touched."""
    if not token_files(metadata_dir):
        msg = f"{metadata_dir}: holds no token metadata ({{id}}.json); nothing to combine"
        raise CollectionError(msg)
    counted = []

    def write(handle: IO[bytes]) -> None:
        counted.append(write_json_array(handle, (t.metadata for t in iter_tokens(metadata_dir))))

    target = metadata_dir / COMBINED_METADATA
    try:
        atomic_write(target, write)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write it ({exc.strerror or exc})") from None
    return counted[0]
