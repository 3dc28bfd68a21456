"""Damaged checkpoint files and odd entries in the output folder: --resume ends with one line
naming the file and the fix, or recovers when it safely can, and never touches a token.

Each kind of damage goes through the real CLI once; the many ways one file can be malformed
are also fed straight to the reader (a CLI run is mostly Python start-up)."""

import json
import logging
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modules.errors import CheckpointError
from modules.publish.checkpoint import RNG_STATE, TRACKER_STATE, HashLedger, read_plan_state
from modules.publish.token_verification import max_image_bytes
from tests.conftest import REPO, write_json, write_layered_traits

SIZE = 16
LAYERS = ["Background", "Body", "Eyes", "Hat"]
BODY, EYES, HAT = 1, 2, 3
# Body is the priority trait, 5 tokens a value: 20 tokens fill every value exactly.
COUNT = 20
SIMILAR = 5
TIMEOUT = 20  # seconds: a run blocked opening a pipe fails instead of hanging
TRACKER_FIX = "the collection cannot be resumed from it: start fresh with --force"
LEDGER_FIX = "delete it and resume (its tokens are rendered again)"
MOVE_FIX = "move it away and resume"
WORDS = "its state does not hold 624 32-bit words and a position"
REPLAN = f"planning the {COUNT} saved tokens again from the seed instead, which restores it"
DIGEST = "ab" * 32

Edit = Callable[[Any], Any]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four layers of 4 options, an optional hat, a priority trait and one rule."""
    root = tmp_path_factory.mktemp("damaged")
    traits = write_layered_traits(root, LAYERS, 4, SIZE)
    traits["Hat"]["rarity"] = 3
    config = {
        "trait_order": LAYERS,
        "image_size": [SIZE, SIZE],
        "priority_traits": ["Body"],
        "max_similar_combinations": SIMILAR,
        "ipfs_cid": "bafybeifihiytedmsdoeiush2l3oqws22fgme3zxjnp33rld5fg5ansxwcy",
        "traits": traits,
    }
    rule = {
        "if": {"trait_type": "Eyes", "value": ["Eyes0"]},
        "then": {"trait_type": "Hat", "excluded_values": ["Hat1"]},
    }
    write_json(root / "config.json", config)
    write_json(root / "ruler.json", {"rules": [rule]})
    return root


@pytest.fixture(scope="module")
def collection(project: Path) -> Path:
    out = project / "collection"
    result = generate(project, out, "--checkpoint-every", "5")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def out(collection: Path, tmp_path: Path) -> Path:
    """A private copy of the finished collection."""
    return Path(shutil.copytree(collection, tmp_path / "out"))


def generate(project: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        str(REPO / "main.py"),
        "-c",
        str(project / "config.json"),
        "-r",
        str(project / "ruler.json"),
        "-o",
        str(out),
        "-n",
        str(COUNT),
        "--seed",
        "3",
        "--workers",
        "1",
        *args,
    ]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=TIMEOUT)


def resume(project: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return generate(project, out, "--resume")


def tokens(out: Path) -> dict[str, bytes]:
    """Every token image and metadata file (regular files only: a pipe is never opened)."""
    files = [*(out / "image").iterdir(), *(out / "metadata").iterdir()]
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in files if path.is_file()}


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    for word in words:
        assert word in line


def damage_file(path: Path, change: Edit | str) -> None:
    """Replace the file's text, or edit its JSON."""
    if isinstance(change, str):
        path.write_text(change)
    else:
        path.write_text(json.dumps(change(json.loads(path.read_text()))))


def token_value(layer: int, value: Any) -> Edit:
    """Set token 2's value of `layer`."""

    def edit(tracker: Any) -> Any:
        tracker["combinations"][1][layer] = value
        return tracker

    return edit


def moved(change: dict[int, int]) -> Edit:
    """Change the first token whose changed combination is still unique."""

    def edit(tracker: Any) -> Any:
        combos = tracker["combinations"]
        taken = {tuple(combo) for combo in combos}
        for combo in combos:
            new = [change.get(layer, value) for layer, value in enumerate(combo)]
            if new != combo and tuple(new) not in taken:
                combo[:] = new
                return tracker
        raise AssertionError("no token can be changed that way")

    return edit


def over_similar_limit(tracker: Any) -> Any:
    """One more token with the priority value that has its limit of tokens already."""
    return moved({BODY: tracker["combinations"][0][BODY]})(tracker)


def duplicate(tracker: Any) -> Any:
    tracker["combinations"][1] = tracker["combinations"][0]
    return tracker


def longer(tracker: Any) -> Any:
    tracker["combinations"] = [combo + [0] for combo in tracker["combinations"]]
    return tracker


def dropped(key: str) -> Edit:
    return lambda document: {k: v for k, v in document.items() if k != key}


def changed(**values: Any) -> Edit:
    return lambda document: {**document, **values}


def rng_words(index: int, value: Any) -> Edit:
    """Set one entry of the Mersenne Twister words (index 624 is the position)."""

    def edit(document: Any) -> Any:
        document["state"][1][index] = value
        return document

    return edit


def state_version(version: int) -> Edit:
    def edit(document: Any) -> Any:
        document["state"][0] = version
        return document

    return edit


# --- through the CLI ---------------------------------------------------------------------

TRACKER_DAMAGE: dict[str, tuple[Edit | str, str]] = {
    "duplicate": (duplicate, "token 2 repeats token 1"),
    "bool": (token_value(0, True), "token 2: [true, "),
    "length": (longer, "token 1 has 5 layer values, not 4"),
    "range": (token_value(0, 99), "token 2: layer 1 cannot be 99"),
    "absent": (token_value(0, -1), "token 2: layer 1 cannot be -1"),
    "rule": (moved({EYES: 0, HAT: 1}), "breaks one of the rules"),
    "similar": (over_similar_limit, "more than max_similar_combinations allows"),
    "not JSON": ('{"combinations": [', "invalid JSON at line 1"),
}


@pytest.mark.parametrize("damage", list(TRACKER_DAMAGE))
def test_a_damaged_tracker_is_refused_in_one_line(project, out, damage):
    change, words = TRACKER_DAMAGE[damage]
    path = out / TRACKER_STATE
    damage_file(path, change)
    before = tokens(out)
    assert_refused(resume(project, out), f"{path}: ", words, TRACKER_FIX)
    assert tokens(out) == before


RNG_DAMAGE: dict[str, Edit | str] = {"not JSON": "{", "wide word": rng_words(5, 1 << 40)}


@pytest.mark.parametrize("damage", list(RNG_DAMAGE))
def test_a_damaged_rng_state_is_replanned_from_the_seed(project, out, damage):
    """The plan is a pure function of the seed: replaying it checks every saved token and
    restores the exact RNG state, so the file comes back byte for byte (setstate used to
    truncate a word over 32 bits silently, and an extension to plan other tokens)."""
    path = out / RNG_STATE
    saved, before = path.read_bytes(), tokens(out)
    damage_file(path, RNG_DAMAGE[damage])

    result = resume(project, out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("WARNING: ")]
    assert warning.startswith(f"WARNING: {path}: ")
    assert warning.endswith(REPLAN)
    assert path.read_bytes() == saved
    assert tokens(out) == before


def make_pipe(path: Path) -> None:
    os.mkfifo(path)


def make_folder(path: Path) -> None:
    path.mkdir()
    (path / "keep.txt").write_text("someone's file")


SPECIAL_ENTRIES = {
    "tracker pipe": (TRACKER_STATE, make_pipe, "is a pipe, not a checkpoint file"),
    "rng pipe": (RNG_STATE, make_pipe, "is a pipe, not a checkpoint file"),
    "chunk folder": ("checkpoint/hashes-000009.json", make_folder, "is a folder, not a hash"),
    "chunk pipe": ("checkpoint/hashes-000009.json", make_pipe, "is a pipe, not a hash record"),
    "image folder": ("image/5.png", make_folder, "is a folder, not an image Genecator wrote"),
    "image pipe": ("image/5.png", make_pipe, "is a pipe, not an image Genecator wrote"),
    "metadata folder": ("metadata/5.json", make_folder, "is a folder, not a metadata file"),
    "metadata pipe": ("metadata/5.json", make_pipe, "is a pipe, not a metadata file"),
}


@pytest.mark.parametrize("entry", list(SPECIAL_ENTRIES))
def test_a_folder_or_pipe_where_a_file_belongs_is_refused_and_kept(project, out, entry):
    name, make, words = SPECIAL_ENTRIES[entry]
    path = out / name
    path.parent.mkdir(exist_ok=True)
    path.unlink(missing_ok=True)
    make(path)
    before = tokens(out)
    assert_refused(resume(project, out), f"{path}: {words}", MOVE_FIX)
    assert tokens(out) == before
    assert path.is_dir() or path.is_fifo()


def test_a_file_where_the_checkpoint_folder_belongs_is_refused(project, out):
    (out / "checkpoint").write_text("notes")
    before = tokens(out)
    words = f"{out / 'checkpoint'}: is a file, not the folder"
    assert_refused(resume(project, out), words, MOVE_FIX)
    assert tokens(out) == before
    assert (out / "checkpoint").read_text() == "notes"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"images": ', "invalid JSON at line 1"),
        (json.dumps({"images": {"1": "abc"}}), 'token 1: "abc" is not a SHA-256 digest'),
    ],
    ids=["not JSON", "digest"],
)
def test_a_damaged_hash_record_is_refused_in_one_line(project, out, text, words):
    chunk = out / "checkpoint" / "hashes-000001.json"
    chunk.parent.mkdir()
    chunk.write_text(text)
    before = tokens(out)
    assert_refused(resume(project, out), f"{chunk}: ", words, LEDGER_FIX)
    assert tokens(out) == before


def test_deleting_a_damaged_hash_record_as_told_resumes(project, out, collection):
    """The fix the refusal names works: the tokens no record vouches for are rendered again,
    to the same bytes."""
    ledger = out / "seen_hashes.json"
    ledger.write_text("{")
    assert_refused(resume(project, out), f"{ledger}: ", LEDGER_FIX)
    ledger.unlink()
    result = resume(project, out)
    assert result.returncode == 0, result.stderr
    assert f"Wrote {COUNT} tokens; {COUNT} of {COUNT} done" in result.stdout
    assert tokens(out) == tokens(collection)
    assert ledger.read_bytes() == (collection / "seen_hashes.json").read_bytes()


def test_finishing_removes_only_the_chunks_and_keeps_what_others_put_there(project, out):
    folder = out / "checkpoint"
    folder.mkdir()
    shutil.copy(out / "seen_hashes.json", folder / "hashes-000001.json")
    (folder / "notes").mkdir()
    (folder / "notes" / "todo.txt").write_text("mine")
    (folder / "readme.txt").write_text("mine too")
    (folder / "hashes-old.json").write_text("not a chunk")
    before = tokens(out)

    result = resume(project, out)
    assert result.returncode == 0, result.stderr
    kept = ["hashes-old.json", "notes", "readme.txt"]
    assert sorted(path.name for path in folder.iterdir()) == kept
    assert (folder / "notes" / "todo.txt").read_text() == "mine"
    assert f"INFO: {folder}: left in place (not Genecator's): {', '.join(kept)}" in result.stderr
    assert tokens(out) == before


def test_an_image_larger_than_any_encoding_is_rendered_over_unread(project, out, collection):
    """A regular file at a token path is Genecator's to overwrite; one too large to be an
    image it wrote is not even read (a multi-GB file would otherwise be loaded whole)."""
    too_large = max_image_bytes((SIZE, SIZE), animated=False) + 1
    (out / "image" / "5.png").write_bytes(b"\0" * too_large)
    result = resume(project, out)
    assert result.returncode == 0, result.stderr
    assert f"Wrote 1 tokens ({COUNT - 1} already done)" in result.stdout
    assert tokens(out) == tokens(collection)


# --- straight to the reader ----------------------------------------------------------------


@pytest.fixture
def plan_files(collection: Path, tmp_path: Path) -> Path:
    """A folder with a copy of the collection's plan files only."""
    for name in (TRACKER_STATE, RNG_STATE):
        shutil.copy(collection / name, tmp_path / name)
    return tmp_path


TRACKER_VARIANTS: dict[str, tuple[Edit | str, str]] = {
    "string": (token_value(0, "0"), 'token 2: ["0", '),
    "float": (token_value(0, 1.5), "token 2: [1.5, "),
    "whole float": (token_value(0, 1.0), "token 2: [1.0, "),
    "string combination": (lambda t: {**t, "combinations": ["0123"]}, 'token 1: "0123" is not'),
    "number combination": (lambda t: {**t, "combinations": [3]}, "token 1: 3 is not a list"),
    "combinations": (changed(combinations={}), "combinations is an object, not a list"),
    "missing key": (dropped("seed"), "misses seed"),
    "float seed": (changed(seed=1.5), "seed: 1.5 is not an integer"),
    "bool planned": (changed(planned=True), "planned: true is not an integer"),
    "fingerprint": (changed(fingerprint=[1]), "fingerprint is not an object of strings"),
    "redraws": (changed(planning_redraws={"duplicate": "2"}), "planning_redraws is not an"),
    "a list": ("[1, 2]", "holds a list, not a tracker record"),
    "a number": ("7", "holds a number, not a tracker record"),
    "null": (lambda _: None, "holds null, not a tracker record"),
}


@pytest.mark.parametrize("damage", list(TRACKER_VARIANTS))
def test_every_malformed_tracker_is_one_problem(plan_files, damage):
    edit, words = TRACKER_VARIANTS[damage]
    damage_file(plan_files / TRACKER_STATE, edit)
    with pytest.raises(CheckpointError) as info:
        read_plan_state(plan_files)
    (problem,) = info.value.problems
    assert problem.startswith(f"{plan_files / TRACKER_STATE}: ")
    assert words in problem
    assert problem.endswith(TRACKER_FIX)


RNG_VARIANTS: dict[str, tuple[Edit, str]] = {
    "a list": (lambda _: [1], "holds no RNG state and token count"),
    "no state": (dropped("state"), "holds no RNG state and token count"),
    "no count": (dropped("planned"), "holds no RNG state and token count"),
    "null state": (changed(state=None), "its state is not [version, words, gauss]"),
    "shape": (changed(state=[3, []]), "its state is not [version, words, gauss]"),
    "short": (lambda d: {**d, "state": [3, d["state"][1][:600], None]}, WORDS),
    "string word": (rng_words(5, "x"), WORDS),
    "bool word": (rng_words(5, True), WORDS),
    "negative word": (rng_words(5, -1), WORDS),
    "position": (rng_words(624, 625), WORDS),
    "version": (state_version(2), "its state is not of version 3"),
    "gauss": (lambda d: {**d, "state": [*d["state"][:2], "x"]}, "its gauss value is not"),
}


@pytest.mark.parametrize("damage", list(RNG_VARIANTS))
def test_every_malformed_rng_state_is_replanned(plan_files, caplog, damage):
    edit, words = RNG_VARIANTS[damage]
    damage_file(plan_files / RNG_STATE, edit)
    with caplog.at_level(logging.WARNING):
        state = read_plan_state(plan_files)
    assert state is not None
    assert state.rng_state is None
    (message,) = caplog.messages
    assert message.startswith(f"{plan_files / RNG_STATE}: {words}")
    assert message.endswith(REPLAN)


def test_an_intact_rng_state_restores_without_a_warning(plan_files, caplog):
    state = read_plan_state(plan_files)
    assert state is not None
    rng = random.Random()
    rng.setstate(state.rng_state)
    saved = json.loads((plan_files / RNG_STATE).read_text())["state"]
    assert json.loads(json.dumps(rng.getstate())) == saved
    assert not caplog.messages


LEDGER_VARIANTS = {
    "no images": ({"hashes": {}}, ": not a Genecator hash record; delete it"),
    "images a list": ({"images": []}, ": not a Genecator hash record; delete it"),
    "letter id": ({"images": {"x1": DIGEST}}, '"x1" is not a token id'),
    "zero id": ({"images": {"0": DIGEST}}, '"0" is not a token id'),
    "float id": ({"images": {"1.5": DIGEST}}, '"1.5" is not a token id'),
    "spaced id": ({"images": {" 1": DIGEST}}, '" 1" is not a token id'),
    "upper digest": ({"images": {"1": DIGEST.upper()}}, "is not a SHA-256 digest"),
    "long digest": ({"images": {"1": DIGEST + "0"}}, "is not a SHA-256 digest"),
    "number digest": ({"images": {"1": 5}}, "token 1: 5 is not a SHA-256 digest"),
}


@pytest.mark.parametrize("damage", list(LEDGER_VARIANTS))
def test_every_malformed_hash_record_is_one_problem(tmp_path, damage):
    document, words = LEDGER_VARIANTS[damage]
    chunk = tmp_path / "checkpoint" / "hashes-000001.json"
    chunk.parent.mkdir()
    write_json(chunk, document)
    with pytest.raises(CheckpointError) as info:
        HashLedger(tmp_path).load()
    (problem,) = info.value.problems
    assert problem.startswith(f"{chunk}: ")
    assert words in problem
    assert problem.endswith(LEDGER_FIX)
