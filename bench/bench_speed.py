"""Genecator against a naive generator on synthetic art, in one run (not part of the tests).

    python bench/bench_speed.py --art textured --size 512 -n 800
    python bench/bench_speed.py --art flat --size 1024 -n 300 --repeats 1

For each setting it generates a deterministic trait set (6 layers x 8 options; "textured" is
painted-looking noise and gradients, "flat" is hard-edged pixel art; "illustrated" is 8 layers
x 8 options of outlined flat-colour characters, like most real collections, see
bench/illustrated_art.py; --animated adds a 4-frame layer), then times, medians over --repeats:
- the naive baseline: per image open every layer with Pillow, alpha_composite, save PNG with
  Pillow's defaults, one process;
- `main.py` with --workers 1 and 2 (start-up included), with stage CPU times from
  --enable-performance-stats and peak RSS of the parent and its workers;
- the limit: composite + encode only, in process, times the worker count;
- a 100,000-token --dry-run (time and peak RSS).
It prints a table and writes bench/results/speed_<art>_<size>.json.
"""

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from bench import illustrated_art
from bench.rss import run_sampling_rss
from modules.render.encoding import EncodeOptions, encode_still
from modules.render.image_processor import ImageProcessor
from modules.settings import PngCompression

REPO = Path(__file__).resolve().parent.parent
LAYERS = ("Background", "Body", "Clothes", "Eyes", "Mouth", "Hat")
OPTIONS = 8


def textured_layer(rng: np.random.Generator, layer: int, size: int) -> Image.Image:
    """Painted look: a colour gradient with grain, cut to a soft-edged blob (full for layer 0)."""
    ys, xs = np.mgrid[0:size, 0:size] / size
    base = rng.uniform(40, 215, 3)
    tilt = rng.uniform(-90, 90, 3)
    rgb = base + tilt * xs[..., None] + tilt[::-1] * ys[..., None]
    rgb += rng.normal(0, 14, (size, size, 3))
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB").convert("RGBA")
    if layer == 0:
        return image
    mask = Image.new("L", (size, size), 0)
    unit = size / 16
    top, left = unit * (1 + 2 * layer), unit * rng.uniform(2, 5)
    ImageDraw.Draw(mask).ellipse((left, top, size - left, top + unit * rng.uniform(3, 7)), 255)
    image.putalpha(mask.filter(ImageFilter.GaussianBlur(unit / 3)))
    return image


def flat_layer(rng: np.random.Generator, layer: int, size: int) -> Image.Image:
    """Pixel art: a few hard-edged single-colour shapes on a 32-pixel grid."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0) if layer else (0, 0, 0, 255))
    draw = ImageDraw.Draw(image)
    cell = size // 32
    if layer == 0:
        draw.rectangle((0, 0, size, size), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    for _ in range(3 + layer):
        x, y = (int(v) * cell for v in rng.integers(4, 28, 2))
        w, h = (int(v) * cell for v in rng.integers(2, 8, 2))
        draw.rectangle((x, y, x + w, y + h), fill=(*map(int, rng.integers(0, 255, 3)), 255))
    return image


def write_option(path: Path, image: Callable[[], Image.Image], animate: bool) -> None:
    """Save one option: as 4 rotated frames when `animate` (always), else only when missing."""
    if animate:
        frames = [image().rotate(angle) for angle in (0, 5, 10, 5)]
        frames[0].save(path, save_all=True, append_images=frames[1:], duration=120)
    elif not path.exists():
        image().save(path)


def make_trait_set(root: Path, art: str, size: int, animated: bool) -> Path:
    """Write traits/ and config.json under `root` (reused when present)."""
    rng = np.random.default_rng(2024)
    draw = textured_layer if art == "textured" else flat_layer
    layers = illustrated_art.LAYERS if art == "illustrated" else LAYERS
    traits = {}
    for index, layer in enumerate(layers):
        folder = root / "traits" / layer
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for option in range(OPTIONS):
            name = f"{layer}_{option}"
            if art == "illustrated":  # each option has its own seed: cached files aren't redrawn
                image = partial(illustrated_art.illustrated_layer, index, option, size)
            else:  # one random stream: every option is drawn, to keep it in step
                image = partial(Image.Image.copy, draw(rng, index, size))
            animate = animated and layer == "Eyes" and option == 0
            write_option(folder / f"{name}.png", image, animate)
            entries.append({"name": name, "file": f"{name}.png", "rarity": option % 5 + 1})
        traits[layer] = {"options": entries}
    config = {"trait_order": list(layers), "image_size": [size, size], "traits": traits}
    (root / "config.json").write_text(json.dumps(config, indent=2))
    return root


def trait_order(root: Path) -> list[str]:
    """The layer names of the trait set under `root`, bottom first."""
    order: list[str] = json.loads((root / "config.json").read_text())["trait_order"]
    return order


def naive_run(root: Path, tokens: int) -> tuple[float, float]:
    """(images/s, mean bytes) of the naive generator writing `tokens` PNGs."""
    out = root / "naive"
    out.mkdir(exist_ok=True)
    rng = random.Random(1)
    layers = trait_order(root)
    started = time.perf_counter()
    sizes = []
    for token in range(tokens):
        canvas = None
        for layer in layers:
            with Image.open(
                root / "traits" / layer / f"{layer}_{rng.randrange(OPTIONS)}.png"
            ) as im:
                frame = im.convert("RGBA")
            canvas = frame if canvas is None else Image.alpha_composite(canvas, frame)
        path = out / f"{token}.png"
        if canvas is None:
            raise RuntimeError("the trait order is empty: nothing to composite")
        canvas.save(path)
        sizes.append(path.stat().st_size)
    return tokens / (time.perf_counter() - started), statistics.fmean(sizes)


def genecator_run(root: Path, tokens: int, workers: int, png: str) -> dict[str, Any]:
    out = root / f"out_w{workers}"
    command = [
        sys.executable, str(REPO / "main.py"), "-c", "config.json", "-n", str(tokens),
        "--seed", "1", "--workers", str(workers), "-o", out.name, "--force",
        "--png-compression", png, "--enable-performance-stats",
    ]  # fmt: skip
    seconds, peaks = run_sampling_rss(command, root)
    performance = json.loads((out / "collection_stats.json").read_text())["performance"]
    sizes = [p.stat().st_size for p in (out / "image").iterdir()]
    return {
        "images_per_s": tokens / seconds,
        "bytes": statistics.fmean(sizes),
        "cpu_ms": performance["cpu_ms_per_image"],
        "composites_saved_percent": performance["layer_composites"]["saved_percent"],
        "parent_rss_mb": peaks["parent"],
        "worker_rss_mb": peaks["workers"],
    }


def encoder_limit(root: Path, size: int, png: PngCompression, samples: int = 40) -> float:
    """Images/s of composite + encode alone, in process (layers decoded beforehand)."""
    processor = ImageProcessor(1024, 256)
    rng = random.Random(2)
    layers = trait_order(root)
    tokens = [
        [root / "traits" / layer / f"{layer}_{rng.randrange(OPTIONS)}.png" for layer in layers]
        for _ in range(samples)
    ]
    for files in tokens:
        for path in files:
            processor.layer(path)
    options = EncodeOptions("png", "gif", 90, png_compression=png)
    started = time.perf_counter()
    for files in tokens:
        encode_still(processor.composite(files, (size, size)), options)
    return samples / (time.perf_counter() - started)


def dry_run(root: Path, tokens: int) -> dict[str, float]:
    command = [sys.executable, str(REPO / "main.py"), "-c", "config.json", "-n", str(tokens),
               "--seed", "1", "--dry-run"]  # fmt: skip
    seconds, peaks = run_sampling_rss(command, root)
    return {"tokens": tokens, "seconds": seconds, "parent_rss_mb": peaks["parent"]}


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        key: statistics.median(r[key] for r in runs)
        if not isinstance(runs[0][key], dict)
        else runs[0][key]
        for key in runs[0]
    }


def art_options(function: Callable[..., None]) -> Callable[..., None]:
    """--art and --size: the synthetic trait set a bench renders (shared by the benches)."""
    function = click.option("--size", default=512, show_default=True, help="Image side in pixels.")(
        function
    )
    return click.option(
        "--art",
        type=click.Choice(["textured", "flat", "illustrated"]),
        default="textured",
        show_default=True,
    )(function)


@click.command()
@art_options
@click.option("-n", "tokens", default=800, show_default=True, help="Tokens per Genecator run.")
@click.option("--naive-tokens", default=120, show_default=True, help="Tokens for the baseline.")
@click.option("--repeats", default=3, show_default=True, help="Runs per setting; medians kept.")
@click.option("--png", type=click.Choice(["fast", "balanced", "small"]), default="fast")
@click.option("--animated", is_flag=True, help="Make one Eyes option a 4-frame animation.")
@click.option("--plan-tokens", default=100_000, show_default=True)
def main(art: str, size: int, tokens: int, naive_tokens: int, repeats: int, png: PngCompression,
         animated: bool, plan_tokens: int) -> None:  # fmt: skip
    """Print Genecator vs naive figures and write them as JSON."""
    name = f"{art}_{size}{'_animated' if animated else ''}"
    root = make_trait_set(REPO / "bench" / "results" / name, art, size, animated)
    naive = [naive_run(root, naive_tokens) for _ in range(repeats)]
    naive_rate = statistics.median(r[0] for r in naive)
    naive_bytes = statistics.median(r[1] for r in naive)
    rows = {
        w: median_of([genecator_run(root, tokens, w, png) for _ in range(repeats)]) for w in (1, 2)
    }
    limit = encoder_limit(root, size, png)
    plan = dry_run(root, plan_tokens)
    result = {
        "art": art, "size": size, "tokens": tokens, "png": png, "animated": animated,
        "naive_images_per_s": naive_rate, "naive_bytes": naive_bytes,
        "genecator": rows, "limit_images_per_s_per_core": limit, "dry_run": plan,
    }  # fmt: skip
    (root.parent / f"speed_{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    click.echo("\n".join(table(name, result)))


def table(name: str, result: dict[str, Any]) -> list[str]:
    """The figures as aligned text lines."""
    naive_rate, naive_bytes = result["naive_images_per_s"], result["naive_bytes"]
    limit, plan = result["limit_images_per_s_per_core"], result["dry_run"]
    lines = [
        f"{name}, {result['tokens']} tokens, PNG {result['png']}; "
        f"naive {naive_rate:.1f} img/s at {naive_bytes / 1024:.0f} KiB",
        "workers  img/s  x naive  bytes/naive  % of limit  "
        "ms decode/composite/encode/write  composites saved  peak RSS parent/worker MB",
    ]
    for workers, row in result["genecator"].items():
        cpu = row["cpu_ms"]
        stages = "/".join(f"{cpu[s]:.1f}" for s in ("decode", "composite", "encode", "write"))
        share_of_limit = 100 * row["images_per_s"] / (limit * workers)
        lines.append(
            f"{workers:>7} {row['images_per_s']:>6.1f} {row['images_per_s'] / naive_rate:>8.1f} "
            f"{row['bytes'] / naive_bytes:>12.3f} {share_of_limit:>11.0f}"
            f"  {stages:>31} {row['composites_saved_percent']:>16.0f}%"
            f"  {row['parent_rss_mb']:.0f}/{row['worker_rss_mb']:.0f}"
        )
    lines.append(
        f"limit (composite + encode) {limit:.1f} img/s per core; dry run of "
        f"{plan['tokens']}: {plan['seconds']:.2f} s, parent peak RSS {plan['parent_rss_mb']:.0f} MB"
    )
    return lines


if __name__ == "__main__":
    main()
