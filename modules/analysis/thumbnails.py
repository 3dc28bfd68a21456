"""Small flattened thumbnails of token images, for the contact sheet and the HTML report."""

from pathlib import Path

from PIL import Image

from modules.errors import CollectionError

BACKGROUND = (255, 255, 255)


def thumbnail(path: Path, size: int) -> Image.Image:
    """The image's first frame fitted into size x size, flattened onto white."""
    try:
        with Image.open(path) as image:
            image.seek(0)
            frame = image.convert("RGBA")
    except OSError as exc:
        raise CollectionError(f"{path}: cannot read the image ({exc})") from None
    frame.thumbnail((size, size), Image.Resampling.LANCZOS)
    flat = Image.new("RGB", (size, size), BACKGROUND)
    offset = ((size - frame.width) // 2, (size - frame.height) // 2)
    flat.paste(frame, offset, frame)
    return flat
