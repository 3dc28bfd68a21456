"""Whole runs: real subprocesses and pools, byte-identical output for any --workers,
images that match their metadata, and failure reporting."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from modules.dependency_container import build_container
from modules.run.nft_generator import generate
from modules.settings import CacheLimits, GenerationSettings
from tests.conftest import REPO, layer_image, write_json, write_layered_traits

SIZE = 32
LAYERS = ["Background", "Body", "Eyes", "Mouth", "Hat", "Badge"]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """Six layers x 6 options, two optional layers, rules with '*', priority traits."""
    root = tmp_path_factory.mktemp("project")
    traits = write_layered_traits(root, LAYERS, 6, SIZE)
    traits["Hat"]["rarity"] = 3
    traits["Badge"]["rarity"] = 2
    config = {
        "trait_order": LAYERS,
        "image_size": [SIZE, SIZE],
        "priority_traits": ["Body", "Eyes"],
        "max_similar_combinations": 4,
        "ipfs_cid": "bafybeia336rztjsnz5q6hsl66j2dpcaijplmj7tspddzaeie7475wpwehe",
        "traits": traits,
    }
    rules = [
        {
            "if": {"trait_type": "Body", "value": ["Body0"]},
            "then": {"trait_type": "Hat", "excluded_values": ["*"]},
        },
        {
            "if": {"trait_type": "Eyes", "value": ["*"]},
            "then": {"trait_type": "Mouth", "excluded_values": ["Mouth5"]},
        },
        {
            "if": {"trait_type": "Badge", "value": ["Badge1", "Badge2"]},
            "then": {"trait_type": "Background", "excluded_values": ["Background0"]},
        },
    ]
    write_json(root / "config.json", config)
    write_json(root / "ruler.json", {"rules": rules})
    return root


def run_main(project: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        str(REPO / "main.py"),
        "-c",
        "config.json",
        "-r",
        "ruler.json",
        *args,
    ]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300)


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file's hash except the run log's, which records times."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "runs.jsonl"
    }


@pytest.mark.slow
def test_output_is_byte_identical_for_any_worker_count(project):
    for workers in ("1", "2"):
        result = run_main(
            project, "-n", "60", "--seed", "11", "--workers", workers, "-o", f"out{workers}"
        )
        assert result.returncode == 0, result.stderr
    one, two = tree_digest(project / "out1"), tree_digest(project / "out2")
    assert one == two
    assert sorted(p for p in one if p.startswith("image/")) == sorted(
        f"image/{i}.png" for i in range(1, 61)
    )
    assert sum(p.startswith("metadata/") for p in one) == 61  # 60 tokens + combined


@pytest.mark.slow
def test_images_match_their_metadata_and_rules_hold(project):
    result = run_main(project, "-n", "40", "--seed", "3", "--workers", "2", "-o", "checked")
    assert result.returncode == 0, result.stderr
    output = project / "checked"
    seen = set()
    for token_id in range(1, 41):
        metadata = json.loads((output / "metadata" / f"{token_id}.json").read_text())
        values = {a["trait_type"]: a["value"] for a in metadata["attributes"]}
        assert [a["trait_type"] for a in metadata["attributes"]] == [
            name for name in LAYERS if name in values
        ]
        assert (
            metadata["image"]
            == f"ipfs://bafybeia336rztjsnz5q6hsl66j2dpcaijplmj7tspddzaeie7475wpwehe/{token_id}.png"
        )
        assert not (values["Body"] == "Body0" and "Hat" in values)
        assert values["Mouth"] != "Mouth5"
        assert not (
            values.get("Badge") in {"Badge1", "Badge2"} and values["Background"] == "Background0"
        )
        key = tuple(sorted(values.items()))
        assert key not in seen
        seen.add(key)
        expected = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
        for layer in LAYERS:
            if layer in values:
                expected.alpha_composite(
                    layer_image(LAYERS.index(layer), int(values[layer][-1]), SIZE)
                )
        with Image.open(output / "image" / f"{token_id}.png") as rendered:
            assert rendered.convert("RGBA").tobytes() == expected.tobytes()


@pytest.mark.slow
def test_readme_first_command_runs_on_the_bundled_sample(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "main.py",
            "-n",
            "12",
            "--seed",
            "1",
            "--workers",
            "2",
            "-o",
            str(tmp_path / "o"),
            "-c",
            "config.sample.json",
            "-r",
            "ruler.sample.json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Wrote 12 tokens; 12 of 12 done" in result.stdout
    with Image.open(tmp_path / "o" / "image" / "12.png") as image:
        assert image.size == (512, 512)


def settings_for(project: Path, output: Path, **overrides) -> GenerationSettings:
    values = {
        "num_tokens": 20,
        "config_path": project / "config.json",
        "ruler_path": project / "ruler.json",
        "traits_dir": project / "traits",
        "output_dir": output,
        "seed": 5,
        "workers": 1,
        "cache": CacheLimits(max_memory_mb=64, cache_size=64),
        "max_attempts": 1000,
        "max_trait_attempts": 100,
    }
    return GenerationSettings(**(values | overrides))


def test_failed_tokens_are_listed_and_exit_3(project, tmp_path, monkeypatch):
    monkeypatch.chdir(project)
    settings = settings_for(Path("."), tmp_path / "out")
    container = build_container(settings)
    victim = container.config_manager.spec.layers[5].options[4].file  # a rare optional badge
    moved = victim.with_suffix(".bak")
    victim.rename(moved)
    try:
        report = generate(settings, services=container)
    finally:
        moved.rename(victim)
    combos = container.trait_tracker.combos
    users = {i + 1 for i, combo in enumerate(combos) if combo[5] == 4}
    assert users, "the plan should use the removed file at least once"
    assert set(report.failed) == users
    assert all("file not found" in failure.message for failure in report.failed.values())
    assert report.failures_by_reason() == {"unusable trait file": len(users)}
    assert report.exit_code == 3
    assert report.written == 20 - len(users)
    assert not (tmp_path / "out" / "collection_stats.json").exists()


def test_circuit_breaker_stops_a_run_that_keeps_failing(project, tmp_path, monkeypatch):
    monkeypatch.chdir(project)
    settings = settings_for(Path("."), tmp_path / "out", num_tokens=30)
    container = build_container(settings)
    backgrounds = [option.file for option in container.config_manager.spec.layers[0].options]
    for path in backgrounds:
        path.rename(path.with_suffix(".bak"))
    try:
        report = generate(settings, services=container)
    finally:
        for path in backgrounds:
            path.with_suffix(".bak").rename(path)
    assert report.stopped_early
    assert len(report.failed) == container.circuit_breaker.threshold
    assert report.exit_code == 1
