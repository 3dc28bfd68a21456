"""Hand-made 1-of-1s (nftchef ultraRares/: images/N.png + json/N.json): placed at pinned and
seeded ids with their own pixels and attributes, their traits' combination never generated,
counted in capacity and the token total but not the trait statistics, resumed identically,
and every unusable folder refused in one line."""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from modules.cli.generate import generate_command
from tests.conftest import config_for, error_lines, write_json, write_traits

# 2 x 2 = 4 combinations; 1-of-1 1 names (Red, Grey), so only 3 are left to generate.
LAYERS = {
    "Background": {"Red.png": (255, 0, 0, 255), "Blue.png": (0, 0, 255, 255)},
    "Body": {"Grey.png": (128, 128, 128, 128), "White.png": (255, 255, 255, 128)},
}
ONE = {"name": "The One", "attributes": [{"trait_type": "Background", "value": "Red"}]}
ONE["attributes"].append({"trait_type": "Body", "value": "Grey"})
TWO = {"description": "Gold leaf", "attributes": [{"trait_type": "Finish", "value": "Gold"}]}
PIXELS = {1: (10, 20, 30, 255), 2: (40, 50, 60, 200)}


def project(root: Path, section: dict[str, Any] | None = None, **extra: Any) -> Path:
    write_traits(root / "traits", LAYERS)
    folder = root / "ultraRares"
    (folder / "images").mkdir(parents=True)
    (folder / "json").mkdir()
    for number, document in ((1, ONE), (2, TWO)):
        Image.new("RGBA", (8, 8), PIXELS[number]).save(folder / "images" / f"{number}.png")
        write_json(folder / "json" / f"{number}.json", document)
    one_of_ones = section or {"folder": "ultraRares", "ids": {"2": 3}}
    config = config_for(LAYERS, metadata={"name": "Critters"}, one_of_ones=one_of_ones, **extra)
    return write_json(root / "config.json", config)


def generate(config: Path, out: Path, count: int, *args: str) -> Result:
    return CliRunner().invoke(
        generate_command,
        ["-c", str(config), "-t", str(config.parent / "traits"), "-o", str(out)]
        + ["-n", str(count), "--seed", "3", "--workers", "1", *args],
    )


def read(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "runs.jsonl"
    }


@pytest.fixture
def finished(tmp_path: Path) -> tuple[Path, Path]:
    config = project(tmp_path)
    result = generate(config, tmp_path / "out", 5)
    assert result.exit_code == 0, result.output
    return config, tmp_path / "out"


def test_one_of_ones_take_pinned_and_seeded_ids_with_their_pixels_and_json(finished):
    _, out = finished
    documents = read(out / "metadata" / "combined_metadata.json")
    by_name = {document["name"]: i for i, document in enumerate(documents, start=1)}
    seeded = by_name["The One"]
    assert seeded != 3
    two = documents[2]  # pinned to id 3: no name in its json, so the collection's
    assert two == {
        "name": "Critters #3",
        "description": "Gold leaf",
        "image": "ipfs://your-ipfs-cid-here/3.png",
        "attributes": [{"trait_type": "Finish", "value": "Gold"}],
    }
    assert documents[seeded - 1]["attributes"] == ONE["attributes"]
    assert documents[seeded - 1]["description"] == ""
    for token_id, number in ((3, 2), (seeded, 1)):
        image = Image.open(out / "image" / f"{token_id}.png").convert("RGBA")
        assert [colour for _, colour in image.getcolors()] == [PIXELS[number]]
    # the same seed places the unpinned 1-of-1 at the same id
    assert read(out / "metadata" / f"{seeded}.json")["name"] == "The One"


def test_the_combination_a_one_of_one_names_is_never_generated(finished):
    _, out = finished
    documents = read(out / "metadata" / "combined_metadata.json")
    looks = [tuple((a["trait_type"], a["value"]) for a in d["attributes"]) for d in documents]
    red_grey = (("Background", "Red"), ("Body", "Grey"))
    assert looks.count(red_grey) == 1  # the 1-of-1 itself
    generated = {look for look in looks if len(look) == 2} - {red_grey}
    assert len(generated) == 3  # every other combination, once


def test_capacity_counts_the_one_of_ones_and_the_reserved_combination(tmp_path):
    result = generate(project(tmp_path), tmp_path / "out", 6)
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: -n 6 is more than the 5 distinct tokens these traits and rules allow; lower "
        "-n, add options or relax ruler.json"
    ]


def test_stats_count_one_of_ones_in_the_total_only(finished, tmp_path):
    _, out = finished
    stats = read(out / "collection_stats.json")
    assert stats["tokens"] == 5
    assert stats["one_of_ones"] == 2
    assert stats["traits"] == {
        "Background": {"Blue": 2, "Red": 1},
        "Body": {"Grey": 1, "White": 2},
    }
    report = (out / "rarity_report.csv").read_text("utf-8").splitlines()
    assert "Background,Blue,50.00,66.67,2" in report
    counted = project(tmp_path / "counted", {"folder": "ultraRares", "in_trait_stats": True})
    assert generate(counted, tmp_path / "counted" / "out", 5).exit_code == 0
    traits = read(tmp_path / "counted" / "out" / "collection_stats.json")["traits"]
    assert traits == {"Background": {"Blue": 2, "Red": 2}, "Body": {"Grey": 2, "White": 2}}


def test_resume_and_a_lost_rng_state_keep_every_byte(finished):
    config, out = finished
    before = snapshot(out)
    assert generate(config, out, 5, "--resume").exit_code == 0
    assert snapshot(out) == before
    (out / "rng_state.json").unlink()
    (out / "image" / "2.png").unlink()
    result = generate(config, out, 5, "--resume")
    assert result.exit_code == 0, result.output
    assert snapshot(out) == before


def test_a_moved_one_of_one_in_the_saved_plan_is_refused(finished):
    config, out = finished
    tracker = read(out / "tracker_state.json")
    combos = tracker["combinations"]
    combos[2], combos[3] = combos[3], combos[2]
    write_json(out / "tracker_state.json", tracker)
    result = generate(config, out, 5, "--resume")
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: {out / 'tracker_state.json'}: token 3 is not where the plan puts its 1-of-1; "
        "the collection cannot be resumed from it: start fresh with --force"
    ]


def damage_missing_json(folder: Path) -> str:
    (folder / "json" / "2.json").unlink()
    return f"{folder / 'json' / '2.json'}: not found; 1-of-1 2 needs it beside 2.png"


def damage_attributes(folder: Path) -> str:
    write_json(folder / "json" / "1.json", {"name": "x", "attributes": [{"value": "Red"}]})
    return (
        f"{folder / 'json' / '1.json'}: $.attributes[0]: needs a trait_type (text) and a "
        "value (text or number)"
    )


def damage_size(folder: Path) -> str:
    Image.new("RGBA", (4, 4), (1, 2, 3, 255)).save(folder / "images" / "1.png")
    return (
        f"{folder / 'images' / '1.png'}: image is 4x4 but image_size is 8x8; resize it or "
        "fix image_size"
    )


def damage_name(folder: Path) -> str:
    Image.new("RGBA", (8, 8), (1, 2, 3, 255)).save(folder / "images" / "gold.png")
    return (
        f"{folder / 'images' / 'gold.png'}: not a 1-of-1 file; name it N.png (a 1-of-1 is "
        "images/N.png with json/N.json)"
    )


@pytest.mark.parametrize(
    "damage", [damage_missing_json, damage_attributes, damage_size, damage_name]
)
def test_an_unusable_one_of_one_is_one_line_naming_its_file(tmp_path, damage):
    config = project(tmp_path)
    expected = damage(tmp_path / "ultraRares")
    result = generate(config, tmp_path / "out", 5)
    assert result.exit_code == 1
    assert error_lines(result) == [f"Error: {expected}"]
    assert not (tmp_path / "out").exists()


def test_config_problems_of_one_of_ones_are_reported_together(tmp_path):
    section = {"folder": "ultraRares", "ids": {"7": 3}, "in_trait_stat": True}
    result = generate(project(tmp_path, section), tmp_path / "out", 5)
    assert error_lines(result) == [
        "Error: config.json: $.one_of_ones: unknown key 'in_trait_stat'; did you mean "
        "'in_trait_stats'?"
    ]
    section = {"folder": "ultraRares", "ids": {"7": 3, "1": 4, "2": 4}}
    result = generate(project(tmp_path / "b", section), tmp_path / "out", 5)
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: config.json: $.one_of_ones.ids.7: no 1-of-1 7 in "
        f"{tmp_path / 'b' / 'ultraRares' / 'images'}",
        "Error: config.json: $.one_of_ones.ids.2: token 4 is already 1-of-1 1's; pin each "
        "1-of-1 to its own id",
    ]
    result = generate(project(tmp_path / "c", {"folder": "rares"}), tmp_path / "out", 5)
    assert error_lines(result) == [
        f"Error: {tmp_path / 'c' / 'rares'}: 1-of-1 folder not found (config.json "
        "$.one_of_ones.folder); a 1-of-1 is images/N.png with json/N.json there"
    ]


def test_a_pin_beyond_n_is_refused(tmp_path):
    section = {"folder": "ultraRares", "ids": {"2": 9}}
    result = generate(project(tmp_path, section), tmp_path / "out", 5)
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: $.one_of_ones.ids: 1-of-1 2 is pinned to token 9, outside the ids 1..5 of -n "
        "5; raise -n or pin it to an id in that range"
    ]


def test_pins_name_token_ids_counted_from_the_start_id(tmp_path):
    section = {"folder": "ultraRares", "ids": {"2": 0}}
    out = tmp_path / "out"
    result = generate(project(tmp_path, section), out, 5, "--start-id", "0")
    assert result.exit_code == 0, result.output
    document = read(out / "metadata" / "0.json")  # the pinned 1-of-1, at token 0
    assert document["description"] == TWO["description"]
    assert document["attributes"] == TWO["attributes"]
    refused = generate(project(tmp_path / "plain", section), tmp_path / "other", 5)
    assert error_lines(refused) == [
        "Error: $.one_of_ones.ids: 1-of-1 2 is pinned to token 0, outside the ids 1..5 of -n "
        "5; raise -n or pin it to an id in that range"
    ]


@pytest.mark.slow
def test_two_workers_write_the_same_collection(finished, tmp_path):
    config, out = finished
    result = generate(config, tmp_path / "pool", 5, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert snapshot(tmp_path / "pool") == snapshot(out)
