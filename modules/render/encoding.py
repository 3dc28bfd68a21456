"""Encoding composites: still PNG/JPEG/WebP and animated GIF/WebP, deterministic bytes."""

import io
import math
import statistics
from collections.abc import Sequence
from typing import Any, assert_never, cast

import numpy as np
from PIL import Image, ImageChops, ImageStat

from modules.load.trait_images import alpha_extrema
from modules.render.animation import gif_timing
from modules.render.png_encoder import PILLOW_LEVELS, encode_png
from modules.settings import EncodeOptions

# JPEG has no alpha: transparent areas are flattened onto white, as viewers show them.
JPEG_BACKGROUND = (255, 255, 255, 255)
# GIF has one-bit transparency: pixels below half opacity become transparent.
GIF_ALPHA_CUTOFF = 128
PALETTE_SAMPLE_FRAMES = 16
# Fast octree is 5-50x faster than median cut and as good on illustrated art, but coarse on
# noisy, textured art: past this mean error (levels of 255 per channel) the palette is built
# by the refined median cut instead.
OCTREE_MAX_ERROR = 2.0
# Median cut over every pixel of textured art takes about a second a token. Cut from a sample
# of about this many pixels and then refined by LLOYD_STEPS rounds of moving each entry to the
# mean of the pixels mapped to it, the palette is 15-20x faster and its error lower (bench/).
PALETTE_SAMPLE_PIXELS = 8192
LLOYD_STEPS = 2
# libwebp's effort for lossy animated WebP (Pillow's default for animations is 0): 12 % smaller
# on illustrated art and 2 % on textured art at the same speed (bench/bench_animation.py); 4
# takes twice as long for 5 % more. Lossless keeps 0: 1 and up are 45 % smaller but 3-4x slower.
LOSSY_WEBP_METHOD = 2
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
    """An animated GIF (one shared palette), animated WebP or APNG of RGBA frames."""
    if options.animated_format == "apng":
        # Lossless; RGB when every frame is opaque (smaller, as for still PNG). Pillow stores
        # each frame after the first as the box that changed.
        if all(alpha_extrema(frame)[0] == 255 for frame in frames):
            frames = [frame.convert("RGB") for frame in frames]
        level = PILLOW_LEVELS[options.png_compression]
        return _animation(frames, durations, loop, "PNG", compress_level=level)
    if options.animated_format == "webp":
        quality, lossless = options.quality, options.webp_lossless
        method = 0 if lossless else LOSSY_WEBP_METHOD
        return _animation(
            frames, durations, loop, "WEBP", quality=quality, lossless=lossless, method=method
        )
    timing = gif_timing(durations)
    frames = [frames[index] for index, _ in timing]
    durations = [ms for _, ms in timing]
    transparent = any(alpha_extrema(f)[0] < GIF_ALPHA_CUTOFF for f in frames)
    paletted = paletted_frames(frames, transparent, DITHERS[options.gif_dither])
    extra = {"transparency": 255, "disposal": 2} if transparent else {"disposal": 1}
    return _animation(paletted, durations, loop, "GIF", optimize=False, **extra)


def _animation(
    frames: Sequence[Image.Image], durations: Sequence[int], loop: int, fmt: str, **params: Any
) -> bytes:
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        fmt,
        save_all=True,
        append_images=list(frames[1:]),
        duration=list(durations),
        loop=loop,
        **params,
    )
    return buffer.getvalue()


def paletted_frames(
    frames: Sequence[Image.Image], transparent: bool, dither: Image.Dither
) -> list[Image.Image]:
    """The frames in one palette, so colours do not flicker; with transparency, index 255 is
    kept for it."""
    colours = 255 if transparent else 256
    step = max(1, len(frames) // PALETTE_SAMPLE_FRAMES)
    if step == 1 and dither == Image.Dither.NONE:
        paletted = _quantized_once(frames, colours)
    else:
        palette = _palette(frames[::step], colours)
        paletted = [f.convert("RGB").quantize(palette=palette, dither=dither) for f in frames]
    if transparent:
        for frame, mapped in zip(frames, paletted, strict=True):
            clear = frame.getchannel("A").point(lambda a: 255 if a < GIF_ALPHA_CUTOFF else 0)
            mapped.paste(255, mask=clear)
    return paletted


def _quantized_once(frames: Sequence[Image.Image], colours: int) -> list[Image.Image]:
    """Undithered frames quantized in one pass over the first frame and the band of rows where
    any later frame differs from it (an animation seldom moves everywhere), each frame then
    cut from the result."""
    width, height = frames[0].size
    top, bottom = _changing_rows(frames)
    band = [frame.crop((0, top, width, bottom)) for frame in frames[1:]] if bottom > top else []
    strip = _stacked([frames[0], *band])
    quantized = _exact_or_octree(strip, colours) or _refined_median_cut(strip, colours)
    quantized = _padded(quantized, colours)
    first = quantized.crop((0, 0, width, height))
    paletted = [first]
    for index in range(1, len(frames)):
        frame = first.copy()
        if band:
            start = height + (index - 1) * (bottom - top)
            frame.paste(quantized.crop((0, start, width, start + bottom - top)), (0, top))
        paletted.append(frame)
    return paletted


def _palette(frames: Sequence[Image.Image], colours: int) -> Image.Image:
    """One palette of `colours` for `frames`, to map them to."""
    strip = _stacked(frames)
    return _padded(_exact_or_octree(strip, colours) or _refined_median_cut(strip, colours), colours)


def _exact_or_octree(strip: Image.Image, colours: int) -> Image.Image | None:
    """`strip` in its own colours when it has at most `colours`, else by fast octree when that
    is close (OCTREE_MAX_ERROR); None otherwise (the refined median cut then)."""
    found = strip.getcolors(colours)
    if found is not None:
        # sorted: the order getcolors lists them in is its hash table's
        levels = sorted(cast(tuple[int, int, int], colour) for _, colour in found)
        palette = Image.new("P", (1, 1))
        palette.putpalette([level for colour in levels for level in colour])
        return strip.quantize(palette=palette, dither=Image.Dither.NONE)
    octree = strip.quantize(colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    difference = ImageChops.difference(octree.convert("RGB"), strip)
    close = statistics.fmean(ImageStat.Stat(difference).mean) <= OCTREE_MAX_ERROR
    return octree if close else None


def _refined_median_cut(strip: Image.Image, colours: int) -> Image.Image:
    """`strip` mapped to a median-cut palette of a sample of its pixels, refined on all of them
    (LLOYD_STEPS)."""
    factor = max(1, math.isqrt(strip.width * strip.height // PALETTE_SAMPLE_PIXELS))
    size = (max(1, strip.width // factor), max(1, strip.height // factor))
    sample = strip.resize(size, Image.Resampling.NEAREST)
    palette = _padded(_median_cut(sample, colours), colours)
    pixels = np.asarray(strip).reshape(-1, 3)
    quantized = strip.quantize(palette=palette, dither=Image.Dither.NONE)
    for _ in range(LLOYD_STEPS):
        palette = _mean_palette(quantized, pixels, colours)
        quantized = strip.quantize(palette=palette, dither=Image.Dither.NONE)
    return quantized


def _mean_palette(quantized: Image.Image, pixels: np.ndarray, colours: int) -> Image.Image:
    """The palette of `quantized` with each used entry moved to the mean of its pixels."""
    indexes = np.asarray(quantized).reshape(-1)
    counts = np.bincount(indexes, minlength=256)[:256]
    # _padded palettes: always 256 entries
    entries = np.array((quantized.getpalette() or [])[: 256 * 3], dtype=np.float64).reshape(256, 3)
    used = counts > 0
    for channel in range(3):
        sums = np.bincount(indexes, weights=pixels[:, channel], minlength=256)[:256]
        entries[used, channel] = sums[used] / counts[used]
    palette = Image.new("P", (1, 1))
    palette.putpalette(np.rint(entries).astype(np.uint8).reshape(-1).tolist())
    return _padded(palette, colours)


def _median_cut(strip: Image.Image, colours: int) -> Image.Image:
    return strip.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def _changing_rows(frames: Sequence[Image.Image]) -> tuple[int, int]:
    """The rows [top, bottom) outside which every frame equals the first ((0, 0): none)."""
    boxes = [
        ImageChops.difference(frames[0], frame).getbbox(alpha_only=False) for frame in frames[1:]
    ]
    rows = [(box[1], box[3]) for box in boxes if box is not None]
    return (min(r[0] for r in rows), max(r[1] for r in rows)) if rows else (0, 0)


def _stacked(pieces: Sequence[Image.Image]) -> Image.Image:
    """`pieces` (of one width) one under the other, in RGB."""
    strip = Image.new("RGB", (pieces[0].width, sum(piece.height for piece in pieces)))
    top = 0
    for piece in pieces:
        strip.paste(piece.convert("RGB"), (0, top))
        top += piece.height
    return strip


def _padded(quantized: Image.Image, colours: int) -> Image.Image:
    """`quantized` with its palette padded to 256 entries by copies of the first (so with
    255 colours, index 255, transparency's, is a duplicate no pixel maps to)."""
    entries = quantized.getpalette() or []
    entries = (entries + entries[:3] * 256)[: 256 * 3]
    if colours < 256:
        entries[255 * 3 :] = entries[:3]
    quantized.putpalette(entries)
    return quantized
