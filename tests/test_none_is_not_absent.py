"""An option literally named "None" never merges with an absent layer: not in
collection_stats.json, rarity_report.csv, `genecator rarity` or `genecator similarity`."""

import csv
import json
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from modules.analysis.collection_reader import read_tokens
from modules.analysis.rarity import features
from modules.analysis.similarity import find_similar
from modules.run.nft_generator import generate
from modules.settings import GenerationSettings
from tests.analysis_helpers import band, invoke, write_tokens
from tests.conftest import TraitSet, config_for, write_json, write_traits

# 3 backgrounds x (None, Cap, absent) = 9 tokens: a run of 9 holds every combination once.
LAYERS: TraitSet = {
    "Background": {f"{c}.png": band((60 * i, 0, 0, 255), range(8)) for i, c in enumerate("ABC")},
    "Hat": {
        "None.png": band((0, 0, 90, 255), range(2)),
        "Cap.png": band((0, 90, 0, 255), range(2)),
    },
}
TOKENS = 9


def generated(root: Path, hat: dict[str, Any] | None = None) -> Path:
    """The output folder of a run of every combination, Hat present half the time."""
    write_traits(root / "traits", LAYERS)
    config = config_for(LAYERS)
    config["traits"]["Hat"]["presence"] = 0.5
    for option, keys in zip(config["traits"]["Hat"]["options"], hat or {}, strict=False):
        option.update(keys)
    settings = GenerationSettings(
        num_tokens=TOKENS,
        config_path=write_json(root / "config.json", config),
        ruler_path=None,
        traits_dir=root / "traits",
        output_dir=root / "output",
        seed=3,
    )
    assert generate(settings).exit_code == 0
    return root / "output"


def hat_values(output: Path) -> Counter[str | None]:
    """Each token's Hat value in its metadata file (None when it has no Hat attribute)."""
    return Counter(token.traits.get("Hat") for token in read_tokens(output / "metadata"))


def test_stats_and_rarity_report_count_none_and_absent_apart(tmp_path: Path) -> None:
    output = generated(tmp_path)
    counts = hat_values(output)

    stats = json.loads((output / "collection_stats.json").read_text(encoding="utf-8"))
    with open(output / "rarity_report.csv", encoding="utf-8", newline="") as handle:
        report = {
            r["value"]: int(r["count"]) for r in csv.DictReader(handle) if r["trait_type"] == "Hat"
        }

    expected = {"None": counts["None"], "Cap": counts["Cap"], "(absent)": counts[None]}
    assert min(expected.values()) > 0  # each state occurred
    assert stats["traits"]["Hat"] == expected
    assert report == expected


def test_an_option_shown_as_absent_keeps_its_count_too(tmp_path: Path) -> None:
    # Options shown as "None" and "(absent)": the absence is shown as "((absent))".
    output = generated(tmp_path, hat=[{}, {"display_name": "(absent)"}])
    counts = hat_values(output)

    stats = json.loads((output / "collection_stats.json").read_text(encoding="utf-8"))

    assert stats["traits"]["Hat"] == {
        "None": counts["None"],
        "(absent)": counts["(absent)"],
        "((absent))": counts[None],
    }
    assert sum(stats["traits"]["Hat"].values()) == TOKENS


def test_rarity_keeps_none_and_absent_as_two_hat_values(tmp_path: Path) -> None:
    output = generated(tmp_path)
    counts = hat_values(output)

    table = features(read_tokens(output / "metadata"))

    # Scored trait types are sorted: background, hat, meta_trait:trait_count.
    assert Counter(row[1] for row in table) == {
        "none": counts["None"],
        "cap": counts["Cap"],
        None: counts[None],
    }


def test_similarity_does_not_count_absent_and_none_as_agreeing(tmp_path: Path) -> None:
    rows = [{"A": "x", "Hat": "None"}, {"A": "x"}, {"A": "x"}, {"A": "x", "Hat": "None"}]
    tokens = read_tokens(write_tokens(tmp_path / "c", rows) / "metadata")

    pairs = find_similar(tokens, threshold=2).pairs

    assert [tuple(pair) for pair in pairs] == [
        (1, 4, (("A", "x"), ("Hat", "None"))),
        (2, 3, (("A", "x"), ("Hat", "(absent)"))),
    ]


@pytest.mark.parametrize("threshold", [1, 2])
def test_similarity_of_a_generated_collection_agrees_with_a_plain_count(
    tmp_path: Path, threshold: int
) -> None:
    output = generated(tmp_path)
    tokens = read_tokens(output / "metadata")
    result = invoke("similarity", "-d", str(output), "--threshold", str(threshold))

    found = {(p.first, p.second): dict(p.shared) for p in find_similar(tokens, threshold).pairs}

    expected = {}
    for a, b in combinations(tokens, 2):
        shared = {
            t: a.traits.get(t) for t in ("Background", "Hat") if a.traits.get(t) == b.traits.get(t)
        }
        if len(shared) >= threshold:
            expected[(a.token_id, b.token_id)] = {
                t: "(absent)" if v is None else v for t, v in shared.items()
            }
    assert result.exit_code == 0, result.output
    assert found == expected
