"""Genecator's rarity ranks are the open-rarity package's own, on the same collections: hand
made ones (unique values, absent layers, values named "None", ties, case twins), a generated
collection's metadata files, and random collections. Expected ranks come only from the package."""

import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.analysis.collection_reader import Token, checked_token, read_tokens
from modules.analysis.rarity import rank_rarity
from modules.run.nft_generator import generate
from modules.settings import GenerationSettings
from tests.analysis_helpers import band, token_document
from tests.conftest import TraitSet, config_for, write_json, write_traits

open_rarity = pytest.importorskip("open_rarity", reason="open-rarity needs Python < 3.13")

CONTRACT = "0x0000000000000000000000000000000000000000"


def tokens_of(rows: Sequence[dict[str, str]]) -> list[Token]:
    """Token i+1 with the traits rows[i], as the collection reader builds it."""
    return [checked_token(i, token_document(i, row), f"{i}.json") for i, row in enumerate(rows, 1)]


def open_rarity_ranks(tokens: Sequence[Token]) -> dict[int, tuple[int, float]]:
    """(rank, score) of every token id, from the package's RarityRanker."""
    collection = open_rarity.Collection(
        tokens=[
            open_rarity.Token(
                token_identifier=open_rarity.EVMContractTokenIdentifier(CONTRACT, token.token_id),
                token_standard=open_rarity.TokenStandard.ERC721,
                metadata=open_rarity.TokenMetadata(
                    string_attributes={
                        name: open_rarity.StringAttribute(name, value)
                        for name, value in token.traits.items()
                    }
                ),
            )
            for token in tokens
        ]
    )
    return {
        ranked.token.token_identifier.token_id: (ranked.rank, ranked.score)
        for ranked in open_rarity.RarityRanker.rank_collection(collection)
    }


def assert_same_ranks(tokens: Sequence[Token]) -> None:
    expected = open_rarity_ranks(tokens)
    ours = {entry.token_id: (entry.rank, entry.score) for entry in rank_rarity(tokens).tokens}
    assert {i: rank for i, (rank, _) in ours.items()} == {i: r for i, (r, _) in expected.items()}
    for token_id, (_, score) in expected.items():
        assert math.isclose(ours[token_id][1], score, abs_tol=1e-12), token_id


CASES = {
    "unique values first": [
        {"Background": "Red", "Body": "Gold", "Eyes": "Plain"},
        {"Background": "Blue", "Body": "Zombie", "Eyes": "Laser"},
        {"Background": "Blue", "Body": "Zombie", "Eyes": "Laser"},
        *[{"Background": "Red", "Body": "Plain", "Eyes": "Plain"}] * 5,
    ],
    "absent layers": [
        {"Background": "Red", "Hat": "Cap"},
        {"Background": "Red"},
        {"Background": "Blue"},
        {"Background": "Red", "Hat": "Cap"},
        {"Background": "Blue", "Glasses": "Round"},
        {"Background": "Blue", "Glasses": "Round", "Hat": "Crown"},
    ],
    "an option named None beside absent": [
        {"A": "x", "Hat": "None"},
        {"A": "x", "Hat": "None"},
        {"A": "x"},
        {"A": "x"},
        {"A": "y"},
        {"A": "x", "Hat": "Cap"},
        {"A": "y", "Hat": "Cap"},
    ],
    "a none_value in every token": [
        {"A": "x", "Hat": "No hat"},
        {"A": "x", "Hat": "No hat"},
        {"A": "y", "Hat": "Cap"},
        {"A": "x", "Hat": "none"},
        {"A": "y", "Hat": ""},
    ],
    "ties": [
        {"A": "x", "B": "p"},
        {"A": "y", "B": "q"},
        {"A": "x", "B": "q"},
        {"A": "y", "B": "p"},
    ],
    "case and space twins": [
        {"Hat": "Cap", "Eyes": "Blue"},
        {"hat ": " cap", "Eyes": "blue"},
        {"HAT": "Crown", "eyes": "Green"},
        {"Hat": "Crown", "Hat ": "cap", "Eyes": "Blue"},
    ],
    "a trait named like the trait count": [
        {"meta_trait:trait_count": "7", "A": "x"},
        {"A": "x"},
        {"A": "y", "B": "z"},
    ],
    "one token": [{"A": "x"}],
    "all alike": [{"A": "x"}] * 3,
}


@pytest.mark.parametrize("rows", CASES.values(), ids=CASES.keys())
def test_hand_made_collections_rank_as_open_rarity_ranks_them(rows: list[dict[str, str]]) -> None:
    assert_same_ranks(tokens_of(rows))


NAMES = st.sampled_from(["Hat", "hat ", "Eyes", "Body", "Mouth"])
VALUES = st.sampled_from(["Cap", "cap", " Cap ", "Crown", "None", "none", "", "Red", "Blue"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(NAMES, VALUES, max_size=5), min_size=1, max_size=30))
def test_random_collections_rank_as_open_rarity_ranks_them(rows: list[dict[str, str]]) -> None:
    assert_same_ranks(tokens_of(rows))


def test_a_generated_collection_ranks_as_open_rarity_ranks_it(tmp_path: Path) -> None:
    # Hat is optional and has an option named "None"; Glasses shows its absence as a value.
    layers: TraitSet = {
        "Background": {
            f"{c}.png": band((40 * i, 0, 0, 255), range(8)) for i, c in enumerate("ABC")
        },
        "Hat": {
            "None.png": band((0, 0, 9, 255), range(2)),
            "Cap.png": band((0, 9, 0, 255), range(2)),
        },
        "Glasses": {"Round.png": band((9, 9, 9, 255), range(6, 8))},
    }
    write_traits(tmp_path / "traits", layers)
    config = config_for(layers)
    config["traits"]["Hat"]["presence"] = 0.6
    config["traits"]["Glasses"].update(presence=0.5, none_value="No glasses")
    settings = GenerationSettings(
        num_tokens=14,
        config_path=write_json(tmp_path / "config.json", config),
        ruler_path=None,
        traits_dir=tmp_path / "traits",
        output_dir=tmp_path / "output",
        seed=5,
    )
    assert generate(settings).exit_code == 0

    tokens = read_tokens(tmp_path / "output" / "metadata")

    values = {token.traits.get("Hat") for token in tokens}
    assert {"None", "Cap", None} <= values  # the case this test is about did occur
    assert_same_ranks(tokens)
