"""Encoding composites: still PNG/JPEG/WebP and animated GIF/WebP, deterministic bytes."""

import io
from collections.abc import Sequence
from typing import assert_never

from PIL import Image

from modules.load.trait_images import alpha_extrema
from modules.render.animation import gif_timing
from modules.render.png_encoder import encode_png
from modules.settings import EncodeOptions

# JPEG has no alpha: transparent areas are flattened onto white, as viewers show them.
JPEG_BACKGROUND = (255, 255, 255, 255)
# GIF has one-bit transparency: pixels below half opacity become transparent.
GIF_ALPHA_CUTOFF = 128
PALETTE_SAMPLE_FRAMES = 16
DITHERS = {"none": Image.Dither.NONE, "floyd-steinberg": Image.Dither.FLOYDSTEINBERG}


def encode_still(image: Image.Image, options: EncodeOptions, known_opaque: bool = False) -> bytes:
    """PNG drops alpha when the image is fully opaque (smaller; `known_opaque` skips looking);
    JPEG flattens onto white."""
    buffer = io.BytesIO()
    if options.fmt == "png":
        opaque = known_opaque or image.getchannel("A").getextrema() == (255, 255)
        return encode_png(image, options.png_compression, "RGB" if opaque else "RGBA")
    if options.fmt == "jpg":
        flat = Image.alpha_composite(Image.new("RGBA", image.size, JPEG_BACKGROUND), image)
        flat.convert("RGB").save(buffer, "JPEG", quality=options.quality)
    elif options.fmt == "webp":
        image.save(buffer, "WEBP", quality=options.quality, lossless=options.webp_lossless)
    else:
        assert_never(options.fmt)
    return buffer.getvalue()


def encode_animation(
    frames: Sequence[Image.Image], durations: Sequence[int], loop: int, options: EncodeOptions
) -> bytes:
    """An animated GIF (one shared palette) or animated WebP of RGBA frames."""
    buffer = io.BytesIO()
    if options.animated_format == "webp":
        frames[0].save(
            buffer,
            "WEBP",
            save_all=True,
            append_images=list(frames[1:]),
            duration=list(durations),
            loop=loop,
            quality=options.quality,
            lossless=options.webp_lossless,
        )
        return buffer.getvalue()
    timing = gif_timing(durations)
    frames = [frames[index] for index, _ in timing]
    durations = [ms for _, ms in timing]
    transparent = any(alpha_extrema(f)[0] < GIF_ALPHA_CUTOFF for f in frames)
    palette = shared_palette(frames, reserve_transparent=transparent)
    paletted = [_to_palette(f, palette, transparent, DITHERS[options.gif_dither]) for f in frames]
    extra = {"transparency": 255, "disposal": 2} if transparent else {"disposal": 1}
    paletted[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=paletted[1:],
        duration=list(durations),
        loop=loop,
        optimize=False,
        **extra,
    )
    return buffer.getvalue()


def shared_palette(frames: Sequence[Image.Image], reserve_transparent: bool) -> Image.Image:
    """One median-cut palette for all frames (sampled evenly), so colours do not flicker;
    with transparency, index 255 is kept free for it."""
    step = max(1, len(frames) // PALETTE_SAMPLE_FRAMES)
    sample = [f.convert("RGB") for f in frames[::step]]
    width, height = sample[0].size
    strip = Image.new("RGB", (width, height * len(sample)))
    for index, frame in enumerate(sample):
        strip.paste(frame, (0, index * height))
    colours = 255 if reserve_transparent else 256
    palette = strip.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    entries = palette.getpalette() or []
    entries = (entries + entries[:3] * 256)[: 256 * 3]
    if reserve_transparent:
        entries[255 * 3 : 256 * 3] = entries[0:3]  # a duplicate, so no pixel maps to it
    palette.putpalette(entries)
    return palette


def _to_palette(
    frame: Image.Image, palette: Image.Image, transparent: bool, dither: Image.Dither
) -> Image.Image:
    paletted = frame.convert("RGB").quantize(palette=palette, dither=dither)
    if transparent:
        clear = frame.getchannel("A").point(lambda a: 255 if a < GIF_ALPHA_CUTOFF else 0)
        paletted.paste(255, mask=clear)
    return paletted
