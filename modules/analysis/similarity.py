"""Pairs of tokens that share at least K trait values, found without comparing every pair.

An absent optional layer counts as a value of its own: two tokens without a hat look alike
there (reported as "None", or "(absent)" when a value is "None", as in rarity_report.csv), but
not like a token whose hat is an option named "None".

Method: a pair sharing >= K of T values agrees completely on some "key" set of positions.
- K-subsets: every K-subset of the T positions is a key; a pair is found exactly in the
  buckets of the K-subsets of the positions it shares, never a false candidate.
- Pigeonhole blocks, when C(T, K) is large: T-K+1 disjoint blocks; a pair disagreeing on at
  most T-K positions agrees on a whole block. Candidates are verified.
Each pair is reported from the first key it agrees on, so no set of seen pairs is needed.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations, islice, pairwise
from operator import itemgetter
from typing import NamedTuple

from modules.analysis.collection_reader import Token, trait_types
from modules.errors import CollectionError, ConfigError
from modules.publish.metadata_manager import absent_text

# Above this many K-subsets, the pigeonhole blocks do less bucketing work.
MAX_SUBSET_KEYS = 256
# Pairs take about 250 bytes each, and a low threshold on a large collection finds nearly all
# N²/2 of them: the report is refused above this many instead of filling the memory.
MAX_PAIRS = 1_000_000

Vector = tuple[int, ...]


class SimilarPair(NamedTuple):
    """Two token ids (first < second) and the (trait_type, value) pairs they share."""

    # A NamedTuple, not a dataclass: a low threshold can yield millions of pairs.

    first: int
    second: int
    shared: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Similarity:
    """All pairs sharing at least `threshold` of the collection's trait types."""

    threshold: int
    trait_types: list[str]
    pairs: list[SimilarPair]

    def shared_counts(self) -> dict[int, int]:
        """Number of pairs per count of shared values, most shared first."""
        counts = Counter(len(pair.shared) for pair in self.pairs)
        return dict(sorted(counts.items(), reverse=True))

    def token_count(self) -> int:
        """How many distinct tokens are in at least one pair."""
        return len({token for pair in self.pairs for token in (pair.first, pair.second)})


def find_similar(tokens: Sequence[Token], threshold: int) -> Similarity:
    """Every pair of tokens sharing >= `threshold` trait values, most similar first."""
    types = trait_types(tokens)
    if not 1 <= threshold <= len(types):
        msg = (
            f"--threshold {threshold}: must be between 1 and the {len(types)} trait types of "
            "this collection"
        )
        raise CollectionError(msg)
    vectors, names = encode(tokens, types)
    ids = [token.token_id for token in tokens]
    labels = [_shown(name, values) for name, values in zip(types, names, strict=True)]
    found = [
        SimilarPair(ids[a], ids[b], tuple([labels[p][vectors[a][p]] for p in shared]))
        for a, b, shared in islice(similar_indices(vectors, threshold), MAX_PAIRS + 1)
    ]
    if len(found) > MAX_PAIRS:
        msg = (
            f"--threshold {threshold}: more than {MAX_PAIRS:,} pairs of tokens share at least "
            f"{threshold} of the {len(types)} trait values, more than a report holds; "
            "raise --threshold"
        )
        raise ConfigError(msg)
    found.sort(key=lambda pair: (-len(pair.shared), pair.first, pair.second))
    return Similarity(threshold, types, found)


def _shown(trait_type: str, values: list[str | None]) -> list[tuple[str, str]]:
    """(trait_type, value) as the report shows each value code; absence (None) as "None"
    unless a value is shown so (then "(absent)"), as in rarity_report.csv."""
    absent = absent_text({value for value in values if value is not None})
    return [(trait_type, absent if value is None else value) for value in values]


def encode(
    tokens: Sequence[Token], types: Sequence[str]
) -> tuple[list[Vector], list[list[str | None]]]:
    """Each token as a tuple of small ints per trait type (ints compare faster than strings);
    `names[position][code]` turns a code back into its value (None: absent)."""
    codes: list[dict[str | None, int]] = [{} for _ in types]
    vectors = []
    for token in tokens:
        traits = token.traits
        vectors.append(
            tuple(
                table.setdefault(traits.get(name), len(table))
                for name, table in zip(types, codes, strict=True)
            )
        )
    return vectors, [list(table) for table in codes]


def similar_indices(vectors: Sequence[Vector], k: int) -> Iterator[tuple[int, int, list[int]]]:
    """(index a, index b, shared positions) for every pair a < b sharing >= k positions."""
    width = len(vectors[0]) if vectors else 0
    if math.comb(width, k) <= MAX_SUBSET_KEYS:
        keys = list(combinations(range(width), k))
        first_key = _first_subset(keys, k)
    else:
        keys = _blocks(width, width - k + 1)
        first_key = _first_block(keys)
    for index, key in enumerate(keys):
        for members in _buckets(vectors, key):
            for a, b in combinations(members, 2):
                va, vb = vectors[a], vectors[b]
                shared = [p for p in range(width) if va[p] == vb[p]]
                if len(shared) >= k and first_key(shared) == index:
                    yield a, b, shared


def _buckets(vectors: Sequence[Vector], key: tuple[int, ...]) -> Iterator[list[int]]:
    """Groups (of two or more) of vector indices that agree on every position in `key`."""
    project = itemgetter(*key)
    buckets: dict[object, list[int]] = defaultdict(list)
    for index, vector in enumerate(vectors):
        buckets[project(vector)].append(index)
    return (members for members in buckets.values() if len(members) > 1)


def _first_subset(keys: list[tuple[int, ...]], k: int) -> Callable[[list[int]], int]:
    # combinations() lists subsets in lexicographic order, so the first subset a pair agrees
    # on is its first k shared positions.
    index = {key: i for i, key in enumerate(keys)}
    return lambda shared: index[tuple(shared[:k])]


def _blocks(width: int, count: int) -> list[tuple[int, ...]]:
    """`count` disjoint, nearly equal runs of positions covering 0..width-1."""
    bounds = [round(i * width / count) for i in range(count + 1)]
    return [tuple(range(start, end)) for start, end in pairwise(bounds)]


def _first_block(keys: list[tuple[int, ...]]) -> Callable[[list[int]], int]:
    def first(shared: list[int]) -> int:
        positions = set(shared)
        return next(i for i, block in enumerate(keys) if positions.issuperset(block))

    return first


SIMILARITY_COLUMNS = ("token_a", "token_b", "shared_count", "shared_traits")


def similarity_rows(result: Similarity) -> list[tuple[object, ...]]:
    """CSV rows: the two ids, how many values they share and which ('Type=Value; …')."""
    return [(pair.first, pair.second, len(pair.shared), describe(pair)) for pair in result.pairs]


def describe(pair: SimilarPair) -> str:
    """The shared values as 'Type=Value; Type=Value'."""
    return "; ".join(f"{trait}={value}" for trait, value in pair.shared)


def similarity_document(result: Similarity) -> dict[str, object]:
    """The JSON report: the threshold, the trait types and every pair with its shared values."""
    return {
        "threshold": result.threshold,
        "trait_types": result.trait_types,
        "pair_count": len(result.pairs),
        "pairs": [
            {
                "tokens": [pair.first, pair.second],
                "shared_count": len(pair.shared),
                "shared": dict(pair.shared),
            }
            for pair in result.pairs
        ],
    }


def summary_lines(result: Similarity, token_total: int, shown: int = 10) -> list[str]:
    """What the CLI prints: totals, pairs per shared count and the most similar pairs."""
    types = len(result.trait_types)
    lines = [
        f"{len(result.pairs)} pairs of tokens share at least {result.threshold} of {types} "
        f"trait values; {result.token_count()} of {token_total} tokens are in a pair"
    ]
    lines += [f"  sharing {n} values: {count} pairs" for n, count in result.shared_counts().items()]
    lines += [f"  #{p.first} and #{p.second}: {describe(p)}" for p in result.pairs[:shown]]
    return lines
