"""Load test (issue #7): a long run at small image size keeps memory flat, and planning a
very large collection takes seconds. Not part of the test suite.

    python -m bench.bench_load                        # 20,000 tokens at 24 px, 2 workers
    python -m bench.bench_load -n 5000 --size 16 --plan-tokens 50000

Writes 6 layers x 8 options of synthetic art (262,144 combinations) to a temporary folder,
runs `main.py -n N --workers W` while reading the resident memory (VmRSS in /proc) of the
parent and of every process below it every 0.2 s, and prints for each process its peak, its
last sample and its RSS at each tenth of the run (flat memory shows as a flat row). Then it
times `main.py -n P --dry-run` (load and plan only) with the parent's peak RSS.
"""

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from PIL import Image, ImageDraw

from bench.rss import descendants, read_rss_mb

REPO = Path(__file__).resolve().parent.parent
LAYERS = ("Background", "Body", "Clothes", "Eyes", "Mouth", "Hat")
OPTIONS = 8
SAMPLE_SECONDS = 0.2


@dataclass
class Samples:
    """RSS samples of one process: (seconds since start, MB)."""

    label: str
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def peak(self) -> float:
        return max(mb for _, mb in self.points)

    @property
    def final(self) -> float:
        return self.points[-1][1]

    def at(self, fraction: float, duration: float) -> float | None:
        """The last sample taken before `fraction` of the run, or None if none yet."""
        before = [mb for seconds, mb in self.points if seconds <= fraction * duration]
        return before[-1] if before else None


def write_project(root: Path, size: int) -> None:
    """Deterministic art: opaque backgrounds, then translucent shapes in each layer."""
    traits = {}
    for layer_index, layer in enumerate(LAYERS):
        folder = root / "traits" / layer
        folder.mkdir(parents=True)
        options = []
        for option in range(OPTIONS):
            image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
            colour = (37 * option % 256, 53 * layer_index % 256, 200 - 20 * option, 255)
            box = (0, 0, size, size)
            if layer_index:
                edge = size // 8 + option % 3
                box = (edge, layer_index * size // 8, size - edge, layer_index * size // 8 + 4)
                colour = (*colour[:3], 160)
            ImageDraw.Draw(image).rectangle(box, fill=colour)
            image.save(folder / f"{layer}{option}.png")
            options.append({"name": f"{layer}{option}", "rarity": option % 5 + 1})
        traits[layer] = {"options": options}
    config = {"trait_order": list(LAYERS), "image_size": [size, size], "traits": traits}
    (root / "config.json").write_text(json.dumps(config), encoding="utf-8")


def label_of(pid: int, root_pid: int) -> str:
    if pid == root_pid:
        return "parent"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        command = ""
    kind = "resource tracker" if "resource_tracker" in command else "worker"
    return f"{kind} {pid}"


def run_sampled(command: list[str], cwd: Path) -> tuple[float, dict[int, Samples], str]:
    """Run `command`, sampling the RSS of it and its descendants; (seconds, samples, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    samples: dict[int, Samples] = {}
    while process.poll() is None:
        now = time.perf_counter() - started
        for pid in [process.pid, *descendants(process.pid)]:
            rss = read_rss_mb(pid)
            if rss is not None:
                samples.setdefault(pid, Samples(label_of(pid, process.pid))).points.append(
                    (now, rss)
                )
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise click.ClickException(stderr.decode(errors="replace"))
    return seconds, samples, stdout.decode(errors="replace")


def report(title: str, seconds: float, samples: dict[int, Samples]) -> None:
    click.echo(f"\n{title}: {seconds:.1f} s")
    tenths = [round(0.1 * step, 1) for step in range(1, 11)]
    click.echo(f"{'process':<22}{'peak MB':>9}{'final MB':>10}   RSS at each tenth of the run")
    for item in samples.values():
        row = [item.at(fraction, seconds) for fraction in tenths]
        shown = " ".join("    -" if mb is None else f"{mb:5.0f}" for mb in row)
        click.echo(f"{item.label:<22}{item.peak:>9.1f}{item.final:>10.1f}   {shown}")


@click.command()
@click.option("-n", "tokens", default=20_000, show_default=True, help="Tokens to render.")
@click.option("--size", default=24, show_default=True, help="Image size in pixels (16-32).")
@click.option("--workers", default=2, show_default=True)
@click.option("--plan-tokens", default=100_000, show_default=True, help="Tokens to --dry-run.")
def cli(tokens: int, size: int, workers: int, plan_tokens: int) -> None:
    """Render a long collection while sampling memory, then time a large plan."""
    with tempfile.TemporaryDirectory(prefix="genecator-load-") as folder:
        root = Path(folder)
        write_project(root, size)
        main = [sys.executable, str(REPO / "main.py"), "--seed", "1"]  # config.json, no rules
        run = [*main, "-n", str(tokens), "--workers", str(workers), "-o", "out"]
        click.echo(f"$ python main.py -n {tokens} --workers {workers} --seed 1  ({size} px)")
        seconds, samples, stdout = run_sampled(run, root)
        click.echo(stdout.strip().splitlines()[-1])
        report(f"{tokens} tokens at {size} px, {workers} workers", seconds, samples)
        images = len(list((root / "out" / "image").iterdir()))
        click.echo(f"images written: {images}; {tokens / seconds:.0f} tokens/s including start-up")

        plan = [*main, "-n", str(plan_tokens), "--dry-run"]
        click.echo(f"\n$ python main.py -n {plan_tokens} --dry-run --seed 1")
        seconds, samples, stdout = run_sampled(plan, root)
        click.echo(next(line for line in stdout.splitlines() if line.strip()))
        report(f"{plan_tokens}-token plan (dry run, start-up included)", seconds, samples)


if __name__ == "__main__":
    cli()
