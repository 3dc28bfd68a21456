"""Token rarity: OpenRarity's information-content score and the classic sum of 1/p.

Method checked against OpenRarity's published code (github.com/OpenRarity/open-rarity,
open_rarity/scoring/handlers/information_content_scoring_handler.py and rarity_ranker.py):
every trait type is a categorical distribution over the collection, a missing trait is its own
null value, the number of present traits is one more trait type ("meta_trait:trait_count"),
a token's information content is the sum of -log2 p over its values, and its score is that
divided by the collection entropy (the sum of the trait types' entropies; 1 when that is 0).
Ranks are descending with ties (math.isclose) sharing a rank: 1, 2, 2, 4.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from modules.analysis.collection_reader import Token, trait_types

TRAIT_COUNT = "meta_trait:trait_count"

Features = tuple[str | int | None, ...]


@dataclass(frozen=True)
class TokenRarity:
    """One token's scores and ranks (1 = rarest)."""

    token_id: int
    information_content: float  # bits
    score: float  # information content / collection entropy
    rank: int
    classic_score: float  # sum of 1 / p
    classic_rank: int


@dataclass(frozen=True)
class Rarity:
    """Every token's rarity in rank order, and the collection entropy used to normalise."""

    tokens: list[TokenRarity]
    collection_entropy: float
    trait_types: list[str]


def features(tokens: Sequence[Token], types: Sequence[str]) -> list[Features]:
    """Each token's value for every trait type (None when absent, so never equal to a value
    named "None"), then its trait count."""
    table = []
    for token in tokens:
        traits = token.traits
        table.append((*(traits.get(name) for name in types), len(traits)))
    return table


def rank_rarity(tokens: Sequence[Token]) -> Rarity:
    """Score and rank every token; the result lists tokens rarest first."""
    types = trait_types(tokens)
    table = features(tokens, types)
    total = len(table)
    counts = [Counter(column) for column in zip(*table, strict=True)]
    entropy = sum(_entropy(counter.values(), total) for counter in counts)
    norm = entropy or 1.0  # a single token, or all alike: OpenRarity divides by 1
    ic = [sum(-math.log2(c[v] / total) for c, v in zip(counts, row, strict=True)) for row in table]
    classic = [sum(total / c[v] for c, v in zip(counts, row, strict=True)) for row in table]
    ranks, classic_ranks = competition_ranks(ic), competition_ranks(classic)
    result = [
        TokenRarity(token.token_id, ic[i], ic[i] / norm, ranks[i], classic[i], classic_ranks[i])
        for i, token in enumerate(tokens)
    ]
    result.sort(key=lambda rarity: (rarity.rank, rarity.token_id))
    return Rarity(result, entropy, [*types, TRAIT_COUNT])


def _entropy(counts: Iterable[int], total: int) -> float:
    return -sum(c / total * math.log2(c / total) for c in counts)


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """Rank of each score, highest first; scores within math.isclose share the better rank."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    ranks = [0] * len(scores)
    for position, index in enumerate(order):
        previous = order[position - 1] if position else None
        if previous is not None and math.isclose(scores[index], scores[previous]):
            ranks[index] = ranks[previous]
        else:
            ranks[index] = position + 1
    return ranks


RARITY_COLUMNS = (
    "rank",
    "token_id",
    "score",
    "information_content",
    "classic_rank",
    "classic_score",
)


def rarity_rows(rarity: Rarity) -> list[tuple[object, ...]]:
    """CSV rows in rank order; scores with six decimals."""
    return [
        (
            r.rank,
            r.token_id,
            f"{r.score:.6f}",
            f"{r.information_content:.6f}",
            r.classic_rank,
            f"{r.classic_score:.6f}",
        )
        for r in rarity.tokens
    ]


def rarity_document(rarity: Rarity) -> dict[str, object]:
    """The JSON report: method, collection entropy and every token's scores in rank order."""
    return {
        "method": "OpenRarity information content / collection entropy; classic sum of 1/p",
        "collection_entropy": rarity.collection_entropy,
        "trait_types": rarity.trait_types,
        "tokens": [
            {
                "rank": r.rank,
                "token_id": r.token_id,
                "score": r.score,
                "information_content": r.information_content,
                "classic_rank": r.classic_rank,
                "classic_score": r.classic_score,
            }
            for r in rarity.tokens
        ],
    }
