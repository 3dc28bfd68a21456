"""On resume and before publishing: which planned tokens are complete on disk exactly as
written, and which to render."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.atomic_io import json_bytes
from modules.digests import file_sha256
from modules.errors import OutputError
from modules.publish.checkpoint import regular_file_size
from modules.render.animation import MAX_OUTPUT_FRAMES
from modules.render.image_hash import file_keccak256, with_image_hash

# Per frame of w x h pixels, 8 bytes a pixel is above every encoder's worst case: deflate
# adds about 0.1 % to PNG's 4 raw bytes (4.01 measured on noise), lossless WebP of noise is
# 4.0, JPEG is at most 6 (libjpeg-turbo's tjBufSize) and GIF's 12-bit LZW codes 1.5; 64 KiB
# covers headers and palettes. The token's own frame count is not known here, so a GIF or
# WebP is allowed the most an animation may have.
MAX_BYTES_PER_PIXEL = 8
MAX_FRAME_OVERHEAD = 64 * 1024


@dataclass
class Verification:
    """What a resumed run finds on disk."""

    hashes: dict[int, str] = field(default_factory=dict)  # tokens whose image is complete
    todo: list[int] = field(default_factory=list)  # tokens to render
    stale_metadata: list[int] = field(default_factory=list)  # image fine, metadata to rewrite


def verify_tokens(
    expected: Iterable[tuple[int, bool, str, str, dict[str, Any]]],
    hashes: dict[int, str],
    image_dir: Path,
    metadata_dir: Path,
    image_size: tuple[int, int],
    image_hash: bool = False,
) -> Verification:
    """Check planned tokens (plan index, whether animated, image and metadata file names,
    metadata). An image is
    complete only when it matches the hash recorded when it was written: one no hash vouches
    for (written after the last checkpoint, or copied there) is rendered again, which costs at
    most a checkpoint's worth of tokens. Its metadata file must then hold exactly the expected
    document, else only that is rewritten (so changed metadata settings or a new CID never cost
    a re-render). With `image_hash`, the expected metadata has the image's Keccak-256."""
    found = Verification()
    for token_id, animated, image_file, metadata_file, metadata in expected:
        bound = max_image_bytes(image_size, animated)
        digest = _image_digest(image_dir / image_file, hashes.get(token_id), bound)
        if digest is None:
            found.todo.append(token_id)
            continue
        found.hashes[token_id] = digest
        if image_hash:
            metadata = with_image_hash(metadata, _keccak(image_dir / image_file))
        if not _holds(metadata_dir / metadata_file, json_bytes(metadata)):
            found.stale_metadata.append(token_id)
    return found


def max_image_bytes(image_size: tuple[int, int], animated: bool) -> int:
    """The largest file Genecator encodes at this size; a larger one at a token path is
    someone else's file, rendered over without being read."""
    width, height = image_size
    frames = MAX_OUTPUT_FRAMES if animated else 1
    return frames * (MAX_BYTES_PER_PIXEL * width * height + MAX_FRAME_OVERHEAD)


def _holds(path: Path, expected: bytes) -> bool:
    """Whether the file at `path` is exactly `expected` (compared by size first, so a large
    file there is not read)."""
    size = regular_file_size(path, "a metadata file", OutputError)
    if size != len(expected):
        return False
    try:
        return path.read_bytes() == expected
    except OSError as exc:
        raise _unreadable(path, exc) from None


def _image_digest(path: Path, recorded: str | None, bound: int) -> str | None:
    size = regular_file_size(path, "an image", OutputError)
    if recorded is None or size is None or size > bound:
        return None
    try:
        digest = file_sha256(path)  # streamed: an animated token may be hundreds of MB
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return digest if digest == recorded else None


def _keccak(path: Path) -> str:
    try:
        return file_keccak256(path)
    except OSError as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: OSError) -> OutputError:
    return OutputError(
        f"{path}: cannot read it ({exc.strerror or exc}); fix its permissions and resume"
    )
