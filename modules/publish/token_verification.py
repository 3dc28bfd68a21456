"""On resume: which planned tokens are already complete on disk, and which to render."""

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageSequence

from modules.atomic_io import json_bytes
from modules.digests import sha256_hex
from modules.load.trait_images import DECODE_ERRORS


@dataclass
class Verification:
    """What a resumed run finds on disk."""

    hashes: dict[int, str] = field(default_factory=dict)  # tokens whose image is complete
    todo: list[int] = field(default_factory=list)  # tokens to render
    stale_metadata: list[int] = field(default_factory=list)  # image fine, metadata to rewrite


def verify_tokens(
    expected: Iterable[tuple[int, str, dict[str, Any]]],
    hashes: dict[int, str],
    image_dir: Path,
    metadata_dir: Path,
    image_size: tuple[int, int],
) -> Verification:
    """Check planned tokens (id, image file name, metadata). An image is complete when it
    matches its recorded hash or, with none recorded, decodes (every frame) at full size; its
    metadata file must then hold exactly the expected document, else only that is rewritten
    (so changed metadata settings or a new CID never cost a re-render)."""
    found = Verification()
    for token_id, image_file, metadata in expected:
        digest = _image_digest(image_dir / image_file, hashes.get(token_id), image_size)
        if digest is None:
            found.todo.append(token_id)
            continue
        found.hashes[token_id] = digest
        if _read(metadata_dir / f"{token_id}.json") != json_bytes(metadata):
            found.stale_metadata.append(token_id)
    return found


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _image_digest(path: Path, recorded: str | None, image_size: tuple[int, int]) -> str | None:
    data = _read(path)
    if data is None:
        return None
    digest = sha256_hex(data)
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
