"""Damaged collections given to every analysis tool (issue 13): a gap in the ids, a folder or a
pipe where a token file belongs, a cut-off image, a decompression bomb, a contact sheet too big
for memory, and files Genecator did not write. Each tool runs as a real child process (under an
address-space limit, with a timeout) and must end with one clear line, exit 1, no traceback,
and nothing already written changed."""

import json
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner

from modules.analysis import similarity
from modules.analysis.collection_reader import read_tokens
from modules.analysis.preview import MAX_SHEET_PIXELS, check_sheet_size, sheet_size
from modules.analysis.rarity import RARITY_COLUMNS, rank_rarity, rarity_rows
from modules.analysis.similarity import find_similar
from modules.cli.generate import generate_command
from modules.errors import ConfigError
from modules.publish.csv_files import csv_bytes
from tests.analysis_helpers import snapshot, write_tokens
from tests.conftest import REPO, write_json, write_layered_traits

GENECATOR = (sys.executable, "-c", "from modules.cli.main import genecator; genecator()")
ADDRESS_SPACE = 3 << 29  # 1.5 GiB: a tool that allocates by a damaged header fails, not swaps
TIMEOUT = 20  # seconds: a tool that opens a pipe blocks for ever
COUNT = 20
CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
RESUME = "run the same `genecator generate` with --resume"

TOOLS: dict[str, Callable[[Path], list[str]]] = {
    "combine-metadata": lambda d: ["combine-metadata", "-d", str(d)],
    "rarity": lambda d: ["rarity", "-d", str(d)],
    "duplicates": lambda d: ["duplicates", "-d", str(d)],
    "similarity": lambda d: ["similarity", "-d", str(d), "-k", "2"],
    "provenance": lambda d: ["provenance", "-d", str(d)],
    "preview": lambda d: ["preview", "-d", str(d), "-n", str(COUNT)],
    "update-cid": lambda d: ["update-cid", "--metadata-dir", str(d / "metadata"), "--cid", CID],
}
IMAGE_TOOLS = ("duplicates", "provenance", "preview")  # the tools that read token images


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete 20-token collection of 16 px PNGs (81 combinations), with its own files."""
    root = tmp_path_factory.mktemp("project")
    layers = ["Background", "Body", "Eyes", "Hat"]
    config = {"trait_order": layers, "image_size": [16, 16]}
    write_json(
        root / "config.json", {**config, "traits": write_layered_traits(root, layers, 3, 16)}
    )
    args = ["-n", str(COUNT), "--seed", "1", "--workers", "1", "-c", str(root / "config.json")]
    out = root / "output"
    result = CliRunner().invoke(
        generate_command, [*args, "-t", str(root / "traits"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_all(commands: dict[str, list[str]], cwd: Path) -> dict[str, subprocess.CompletedProcess]:
    """`genecator ARGS` for every entry, all children at once; a child that does not end
    within TIMEOUT of being waited for fails the test (and every child left is killed)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = {
        name: subprocess.Popen(
            [*GENECATOR, *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=limit_memory,
        )
        for name, args in commands.items()
    }
    done = {}
    try:
        for name, child in children.items():
            try:
                # Each child has run at least as long as the ones waited for before it.
                out, err = child.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                pytest.fail(
                    f"genecator {' '.join(commands[name])}: still running after {TIMEOUT} s"
                )
            done[name] = subprocess.CompletedProcess(child.args, child.returncode, out, err)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
                child.communicate()
    return done


def run_tools(
    generated: Path, tmp_path: Path, tools: Iterable[str], damage: Callable[[Path], None]
) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Each tool on its own copy of the collection, damaged by `damage`: (copy, result)."""
    copies = {}
    for name in tools:
        copies[name] = shutil.copytree(generated, tmp_path / name, symlinks=True)
        damage(copies[name])
    results = run_all({name: TOOLS[name](copy) for name, copy in copies.items()}, tmp_path)
    return {name: (copies[name], results[name]) for name in copies}


def refusal(result: subprocess.CompletedProcess, *words: str) -> str:
    """The one error line of a refused command, checked to hold every one of `words`."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for word in words:
        assert word in lines[0]
    return lines[0]


def cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def claim_size(path: Path, width: int, height: int) -> None:
    """Rewrite a PNG's header (IHDR, with its CRC) to claim width x height; the file stays a
    few hundred bytes, so decoding it would allocate by the claim alone."""
    data = bytearray(path.read_bytes())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(data[12:29]))
    path.write_bytes(bytes(data))


def replace_with(kind: str) -> Callable[[Path], None]:
    """Replace a file with a folder or a named pipe of the same name."""

    def replace(path: Path) -> None:
        path.unlink()
        if kind == "folder":
            path.mkdir()
        else:
            os.mkfifo(path)

    return replace


# --- 1. gaps in the ids -------------------------------------------------------------------


def test_a_missing_token_file_is_refused_by_every_tool_and_changes_nothing(
    generated: Path, tmp_path: Path
) -> None:
    runs = run_tools(generated, tmp_path, TOOLS, lambda d: (d / "metadata" / "7.json").unlink())

    for name, (copy, result) in runs.items():
        line = refusal(result, "metadata: token 7 is missing (no 7.json)", "1..20", RESUME)
        assert line.startswith(f"Error: {copy / 'metadata'}: "), name
        before = snapshot(generated)
        del before["metadata/7.json"]
        assert snapshot(copy) == before, name  # combined_metadata.json and reports untouched


def test_missing_last_tokens_are_found_by_the_count_the_run_recorded(
    generated: Path, tmp_path: Path
) -> None:
    def damage(collection: Path) -> None:
        for token_id in (19, 20):  # no gap is left: only collection_stats.json knows
            (collection / "metadata" / f"{token_id}.json").unlink()

    for _, result in run_tools(generated, tmp_path, TOOLS, damage).values():
        refusal(result, "holds tokens 1..18 but collection_stats.json records 20", RESUME)


def test_many_missing_ids_are_summed_up_naming_the_first_and_the_highest(
    generated: Path, tmp_path: Path
) -> None:
    def damage(collection: Path) -> None:
        metadata = collection / "metadata"
        for token_id in (7, 9):
            (metadata / f"{token_id}.json").unlink()
        shutil.copy(metadata / "1.json", metadata / "9999.json")

    ((_, result),) = run_tools(generated, tmp_path, ["rarity"], damage).values()

    refusal(
        result,
        "9980 tokens are missing (no {id}.json for 7, 9, 21, 22, 23, …)",
        "1..9999 (9999.json is the highest)",
        "restore them",
    )


def test_a_combined_file_missing_an_entry_is_not_renumbered(
    generated: Path, tmp_path: Path
) -> None:
    combined = shutil.copytree(generated, tmp_path / "c") / "metadata" / "combined_metadata.json"
    entries = json.loads(combined.read_text(encoding="utf-8"))
    del entries[6]
    combined.write_text(json.dumps(entries), encoding="utf-8")

    result = run_all({"rarity": ["rarity", "--file", str(combined)]}, tmp_path)["rarity"]

    refusal(result, f"{combined}: entry 7: its image 8.png is token 8's, not token 7's")
    assert "rebuild the file with `genecator combine-metadata`" in result.stderr
    assert not (combined.parent / "rarity_ranks.csv").exists()


# --- 2. folders and pipes where token files belong ----------------------------------------


def test_a_pipe_for_a_token_file_is_refused_by_every_tool_without_blocking(
    generated: Path, tmp_path: Path
) -> None:
    runs = run_tools(
        generated, tmp_path, TOOLS, lambda d: replace_with("pipe")(d / "metadata" / "5.json")
    )

    for copy, result in runs.values():
        refusal(result, f"{copy / 'metadata' / '5.json'}: is a pipe, not a token file; move it")


@pytest.mark.parametrize("kind", ["folder", "pipe"])
def test_a_folder_or_pipe_for_a_token_image_is_refused_without_blocking(
    generated: Path, tmp_path: Path, kind: str
) -> None:
    runs = run_tools(
        generated, tmp_path, IMAGE_TOOLS, lambda d: replace_with(kind)(d / "image" / "5.png")
    )

    for copy, result in runs.values():
        refusal(result, f"{copy / 'image' / '5.png'}: is a {kind}, not a token image; move it")
        assert snapshot(copy)["provenance.json"] == (generated / "provenance.json").read_bytes()


def test_a_folder_for_a_token_file_or_a_pipe_for_the_combined_file(
    generated: Path, tmp_path: Path
) -> None:
    collection = shutil.copytree(generated, tmp_path / "c")
    replace_with("folder")(collection / "metadata" / "5.json")
    combined = shutil.copytree(generated, tmp_path / "p") / "metadata" / "combined_metadata.json"
    replace_with("pipe")(combined)

    results = run_all(
        {
            "folder": TOOLS["combine-metadata"](collection),
            "pipe": ["similarity", "-k", "2", "--file", str(combined)],
        },
        tmp_path,
    )

    refusal(results["folder"], "metadata/5.json: is a folder, not a token file; move it away")
    assert (collection / "metadata" / "combined_metadata.json").read_bytes() == (
        generated / "metadata" / "combined_metadata.json"
    ).read_bytes()
    refusal(results["pipe"], f"{combined}: is a pipe, not a combined metadata file")


# --- 3. and 4. cut-off images and decompression bombs ----------------------------------------


def test_a_cut_off_image_is_named_by_every_tool_that_reads_images(
    generated: Path, tmp_path: Path
) -> None:
    runs = run_tools(generated, tmp_path, IMAGE_TOOLS, lambda d: cut_in_half(d / "image" / "5.png"))

    for name, (copy, result) in runs.items():
        damage = "cannot decode the image" if name == "preview" else "cut off or damaged"
        refusal(result, f"{copy / 'image' / '5.png'}: {damage}", f"{RESUME} to render it again")
        written = snapshot(copy)
        assert written["provenance.json"] == (generated / "provenance.json").read_bytes()
        assert "preview.png" not in written
        assert "report.html" not in written


@pytest.mark.parametrize(
    ("width", "height"),
    [(40000, 40000), (10000, 10000)],  # above Pillow's own limit, and only above ours
)
def test_a_decompression_bomb_is_refused_before_decoding(
    generated: Path, tmp_path: Path, width: int, height: int
) -> None:
    runs = run_tools(
        generated, tmp_path, ["preview"], lambda d: claim_size(d / "image" / "5.png", width, height)
    )

    ((copy, result),) = runs.values()
    refusal(result, f"{copy / 'image' / '5.png'}: refused as a decompression bomb", RESUME)
    assert not (copy / "preview.png").exists()


# --- 5. sizes that would need more memory than a sheet may have -----------------------------


def test_a_contact_sheet_too_big_is_refused_naming_the_largest_size_that_fits(
    generated: Path, tmp_path: Path
) -> None:
    collection = shutil.copytree(generated, tmp_path / "c")
    results = run_all(
        {
            "size": ["preview", "-d", str(collection), "--size", "100000"],
            "top": ["preview", "-d", str(collection), "--top", "100000"],
        },
        tmp_path,
    )

    line = refusal(results["size"], "--size 100000: a contact sheet of 16 tokens would be")
    named = re.search(r"use --size (\d+) or less", line)
    assert named is not None
    largest = int(named.group(1))
    for size, fits in ((largest, True), (largest + 1, False)):
        width, height = sheet_size(16, size)
        assert (width * height <= MAX_SHEET_PIXELS) is fits
    assert results["top"].returncode == 2  # a usage error: --top has a documented range
    assert "'--top': 100000 is not in the range 0<=x<=1000" in results["top"].stderr
    assert sorted(p.name for p in collection.iterdir()) == sorted(
        p.name for p in generated.iterdir()
    )


def test_too_many_tokens_for_any_thumbnail_size_names_the_largest_count() -> None:
    with pytest.raises(ConfigError, match=r"use --count \d+ or less \(with --size 16\)"):
        check_sheet_size(10_000_000, 16)


def test_a_similarity_report_beyond_its_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(similarity, "MAX_PAIRS", 5)
    rows = [{"A": "a", "B": str(i)} for i in range(5)]  # all 10 pairs share A
    tokens = read_tokens(write_tokens(tmp_path / "c", rows) / "metadata")

    with pytest.raises(ConfigError, match="more than 5 pairs .* raise --threshold"):
        find_similar(tokens, 1)


# --- 6. files Genecator did not write -------------------------------------------------------

STRAY = {
    "image/9999.png": None,  # a copy of token 1's image, with no token
    "image/.tmp-x": b"a user's temp file",
    "notes.txt": b"my notes",
    ".tmp-x": b"a user's temp file",
    "metadata/notes.json": b'{"mine": true}',
    "metadata/.tmp-x": b"{}",
    "metadata/notes.txt": b"my notes",
}


def add_stray_files(collection: Path) -> None:
    for name, data in STRAY.items():
        target = collection / name
        if data is None:
            shutil.copy(collection / "image" / "1.png", target)
        else:
            target.write_bytes(data)


def test_files_genecator_did_not_write_change_no_output(generated: Path, tmp_path: Path) -> None:
    runs = run_tools(generated, tmp_path, TOOLS, add_stray_files)

    counted = {
        "combine-metadata": f": {COUNT} tokens",
        "rarity": f"Ranked {COUNT} tokens",
        "duplicates": f"Checked {COUNT} tokens",
        "similarity": f"of {COUNT} tokens are in a pair",
        "provenance": f": {COUNT} images",
        "preview": "report.html",
        "update-cid": f"Updated {COUNT} token file(s)",
    }
    original = snapshot(generated)
    for name, (copy, result) in runs.items():
        assert result.returncode == 0, result.stderr
        assert counted[name] in result.stdout
        after = snapshot(copy)
        for stray, data in STRAY.items():
            assert after.pop(stray) == (original["image/1.png"] if data is None else data)
        # What the run wrote from the same 20 tokens is rebuilt byte for byte, or left alone.
        changed = {path for path, data in after.items() if original.get(path) != data}
        written = {
            "combine-metadata": set(),
            "rarity": {"rarity_ranks.csv"},
            "duplicates": set(),
            "similarity": {"similar_pairs.csv"},
            "provenance": set(),
            "preview": {"preview.png", "report.html"},
            "update-cid": {f"metadata/{i}.json" for i in range(1, COUNT + 1)}
            | {"metadata/combined_metadata.json"},
        }
        assert changed == written[name], name
    ranks = rarity_rows(rank_rarity(read_tokens(generated / "metadata")))
    rarity_copy = runs["rarity"][0]
    assert (rarity_copy / "rarity_ranks.csv").read_bytes() == csv_bytes(RARITY_COLUMNS, ranks)
    report = (runs["preview"][0] / "report.html").read_text(encoding="utf-8")
    assert f"<th>Tokens</th><td>{COUNT}</td>" in report
    document = json.loads((runs["update-cid"][0] / "metadata" / "1.json").read_text())
    assert document["image"] == f"ipfs://{CID}/1.png"
