"""Genecator's Dask backend against its local pool, on one machine (not part of the tests).

    python -m bench.bench_cluster --art textured --size 512 -n 300 --repeats 3

On bench_speed's synthetic trait set it times whole `genecator generate` runs (start-up,
cluster start and close included; medians of --repeats) and reports images/s for:
- `--workers 2` (the local process pool) vs `--cluster local:2` (a Dask LocalCluster of two
  worker processes): the overhead of rendering through Dask;
- a simulated multi-node run: `--cluster local:1`, `local:2`, `local:4`. This is a
  SIMULATION: every "node" is a worker process on this one machine, so throughput cannot grow
  past its cores (2 here); on real nodes each worker brings its own. It shows the scheduling
  cost per worker, not the speed of a real cluster.
Every run's output is checked byte-identical to the first. It prints a table and writes
bench/results/cluster_<art>_<size>.json.
"""

import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click

from bench.bench_speed import REPO, art_options, make_trait_set

LOCAL = ("--workers", "2")
SIMULATED_WORKERS = (1, 2, 4)


def timed_run(root: Path, tokens: int, backend: tuple[str, ...]) -> tuple[float, str]:
    """(images/s over the whole command, digest of the output) of one fresh run."""
    command = [sys.executable, "-m", "modules.cli", "generate", "-c", "config.json"]
    command += ["-n", str(tokens), "--seed", "1", "-o", "out_cluster", "--force", *backend]
    started = time.perf_counter()
    subprocess.run(command, cwd=root, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    return tokens / seconds, output_digest(root / "out_cluster")


def output_digest(folder: Path) -> str:
    """One SHA-256 over every output file but the run log (timestamps)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "runs.jsonl":
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def median_rate(
    root: Path, tokens: int, backend: tuple[str, ...], repeats: int, expected: str
) -> float:
    rates = []
    for _ in range(repeats):
        rate, digest = timed_run(root, tokens, backend)
        if digest != expected:
            raise click.ClickException(f"{' '.join(backend)}: output differs from --workers 2")
        rates.append(rate)
    return statistics.median(rates)


@click.command()
@art_options
@click.option("-n", "tokens", default=300, show_default=True, help="Tokens per run.")
@click.option("--repeats", default=3, show_default=True, help="Runs per setting; medians kept.")
def main(art: str, size: int, tokens: int, repeats: int) -> None:
    """Print local pool vs Dask figures and write them as JSON."""
    name = f"{art}_{size}"
    root = make_trait_set(REPO / "bench" / "results" / name, art, size, animated=False)
    _, expected = timed_run(root, tokens, LOCAL)  # also warms the file cache
    local = median_rate(root, tokens, LOCAL, repeats, expected)
    simulated = {
        workers: median_rate(root, tokens, ("--cluster", f"local:{workers}"), repeats, expected)
        for workers in SIMULATED_WORKERS
    }
    result = {
        "art": art, "size": size, "tokens": tokens, "repeats": repeats, "cpus": os.cpu_count(),
        "workers_2_images_per_s": local, "cluster_local_images_per_s": simulated,
    }  # fmt: skip
    (root.parent / f"cluster_{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    click.echo("\n".join(table(name, result)))


def table(name: str, result: dict) -> list[str]:
    """The figures as aligned text lines."""
    local, simulated = result["workers_2_images_per_s"], result["cluster_local_images_per_s"]
    lines = [
        f"{name}, {result['tokens']} tokens, whole runs (start-up included), medians of "
        f"{result['repeats']}; output byte-identical in every run",
        f"--workers 2 (local pool)   {local:7.1f} img/s",
        f"--cluster local:2 (Dask)   {simulated[2]:7.1f} img/s  "
        f"({100 * (simulated[2] / local - 1):+.0f} % vs the local pool)",
        f"simulated multi-node (LocalCluster worker processes on one {result['cpus']}-core "
        "machine: cannot scale past its cores)",
        "  workers   img/s  vs 1 worker",
    ]
    for workers, rate in simulated.items():
        lines.append(f"  {workers:>7} {rate:7.1f} {rate / simulated[1]:11.2f}x")
    return lines


if __name__ == "__main__":
    main()
