"""End-of-run collection files (issue 18): seconds and parent memory of writing
combined_metadata.json, collection_stats.json, rarity_report.csv and provenance.json for a
planned collection of 8 layers x 12 options (image digests made up), in a fresh child process
per size. Not part of the test suite.

    python -m bench.bench_publish                 # -n 100000
    python -m bench.bench_publish -n 10000 -n 100000
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from bench.bench_plan_memory import write_project

REPO = Path(__file__).resolve().parent.parent


def publish(root: Path, tokens: int) -> dict[str, float]:
    """Plan `tokens` and time the collection files; peak RSS before and after, in MB."""
    from modules.dependency_container import build_container
    from modules.publish.provenance import provenance_document, write_provenance_document
    from modules.run.nft_generator import plan
    from modules.settings import GenerationSettings

    settings = GenerationSettings(
        num_tokens=tokens,
        config_path=root / "config.json",
        ruler_path=None,
        traits_dir=root / "traits",
        output_dir=root / "out",
        seed=1,
    )
    services = build_container(settings)
    planned = plan(settings, services)
    metadata = services.metadata_manager.with_layout(planned.layout)
    (root / "out" / "metadata").mkdir(parents=True, exist_ok=True)
    digests = [hashlib.sha256(b"%d" % i).hexdigest() for i in range(len(planned.combos))]
    before = _peak_mb()
    started = time.perf_counter()
    metadata.write_collection_files(
        root / "out", root / "out" / "metadata", planned.combos, {"tokens": tokens}, 1
    )
    images = [
        (metadata.public_id(i), metadata.image_file(i, combo), digest)
        for (i, combo), digest in zip(enumerate(planned.combos, 1), digests, strict=True)
    ]
    write_provenance_document(root / "out", provenance_document(images))
    seconds = time.perf_counter() - started
    size = (root / "out" / "metadata" / "combined_metadata.json").stat().st_size
    return {"seconds": seconds, "before": before, "after": _peak_mb(), "mb": size / 1e6}


def _peak_mb() -> float:
    """This process's high-water mark of resident memory (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


@click.command()
@click.option("-n", "counts", multiple=True, type=int, default=(100_000,))
@click.option("--child", type=int, hidden=True)
@click.option("--root", type=click.Path(path_type=Path), hidden=True)
def main(counts: tuple[int, ...], child: int | None, root: Path | None) -> None:
    """Print seconds, combined metadata size and parent peak RSS before and after."""
    if child is not None and root is not None:
        click.echo(json.dumps(publish(root, child)))
        return
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        write_project(project)
        click.echo("8 layers x 12 options: collection files after planning")
        click.echo("      -n   seconds  combined MB  peak RSS MB (planned -> written)")
        for tokens in counts:
            command = [sys.executable, "-m", "bench.bench_publish", "--child", str(tokens)]
            env = {**os.environ, "PYTHONPATH": str(REPO)}
            done = subprocess.run(
                [*command, "--root", str(project)], env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise RuntimeError(done.stderr)
            figures = json.loads(done.stdout.splitlines()[-1])
            click.echo(
                f"{tokens:>8}  {figures['seconds']:8.2f}  {figures['mb']:11.1f}  "
                f"{figures['before']:8.1f} -> {figures['after']:.1f}"
            )


if __name__ == "__main__":
    main()
