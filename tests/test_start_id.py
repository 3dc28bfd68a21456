"""`generate --start-id S` (and config.json's start_id): files, metadata and every collection
file are numbered S..S+N-1, the analysis tools follow the recorded start, and resume works."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modules.analysis.collection_reader import read_collection, read_tokens
from modules.cli.generate import generate_command
from modules.cli.main import genecator
from modules.errors import CollectionError
from modules.plan.capacity import Capacity
from modules.publish.token_ids import token_id, token_index
from modules.render.render_pool import TokenFailure
from modules.run.report import Report
from tests.analysis_helpers import LAYERS, copy_collection, invoke, stderr_of
from tests.conftest import config_for, write_json, write_traits

COUNT = 6


def project(root: Path, **config: object) -> Path:
    write_traits(root / "traits", LAYERS)
    write_json(root / "config.json", config_for(LAYERS, metadata={"name": "Bands"}, **config))
    return root


def run(root: Path, *args: str, count: int = COUNT) -> Result:
    base = ["-n", str(count), "--seed", "7", "-c", "config.json", "-t", "traits", "-o", "output"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        return CliRunner().invoke(generate_command, [*base, "--workers", "1", *args])


def generated(root: Path, *args: str, count: int = COUNT, **config: object) -> Path:
    result = run(project(root, **config), *args, count=count)
    assert result.exit_code == 0, result.output
    return root / "output"


def read(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module", params=[0, 100])
def shifted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory.mktemp("shifted"), "--start-id", str(request.param))


def start_of(collection: Path) -> int:
    stats = read(collection / "collection_stats.json")
    assert isinstance(stats, dict)
    return int(stats["start_id"])


def test_the_mapping_is_one_function_and_its_inverse() -> None:
    assert [token_id(0, i) for i in (1, 2, 6)] == [0, 1, 5]
    assert [token_id(100, i) for i in (1, 6)] == [100, 105]
    assert all(token_index(s, token_id(s, i)) == i for s in (0, 1, 7) for i in range(1, 9))


def test_files_and_metadata_ids_start_at_the_start_id(shifted: Path, default: Path) -> None:
    start = start_of(shifted)
    ids = list(range(start, start + COUNT))
    assert sorted(int(p.stem) for p in (shifted / "image").iterdir()) == ids
    names = {p.name for p in (shifted / "metadata").iterdir()}
    assert names == {f"{i}.json" for i in ids} | {"combined_metadata.json"}
    combined = read(shifted / "metadata" / "combined_metadata.json")
    assert isinstance(combined, list)
    for public, document in zip(ids, combined, strict=True):
        assert document == read(shifted / "metadata" / f"{public}.json")
        assert document["name"] == f"Bands #{public}"
        assert document["image"].endswith(f"/{public}.png")


def test_the_same_seed_gives_the_same_images_and_traits_whatever_the_start(
    shifted: Path, default: Path
) -> None:
    start = start_of(shifted)
    for index in range(1, COUNT + 1):
        here = shifted / "image" / f"{token_id(start, index)}.png"
        assert here.read_bytes() == (default / "image" / f"{index}.png").read_bytes()
        metadata = read(shifted / "metadata" / f"{token_id(start, index)}.json")
        plain = read(default / "metadata" / f"{index}.json")
        assert isinstance(metadata, dict)
        assert isinstance(plain, dict)
        assert metadata["attributes"] == plain["attributes"]
    assert (shifted / "rarity_report.csv").read_bytes() == (
        default / "rarity_report.csv"
    ).read_bytes()


def test_stats_record_the_start_only_when_it_is_not_1(shifted: Path, default: Path) -> None:
    stats, plain = read(shifted / "collection_stats.json"), read(default / "collection_stats.json")
    assert isinstance(stats, dict)
    assert isinstance(plain, dict)
    assert "start_id" not in plain
    assert {k: v for k, v in stats.items() if k != "start_id"} == plain


def test_provenance_names_public_ids_and_keeps_the_hash(shifted: Path, default: Path) -> None:
    start = start_of(shifted)
    document, plain = read(shifted / "provenance.json"), read(default / "provenance.json")
    assert isinstance(document, dict)
    assert isinstance(plain, dict)
    assert document["provenance_hash"] == plain["provenance_hash"]
    assert document["start_id"] == start
    assert [e["token_id"] for e in document["images"]] == list(range(start, start + COUNT))
    assert "start_id" not in plain


def test_the_reader_follows_the_recorded_start(shifted: Path) -> None:
    start = start_of(shifted)
    tokens = read_tokens(shifted / "metadata")
    assert [t.token_id for t in tokens] == list(range(start, start + COUNT))
    combined = read_collection(shifted, shifted / "metadata" / "combined_metadata.json")
    assert [(t.token_id, t.metadata) for t in combined] == [
        (t.token_id, t.metadata) for t in tokens
    ]


def test_the_reader_names_a_gap_from_the_start(shifted: Path, tmp_path: Path) -> None:
    start = start_of(shifted)
    copy = tmp_path / "output"
    copy.mkdir()
    (copy / "metadata").mkdir()
    (copy / "collection_stats.json").write_bytes((shifted / "collection_stats.json").read_bytes())
    for index in (1, 3):
        name = f"{token_id(start, index)}.json"
        (copy / "metadata" / name).write_bytes((shifted / "metadata" / name).read_bytes())
    with pytest.raises(CollectionError, match=rf"token {start + 1} is missing .* {start}\.\."):
        read_tokens(copy / "metadata")


@pytest.mark.parametrize(
    ("command", "args"),
    [("rarity", ()), ("duplicates", ()), ("similarity", ("-k", "1")), ("provenance", ())]
    + [("preview", ())],
)
def test_the_analysis_tools_work_on_a_shifted_collection(
    shifted: Path, tmp_path: Path, command: str, args: tuple[str, ...]
) -> None:
    copy = copy_collection(shifted, tmp_path / "output")

    result = invoke(command, "-d", str(copy), *args)

    assert result.exit_code == 0, stderr_of(result)
    if command == "provenance":  # recomputed from the files: what the run wrote
        assert (copy / "provenance.json").read_bytes() == (shifted / "provenance.json").read_bytes()
    if command == "rarity":
        start = start_of(shifted)
        lines = (copy / "rarity_ranks.csv").read_text().splitlines()[1:]
        ids = sorted(int(line.split(",")[1]) for line in lines)
        assert ids == list(range(start, start + COUNT))


def test_combine_metadata_rebuilds_the_same_file(shifted: Path, tmp_path: Path) -> None:
    copy = copy_collection(shifted, tmp_path / "output")
    (copy / "metadata" / "combined_metadata.json").unlink()

    result = invoke("combine-metadata", "-d", str(copy))

    assert result.exit_code == 0, stderr_of(result)
    combined = "metadata/combined_metadata.json"
    assert (copy / combined).read_bytes() == (shifted / combined).read_bytes()


def test_config_start_id_and_the_option_overriding_it(tmp_path: Path) -> None:
    from_config = generated(tmp_path / "a", start_id=0)
    overridden = generated(tmp_path / "b", "--start-id", "5", start_id=0)
    assert (from_config / "image" / "0.png").is_file()
    assert not (from_config / "image" / f"{COUNT}.png").exists()
    assert sorted(int(p.stem) for p in (overridden / "image").iterdir()) == list(range(5, 11))


def test_resume_extends_a_shifted_collection_and_refuses_another_start(tmp_path: Path) -> None:
    output = generated(tmp_path, "--start-id", "100", count=4)
    before = {p.name: p.read_bytes() for p in (output / "image").iterdir()}

    extended = run(tmp_path, "--start-id", "100", "--resume", count=COUNT)
    moved = run(tmp_path, "--start-id", "0", "--resume", count=COUNT)

    assert extended.exit_code == 0, extended.output
    images = {p.name: p.read_bytes() for p in (output / "image").iterdir()}
    assert set(images) == {f"{i}.png" for i in range(100, 100 + COUNT)}
    assert all(images[name] == data for name, data in before.items())
    assert moved.exit_code == 1
    assert "cannot resume" in stderr_of(moved)


def test_force_replaces_a_shifted_collection(tmp_path: Path) -> None:
    output = generated(tmp_path, "--start-id", "0")
    again = run(tmp_path, "--start-id", "0", "--force")
    assert again.exit_code == 0, again.output
    assert sorted(int(p.stem) for p in (output / "image").iterdir()) == list(range(COUNT))


def reroll_in(root: Path, token: int) -> Result:
    args = ["reroll", str(token), "-c", "config.json", "-t", "traits", "-o", "output"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        return CliRunner().invoke(genecator, args)


def test_reroll_takes_the_public_id(tmp_path: Path) -> None:
    output = generated(tmp_path, "--start-id", "100")
    before = {p.name: p.read_bytes() for p in (output / "metadata").glob("1*.json")}

    result = reroll_in(tmp_path, 102)
    outside = reroll_in(tmp_path, 99)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Token 102: re-roll 1")
    after = {p.name: p.read_bytes() for p in (output / "metadata").glob("1*.json")}
    assert {name for name in before if before[name] != after[name]} == {"102.json"}
    assert outside.exit_code == 1
    assert "has tokens 100 to 105" in stderr_of(outside)


def test_the_summary_names_a_failed_token_by_its_public_id() -> None:
    report = Report(3, 7, Capacity(10, exact=True), start_id=100)
    report.record(2, TokenFailure("image/101.png: disk full", "disk full"))
    assert "Token 101 failed: image/101.png: disk full" in report.summary_lines()
