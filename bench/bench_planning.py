"""Planning speed (issue 14): the pure planner on in-memory specs of 8 layers x 10 options.
Not part of the test suite; prints seconds per case (best of --repeat).

    python -m bench.bench_planning            # 10,000 counted tokens with 20 rules; 100,000 plain
    python -m bench.bench_planning --memory   # bytes per token of a counted plan (tracemalloc)
"""

import random
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import click

from modules.load.spec import CollectionSpec, Layer, MetadataSettings, Part, Rule, TraitOption
from modules.plan.counted_plan import plan_counted
from modules.plan.planner import Planner
from modules.plan.quotas import quota_problems, quotas_from_spec
from modules.plan.selection import model_from_spec
from modules.plan.trait_tracker import TraitTracker

LAYERS, OPTIONS, RULES = 8, 10, 20
# (layer, option) -> count: about half the layers counted, some options nearly a third of -n
COUNTS = {(0, 0): 100, (0, 1): 2000, (1, 3): 50, (2, 0): 1, (2, 1): 2500, (3, 0): 900, (4, 4): 3000}


def spec(counted: bool, rules: int = RULES) -> CollectionSpec:
    rng = random.Random(5)
    layers = []
    for layer in range(LAYERS):
        options = tuple(
            TraitOption(
                f"o{option}",
                (Part(Path(f"L{layer}/o{option}.png")),),
                rng.randint(1, 5),
                count=COUNTS.get((layer, option)) if counted else None,
            )
            for option in range(OPTIONS)
        )
        layers.append(Layer(f"L{layer}", options))
    pairs = []
    for _ in range(rules):
        a, b = rng.sample(range(LAYERS), 2)
        pairs.append(
            Rule(
                a, frozenset({rng.randrange(OPTIONS)}), b, frozenset(rng.sample(range(OPTIONS), 2))
            )
        )
    metadata = MetadataSettings("bench", "", "{name} #{id}", None, "ipfs://cid/")
    return CollectionSpec(tuple(layers), tuple(pairs), (), 1, (8, 8), metadata)


def counted(tokens: int) -> None:
    collection = spec(counted=True)
    model, quotas = model_from_spec(collection), quotas_from_spec(collection)
    assert not quota_problems(collection, model, quotas, tokens)
    combos = plan_counted(collection, [model] * tokens, quotas, random.Random(1))
    assert len(set(combos)) == tokens


def plain(tokens: int) -> None:
    model = model_from_spec(spec(counted=False, rules=0))
    tracker = TraitTracker(model.priority, model.similar_limit)
    Planner(model, random.Random(1), tracker, 1000, 100).plan(tokens)
    assert len(tracker) == tokens


def best(case: Callable[[int], None], tokens: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        case(tokens)
        times.append(time.perf_counter() - start)
    return min(times)


def counted_bytes_per_token(tokens: int) -> float:
    """Peak traced memory of a counted plan of `tokens` tokens, per token."""
    tracemalloc.start()
    counted(tokens)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / tokens


@click.command()
@click.option("--repeat", default=3, show_default=True)
@click.option("--memory", is_flag=True, help="Measure a counted plan's memory instead.")
def main(repeat: int, memory: bool) -> None:
    """Time the counted and the plain planner."""
    if memory:
        for tokens in (10_000, 20_000):
            per_token = counted_bytes_per_token(tokens)
            click.echo(f"{tokens:,} counted tokens: {per_token:,.0f} bytes per token")
        return
    figures = {
        f"10,000 tokens, {len(COUNTS)} counts, {RULES} rules": best(counted, 10_000, repeat),
        "100,000 tokens, weights only, no rules": best(plain, 100_000, repeat),
    }
    for case, seconds in figures.items():
        click.echo(f"{case}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
