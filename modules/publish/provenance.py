"""provenance.json, as BAYC does it: every image's SHA-256 in original (generation) order, the
provenance hash over them, a starting index and the token id -> original image mapping."""

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

from modules.atomic_io import atomic_write, write_json_streamed
from modules.constants import PROVENANCE
from modules.errors import CollectionError

HASH_BATCH = 4096  # digests hashed per update

# The text a collection without a starting index has always recorded (kept, so its file stays
# byte for byte what earlier versions wrote; with index 0 the mapping is the identity).
IDENTITY_ALGORITHM = (
    "sha256 of the images' hex SHA-256 digests concatenated in token order, "
    "starting at starting_index (0-based) and wrapping around"
)
SHIFTED_ALGORITHM = (
    "sha256 of the images' hex SHA-256 digests concatenated in original order (the order "
    "they were generated in, independent of starting_index); token id t shows original image "
    "(t - start_id + starting_index) mod token_count, as BAYC's (tokenId + startingIndex) % N"
)


def combined_hash(digests: Sequence[str]) -> str:
    """BAYC's provenance hash: SHA-256 of the hex digests concatenated in original order."""
    state = hashlib.sha256()
    for start in range(0, len(digests), HASH_BATCH):  # not one 6 MB string per 100,000 tokens
        state.update("".join(digests[start : start + HASH_BATCH]).encode("ascii"))
    return state.hexdigest()


def original_index(position: int, starting_index: int, count: int) -> int:
    """The original image (0-based) the token at 0-based `position` shows after the reveal."""
    return (position + starting_index) % count


def provenance_document(
    images: Sequence[tuple[int, str, str]], starting_index: int = 0, start_id: int = 1
) -> dict[str, Any]:
    """The document for (token id, image file, SHA-256) in original order, ids from
    `start_id`; with a `starting_index`, each token id's entry names the image it shows."""
    if not 0 <= starting_index < len(images):
        msg = f"--starting-index {starting_index}: must be between 0 and {len(images) - 1}"
        raise CollectionError(msg)
    document: dict[str, Any] = {
        "algorithm": SHIFTED_ALGORITHM if starting_index else IDENTITY_ALGORITHM,
        "provenance_hash": combined_hash([digest for _, _, digest in images]),
        "starting_index": starting_index,
        "token_count": len(images),
        "images": TokenEntries(images, starting_index),
    }
    if start_id != 1:  # only then: other collections' files stay as they were
        document["start_id"] = start_id
    return document


class TokenEntries(Sequence[dict[str, Any]]):
    """The document's "images": each token id's entry, built when read, so a 100,000-token
    document does not hold 100,000 dicts (write_provenance_document streams them)."""

    def __init__(self, images: Sequence[tuple[int, str, str]], starting_index: int) -> None:
        self._images = images
        self._starting_index = starting_index

    def __len__(self) -> int:
        return len(self._images)

    @overload
    def __getitem__(self, position: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, position: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, position: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        token_id = self._images[position][0]
        if not self._starting_index:
            _, image, digest = self._images[position]
            return {"token_id": token_id, "image": image, "sha256": digest}
        original = original_index(position % len(self), self._starting_index, len(self))
        _, image, digest = self._images[original]
        return {"token_id": token_id, "original_index": original, "image": image, "sha256": digest}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self[position] for position in range(len(self)))


def write_provenance_document(output_dir: Path, document: dict[str, Any]) -> None:
    """Write a provenance document atomically as `output_dir`/provenance.json."""
    atomic_write(
        output_dir / PROVENANCE, lambda handle: write_json_streamed(handle, document, "images")
    )
