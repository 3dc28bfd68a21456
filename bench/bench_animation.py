"""Animated-token output: speed, size and error per format (not part of the tests).

    python -m bench.bench_animation --art illustrated --size 1080 -n 12

On bench_speed's trait set with its 4-frame Eyes option, it renders -n animated tokens through
the real render path as APNG (lossless: their decoded frames are the exact composites), then
encodes those frames as GIF, animated WebP (quality 90 and lossless) and APNG, and reports per
token the encode milliseconds (one process), the bytes and the mean error: the mean absolute
difference per RGB channel (0-255) of every decoded frame from the exact one (APNG's must be
0). "GIF median cut (before)" is the previous GIF encoder (one median-cut palette per token) on
the same frames, as the baseline. It prints a
table and writes bench/results/animation_<art>_<size>.json.
"""

import io
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import click
import numpy as np
from PIL import Image, ImageSequence

from bench.bench_speed import REPO, art_options, make_trait_set
from modules.render.encoding import encode_animation
from modules.render.image_processor import ImageProcessor
from modules.settings import EncodeOptions

ANIMATED_LAYER, ANIMATED_OPTION = "Eyes", 0  # the option bench_speed animates
FORMATS = {
    "GIF": EncodeOptions(animated_fmt="gif"),
    "WebP q90": EncodeOptions(animated_fmt="webp", quality=90),
    "WebP lossless": EncodeOptions(animated_fmt="webp", webp_lossless=True),
    "APNG": EncodeOptions(animated_fmt="apng"),
}
REFERENCE = "APNG"
BASELINE = "GIF median cut (before)"
FRAMES, DURATION = 4, 100  # bench_speed's animated option


def animated_tokens(root: Path, tokens: int) -> list[list[Path]]:
    """Layer files (in drawing order) of `tokens` random tokens that show the animated option."""
    config = json.loads((root / "config.json").read_text())
    rng = random.Random(1)
    chosen = []
    for _ in range(tokens):
        files = []
        for layer in config["trait_order"]:
            options = config["traits"][layer]["options"]
            pick = ANIMATED_OPTION if layer == ANIMATED_LAYER else rng.randrange(len(options))
            files.append(root / "traits" / layer / options[pick]["file"])
        chosen.append(files)
    return chosen


def frames_of(data: bytes) -> list[np.ndarray]:
    with Image.open(io.BytesIO(data)) as image:
        return [
            np.asarray(frame.convert("RGB"), np.int16) for frame in ImageSequence.Iterator(image)
        ]


def mean_error(data: bytes, exact: Sequence[np.ndarray]) -> float:
    frames = frames_of(data)
    if len(frames) != len(exact):
        raise click.ClickException(f"{len(frames)} frames decoded, {len(exact)} expected")
    return statistics.fmean(float(np.abs(f - e).mean()) for f, e in zip(frames, exact, strict=True))


def median_cut_gif(frames: Sequence[Image.Image]) -> bytes:
    """The previous GIF encoder, for the baseline: a median-cut palette of the stacked frames,
    padded to 256 entries, each frame mapped to it (opaque frames: no transparency index)."""
    width, height = frames[0].size
    rgb = [frame.convert("RGB") for frame in frames]
    strip = Image.new("RGB", (width, height * len(rgb)))
    for index, frame in enumerate(rgb):
        strip.paste(frame, (0, index * height))
    palette = strip.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    entries = palette.getpalette() or []
    palette.putpalette((entries + entries[:3] * 256)[: 256 * 3])
    paletted = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in rgb]
    buffer = io.BytesIO()
    paletted[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=paletted[1:],
        duration=[DURATION] * len(paletted),
        loop=0,
        optimize=False,
        disposal=1,
    )
    return buffer.getvalue()


@click.command()
@art_options
@click.option("-n", "tokens", default=12, show_default=True, help="Animated tokens per format.")
def main(art: str, size: int, tokens: int) -> None:
    """Print per-format figures for animated tokens and write them as JSON."""
    name = f"{art}_{size}"
    root = make_trait_set(REPO / "bench" / "results" / f"{name}_animated", art, size, True)
    processor = ImageProcessor(1024, 256)
    lossless = EncodeOptions(animated_fmt="apng")
    rendered = [
        processor.render(files, (size, size), lossless) for files in animated_tokens(root, tokens)
    ]
    exact = [frames_of(data) for data in rendered]
    frames = [
        [Image.fromarray(f.astype(np.uint8), "RGB").convert("RGBA") for f in t] for t in exact
    ]
    encoders: dict[str, Callable[[Sequence[Image.Image]], bytes]] = {
        label: partial(encode_animation, durations=[DURATION] * FRAMES, loop=0, options=options)
        for label, options in FORMATS.items()
    }
    encoders[BASELINE] = median_cut_gif
    result = {}
    for label, encode in encoders.items():
        started = time.perf_counter()
        outputs = [encode(token) for token in frames]
        seconds = time.perf_counter() - started
        result[label] = {
            "encode_ms_per_token": 1000 * seconds / tokens,
            "kib_per_token": statistics.fmean(map(len, outputs)) / 1024,
            "mean_error": statistics.fmean(map(mean_error, outputs, exact)),
        }
    if result[REFERENCE]["mean_error"] != 0:
        raise click.ClickException("APNG output is not lossless")
    document = {"art": art, "size": size, "tokens": tokens, "formats": result}
    (root.parent / f"animation_{name}.json").write_text(json.dumps(document, indent=2) + "\n")
    click.echo(f"{name}, {tokens} animated tokens of {FRAMES} frames, encode only, one process")
    click.echo("format                     ms/token   KiB/token   mean error (0-255)")
    for label, row in result.items():
        click.echo(
            f"{label:<26} {row['encode_ms_per_token']:8.1f} {row['kib_per_token']:11.1f} "
            f"{row['mean_error']:12.3f}"
        )


if __name__ == "__main__":
    main()
