"""Small flattened thumbnails of token images, for the contact sheet and the HTML report."""

from pathlib import Path

from PIL import Image

from modules.analysis.collection_reader import RESUME
from modules.errors import CollectionError
from modules.load.trait_images import DECODE_ERRORS, TRAIT_FORMATS

BACKGROUND = (255, 255, 255)
# Decoding needs 4 bytes a pixel whatever the file's size, so the header is checked first:
# 8192x8192 RGBA is 256 MiB, below Pillow's own bomb limits (89 M pixels warns, 179 M refuses).
MAX_SOURCE_SIDE = 8192
MAX_SOURCE_PIXELS = MAX_SOURCE_SIDE * MAX_SOURCE_SIDE
# Modes a thumbnail is made from directly; others (a palette) are converted first.
DIRECT_MODES = frozenset({"RGB", "RGBA"})


def thumbnail(path: Path, size: int) -> Image.Image:
    """The image's first frame fitted into size x size, flattened onto white."""
    try:
        # Pillow's warning while opening is off (trait_images); the pixel check refuses.
        with Image.open(path, formats=TRAIT_FORMATS) as image:
            _check_pixels(path, image.size)
            image.seek(0)
            # Shrinking before converting keeps a single full-size copy in memory.
            frame = image if image.mode in DIRECT_MODES else image.convert("RGBA")
            frame.thumbnail((size, size), Image.Resampling.LANCZOS)
            frame = frame.convert("RGBA")
    except Image.DecompressionBombError as exc:  # Pillow's own limit, checked while opening
        msg = f"{path}: refused as a decompression bomb ({exc}); {RESUME} to render it again"
        raise CollectionError(msg) from None
    except DECODE_ERRORS as exc:
        msg = f"{path}: cannot decode the image ({exc}); {RESUME} to render it again"
        raise CollectionError(msg) from None
    flat = Image.new("RGB", (size, size), BACKGROUND)
    offset = ((size - frame.width) // 2, (size - frame.height) // 2)
    flat.paste(frame, offset, frame)
    return flat


def _check_pixels(path: Path, size: tuple[int, int]) -> None:
    if size[0] * size[1] > MAX_SOURCE_PIXELS:
        msg = (
            f"{path}: refused as a decompression bomb: its header says {size[0]}x{size[1]} "
            f"pixels, more than the {MAX_SOURCE_SIDE}x{MAX_SOURCE_SIDE} a preview decodes; "
            f"{RESUME} to render it again"
        )
        raise CollectionError(msg)
