"""Time utils/similarity_check.py's search on a synthetic collection's metadata.

Run from the repository root, e.g. `python bench/bench_similarity.py -n 10000 -k 6 -k 5 -k 4`.
Writes n distinct tokens' {id}.json (weighted options, two optional layers, seeded) into a
temporary folder, then times reading them and find_similar for each threshold, and a naive
all-pairs comparison on a sample, scaled to n. Not part of the test suite.
"""

import random
import tempfile
import time
from itertools import combinations
from pathlib import Path

import click

from modules.analysis.collection_reader import read_tokens, trait_types
from modules.analysis.similarity import encode, find_similar
from modules.atomic_io import json_bytes

OPTIONAL = {2: 3, 3: 2}  # layer index -> presence in fifths, like config rarity 3 and 2


def synthetic_combos(count: int, layers: int, options: int, seed: int) -> list[list[int | None]]:
    """`count` distinct combinations; option weights 1..5, some layers optional."""
    rng = random.Random(seed)
    weights = [option % 5 + 1 for option in range(options)]
    seen: set[tuple[int | None, ...]] = set()
    combos: list[list[int | None]] = []
    while len(combos) < count:
        combo = [
            None
            if rng.random() >= OPTIONAL.get(layer, 5) / 5
            else rng.choices(range(options), weights)[0]
            for layer in range(layers)
        ]
        if tuple(combo) not in seen:
            seen.add(tuple(combo))
            combos.append(combo)
    return combos


def write_metadata(folder: Path, combos: list[list[int | None]]) -> None:
    for token_id, combo in enumerate(combos, start=1):
        document = {
            "name": f"Bench #{token_id}",
            "description": "synthetic",
            "image": f"ipfs://cid/{token_id}.png",
            "attributes": [
                {"trait_type": f"Layer{layer}", "value": f"Option{value}"}
                for layer, value in enumerate(combo)
                if value is not None
            ],
        }
        (folder / f"{token_id}.json").write_bytes(json_bytes(document))


def naive_pairs(vectors: list[tuple[int, ...]], k: int) -> int:
    """The O(n^2) loop the module avoids, for comparison."""
    shared = (sum(x == y for x, y in zip(a, b, strict=True)) for a, b in combinations(vectors, 2))
    return sum(1 for count in shared if count >= k)


@click.command()
@click.option("-n", "--tokens", default=10_000, show_default=True)
@click.option("--layers", default=8, show_default=True)
@click.option("--options", default=8, show_default=True)
@click.option("-k", "--threshold", "thresholds", multiple=True, type=int, default=(7, 6, 5, 4))
@click.option("--naive-sample", default=2000, show_default=True, help="0 skips the naive loop.")
def main(
    tokens: int, layers: int, options: int, thresholds: tuple[int, ...], naive_sample: int
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        write_metadata(folder, synthetic_combos(tokens, layers, options, seed=1))
        started = time.perf_counter()
        collection = read_tokens(folder)
        click.echo(f"read {len(collection)} token files: {time.perf_counter() - started:.2f} s")
        for k in thresholds:
            started = time.perf_counter()
            result = find_similar(collection, k)
            seconds = time.perf_counter() - started
            click.echo(f"K={k}: {len(result.pairs)} pairs in {seconds:.2f} s")
        if naive_sample:
            vectors, _ = encode(collection[:naive_sample], trait_types(collection))
            started = time.perf_counter()
            naive_pairs(vectors, thresholds[-1])
            seconds = time.perf_counter() - started
            scaled = seconds * (tokens / naive_sample) ** 2
            click.echo(
                f"naive all-pairs, K={thresholds[-1]}: {seconds:.2f} s for {naive_sample} tokens, "
                f"about {scaled:.0f} s scaled to {tokens}"
            )


if __name__ == "__main__":
    main()
