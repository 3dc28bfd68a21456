"""Rarity scores and ranks against hand-computed examples, and `genecator rarity`
(tests/test_openrarity_ranks.py checks the ranks against the open-rarity package itself)."""

import json
import math
from pathlib import Path

import pytest

from modules.analysis.collection_reader import read_tokens
from modules.analysis.rarity import competition_ranks, rank_rarity
from tests.analysis_helpers import invoke, write_tokens

# Five tokens; Hat is optional (absent counts as its own value), and the number of present
# traits is a meta-trait: token 1 has 3 traits, the others 2. Tokens 2 and 5 are alike.
EXAMPLE = [
    {"Background": "Red", "Body": "A", "Hat": "Cap"},
    {"Background": "Red", "Body": "A"},
    {"Background": "Blue", "Body": "A"},
    {"Background": "Red", "Body": "B"},
    {"Background": "Red", "Body": "A"},
]


def hand_computed() -> tuple[dict[int, float], float, dict[int, float]]:
    """Information content per token, collection entropy and classic score, by hand:
    every trait type (Background, Body, Hat, trait count) splits 4 : 1 over the 5 tokens."""
    common, rare = -math.log2(4 / 5), -math.log2(1 / 5)
    ic = {
        1: common + common + rare + rare,  # Red, A, Cap (rare), 3 traits (rare)
        2: common * 4,  # Red, A, no hat, 2 traits
        3: rare + common * 3,  # Blue (rare)
        4: common + rare + common * 2,  # B (rare)
        5: common * 4,
    }
    entropy = 4 * -(4 / 5 * math.log2(4 / 5) + 1 / 5 * math.log2(1 / 5))
    classic = {1: 5 / 4 * 2 + 5 * 2, 2: 5 / 4 * 4, 3: 5 + 5 / 4 * 3, 4: 5 + 5 / 4 * 3, 5: 5}
    return ic, entropy, classic


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return write_tokens(tmp_path / "collection", EXAMPLE)


def test_scores_and_ranks_match_the_hand_computed_example(example: Path) -> None:
    ic, entropy, classic = hand_computed()

    rarity = rank_rarity(read_tokens(example / "metadata"))

    assert rarity.collection_entropy == pytest.approx(entropy)
    by_id = {entry.token_id: entry for entry in rarity.tokens}
    for token_id in range(1, 6):
        assert by_id[token_id].information_content == pytest.approx(ic[token_id])
        assert by_id[token_id].score == pytest.approx(ic[token_id] / entropy)
        assert by_id[token_id].classic_score == pytest.approx(classic[token_id])
    # Competition ranking, ties sharing the better rank: 1, 2, 2, 4, 4.
    assert [(e.token_id, e.rank) for e in rarity.tokens] == [(1, 1), (3, 2), (4, 2), (2, 4), (5, 4)]
    assert [by_id[i].classic_rank for i in range(1, 6)] == [1, 4, 2, 2, 4]


def test_a_literal_none_value_is_not_an_absent_trait(tmp_path: Path) -> None:
    rows = [{"A": "x", "Hat": "None"}, {"A": "x"}, {"A": "x"}, {"A": "x", "Hat": "Cap"}]

    rarity = rank_rarity(read_tokens(write_tokens(tmp_path / "c", rows) / "metadata"))

    by_id = {entry.token_id: entry for entry in rarity.tokens}
    # Hat: "None" 1/4, absent 2/4, Cap 1/4. As in OpenRarity, a "None" value is not counted
    # as a trait: 1 trait 3/4 (tokens 1-3), 2 traits 1/4 (token 4).
    assert by_id[1].information_content == pytest.approx(-math.log2(1 / 4) - math.log2(3 / 4))
    assert by_id[2].information_content == pytest.approx(-math.log2(2 / 4) - math.log2(3 / 4))
    # Token 1's "None" is a value only it has; absent is not a value, so tokens 2 and 3 tie.
    assert [(e.token_id, e.unique_traits, e.rank) for e in rarity.tokens] == [
        (4, 2, 1),
        (1, 1, 2),
        (2, 0, 3),
        (3, 0, 3),
    ]


def test_a_unique_value_ranks_before_a_higher_score(tmp_path: Path) -> None:
    # Token 1's Body is its own; tokens 2 and 3 score higher on three rare-ish values, but
    # share each of them with one other token.
    rows = [
        {"Background": "Red", "Body": "Gold", "Eyes": "Plain"},
        {"Background": "Blue", "Body": "Zombie", "Eyes": "Laser"},
        {"Background": "Blue", "Body": "Zombie", "Eyes": "Laser"},
        *[{"Background": "Red", "Body": "Plain", "Eyes": "Plain"}] * 5,
    ]

    rarity = rank_rarity(read_tokens(write_tokens(tmp_path / "c", rows) / "metadata"))

    by_id = {entry.token_id: entry for entry in rarity.tokens}
    assert by_id[2].score > by_id[1].score
    assert [(e.token_id, e.rank) for e in rarity.tokens[:3]] == [(1, 1), (2, 2), (3, 2)]


def test_values_differing_in_case_or_surrounding_space_are_one_value(tmp_path: Path) -> None:
    rows = [{"Hat": "Cap"}, {"hat ": " cap"}, {"Hat": "Crown"}]

    rarity = rank_rarity(read_tokens(write_tokens(tmp_path / "c", rows) / "metadata"))

    by_id = {entry.token_id: entry for entry in rarity.tokens}
    assert by_id[1].information_content == by_id[2].information_content
    assert (by_id[3].rank, by_id[1].rank, by_id[2].rank) == (1, 2, 2)


def test_one_token_or_identical_tokens_do_not_divide_by_zero(tmp_path: Path) -> None:
    rarity = rank_rarity(read_tokens(write_tokens(tmp_path / "c", [{"A": "x"}]) / "metadata"))

    assert (rarity.collection_entropy, rarity.tokens[0].score, rarity.tokens[0].rank) == (0, 0, 1)


def test_competition_ranks() -> None:
    assert competition_ranks([3.0, 1.0, 3.0, 2.0, 0.1 + 0.2, 0.3]) == [1, 4, 1, 3, 5, 5]


def test_rarity_cli_prints_the_top_and_writes_csv_and_json(example: Path) -> None:
    report = example / "ranks.json"

    printed = invoke("rarity", "-d", str(example), "--top", "3")
    as_json = invoke("rarity", "-d", str(example), "--top", "0", "--output", str(report))

    assert printed.exit_code == 0, printed.output
    lines = printed.output.splitlines()
    assert lines[0].startswith("Ranked 5 tokens; collection entropy 2.8877 bits; wrote ")
    assert lines[1].split() == ["rank", "token", "score", "classic", "rank", "unique"]
    assert [line.split()[:2] for line in lines[2:]] == [["1", "1"], ["2", "3"], ["2", "4"]]
    assert [line.split()[-1] for line in lines[2:]] == ["2", "1", "1"]
    rows = (example / "rarity_ranks.csv").read_text().splitlines()
    assert rows[0] == (
        "rank,token_id,score,information_content,classic_rank,classic_score,unique_traits"
    )
    assert [row.split(",")[:2] for row in rows[1:]] == [
        ["1", "1"],
        ["2", "3"],
        ["2", "4"],
        ["4", "2"],
        ["4", "5"],
    ]
    assert as_json.exit_code == 0, as_json.output
    assert len(as_json.output.splitlines()) == 1
    document = json.loads(report.read_text())
    assert [t["token_id"] for t in document["tokens"]] == [1, 3, 4, 2, 5]
    assert document["collection_entropy"] == pytest.approx(hand_computed()[1])


def test_rarity_cli_reads_a_combined_file(example: Path, tmp_path: Path) -> None:
    combined = tmp_path / "combined.json"
    documents = [json.loads((example / "metadata" / f"{i}.json").read_text()) for i in range(1, 6)]
    combined.write_text(json.dumps(documents))

    result = invoke("rarity", "--file", str(combined), "--top", "1")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "rarity_ranks.csv").is_file()
    assert result.output.splitlines()[2].split()[:2] == ["1", "1"]
