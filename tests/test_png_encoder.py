"""The fast PNG writer: Pillow's pixels, Pillow's size (within 10 %), a Pillow fallback."""

import io

import numpy as np
import pytest
from PIL import Image

from modules.render import png_encoder
from modules.render.image_processor import Overlay, PrefixComposites
from modules.render.png_encoder import encode_png


def textured(mode: str, size: int = 96) -> Image.Image:
    rng = np.random.default_rng(7)
    gradient = np.linspace(0, 255, size * size * len(mode)).reshape(size, size, len(mode))
    noisy = np.clip(gradient + rng.normal(0, 12, gradient.shape), 0, 255).astype(np.uint8)
    return Image.fromarray(noisy, mode)


def pillow_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("compression", ["fast", "balanced", "small"])
def test_pixels_equal_pillows_and_size_is_close(mode, compression):
    image = textured(mode)
    data = encode_png(image, compression)
    decoded = Image.open(io.BytesIO(data))
    assert decoded.mode == mode
    assert decoded.tobytes() == image.tobytes()
    assert len(data) <= 1.10 * len(pillow_png(image))


def test_compression_levels_trade_size():
    flat = Image.new("RGB", (128, 128), (10, 20, 30))
    flat.paste(textured("RGB", 64), (32, 32))
    fast, balanced, small = (
        len(encode_png(flat, level)) for level in ("fast", "balanced", "small")
    )
    assert small <= balanced
    assert len({fast, balanced, small}) > 1  # the levels really differ


def test_encoding_is_deterministic():
    image = textured("RGBA")
    assert encode_png(image, "balanced") == encode_png(image.copy(), "balanced")


def test_without_libdeflate_pillow_writes_the_same_pixels(monkeypatch):
    monkeypatch.setattr(png_encoder, "deflate", None)
    image = textured("RGBA")
    data = encode_png(image, "fast")
    assert data == pillow_png_at(image, 1)
    assert Image.open(io.BytesIO(data)).tobytes() == image.tobytes()


def pillow_png_at(image: Image.Image, level: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=level)
    return buffer.getvalue()


def test_prefix_composites_match_full_composites_and_count_reuse(tmp_path):
    layers = [Image.new("RGBA", (8, 8), (i * 40, 0, 0, 100 + i * 30)) for i in range(4)]
    files = [tmp_path / f"{i}.png" for i in range(4)]
    prefixes = PrefixComposites()
    tokens = [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2]]
    for token in tokens:
        overlays = [Overlay.of(layers[i]) for i in token]
        result = prefixes.composite([files[i] for i in token], overlays, (8, 8))
        expected = Image.new("RGBA", (8, 8))
        for i in token:
            expected.alpha_composite(layers[i])
        assert result.tobytes() == expected.tobytes()
    assert (prefixes.done, prefixes.reused) == (3 + 1 + 2 + 2, 0 + 2 + 1 + 0)


class Spy:
    """Wraps a compression module to count the calls it gets."""

    def __init__(self, real) -> None:
        self.real, self.calls = real, 0

    def compress(self, data: bytes, level: int) -> bytes:
        self.calls += 1
        return self.real.compress(data, level)


def test_fast_keeps_isal_output_for_grainy_pixels_and_zlib_ng_output_for_flat(monkeypatch):
    isal, zlib_ng = Spy(png_encoder.isal_zlib), Spy(png_encoder.zlib_ng)
    monkeypatch.setattr(png_encoder, "isal_zlib", isal)
    monkeypatch.setattr(png_encoder, "zlib_ng", zlib_ng)
    grainy = Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8))
    flat = Image.new("RGB", (64, 64), (200, 10, 10))
    fast = {}
    for name, image in (("grainy", grainy), ("flat", flat)):
        data = fast[name] = encode_png(image, "fast")
        assert Image.open(io.BytesIO(data)).tobytes() == image.tobytes()
        assert len(data) <= 1.10 * len(pillow_png(image))
    assert (isal.calls, zlib_ng.calls) == (2, 1)  # ISA-L tries both; zlib-ng gets the flat one
    monkeypatch.setattr(png_encoder, "zlib_ng", None)
    assert encode_png(grainy, "fast") == fast["grainy"]
    libdeflate = encode_png(flat, "fast")  # the flat one falls back to libdeflate
    assert libdeflate != fast["flat"]
    assert Image.open(io.BytesIO(libdeflate)).tobytes() == flat.tobytes()
