"""Encoding composites: still PNG/JPEG/WebP and animated GIF/WebP, deterministic bytes."""

import io
import statistics
from collections.abc import Sequence
from typing import Any, assert_never

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
# Fast octree is 5-50x faster than median cut and as good on flat and illustrated art, but
# coarse on noisy, textured art: past this mean error (levels of 255 per channel) the
# palette is built by median cut instead.
OCTREE_MAX_ERROR = 2.0
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
        return _animation(frames, durations, loop, "WEBP", quality=quality, lossless=lossless)
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
    """Undithered frames quantized in one pass, each frame then cut from the result: by fast
    octree over the first frame and the band of rows where any later frame differs from it
    (an animation seldom moves everywhere), or by median cut over every frame."""
    width, height = frames[0].size
    top, bottom = _changing_rows(frames)
    band = [frame.crop((0, top, width, bottom)) for frame in frames[1:]] if bottom > top else []
    quantized = _octree_if_close(_stacked([frames[0], *band]), colours)
    if quantized is None:
        quantized = _padded(_median_cut(_stacked(frames), colours), colours)
        return [
            quantized.crop((0, i * height, width, (i + 1) * height)) for i in range(len(frames))
        ]
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
    return _padded(_octree_if_close(strip, colours) or _median_cut(strip, colours), colours)


def _octree_if_close(strip: Image.Image, colours: int) -> Image.Image | None:
    """`strip` by fast octree when that is exact, or close (OCTREE_MAX_ERROR) on a strip of
    more colours than a palette holds; else None (median cut keeps up to `colours` exactly)."""
    octree = strip.quantize(colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    difference = ImageChops.difference(octree.convert("RGB"), strip)
    if strip.getcolors(colours) is not None:
        return octree if difference.getbbox() is None else None
    close = statistics.fmean(ImageStat.Stat(difference).mean) <= OCTREE_MAX_ERROR
    return octree if close else None


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
