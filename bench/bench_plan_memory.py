"""Planning memory per token (issue 13): peak RSS of `genecator generate --dry-run` at
several -n on 8 layers x 12 options of 16 px art, and the bytes each extra token costs.
Not part of the test suite; the figure is PLAN_BYTES_PER_TOKEN's source.

    python -m bench.bench_plan_memory                      # -n 100000, 1000000, 3000000
    python -m bench.bench_plan_memory -n 100000 -n 500000
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
LAYERS, OPTIONS, SIZE = 8, 12, 16
GENECATOR = (sys.executable, "-c", "from modules.cli.main import genecator; genecator()")


def write_project(root: Path) -> None:
    """Distinct 16 px options (12^8 = 430 million combinations) and their config.json."""
    for layer in range(LAYERS):
        folder = root / "traits" / f"{layer:02d}_L{layer}"
        folder.mkdir(parents=True)
        for option in range(OPTIONS):
            alpha = 255 if layer == 0 else 128
            colour = (layer * 30, option * 20, 255 - option * 20, alpha)
            Image.new("RGBA", (SIZE, SIZE), colour).save(folder / f"o{option}.png")
    command = [*GENECATOR, "get-traits", "-t", "traits"]
    subprocess.run(command, cwd=root, check=True, capture_output=True, env=_env())


def _env() -> dict[str, str]:
    return {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}


def dry_run(root: Path, tokens: int) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one dry run in a fresh child process."""
    started = time.perf_counter()
    command = [*GENECATOR, "generate", "-n", str(tokens)]
    command += ["--dry-run", "--seed", "1", "-o", "out"]
    quiet = subprocess.DEVNULL
    child = subprocess.Popen(command, cwd=root, env=_env(), stdout=quiet, stderr=quiet)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest so far
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


@click.command()
@click.option("-n", "counts", multiple=True, type=int, default=(100_000, 1_000_000, 3_000_000))
def main(counts: tuple[int, ...]) -> None:
    """Print seconds, peak RSS and bytes per token between consecutive sizes."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root)
        click.echo(f"{LAYERS} layers x {OPTIONS} options, dry run (load + plan + share table)")
        click.echo("      -n   seconds  peak RSS MB  bytes/token since previous")
        previous: tuple[int, float] | None = None
        for tokens in sorted(counts):
            seconds, peak = dry_run(root, tokens)
            extra = ""
            if previous is not None:
                extra = f"{(peak - previous[1]) * 1024 * 1024 / (tokens - previous[0]):.0f}"
            click.echo(f"{tokens:>8}  {seconds:8.2f}  {peak:11.1f}  {extra:>10}")
            previous = (tokens, peak)


if __name__ == "__main__":
    main()
