"""provenance.json recomputed from a finished collection's files (utils/provenance.py); the
document itself is built by modules.publish.provenance, as every complete run writes it."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modules.analysis.collection_reader import Token, existing_image, read_tokens
from modules.analysis.table_files import write_output
from modules.atomic_io import json_bytes
from modules.constants import METADATA_DIR, PROVENANCE
from modules.digests import file_sha256
from modules.errors import CollectionError
from modules.publish.provenance import provenance_document


def provenance(output_dir: Path, starting_index: int = 0) -> dict[str, Any]:
    """The provenance document of the complete collection (ids 1..N) in `output_dir`."""
    tokens = read_tokens(output_dir / METADATA_DIR)
    _check_complete(tokens, output_dir)
    images = [
        (token.token_id, token.image_file, file_sha256(existing_image(output_dir, token)))
        for token in tokens
    ]
    return provenance_document(images, starting_index)


def write_provenance(output_dir: Path, starting_index: int = 0) -> Path:
    """Write `output_dir`/provenance.json (hashing every image) and return its path."""
    path = output_dir / PROVENANCE
    write_output(path, json_bytes(provenance(output_dir, starting_index)))
    return path


def _check_complete(tokens: Sequence[Token], output_dir: Path) -> None:
    # The hash commits to a sequence, so a gap would silently shift every later token.
    for expected, token in enumerate(tokens, start=1):
        if token.token_id != expected:
            msg = (
                f"{output_dir / METADATA_DIR}: token {expected} is missing; provenance needs "
                "every token 1..N (finish the collection with --resume)"
            )
            raise CollectionError(msg)
