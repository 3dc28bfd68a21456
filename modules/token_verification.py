"""On resume: which planned tokens are already complete on disk, and which to render."""

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PIL import Image, ImageSequence

from modules.atomic_io import json_bytes
from modules.checkpoint import token_digest
from modules.trait_images import DECODE_ERRORS


def verify_tokens(
    expected: Iterable[tuple[int, str, dict[str, Any]]],
    hashes: dict[int, str],
    image_dir: Path,
    metadata_dir: Path,
    image_size: tuple[int, int],
) -> tuple[dict[int, str], list[int]]:
    """Split planned tokens (id, image file name, metadata) into verified ones (id -> image
    hash) and ones to render. A token is complete when its metadata file holds exactly the
    expected document and its image matches the recorded hash or, with none recorded,
    decodes (every frame) at full size."""
    verified, todo = {}, []
    for token_id, image_file, metadata in expected:
        digest = _verified_digest(
            image_dir / image_file,
            metadata_dir / f"{token_id}.json",
            json_bytes(metadata),
            hashes.get(token_id),
            image_size,
        )
        if digest is None:
            todo.append(token_id)
        else:
            verified[token_id] = digest
    return verified, todo


def _verified_digest(
    image_path: Path,
    metadata_path: Path,
    metadata: bytes,
    recorded: str | None,
    image_size: tuple[int, int],
) -> str | None:
    try:
        if metadata_path.read_bytes() != metadata:
            return None
        data = image_path.read_bytes()
    except FileNotFoundError:
        return None
    digest = token_digest(data)
    if recorded is not None:
        return digest if digest == recorded else None
    return digest if _decodes_at(data, image_size) else None


def _decodes_at(data: bytes, image_size: tuple[int, int]) -> bool:
    """Whether the bytes are a complete image of the expected size."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            for frame in ImageSequence.Iterator(image):
                frame.load()
            return image.size == image_size
    except (*DECODE_ERRORS, Image.DecompressionBombError):
        return False
