"""main.py end to end in-process: outputs, exit codes, messages and the output-folder guard."""

import csv
import io
import json
import logging
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from modules.cli import generate as generate_module
from modules.cli.generate import generate_command
from tests.conftest import BASIC_LAYERS, REPO, config_for, write_json

Project = Callable[..., Path]
LAYER_NAMES = ["Background", "Body", "Hat"]


def stderr_of(result: Result) -> str:
    """stderr where click keeps it apart, else the mixed output (older click)."""
    try:
        return result.stderr
    except ValueError:
        return result.output


def cli(*args: str) -> Result:
    return CliRunner().invoke(generate_command, [*args, "--workers", "1"])


def error_lines(result: Result) -> list[str]:
    return [line for line in stderr_of(result).splitlines() if line.startswith("Error: ")]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, with its bytes; the run log is left out
    because it records times (it is the only such file)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "runs.jsonl"
    }


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def metadata_of(output: Path, count: int) -> list[dict[str, Any]]:
    return [read_json(output / "metadata" / f"{i}.json") for i in range(1, count + 1)]


@pytest.fixture
def project(make_project: Project, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """make_project, then chdir into it so the default paths resolve there."""

    def make(config: dict[str, Any] | None = None, rules: list | None = None) -> Path:
        root = make_project(BASIC_LAYERS, config, rules)
        monkeypatch.chdir(root)
        return root

    return make


def showcase_config() -> dict[str, Any]:
    """BASIC_LAYERS with an optional Hat (40 %): 3 * 2 * (2 + 1) = 18 tokens."""
    config = config_for(
        BASIC_LAYERS,
        ipfs_cid="QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
        metadata={
            "name": "Critters",
            "description": "Tiny critters",
            "external_url": "https://example.com/t/{id}",
        },
    )
    config["traits"]["Hat"]["rarity"] = 2
    return config


# --- a successful run -----------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 12])
def test_run_writes_ids_1_to_n(project: Callable[..., Path], count: int) -> None:
    root = project()

    result = cli("-n", str(count), "--seed", "7")

    assert result.exit_code == 0, result.output
    assert f"Wrote {count} tokens; {count} of {count} done" in result.stdout
    ids = range(1, count + 1)
    assert {p.name for p in (root / "output" / "image").iterdir()} == {f"{i}.png" for i in ids}
    assert {p.name for p in (root / "output" / "metadata").iterdir()} == {
        f"{i}.json" for i in ids
    } | {"combined_metadata.json"}
    with Image.open(root / "output" / "image" / f"{count}.png") as image:
        assert (image.format, image.size) == ("PNG", (8, 8))
    combos = {
        tuple(a["value"] for a in m["attributes"]) for m in metadata_of(root / "output", count)
    }
    assert len(combos) == count


def test_image_matches_its_metadata(project: Callable[..., Path]) -> None:
    root = project()

    assert cli("-n", "3", "--seed", "7").exit_code == 0

    colours = {"Red": (255, 0, 0), "Green": (0, 255, 0), "Blue": (0, 0, 255)}
    for token_id, document in enumerate(metadata_of(root / "output", 3), start=1):
        background = document["attributes"][0]["value"]
        with Image.open(root / "output" / "image" / f"{token_id}.png") as image:
            pixel = image.convert("RGBA").getpixel((0, 0))
        expected = Image.new("RGBA", (1, 1), (*colours[background], 255))
        for layer in document["attributes"][1:]:
            options = BASIC_LAYERS[layer["trait_type"]]
            expected = Image.alpha_composite(
                expected, Image.new("RGBA", (1, 1), options[layer["value"] + ".png"])
            )
        assert pixel == expected.getpixel((0, 0))


def test_dry_run_writes_nothing_and_prints_the_plan(project: Callable[..., Path]) -> None:
    root = project()

    result = cli("--dry-run", "-n", "5", "--seed", "3")

    assert result.exit_code == 0, result.output
    assert not (root / "output").exists()
    lines = result.stdout.splitlines()
    assert lines[0] == "Planned 5 tokens with seed 3; exactly 12 distinct tokens are possible."
    assert lines[1].startswith("Redraws while planning: ")
    assert lines[2].split() == ["trait_type", "value", "configured", "%", "planned", "%", "count"]
    rows = [line.split() for line in lines[3:]]
    assert [(row[0], row[1]) for row in rows] == [
        ("Background", "Red"),
        ("Background", "Green"),
        ("Background", "Blue"),
        ("Body", "Grey"),
        ("Body", "White"),
        ("Hat", "Cap"),
        ("Hat", "Crown"),
    ]
    assert [row[2] for row in rows] == ["33.33"] * 3 + ["50.00"] * 4
    for layer in LAYER_NAMES:
        assert sum(int(row[4]) for row in rows if row[0] == layer) == 5
    assert all(float(row[3]) == pytest.approx(20 * int(row[4]), abs=0.01) for row in rows)


def test_dry_run_shows_the_absent_share_of_an_optional_layer(project: Callable[..., Path]) -> None:
    project(showcase_config())

    result = cli("--dry-run", "-n", "18", "--seed", "3")

    assert result.exit_code == 0, result.output
    assert "exactly 18 distinct tokens are possible" in result.stdout
    hat_rows = [line.split() for line in result.stdout.splitlines() if line.startswith("Hat ")]
    assert [(row[1], row[2], row[4]) for row in hat_rows] == [
        ("Cap", "20.00", "6"),
        ("Crown", "20.00", "6"),
        ("None", "60.00", "6"),
    ]


# --- refusals before anything is written ----------------------------------------------------


def test_more_tokens_than_capacity_is_refused(project: Callable[..., Path]) -> None:
    root = project()

    result = cli("-n", "13", "--seed", "1")

    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: -n 13 is more than the 12 distinct tokens these traits and rules allow; "
        "lower -n, add options or relax ruler.json"
    ]
    assert not (root / "output").exists()


def test_rules_lower_the_capacity(project: Callable[..., Path]) -> None:
    rule = {
        "if": {"trait_type": "Body", "value": ["Grey"]},
        "then": {"trait_type": "Hat", "excluded_values": ["Cap"]},
    }
    root = project(rules=[rule])

    assert "than the 9 distinct tokens" in stderr_of(cli("-n", "10"))
    result = cli("-n", "9", "--seed", "1")

    assert result.exit_code == 0, result.output
    values = [[a["value"] for a in m["attributes"]] for m in metadata_of(root / "output", 9)]
    assert not [v for v in values if "Grey" in v and "Cap" in v]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-n", "0"], "Invalid value for '-n' / '--num-nfts': 0 is not in the range x>=1"),
        (["--quality", "0"], "Invalid value for '--quality': 0 is not in the range 1<=x<=100"),
        (["--quality", "101"], "Invalid value for '--quality': 101 is not in the range"),
        (["--format", "bmp"], "Invalid value for '--format': 'bmp' is not one of"),
        (["--workers", "0"], "Invalid value for '--workers': 0 is not in the range 1<=x<=256"),
    ],
)
def test_invalid_options_are_usage_errors(
    project: Callable[..., Path], args: list[str], fragment: str
) -> None:
    root = project()

    result = CliRunner().invoke(generate_command, args)

    assert result.exit_code == 2
    assert "Usage:" in stderr_of(result)
    assert fragment in stderr_of(result)
    assert not (root / "output").exists()


def test_config_problem_is_reported_without_traceback(project: Callable[..., Path]) -> None:
    config = config_for(BASIC_LAYERS, trait_ordr=[])
    config["traits"]["Hat"]["options"][1]["rarity"] = 9
    root = project(config)

    result = cli("-n", "2", "--seed", "1")

    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: config.json: $: unknown key 'trait_ordr'; did you mean 'trait_order'?",
        "Error: config.json: $.traits.Hat.options[1].rarity: 9 is greater than the maximum of 5",
    ]
    assert "Traceback" not in result.output
    assert not (root / "output").exists()


def test_debug_log_level_keeps_the_traceback(
    project: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"][1]["rarity"] = 9
    project(config)
    caplog.set_level(logging.DEBUG, logger="genecator")

    result = cli("-n", "2", "--seed", "1", "--log-level", "DEBUG")

    assert result.exit_code == 1
    assert len(error_lines(result)) == 1
    assert [r.exc_info[0].__name__ for r in caplog.records if r.exc_info] == ["ConfigError"]


@pytest.mark.slow
def test_traceback_only_at_debug_in_a_real_process(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS)
    config["image_size"] = [8, 0]
    root = make_project(BASIC_LAYERS, config)
    command = [sys.executable, str(REPO / "main.py"), "-n", "2", "--workers", "1"]

    quiet = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    debug = subprocess.run(
        [*command, "--log-level", "DEBUG"], cwd=root, capture_output=True, text=True, check=False
    )

    assert (quiet.returncode, debug.returncode) == (1, 1)
    expected = "Error: config.json: $.image_size[1]: 0 is less than the minimum of 1"
    assert expected in quiet.stderr.splitlines()
    assert "Traceback" not in quiet.stderr
    assert expected in debug.stderr.splitlines()
    assert "Traceback (most recent call last)" in debug.stderr


def test_missing_config_without_sample_points_to_get_traits(project: Callable[..., Path]) -> None:
    root = project()
    (root / "config.json").unlink()

    result = cli("-n", "2")

    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: config.json: file not found; run `python get_traits.py` to create it from traits/"
    ]
    assert not (root / "output").exists()


def test_sample_config_is_used_when_config_is_missing(
    project: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = project()
    (root / "config.json").rename(root / "config.sample.json")
    rule = {
        "if": {"trait_type": "Background", "value": ["Red"]},
        "then": {"trait_type": "Hat", "excluded_values": ["*"]},
    }
    write_json(root / "ruler.sample.json", {"rules": [rule]})

    with caplog.at_level(logging.WARNING):
        result = cli("-n", "8", "--seed", "1")

    assert result.exit_code == 0, result.output
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert warnings[0].startswith("config.json not found: using config.sample.json")
    assert "get_traits.py" in warnings[0]
    assert warnings[1].startswith("Background 'Red' can never appear: ruler.sample.json")
    assert warnings[2].startswith("ipfs_cid is still the placeholder 'your-ipfs-cid-here'")
    values = [[a["value"] for a in m["attributes"]] for m in metadata_of(root / "output", 8)]
    assert not [v for v in values if "Red" in v]  # Red needs a Hat, which the rule forbids


def test_sample_config_without_sample_ruler_runs_without_rules(
    project: Callable[..., Path],
) -> None:
    root = project()
    (root / "config.json").rename(root / "config.sample.json")

    result = cli("-n", "3", "--seed", "1")

    assert result.exit_code == 0, result.output


# --- the output folder ----------------------------------------------------------------------


def test_second_run_without_force_leaves_the_collection_unchanged(
    project: Callable[..., Path],
) -> None:
    root = project()
    assert cli("-n", "5", "--seed", "1").exit_code == 0
    before = snapshot(root / "output")

    result = cli("-n", "7", "--seed", "2")

    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: output: already holds a collection (17 files); pass --resume to finish or "
        "extend it, --force to replace it, or choose another --output"
    ]
    assert snapshot(root / "output") == before


def test_force_replaces_the_collection(project: Callable[..., Path]) -> None:
    root = project()
    assert cli("-n", "12", "--seed", "1").exit_code == 0
    (root / "output" / "notes.txt").write_text("keep me", encoding="utf-8")

    result = cli("-n", "4", "--seed", "2", "--force")
    fresh = cli("-n", "4", "--seed", "2", "-o", "fresh")

    assert (result.exit_code, fresh.exit_code) == (0, 0), result.output
    output = snapshot(root / "output")
    assert output.pop("notes.txt") == b"keep me"
    assert output == snapshot(root / "fresh")
    assert len(read_json(root / "output" / "metadata" / "combined_metadata.json")) == 4


def test_output_path_that_is_a_file_is_refused(project: Callable[..., Path]) -> None:
    root = project()
    (root / "out.txt").write_text("precious", encoding="utf-8")

    result = cli("-n", "2", "--seed", "1", "-o", "out.txt")

    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: out.txt: a file stands where this folder should be; choose another --output"
    ]
    assert (root / "out.txt").read_text(encoding="utf-8") == "precious"


def test_unwritable_output_is_one_clear_error(project: Callable[..., Path]) -> None:
    root = project()
    if os.geteuid() == 0:  # root ignores permissions: make the folder impossible instead
        (root / "blocker").write_text("", encoding="utf-8")
        output, expected = Path("blocker") / "out", "a file stands where this folder should be"
    else:
        output, expected = Path("locked"), "cannot write there (Permission denied)"
        (root / output).mkdir(mode=0o555)
    try:
        result = cli("-n", "2", "--seed", "1", "-o", str(output))
    finally:
        if (root / "locked").exists():
            (root / "locked").chmod(0o755)

    assert result.exit_code == 1
    lines = error_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith("Error: ")
    assert lines[0].startswith(f"Error: {output}")
    assert expected in lines[0]
    assert lines[0].endswith("choose another --output")
    assert "Traceback" not in result.output
    assert not list(root.rglob("1.png"))


def test_interrupt_exits_130(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    project()

    def interrupted(settings: object, on_progress: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(generate_module, "generate", interrupted)

    result = cli("-n", "2", "--seed", "1")

    assert result.exit_code == 130
    assert (
        "Interrupted (SIGINT); finished tokens are kept: run the same command with --resume."
        in stderr_of(result)
    )


# --- reproducibility ------------------------------------------------------------------------


def test_same_seed_gives_identical_output(project: Callable[..., Path]) -> None:
    root = project(showcase_config())

    first = cli("-n", "10", "--seed", "42", "-o", "a")
    second = cli("-n", "10", "--seed", "42", "-o", "b")

    assert (first.exit_code, second.exit_code) == (0, 0)
    a, b = snapshot(root / "a"), snapshot(root / "b")
    assert (
        len(a) == 10 + 10 + 1 + 3 + 3
    )  # tokens, combined, stats + report + provenance, checkpoint
    assert a == b


def test_drawn_seed_is_announced_and_recorded(
    project: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = project()

    with caplog.at_level(logging.INFO):
        result = cli("-n", "3")

    assert result.exit_code == 0, result.output
    seed = read_json(root / "output" / "collection_stats.json")["seed"]
    assert f"Seed {seed} (pass --seed {seed} to reproduce this collection)" in caplog.messages
    assert result.stdout.rstrip().endswith(f"seed {seed}")


# --- the files of a collection --------------------------------------------------------------


@pytest.fixture
def showcase(project: Callable[..., Path]) -> Path:
    """A finished 18-token collection (every possible token) with an optional Hat."""
    root = project(showcase_config())
    result = cli("-n", "18", "--seed", "5")
    assert result.exit_code == 0, result.output
    return root / "output"


def test_metadata_is_opensea_shaped(showcase: Path) -> None:
    documents = metadata_of(showcase, 18)

    for token_id, document in enumerate(documents, start=1):
        assert set(document) == {"name", "description", "image", "attributes", "external_url"}
        assert document["name"] == f"Critters #{token_id}"
        assert document["description"] == "Tiny critters"
        assert (
            document["image"]
            == f"ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG/{token_id}.png"
        )
        assert document["external_url"] == f"https://example.com/t/{token_id}"
        types = [attribute["trait_type"] for attribute in document["attributes"]]
        assert types in (LAYER_NAMES, LAYER_NAMES[:2])
        assert all(
            set(attribute) == {"trait_type", "value"} for attribute in document["attributes"]
        )
    hatless = [d for d in documents if len(d["attributes"]) == 2]
    assert len(hatless) == 6
    assert not any(a["value"] == "None" for d in documents for a in d["attributes"])


def test_metadata_files_are_canonical_json(showcase: Path) -> None:
    text = (showcase / "metadata" / "1.json").read_text(encoding="utf-8")

    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"


def test_combined_metadata_lists_every_token_in_id_order(showcase: Path) -> None:
    combined = read_json(showcase / "metadata" / "combined_metadata.json")

    assert combined == metadata_of(showcase, 18)


def test_rarity_report_counts(showcase: Path) -> None:
    text = (showcase / "rarity_report.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))

    assert text.splitlines()[0] == "trait_type,value,configured_percent,achieved_percent,count"
    assert [(r["trait_type"], r["value"]) for r in rows] == [
        ("Background", "Red"),
        ("Background", "Green"),
        ("Background", "Blue"),
        ("Body", "Grey"),
        ("Body", "White"),
        ("Hat", "Cap"),
        ("Hat", "Crown"),
        ("Hat", "None"),
    ]
    for layer in LAYER_NAMES:
        assert sum(int(r["count"]) for r in rows if r["trait_type"] == layer) == 18
    counts = attribute_counts(metadata_of(showcase, 18))
    for row in rows:
        assert int(row["count"]) == counts[row["trait_type"]][row["value"]]
        assert row["achieved_percent"] == f"{100 * int(row['count']) / 18:.2f}"
    assert [r["configured_percent"] for r in rows if r["trait_type"] == "Hat"] == [
        "20.00",
        "20.00",
        "60.00",
    ]


def test_collection_stats_match_the_metadata(showcase: Path) -> None:
    stats = read_json(showcase / "collection_stats.json")
    counts = attribute_counts(metadata_of(showcase, 18))

    assert stats["tokens"] == 18
    assert stats["seed"] == 5
    assert stats["capacity"] == {"count": 18, "exact": True}
    assert stats["traits"] == {layer: dict(counter) for layer, counter in counts.items()}


def attribute_counts(documents: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """Per layer, how often each value occurs; an absent layer counts as 'None'."""
    counts: dict[str, Counter[str]] = {layer: Counter() for layer in LAYER_NAMES}
    for document in documents:
        values = {a["trait_type"]: a["value"] for a in document["attributes"]}
        for layer in LAYER_NAMES:
            counts[layer][values.get(layer, "None")] += 1
    return counts


def test_bad_external_url_is_a_config_error(project: Callable[..., Path]) -> None:
    config = config_for(BASIC_LAYERS, metadata={"external_url": "https://example.com/{name}"})
    root = project(config)

    result = cli("-n", "2", "--seed", "1")

    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert error_lines(result)[0].startswith("Error: config.json: $.metadata.external_url: ")
    assert not (root / "output" / "image" / "1.png").exists()
