"""The fast PNG writer: Pillow's pixels, Pillow's size (within 10 %), a Pillow fallback."""

import io

import numpy as np
import pytest
from PIL import Image

from modules import png_encoder
from modules.image_processor import PrefixComposites
from modules.png_encoder import encode_png


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
        result = prefixes.composite([files[i] for i in token], [layers[i] for i in token], (8, 8))
        expected = Image.new("RGBA", (8, 8))
        for i in token:
            expected.alpha_composite(layers[i])
        assert result.tobytes() == expected.tobytes()
    assert (prefixes.done, prefixes.reused) == (3 + 1 + 2 + 2, 0 + 2 + 1 + 0)
