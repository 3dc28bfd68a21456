"""Decoded-layer LRU cache, alpha compositing in trait order, and output encoding."""

import io
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from modules.constants import OUTPUT_FORMATS
from modules.trait_images import decode_layer

# JPEG has no alpha: transparent areas are flattened onto white, as viewers show them.
JPEG_BACKGROUND = (255, 255, 255, 255)


@dataclass(frozen=True)
class CacheStats:
    """Counters of one cache; summed across workers by the parent."""

    hits: int = 0
    misses: int = 0
    evictions: int = 0
    bytes_held: int = 0

    def __add__(self, other: "CacheStats") -> "CacheStats":
        return CacheStats(
            self.hits + other.hits,
            self.misses + other.misses,
            self.evictions + other.evictions,
            self.bytes_held + other.bytes_held,
        )

    @property
    def hit_rate(self) -> float:
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


class ImageProcessor:
    """Renders a token from its layer files; each decoded layer is kept in an LRU cache
    bounded by bytes (`max_memory_mb`) and entries (`cache_size`)."""

    def __init__(self, max_memory_mb: int, cache_size: int) -> None:
        self.max_bytes = max_memory_mb * 1024 * 1024
        self.max_entries = cache_size
        self._cache: OrderedDict[Path, Image.Image] = OrderedDict()
        self._bytes = 0
        self._hits = self._misses = self._evictions = 0

    @property
    def stats(self) -> CacheStats:
        return CacheStats(self._hits, self._misses, self._evictions, self._bytes)

    def layer(self, path: Path) -> Image.Image:
        """The decoded RGBA layer; callers must not modify it."""
        image = self._cache.get(path)
        if image is not None:
            self._hits += 1
            self._cache.move_to_end(path)
            return image
        self._misses += 1
        image = decode_layer(path)
        self._remember(path, image)
        return image

    def _remember(self, path: Path, image: Image.Image) -> None:
        size = _image_bytes(image)
        if size > self.max_bytes or self.max_entries < 1:
            return
        while self._cache and (
            self._bytes + size > self.max_bytes or len(self._cache) >= self.max_entries
        ):
            _, evicted = self._cache.popitem(last=False)
            self._bytes -= _image_bytes(evicted)
            self._evictions += 1
        self._cache[path] = image
        self._bytes += size

    def composite(self, layer_files: Sequence[Path], size: tuple[int, int]) -> Image.Image:
        """Alpha-composite the layers bottom first onto a transparent canvas."""
        canvas = Image.new("RGBA", size, (0, 0, 0, 0))
        for path in layer_files:
            canvas.alpha_composite(self.layer(path))
        return canvas

    def render(
        self, layer_files: Sequence[Path], size: tuple[int, int], fmt: str, quality: int
    ) -> bytes:
        """The encoded image file of one token."""
        return encode(self.composite(layer_files, size), fmt, quality)


def encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    """Encode an RGBA composite; PNG drops alpha when the image is fully opaque (smaller)."""
    pillow_format = OUTPUT_FORMATS[fmt][1]
    buffer = io.BytesIO()
    if pillow_format == "PNG":
        opaque = image.getchannel("A").getextrema() == (255, 255)
        (image.convert("RGB") if opaque else image).save(buffer, "PNG")
    elif pillow_format == "JPEG":
        flat = Image.alpha_composite(Image.new("RGBA", image.size, JPEG_BACKGROUND), image)
        flat.convert("RGB").save(buffer, "JPEG", quality=quality)
    else:
        image.save(buffer, "WEBP", quality=quality)
    return buffer.getvalue()


def _image_bytes(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())
