"""provenance.json: every image's SHA-256 in token order and the combined provenance hash
(BAYC style: SHA-256 of the per-image hex digests concatenated in order)."""

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modules.atomic_io import json_bytes
from modules.collection_reader import Token, existing_image, read_tokens
from modules.constants import METADATA_DIR, PROVENANCE
from modules.duplicates import file_sha256
from modules.errors import CollectionError
from modules.table_files import write_output


def combined_hash(digests: Sequence[str], starting_index: int = 0) -> str:
    """SHA-256 of the hex digests concatenated from `starting_index`, wrapping around."""
    ordered = [*digests[starting_index:], *digests[:starting_index]]
    return hashlib.sha256("".join(ordered).encode("ascii")).hexdigest()


def provenance(output_dir: Path, starting_index: int = 0) -> dict[str, Any]:
    """The provenance document of the complete collection (ids 1..N) in `output_dir`."""
    tokens = read_tokens(output_dir / METADATA_DIR)
    _check_complete(tokens, output_dir)
    images = [
        (token.token_id, token.image_file, file_sha256(existing_image(output_dir, token)))
        for token in tokens
    ]
    return provenance_document(images, starting_index)


def provenance_document(
    images: Sequence[tuple[int, str, str]], starting_index: int = 0
) -> dict[str, Any]:
    """The document for (token id, image file, SHA-256) in token order."""
    if not 0 <= starting_index < len(images):
        msg = f"--starting-index {starting_index}: must be between 0 and {len(images) - 1}"
        raise CollectionError(msg)
    return {
        "algorithm": "sha256 of the images' hex SHA-256 digests concatenated in token order, "
        "starting at starting_index (0-based) and wrapping around",
        "provenance_hash": combined_hash([digest for _, _, digest in images], starting_index),
        "starting_index": starting_index,
        "token_count": len(images),
        "images": [
            {"token_id": token_id, "image": image, "sha256": digest}
            for token_id, image, digest in images
        ],
    }


def write_provenance(output_dir: Path, starting_index: int = 0) -> Path:
    """Write `output_dir`/provenance.json (hashing every image) and return its path."""
    return write_provenance_document(output_dir, provenance(output_dir, starting_index))


def write_provenance_document(output_dir: Path, document: dict[str, Any]) -> Path:
    """Write a provenance document atomically as `output_dir`/provenance.json."""
    path = output_dir / PROVENANCE
    write_output(path, json_bytes(document))
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
