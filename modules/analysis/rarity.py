"""Token rarity: OpenRarity's information-content score and rank, and the classic sum of 1/p.

Ranks equal those of the open-rarity package (0.7.5, rarity_ranker.py and
scoring/handlers/information_content_scoring_handler.py; tests/test_openrarity_ranks.py runs
it). What it does, and so what this module does:
- Trait types and string values are lower-cased and stripped ('Hat ' is 'hat'), so values
  differing only so are one value (a config showing options so is refused when it loads,
  modules/load/label_twins.py).
- Every trait type is a categorical distribution; a missing trait is its own null value, never
  equal to a value named "None".
- The number of traits whose value is not "none" or "" is one more trait type,
  "meta_trait:trait_count" (the only place a "None" value counts like an absent trait).
- Information content is the sum of -log2 p over a token's values; the score divides it by
  the collection entropy (1 when that is 0).
- Tokens are ordered by how many of their values no other token has (the trait count
  included, a missing trait not), then by score, ties in id order; a token whose score is
  within math.isclose of the one before it shares its rank: 1, 2, 2, 4.
"""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from modules.analysis.collection_reader import Token, trait_types
from modules.load.label_twins import openrarity_key

TRAIT_COUNT = "meta_trait:trait_count"
# Values OpenRarity leaves out of the trait count (after normalizing).
NOT_COUNTED = ("none", "")

Features = tuple[str | None, ...]


@dataclass(frozen=True)
class TokenRarity:
    """One token's scores and ranks (1 = rarest)."""

    token_id: int
    information_content: float  # bits
    score: float  # information content / collection entropy
    rank: int
    classic_score: float  # sum of 1 / p
    classic_rank: int
    unique_traits: int  # values no other token has: they rank a token first


@dataclass(frozen=True)
class Rarity:
    """Every token's rarity in rank order, and the collection entropy used to normalise."""

    tokens: list[TokenRarity]
    collection_entropy: float
    trait_types: list[str]


def scored_traits(token: Token) -> dict[str, str]:
    """The token's normalized traits plus its trait count; of two trait types that normalize
    alike the later value wins, as in OpenRarity."""
    traits = {openrarity_key(name): openrarity_key(value) for name, value in token.traits.items()}
    count = sum(value not in NOT_COUNTED for value in traits.values())
    traits[TRAIT_COUNT] = str(count - (TRAIT_COUNT in traits))  # it replaces one of that name
    return traits


def features(tokens: Sequence[Token]) -> list[Features]:
    """Each token's value for every scored trait type (None when absent, so never equal to
    a value named "None"), trait types in sorted order."""
    rows = [scored_traits(token) for token in tokens]
    names = sorted({name for row in rows for name in row})
    return [tuple(row.get(name) for name in names) for row in rows]


def rank_rarity(tokens: Sequence[Token]) -> Rarity:
    """Score and rank every token; the result lists tokens rarest first."""
    table = features(tokens)
    total = len(table)
    counts = [Counter(column) for column in zip(*table, strict=True)]
    entropy = sum(_entropy(counter.values(), total) for counter in counts)
    norm = entropy or 1.0  # a single token, or all alike: OpenRarity divides by 1
    ic = [sum(-math.log2(c[v] / total) for c, v in zip(counts, row, strict=True)) for row in table]
    scores = [value / norm for value in ic]
    classic = [sum(total / c[v] for c, v in zip(counts, row, strict=True)) for row in table]
    unique = [
        sum(v is not None and c[v] == 1 for c, v in zip(counts, row, strict=True)) for row in table
    ]
    order = sorted(range(total), key=lambda i: (-unique[i], -scores[i]))  # stable: id order
    ranks, classic_ranks = competition_ranks(scores, order), competition_ranks(classic)
    result = [
        TokenRarity(
            tokens[i].token_id, ic[i], scores[i], ranks[i], classic[i], classic_ranks[i], unique[i]
        )
        for i in order
    ]
    return Rarity(result, entropy, [*trait_types(tokens), TRAIT_COUNT])


def _entropy(counts: Iterable[int], total: int) -> float:
    return -sum(c / total * math.log2(c / total) for c in counts)


def competition_ranks(scores: Sequence[float], order: Sequence[int] | None = None) -> list[int]:
    """Rank of each score when listed in `order` (default: highest score first); a score
    within math.isclose of the one listed before it shares that one's rank."""
    if order is None:
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
    "unique_traits",
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
            r.unique_traits,
        )
        for r in rarity.tokens
    ]


def rarity_document(rarity: Rarity) -> dict[str, object]:
    """The JSON report: method, collection entropy and every token's scores in rank order."""
    return {
        "method": (
            "OpenRarity: unique values, then information content / collection entropy; "
            "classic sum of 1/p"
        ),
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
                "unique_traits": r.unique_traits,
            }
            for r in rarity.tokens
        ],
    }
