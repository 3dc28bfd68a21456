"""Compositing, the decoded-layer cache and output encoding, on tiny exact images."""

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from modules.render import image_processor
from modules.render.encoding import EncodeOptions, encode_still
from modules.render.image_processor import ImageProcessor, Overlay, PrefixComposites

RED = (255, 0, 0, 255)
BLUE = (0, 0, 255, 255)
CLEAR = (0, 0, 0, 0)


def half_image(left: tuple, right: tuple, size: tuple[int, int] = (8, 8)) -> Image.Image:
    """Left half one colour, right half another."""
    image = Image.new("RGBA", size, right)
    image.paste(Image.new("RGBA", (size[0] // 2, size[1]), left), (0, 0))
    return image


@pytest.fixture
def layers(tmp_path: Path) -> dict[str, Path]:
    files = {
        "bg": Image.new("RGBA", (8, 8), RED),
        "body": half_image(BLUE, CLEAR),
        "hat": half_image(CLEAR, (0, 255, 0, 255)),
        "glass": Image.new("RGBA", (8, 8), (255, 255, 255, 128)),
    }
    paths = {}
    for name, image in files.items():
        paths[name] = tmp_path / f"{name}.png"
        image.save(paths[name])
    return paths


def test_composite_stacks_layers_bottom_first(layers):
    out = ImageProcessor(16, 8).composite([layers["bg"], layers["body"], layers["hat"]], (8, 8))
    assert out.getpixel((0, 0)) == BLUE  # body covers the background on the left
    assert out.getpixel((7, 0)) == (0, 255, 0, 255)  # hat covers it on the right


def test_composite_order_matters(layers):
    processor = ImageProcessor(16, 8)
    body_on_top = processor.composite([layers["hat"], layers["body"]], (8, 8))
    assert body_on_top.getpixel((0, 0)) == BLUE
    assert body_on_top.getpixel((7, 0)) == (0, 255, 0, 255)
    bg_on_top = processor.composite([layers["body"], layers["bg"]], (8, 8))
    assert bg_on_top.getpixel((0, 0)) == RED


def test_semi_transparent_layer_blends(layers):
    out = ImageProcessor(16, 8).composite([layers["bg"], layers["glass"]], (8, 8))
    red, green, blue, alpha = out.getpixel((3, 3))
    # 50 % white over red: (255, 128, 128) up to one step of integer rounding.
    assert alpha == 255
    assert red == 255
    assert abs(green - 128) <= 1
    assert abs(blue - 128) <= 1


def sprite(seed: int, box: tuple[int, int, int, int]) -> Image.Image:
    """Random RGBA pixels, about half of them fully transparent (with random colour values
    left in them), and nothing visible outside `box`."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (12, 12, 4), dtype=np.uint8)
    pixels[..., 3][rng.random((12, 12)) < 0.5] = 0
    visible = np.zeros((12, 12), dtype=bool)
    visible[box[1] : box[3], box[0] : box[2]] = True
    pixels[..., 3][~visible] = 0
    return Image.fromarray(pixels, "RGBA")


boxes = st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(6, 12), st.integers(6, 12))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), boxes), min_size=1, max_size=5))
def test_compositing_visible_parts_gives_the_pixels_of_whole_frames(frames) -> None:
    images = [sprite(seed, box) for seed, box in frames]
    expected = Image.new("RGBA", (12, 12))
    for image in images:
        expected = Image.alpha_composite(expected, image)
    files = [Path(f"{i}.png") for i in range(len(images))]
    result = PrefixComposites().composite(files, [Overlay.of(i) for i in images], (12, 12))
    assert result.tobytes() == expected.tobytes()


def test_missing_layers_leave_transparency(layers):
    out = ImageProcessor(16, 8).composite([layers["body"]], (8, 8))
    assert out.getpixel((7, 7)) == CLEAR


def cache(processor: ImageProcessor, *names: str) -> tuple[float, ...]:
    totals = processor.running_totals()
    return tuple(totals[f"cache_{name}"] for name in names)


def test_each_layer_is_decoded_once(layers, monkeypatch):
    decoded = []
    real = image_processor.decode_layer
    monkeypatch.setattr(
        image_processor,
        "decode_layer",
        lambda p, size=None, digest="": decoded.append(p) or real(p, size, digest),
    )
    processor = ImageProcessor(16, 8)
    for _ in range(5):
        processor.composite([layers["bg"], layers["body"]], (8, 8))
    assert decoded == [layers["bg"], layers["body"]]
    assert cache(processor, "hits", "misses") == (8, 2)


def test_cache_is_bounded_by_entries(layers):
    processor = ImageProcessor(16, 2)
    for name in ("bg", "body", "hat"):
        processor.layer(layers[name])
    assert cache(processor, "evictions") == (1,)
    processor.layer(layers["bg"])  # evicted first (least recently used), so decoded again
    assert cache(processor, "misses") == (4,)
    processor.layer(layers["hat"])
    assert cache(processor, "hits") == (1,)


def test_cache_is_bounded_by_bytes(tmp_path):
    paths = []
    for index in range(3):
        path = tmp_path / f"big{index}.png"
        Image.new("RGBA", (1024, 1024), (index, 0, 0, 255)).save(path)
        paths.append(path)
    processor = ImageProcessor(max_memory_mb=5, cache_size=100)  # one 4 MiB layer fits
    for path in paths:
        processor.layer(path)
    assert cache(processor, "bytes", "evictions") == (1024 * 1024 * 4, 2)


def test_zero_cache_size_caches_nothing(layers):
    processor = ImageProcessor(16, 0)
    processor.layer(layers["bg"])
    processor.layer(layers["bg"])
    assert cache(processor, "hits", "misses", "bytes") == (0, 2, 0)


def encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    return encode_still(image, EncodeOptions("jpg" if fmt == "jpeg" else fmt, "gif", quality))


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_png_is_rgb_when_opaque_and_rgba_otherwise(layers):
    processor = ImageProcessor(16, 8)
    opaque = decode(encode(processor.composite([layers["bg"], layers["body"]], (8, 8)), "png", 90))
    assert opaque.mode == "RGB"
    assert opaque.getpixel((0, 0)) == (0, 0, 255)
    clear = decode(encode(processor.composite([layers["body"]], (8, 8)), "png", 90))
    assert clear.mode == "RGBA"
    assert clear.getpixel((7, 0)) == CLEAR


@pytest.mark.parametrize(
    ("stack", "mode"),
    [
        (["bg", "glass"], "RGB"),  # opaque bottom layer: known opaque without looking
        (["body", "hat"], "RGB"),  # transparent halves that cover each other: found by looking
        (["body", "glass"], "RGBA"),
        (["glass", "body"], "RGBA"),  # a bottom layer covering everything, half transparent
    ],
)
def test_rendered_png_drops_alpha_exactly_when_the_token_is_opaque(layers, stack, mode):
    processor = ImageProcessor(16, 8)
    files = [layers[name] for name in stack]
    png = processor.render(files, (8, 8), EncodeOptions("png", "gif", 90))
    image = decode(png)
    assert image.mode == mode
    expected = ImageProcessor(16, 8).composite(files, (8, 8)).convert(mode)
    assert image.tobytes() == expected.tobytes()


def test_jpeg_flattens_transparency_onto_white(layers):
    image = ImageProcessor(16, 8).composite([layers["body"]], (8, 8))
    jpeg = decode(encode(image, "jpg", 95))
    assert jpeg.format == "JPEG"
    assert jpeg.mode == "RGB"
    assert all(channel > 240 for channel in jpeg.getpixel((7, 4)))


@pytest.mark.parametrize("fmt", ["jpg", "jpeg", "webp"])
def test_quality_changes_lossy_output(fmt):
    image = Image.effect_noise((64, 64), 80).convert("RGBA")
    low, high = encode(image, fmt, 10), encode(image, fmt, 95)
    assert len(low) < len(high)
    assert decode(high).size == (64, 64)


def test_webp_keeps_size_and_alpha(layers):
    image = ImageProcessor(16, 8).composite([layers["body"]], (8, 8))
    webp = decode(encode(image, "webp", 90))
    assert webp.format == "WEBP"
    assert webp.size == (8, 8)
    assert webp.mode == "RGBA"


def test_encoding_is_deterministic(layers):
    image = ImageProcessor(16, 8).composite([layers["bg"], layers["glass"]], (8, 8))
    for fmt in ("png", "jpg", "webp"):
        assert encode(image, fmt, 80) == encode(image.copy(), fmt, 80)


def test_lossless_webp_keeps_every_pixel():
    image = Image.effect_noise((32, 32), 60).convert("RGBA")
    image.putpixel((0, 0), (1, 2, 3, 4))
    data = encode_still(image, EncodeOptions("webp", "webp", 90, webp_lossless=True))
    assert decode(data).convert("RGBA").tobytes() == image.tobytes()
    assert data != encode(image, "webp", 90)


def test_pillow_composites_an_opaque_frame_over_any_canvas_to_the_frame_itself():
    """What lets an opaque full-canvas bottom layer be the canvas, not be composited onto
    an empty one: every channel value over every backdrop alpha and colour."""
    values = np.arange(256, dtype=np.uint8)
    frame = np.stack(np.meshgrid(values, values, indexing="ij"), axis=-1)  # (r, g) pairs
    frame = np.concatenate([frame, frame[..., :1], np.full((256, 256, 1), 255, np.uint8)], -1)
    rng = np.random.default_rng(7)
    for _ in range(4):
        canvas = Image.fromarray(rng.integers(0, 256, (256, 256, 4), dtype=np.uint8), "RGBA")
        piece = Image.fromarray(frame, "RGBA")
        assert Image.alpha_composite(canvas, piece).tobytes() == piece.tobytes()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), translucent=st.booleans())
def test_an_opaque_bottom_layer_gives_the_pixels_of_compositing_it_onto_an_empty_canvas(
    seed: int, translucent: bool
):
    rng = np.random.default_rng(seed)
    bottom = rng.integers(0, 256, (6, 6, 4), dtype=np.uint8)
    bottom[..., 3] = 255
    if translucent:  # not opaque: composited as before
        bottom[rng.integers(0, 6), rng.integers(0, 6), 3] = rng.integers(0, 255)
    frames = [Image.fromarray(bottom, "RGBA")]
    frames.append(Image.fromarray(rng.integers(0, 256, (6, 6, 4), dtype=np.uint8), "RGBA"))
    expected = Image.new("RGBA", (6, 6))
    for frame in frames:
        expected = Image.alpha_composite(expected, frame)
    canvas = Image.new("RGBA", (6, 6))
    for frame in frames:
        canvas = Overlay.of(frame).onto(canvas)
    assert Overlay.of(frames[0]).opaque is not translucent
    assert canvas.tobytes() == expected.tobytes()
