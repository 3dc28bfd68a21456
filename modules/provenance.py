"""provenance.json: every image's SHA-256 in token order and the combined provenance hash
(BAYC style: SHA-256 of the per-image hex digests concatenated in order)."""

import hashlib
from collections.abc import Mapping, Sequence
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


def provenance(
    output_dir: Path, starting_index: int = 0, digests: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """The provenance document of the complete collection (ids 1..N) in `output_dir`;
    `digests` (token id -> image SHA-256, e.g. from the generator) saves hashing again."""
    tokens = read_tokens(output_dir / METADATA_DIR)
    _check_complete(tokens, output_dir)
    if not 0 <= starting_index < len(tokens):
        msg = f"--starting-index {starting_index}: must be between 0 and {len(tokens) - 1}"
        raise CollectionError(msg)
    images = [
        {
            "token_id": token.token_id,
            "image": token.image_file,
            "sha256": (
                digests[token.token_id]
                if digests is not None
                else file_sha256(existing_image(output_dir, token))
            ),
        }
        for token in tokens
    ]
    return {
        "algorithm": "sha256 of the images' hex SHA-256 digests concatenated in token order, "
        "starting at starting_index (0-based) and wrapping around",
        "provenance_hash": combined_hash([image["sha256"] for image in images], starting_index),
        "starting_index": starting_index,
        "token_count": len(images),
        "images": images,
    }


def write_provenance(
    output_dir: Path, starting_index: int = 0, digests: Mapping[int, str] | None = None
) -> Path:
    """Write `output_dir`/provenance.json atomically and return its path."""
    path = output_dir / PROVENANCE
    write_output(path, json_bytes(provenance(output_dir, starting_index, digests)))
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
