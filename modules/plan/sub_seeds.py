"""RNGs derived from the run's seed for draws that must not move the planner's RNG (which
layer set or 1-of-1 an id takes), and a shuffle built on rng.random() alone."""

import hashlib
import random
from typing import TypeVar

T = TypeVar("T")


def sub_rng(seed: int, purpose: str) -> random.Random:
    """An RNG of its own for `purpose`, the same for the same seed on every machine."""
    digest = hashlib.sha256(f"{seed}:{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def random_index(rng: random.Random, count: int) -> int:
    """An index below `count`, from one rng.random() call (stable across Python versions)."""
    return min(int(rng.random() * count), count - 1)


def shuffled(rng: random.Random, items: list[T]) -> list[T]:
    """A Fisher-Yates shuffle of a copy of `items` (random.shuffle's draws may change)."""
    result = list(items)
    for i in range(len(result) - 1, 0, -1):
        j = random_index(rng, i + 1)
        result[i], result[j] = result[j], result[i]
    return result
