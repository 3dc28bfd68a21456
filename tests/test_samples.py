"""The committed sample config, ruler and traits/ work together and stay small."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from modules.load.config_manager import ConfigManager
from modules.load.spec import CollectionSpec
from modules.load.trait_scan import ScanOptions, scan_traits
from modules.load.validation import schema_problems
from modules.plan.selection import ABSENT
from modules.run import nft_generator
from modules.settings import GenerationSettings
from tests.conftest import REPO

SAMPLE_CONFIG = REPO / "config.sample.json"
SAMPLE_RULER = REPO / "ruler.sample.json"
TRAITS = REPO / "traits"
PLANNED = 500


def document(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def spec() -> CollectionSpec:
    return ConfigManager(SAMPLE_CONFIG, SAMPLE_RULER, TRAITS).load()


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, str]], Path]:
    """A dry run of 500 sample tokens, as {layer: value} dicts (absent layers left out)."""
    output = tmp_path_factory.mktemp("samples") / "output"
    settings = GenerationSettings(
        num_tokens=PLANNED,
        config_path=SAMPLE_CONFIG,
        ruler_path=SAMPLE_RULER,
        traits_dir=TRAITS,
        output_dir=output,
        seed=2024,
        workers=1,
        dry_run=True,
    )
    planned = nft_generator.plan(settings)
    combos, layers = planned.combos, planned.spec.layers
    tokens = [
        {
            layer.name: layer.options[value].name
            for layer, value in zip(layers, combo, strict=True)
            if value != ABSENT
        }
        for combo in combos
    ]
    return tokens, output


def test_samples_validate_against_the_schemas() -> None:
    assert schema_problems(document(SAMPLE_CONFIG), "config.schema.json", "config.sample") == []
    assert schema_problems(document(SAMPLE_RULER), "ruler.schema.json", "ruler.sample") == []


def test_sample_loads_against_the_bundled_traits(spec: CollectionSpec) -> None:
    config = document(SAMPLE_CONFIG)

    assert [layer.name for layer in spec.layers] == config["trait_order"]
    assert all(
        option.file.is_relative_to(TRAITS) for layer in spec.layers for option in layer.options
    )
    assert len(spec.rules) == len(document(SAMPLE_RULER)["rules"])


def test_sample_size_limits(spec: CollectionSpec) -> None:
    assert len(spec.rules) >= 2
    assert 5 <= len(spec.layers) <= 6
    assert all(4 <= len(layer.options) <= 8 for layer in spec.layers)
    assert all(256 <= side <= 512 for side in spec.image_size)


def test_sample_traits_are_small() -> None:
    total = sum(path.stat().st_size for path in TRAITS.rglob("*") if path.is_file())

    assert total < 3 * 1024 * 1024


def test_sample_uses_every_trait_file(spec: CollectionSpec) -> None:
    used = {option.file for layer in spec.layers for option in layer.options}
    on_disk = {path for path in TRAITS.rglob("*") if path.is_file()}

    assert used == on_disk


def test_sample_options_match_what_get_traits_scans(spec: CollectionSpec) -> None:
    scanned = scan_traits(TRAITS, ScanOptions(keep_names=True)).config["traits"]
    config = document(SAMPLE_CONFIG)["traits"]

    assert {name: layer["options"] for name, layer in config.items()} == {
        name: layer["options"] for name, layer in scanned.items()
    }


def test_dry_plan_writes_nothing(plan: tuple[list[dict[str, str]], Path]) -> None:
    tokens, output = plan

    assert len(tokens) == PLANNED
    assert not output.exists()


def test_dry_plan_tokens_are_unique(plan: tuple[list[dict[str, str]], Path]) -> None:
    tokens, _ = plan

    assert len({tuple(sorted(token.items())) for token in tokens}) == PLANNED


def test_dry_plan_honours_every_sample_rule(plan: tuple[list[dict[str, str]], Path]) -> None:
    tokens, _ = plan
    rules = document(SAMPLE_RULER)["rules"]

    for index, rule in enumerate(rules):
        when, then = rule["if"], rule["then"]
        wanted = set(when["value"])
        matching = [
            t
            for t in tokens
            if when["trait_type"] in t and ("*" in wanted or t[when["trait_type"]] in wanted)
        ]
        excluded = set(then["excluded_values"])
        broken = [
            t
            for t in matching
            if then["trait_type"] in t and ("*" in excluded or t[then["trait_type"]] in excluded)
        ]
        assert matching, f"rule {index} never applies in the plan; the check proves nothing"
        assert broken == [], f"rule {index} is broken by {len(broken)} tokens"


def test_dry_plan_keeps_the_similarity_limit(
    spec: CollectionSpec, plan: tuple[list[dict[str, str]], Path]
) -> None:
    tokens, _ = plan
    priority = [spec.layers[i].name for i in spec.priority_layers]
    shared = Counter(tuple(token[name] for name in priority) for token in tokens)

    assert priority == ["Body", "Eyes"]
    assert max(shared.values()) <= spec.max_similar
