"""provenance.json: every image's SHA-256 in token order and the combined provenance hash
(BAYC style: SHA-256 of the per-image hex digests concatenated in order)."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modules.atomic_io import atomic_write_json
from modules.constants import PROVENANCE
from modules.digests import sha256_hex
from modules.errors import CollectionError


def combined_hash(digests: Sequence[str], starting_index: int = 0) -> str:
    """SHA-256 of the hex digests concatenated from `starting_index`, wrapping around."""
    ordered = [*digests[starting_index:], *digests[:starting_index]]
    return sha256_hex("".join(ordered).encode("ascii"))


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


def write_provenance_document(output_dir: Path, document: dict[str, Any]) -> None:
    """Write a provenance document atomically as `output_dir`/provenance.json."""
    atomic_write_json(output_dir / PROVENANCE, document)
