"""Time Genecator on synthetic trait sets: planning speed and rendering tokens/s per --workers.

Run from the repository root, e.g. `python bench/bench_generate.py --size 512 -n 300`.
The trait set is deterministic (Pillow's Mandelbrot effect, colourised, inside soft masks), so
figures from different runs compare like with like. Not part of the test suite.
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click
from PIL import Image, ImageDraw, ImageFilter, ImageOps

REPO = Path(__file__).resolve().parent.parent
LAYERS = ("Background", "Body", "Clothes", "Eyes", "Mouth", "Hat")


def textured_layer(layer: int, option: int, size: int) -> Image.Image:
    """A painted-looking layer: fractal texture, colourised, cut to a soft-edged shape."""
    extent = (-2.0 + 0.1 * option, -1.2 + 0.05 * layer, 0.6 + 0.05 * option, 1.2)
    texture = Image.effect_mandelbrot((size, size), extent, 60 + 10 * layer)
    dark = (20 * option % 256, 40 * layer % 256, 90)
    light = (255 - 15 * option, 200, 120 + 20 * layer % 136)
    image = ImageOps.colorize(texture, dark, light).convert("RGBA")
    if layer == 0:
        return image
    mask = Image.new("L", (size, size), 0)
    unit = size / 16
    top = unit * (2 + 2 * layer)
    box = (unit * (3 + option % 3), top, unit * (13 - option % 2), top + unit * (4 + option % 4))
    ImageDraw.Draw(mask).ellipse(box, fill=255)
    image.putalpha(mask.filter(ImageFilter.GaussianBlur(unit / 4)))
    return image


def make_trait_set(root: Path, size: int, options: int) -> None:
    traits = {}
    for layer_index, layer in enumerate(LAYERS):
        folder = root / "traits" / layer
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for option in range(options):
            name = f"{layer}_{option}"
            path = folder / f"{name}.png"
            if not path.exists():
                textured_layer(layer_index, option, size).save(path)
            entries.append({"name": name, "file": path.name, "rarity": option % 5 + 1})
        traits[layer] = {"options": entries}
    config = {"trait_order": list(LAYERS), "image_size": [size, size], "traits": traits}
    (root / "config.json").write_text(json.dumps(config, indent=2))


def timed_run(root: Path, args: list[str]) -> float:
    command = [sys.executable, str(REPO / "main.py"), "-c", "config.json", "--seed", "1", *args]
    started = time.perf_counter()
    subprocess.run(command, cwd=root, check=True, capture_output=True)
    return time.perf_counter() - started


def output_bytes(folder: Path) -> float:
    files = list((folder / "image").iterdir())
    return sum(path.stat().st_size for path in files) / len(files)


@click.command()
@click.option("--size", default=512, show_default=True, help="Image side in pixels.")
@click.option("--options", default=8, show_default=True, help="Options per layer (6 layers).")
@click.option("-n", "tokens", default=300, show_default=True, help="Tokens per render run.")
@click.option("--workers", default="1,2", show_default=True, help="Worker counts to compare.")
@click.option("--repeats", default=3, show_default=True, help="Runs per setting; medians kept.")
@click.option("--plan-tokens", default=100_000, show_default=True, help="Tokens for --dry-run.")
@click.option("--work", type=click.Path(path_type=Path), default=REPO / "bench" / "results")
def main(
    size: int, options: int, tokens: int, workers: str, repeats: int, plan_tokens: int, work: Path
) -> None:
    """Print a table of planning time and rendering tokens/s, and write it as JSON."""
    root = work / f"synthetic_{size}px_{options}opt"
    make_trait_set(root, size, options)
    plan_seconds = statistics.median(
        timed_run(root, ["-n", str(plan_tokens), "--dry-run"]) for _ in range(repeats)
    )
    rows = [{"run": f"dry-run plan of {plan_tokens}", "seconds": round(plan_seconds, 2)}]
    for count in (int(w) for w in workers.split(",")):
        out = root / f"out_w{count}"
        args = ["-n", str(tokens), "--workers", str(count), "-o", str(out.name), "--force"]
        seconds = statistics.median(timed_run(root, args) for _ in range(repeats))
        rows.append(
            {
                "run": f"render {tokens} tokens, --workers {count}",
                "seconds": round(seconds, 2),
                "tokens_per_s": round(tokens / seconds, 1),
                "bytes_per_image": round(output_bytes(out)),
            }
        )
    for row in rows:
        click.echo("  ".join(f"{key}={value}" for key, value in row.items()))
    result = {"size": size, "options": options, "layers": len(LAYERS), "rows": rows}
    (work / f"bench_{size}px.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
