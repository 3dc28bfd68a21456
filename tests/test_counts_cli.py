"""Exact counts and the similarity floor through `genecator generate`."""

import csv
import json
from collections import Counter
from itertools import combinations
from pathlib import Path

from click.testing import CliRunner

from modules.cli.generate import generate_command
from tests.conftest import config_for

ART = {
    "Background": {f"B{i}.png": (40 * i, 0, 0, 255) for i in range(4)},
    "Body": {f"C{i}.png": (0, 40 * i, 0, 128) for i in range(4)},
    "Hat": {f"H{i}.png": (0, 0, 40 * i, 160) for i in range(3)},
}


def counted_config(**extra):
    config = config_for(ART, **extra)
    config["traits"]["Hat"]["presence"] = 0.5
    config["traits"]["Hat"]["absent_count"] = 7
    config["traits"]["Background"]["options"][0]["count"] = 3
    config["traits"]["Background"]["options"][1]["count"] = 9
    config["traits"]["Body"]["options"][2]["max_count"] = 2
    return config


def run(root: Path, monkeypatch, *args: str):
    monkeypatch.chdir(root)
    return CliRunner().invoke(generate_command, ["--seed", "4", "--workers", "1", *args])


def traits(root: Path) -> list[dict[str, str]]:
    text = (root / "output" / "metadata" / "combined_metadata.json").read_text("utf-8")
    return [{a["trait_type"]: a["value"] for a in d["attributes"]} for d in json.loads(text)]


def test_counts_hold_exactly_in_the_metadata(make_project, monkeypatch):
    root = make_project(ART, counted_config())
    result = run(root, monkeypatch, "-n", "30")
    assert result.exit_code == 0, result.output
    tokens = traits(root)
    backgrounds = Counter(t["Background"] for t in tokens)
    assert (backgrounds["B0"], backgrounds["B1"]) == (3, 9)
    assert sum("Hat" not in t for t in tokens) == 7
    assert Counter(t["Body"] for t in tokens)["C2"] <= 2
    assert len({tuple(sorted(t.items())) for t in tokens}) == 30


def test_counted_collection_is_not_extended(make_project, monkeypatch):
    root = make_project(ART, counted_config())
    assert run(root, monkeypatch, "-n", "20").exit_code == 0
    result = run(root, monkeypatch, "-n", "25", "--resume")
    assert result.exit_code == 1
    assert "planned with exact counts" in result.output
    assert "resume with -n 20" in result.output
    assert "Traceback" not in result.output


def test_counts_above_n_are_refused_before_anything_is_written(make_project, monkeypatch):
    root = make_project(ART, counted_config())
    result = run(root, monkeypatch, "-n", "10")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: Background: the counts add up to 12 but -n gives 10 generated tokens; lower them "
        "by 2 or raise -n to 12"
    )
    assert not (root / "output" / "metadata").exists()


def test_floor_keeps_tokens_apart_and_bounds_capacity(make_project, monkeypatch):
    root = make_project(ART, config_for(ART, min_trait_difference=2))
    assert run(root, monkeypatch, "-n", "12").exit_code == 0
    tokens = [tuple(t.get(layer) for layer in ART) for t in traits(root)]
    for a, b in combinations(tokens, 2):
        assert sum(x != y for x, y in zip(a, b, strict=True)) >= 2
    result = run(root, monkeypatch, "-n", "13", "--force")
    assert result.exit_code == 1
    assert "(at most) 12 distinct tokens" in result.output
    assert "min_trait_difference" in result.output


def test_counted_collection_resumes_after_losing_its_rng_state(make_project, monkeypatch):
    root = make_project(ART, counted_config())
    assert run(root, monkeypatch, "-n", "20").exit_code == 0
    before = (root / "output" / "metadata" / "combined_metadata.json").read_bytes()
    (root / "output" / "rng_state.json").unlink()
    result = run(root, monkeypatch, "-n", "20", "--resume")
    assert result.exit_code == 0, result.output
    assert (root / "output" / "metadata" / "combined_metadata.json").read_bytes() == before


def test_the_rarity_report_configures_a_counted_value_at_its_count(make_project, monkeypatch):
    root = make_project(ART, counted_config())
    assert run(root, monkeypatch, "-n", "30").exit_code == 0
    rows = list(csv.DictReader((root / "output" / "rarity_report.csv").open(encoding="utf-8")))
    background = {r["value"]: r for r in rows if r["trait_type"] == "Background"}
    assert background["B1"]["configured_percent"] == background["B1"]["achieved_percent"] == "30.00"
    # the other 18 tokens are shared by B2 and B3 by their equal weights
    assert background["B2"]["configured_percent"] == "30.00"
    hat = {r["value"]: r for r in rows if r["trait_type"] == "Hat"}
    assert hat["None"]["configured_percent"] == f"{100 * 7 / 30:.2f}"
