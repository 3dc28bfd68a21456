"""Interrupted, killed, extended and damaged runs: --resume always ends in the bytes of one
uninterrupted run, and a resume with changed inputs is refused without touching anything."""

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from modules import atomic_io
from modules.publish import checkpoint
from modules.publish.output_lock import LOCK_FILE
from modules.run import nft_generator
from modules.settings import CacheLimits, GenerationSettings
from tests.conftest import REPO, write_json, write_layered_traits

SIZE = 24
LAYERS = ["Background", "Body", "Eyes", "Mouth", "Hat"]
SEED = "7"
COUNT = 80
RUN_LOG = "runs.jsonl"
RUN_LOG_KEYS = {
    "cluster",
    "started",
    "ended",
    "duration_s",
    "seed",
    "tokens_requested",
    "tokens_written",
    "tokens_reused",
    "metadata_rewritten",
    "failures",
    "retries",
    "workers",
    "fingerprint",
    "resumed",
    "exit_code",
}
TOKEN_IMAGE = re.compile(r"^\d+\.png$")
RESUME_HINT = "run the same command with --resume."


def write_project(root: Path) -> Path:
    """Five layers x 5 options, an optional hat, priority traits and two rules."""
    traits = write_layered_traits(root, LAYERS, 5, SIZE)
    traits["Hat"]["rarity"] = 3
    config = {
        "trait_order": LAYERS,
        "image_size": [SIZE, SIZE],
        "priority_traits": ["Body", "Eyes"],
        "max_similar_combinations": 6,
        "ipfs_cid": "bafybeifihiytedmsdoeiush2l3oqws22fgme3zxjnp33rld5fg5ansxwcy",
        "traits": traits,
    }
    rules = [
        {
            "if": {"trait_type": "Body", "value": ["Body0"]},
            "then": {"trait_type": "Hat", "excluded_values": ["*"]},
        },
        {
            "if": {"trait_type": "Eyes", "value": ["Eyes1", "Eyes2"]},
            "then": {"trait_type": "Mouth", "excluded_values": ["Mouth4"]},
        },
    ]
    write_json(root / "config.json", config)
    write_json(root / "ruler.json", {"rules": rules})
    return root


def command(project: Path, out: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        str(REPO / "main.py"),
        "-c",
        str(project / "config.json"),
        "-r",
        str(project / "ruler.json"),
        "-t",
        str(project / "traits"),
        "-o",
        str(out),
        *args,
    ]


def run(project: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(project, out, *args), cwd=project, capture_output=True, text=True, timeout=120
    )


def generate(project: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    """A run that must succeed."""
    result = run(project, out, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def digests(folder: Path, skip_log: bool = True) -> dict[str, str]:
    """sha256 of every file under `folder` (temp files too); the run log only on request."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not (skip_log and path.name == RUN_LOG)
    }


def run_log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / RUN_LOG).read_text().splitlines()]


def image_count(out: Path) -> int:
    """Finished token images (temp files aside); 0 before the folder exists."""
    try:
        names = os.listdir(out / "image")
    except FileNotFoundError:
        return 0
    return sum(1 for name in names if TOKEN_IMAGE.match(name))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("resume-project"))


@pytest.fixture(scope="module")
def reference(project) -> Path:
    """One uninterrupted run: the bytes every interrupted variant must end in."""
    out = project / "reference"
    generate(project, out, "-n", str(COUNT), "--seed", SEED, "--workers", "2")
    return out


@pytest.fixture(scope="module")
def direct60(project) -> Path:
    out = project / "direct60"
    generate(project, out, "-n", "60", "--seed", SEED, "--workers", "2")
    return out


@pytest.fixture(scope="module")
def first30(project) -> Path:
    out = project / "first30"
    generate(project, out, "-n", "30", "--seed", SEED, "--workers", "2")
    return out


@pytest.fixture
def processes():
    """Popen objects started by a test; any still running at teardown are killed."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                signal_group(proc, signal.SIGKILL)
            proc.wait(timeout=30)


def signal_group(proc: subprocess.Popen, signum: int) -> None:
    os.killpg(proc.pid, signum)


def start(processes: list, project: Path, out: Path, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        command(project, out, *args),
        cwd=project,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    processes.append(proc)
    return proc


def wait_for(proc: subprocess.Popen, ready: Callable[[], bool], what: str) -> None:
    """Poll until `ready()`; fail if the process ends first without reaching it."""
    deadline = time.monotonic() + 60
    while not ready():
        if proc.poll() is not None and not ready():
            pytest.fail(f"the run ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.001)


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], what: str) -> int:
    """SIGKILL the whole process group once `ready()`; returns the exit status."""
    wait_for(proc, ready, what)
    with contextlib.suppress(ProcessLookupError):
        signal_group(proc, signal.SIGKILL)
    proc.communicate(timeout=30)
    return proc.returncode


def assert_only_complete_files(out: Path, reference: Path) -> None:
    """After a kill: temp files and the dead run's lock file aside (the next run takes the
    lock over), every file is whole and holds the reference bytes (or, for ledger chunks,
    the reference's hashes)."""
    expected = digests(reference)
    hashes = json.loads((reference / "seen_hashes.json").read_text())["images"]
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.name.startswith(".tmp-") or path.name == LOCK_FILE:
            continue
        rel = path.relative_to(out).as_posix()
        if path.suffix == ".png":
            with Image.open(path) as image:
                image.load()
                assert image.size == (SIZE, SIZE), rel
        document = json.loads(path.read_text()) if path.suffix == ".json" else None
        if rel.startswith("checkpoint/"):
            assert re.fullmatch(r"checkpoint/hashes-\d{6}\.json", rel), rel
            assert document["images"], rel
            for token_id, digest in document["images"].items():
                assert digest == hashes[token_id], f"{rel}: token {token_id}"
        elif rel != RUN_LOG:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == expected.get(rel), rel


def plan_written(out: Path) -> Callable[[], bool]:
    return lambda: (out / "rng_state.json").exists()


def images_at_least(out: Path, count: int) -> Callable[[], bool]:
    return lambda: image_count(out) >= count


def images_and_chunk(out: Path, count: int) -> Callable[[], bool]:
    """`count` images and a ledger chunk: images run ahead of the results the parent has
    recorded, so the images alone do not mean a chunk was written."""
    chunks = out / checkpoint.LEDGER_DIR
    return lambda: image_count(out) >= count and any(chunks.glob(checkpoint.CHUNK_FILES))


def assert_ledger_matches_images(out: Path) -> dict[str, str]:
    """Every ledger chunk maps token ids to the SHA-256 of that token's image as it is on
    disk (a chunk is written only once the files it vouches for are); returns them all."""
    recorded: dict[str, str] = {}
    for chunk in sorted((out / checkpoint.LEDGER_DIR).glob(checkpoint.CHUNK_FILES)):
        for token_id, digest in json.loads(chunk.read_text())["images"].items():
            where = f"{chunk.name}: token {token_id}"
            assert 1 <= int(token_id) <= COUNT, where
            assert re.fullmatch(r"[0-9a-f]{64}", digest), where
            image = out / "image" / f"{token_id}.png"
            assert image.is_file(), f"{where}: no image"
            assert hashlib.sha256(image.read_bytes()).hexdigest() == digest, where
            recorded[token_id] = digest
    return recorded


# (kill point, wait for a ledger chunk too, kill the resume too at this many images, extra
# args of the resume)
KILL_SCENARIOS = {
    "plan-written": ("plan", False, None, ("--seed", SEED, "--workers", "1")),
    "5-images-resume-without-seed": (5, False, None, ("--workers", "2")),
    "30-images-and-a-chunk-resume-killed-at-55": (30, True, 55, ("--seed", SEED, "--workers", "2")),
    "79-images": (COUNT - 1, False, None, ("--seed", SEED, "--workers", "2")),
}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(KILL_SCENARIOS))
def test_resume_after_sigkill_equals_uninterrupted_run(
    scenario, project, reference, tmp_path, processes
):
    kill_at, with_chunk, kill_resume_at, resume_args = KILL_SCENARIOS[scenario]
    out = tmp_path / "out"
    args = ("-n", str(COUNT), "--checkpoint-every", "7")
    proc = start(processes, project, out, *args, "--seed", SEED, "--workers", "2")
    if kill_at == "plan":
        status = kill_when(proc, plan_written(out), "the plan was written")
    elif with_chunk:
        ready = images_and_chunk(out, kill_at)
        status = kill_when(proc, ready, f"{kill_at} images and a hash chunk existed")
    else:
        status = kill_when(proc, images_at_least(out, kill_at), f"{kill_at} images existed")
    if kill_at != COUNT - 1:  # the last kill point may come after the run ended
        assert status == -signal.SIGKILL
        logged = run_log(out) if (out / RUN_LOG).exists() else []
        assert [entry["ended"] for entry in logged] in ([], [None])  # reserved, never ended
    recorded = assert_ledger_matches_images(out)
    if with_chunk:  # a chunk existed at the kill, and only a finished run removes chunks
        assert recorded
    assert_only_complete_files(out, reference)

    if kill_resume_at is not None:
        proc = start(processes, project, out, *args, *resume_args, "--resume")
        ready = images_at_least(out, kill_resume_at)
        assert kill_when(proc, ready, f"{kill_resume_at} images") == -signal.SIGKILL
        assert assert_ledger_matches_images(out).items() >= recorded.items()
        assert_only_complete_files(out, reference)

    result = generate(project, out, *args, *resume_args, "--resume")
    assert f"{COUNT} of {COUNT} done" in result.stdout
    assert digests(out) == digests(reference)
    assert run_log(out)[-1]["resumed"] is True
    assert run_log(out)[-1]["tokens_written"] + run_log(out)[-1]["tokens_reused"] == COUNT


SIGNAL_CASES = {
    "sigint-to-parent": (signal.SIGINT, False),
    "sigint-to-group": (signal.SIGINT, True),
    "sigterm-to-parent": (signal.SIGTERM, False),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(SIGNAL_CASES))
def test_first_stop_signal_exits_130_and_resume_finishes(
    case, project, reference, tmp_path, processes
):
    signum, to_group = SIGNAL_CASES[case]
    out = tmp_path / "out"
    args = ("-n", str(COUNT), "--seed", SEED, "--workers", "2")
    proc = start(processes, project, out, *args)
    wait_for(proc, images_at_least(out, 10), "10 images existed")
    if to_group:
        signal_group(proc, signum)
    else:
        proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 130, stdout + stderr
    name = signal.Signals(signum).name
    expected = f"Interrupted ({name}); finished tokens are kept: {RESUME_HINT}"
    assert expected in (stdout + stderr).splitlines()
    assert not (out / "seen_hashes.json").exists()
    assert_only_complete_files(out, reference)
    (entry,) = run_log(out)
    assert (entry["exit_code"], entry["resumed"]) == (130, False)
    assert 0 < entry["tokens_written"] < COUNT

    generate(project, out, *args, "--resume")
    assert digests(out) == digests(reference)
    assert not list(out.rglob(".tmp-*"))
    assert [e["exit_code"] for e in run_log(out)] == [130, 0]


def attribute_sets(out: Path, count: int) -> set[tuple]:
    """The distinct (trait_type, value) lists of tokens 1..count."""
    return {
        tuple(
            (a["trait_type"], a["value"])
            for a in json.loads((out / "metadata" / f"{i}.json").read_text())["attributes"]
        )
        for i in range(1, count + 1)
    }


@pytest.mark.slow
def test_extending_equals_a_direct_run(project, reference, direct60, first30, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first30, out)
    before = digests(out)
    generate(project, out, "-n", "60", "--resume", "--workers", "2")

    assert digests(out) == digests(direct60)
    after = digests(out)
    for token_id in range(1, 31):
        for rel in (f"image/{token_id}.png", f"metadata/{token_id}.json"):
            assert after[rel] == before[rel]
    assert len(attribute_sets(out, 60)) == 60
    planned = json.loads((out / "tracker_state.json").read_text())["combinations"]
    assert len(planned) == len({tuple(combo) for combo in planned}) == 60
    assert run_log(out)[-1]["tokens_written"] == 30
    assert run_log(out)[-1]["tokens_reused"] == 30

    generate(project, out, "-n", str(COUNT), "--resume", "--seed", SEED, "--workers", "1")
    assert digests(out) == digests(reference)


@pytest.mark.slow
def test_extension_killed_between_the_two_plan_files_resumes(project, direct60, first30, tmp_path):
    """tracker_state.json is written before rng_state.json: a kill between them leaves the
    60-token plan with the 30-token RNG state, which must be replanned from the seed."""
    out = tmp_path / "out"
    shutil.copytree(first30, out)
    shutil.copy(direct60 / "tracker_state.json", out / "tracker_state.json")
    generate(project, out, "-n", "60", "--resume", "--workers", "2")
    assert digests(out) == digests(direct60)


@pytest.mark.slow
def test_first_run_killed_between_the_two_plan_files_resumes(project, reference, tmp_path):
    out = tmp_path / "out"
    for folder in ("image", "metadata"):
        (out / folder).mkdir(parents=True)
    shutil.copy(reference / "tracker_state.json", out / "tracker_state.json")
    result = run(project, out, "-n", str(COUNT), "--seed", SEED, "--workers", "2", "--resume")
    assert result.returncode == 0, result.stdout + result.stderr
    assert digests(out) == digests(reference)


@pytest.fixture
def finished(reference, tmp_path) -> Path:
    """A private copy of the finished reference collection."""
    out = tmp_path / "finished"
    shutil.copytree(reference, out)
    return out


def changed_project(project: Path, root: Path, change: str) -> Path:
    """A copy of the project with one input changed."""
    shutil.copytree(project / "traits", root / "traits")
    config = json.loads((project / "config.json").read_text())
    rules = json.loads((project / "ruler.json").read_text())
    if change == "config":
        config["traits"]["Eyes"]["options"][2]["rarity"] = 5
    elif change == "rules":
        rules["rules"][1]["then"]["excluded_values"] = ["Mouth3"]
    elif change == "trait_files":
        path = root / "traits" / "Mouth" / "Mouth2.png"
        with Image.open(path) as image:
            edited = image.copy()
        edited.putpixel((0, 0), (1, 2, 3, 255))
        edited.save(path)
    write_json(root / "config.json", config)
    write_json(root / "ruler.json", rules)
    return root


REFUSALS = {
    "config": ((), "config.json (layers, weights, priority traits or image size)"),
    "rules": ((), "ruler.json rules"),
    "trait_files": ((), "trait image files"),
    "seed": (("--seed", "8"), "--seed"),
    "format": (("--format", "webp"), "--format"),
}


@pytest.mark.slow
@pytest.mark.parametrize("change", list(REFUSALS))
def test_resume_with_changed_input_is_refused_and_changes_nothing(
    change, project, finished, tmp_path
):
    extra, what = REFUSALS[change]
    changed = changed_project(project, tmp_path / "changed", change)
    before = digests(finished, skip_log=False)
    args = ("-n", str(COUNT), "--workers", "2", "--resume")
    result = run(changed, finished, *args, *(extra or ("--seed", SEED)))

    assert result.returncode == 1, result.stdout + result.stderr
    prefix = f"Error: {finished}: cannot resume: "
    suffix = (
        " changed since this collection was started; restore them, or start fresh with "
        "--force or another --output"
    )
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert line.startswith(prefix)
    assert line.endswith(suffix)
    changed_part = line[len(prefix) : -len(suffix)]
    assert changed_part == what or (change == "format" and changed_part.startswith(what))
    assert digests(finished, skip_log=False) == before


@pytest.mark.slow
def test_format_refusal_names_only_the_format(project, finished):
    result = run(
        project, finished, "-n", str(COUNT), "--seed", SEED, "--format", "webp", "--resume"
    )
    assert result.returncode == 1
    assert f"Error: {finished}: cannot resume: --format changed since" in result.stderr


@pytest.mark.slow
def test_run_without_resume_into_a_collection_is_refused(project, finished):
    before = digests(finished, skip_log=False)
    result = run(project, finished, "-n", str(COUNT), "--seed", SEED, "--workers", "2")
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert line.startswith(f"Error: {finished}: already holds a collection (")
    assert "--resume" in line
    assert "--force" in line
    assert digests(finished, skip_log=False) == before


@pytest.mark.slow
def test_resume_with_fewer_tokens_than_planned_is_refused(project, finished):
    before = digests(finished, skip_log=False)
    result = run(project, finished, "-n", "40", "--seed", SEED, "--resume")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: -n 40 is less than the {COUNT} tokens already planned in {finished}; "
        f"use -n {COUNT} or more (tokens are never removed)"
    ]
    assert digests(finished, skip_log=False) == before


@pytest.mark.slow
def test_resume_repairs_exactly_the_damaged_tokens(project, reference, finished):
    image, metadata = finished / "image", finished / "metadata"
    data = (image / "7.png").read_bytes()
    (image / "7.png").write_bytes(data[: len(data) // 2])
    (image / "23.png").unlink()
    text = (metadata / "51.json").read_text()
    (metadata / "51.json").write_text(text[: len(text) // 2])
    stale = image / ".tmp-genecator-123-5.png"
    stale.write_bytes(b"partial")

    result = generate(project, finished, "-n", str(COUNT), "--seed", SEED, "--resume")
    # Two images are rendered again; token 51's image is intact, so only its metadata is.
    assert f"Wrote 2 tokens ({COUNT - 2} already done, 1 with new metadata)" in result.stdout
    last = run_log(finished)[-1]
    assert (last["tokens_written"], last["tokens_reused"]) == (2, COUNT - 2)
    assert last["metadata_rewritten"] == 1
    assert not stale.exists()
    assert digests(finished) == digests(reference)


@pytest.mark.slow
def test_resume_of_a_valid_image_with_wrong_recorded_content_rerenders_it(
    project, reference, finished
):
    """A whole, decodable image whose bytes differ from the ledger is not trusted."""
    shutil.copy(finished / "image" / "2.png", finished / "image" / "9.png")
    generate(project, finished, "-n", str(COUNT), "--seed", SEED, "--resume")
    last = run_log(finished)[-1]
    assert (last["tokens_written"], last["tokens_reused"]) == (1, COUNT - 1)
    assert digests(finished) == digests(reference)


@pytest.mark.slow
def test_run_log_has_one_line_per_run(project, reference, finished):
    generate(project, finished, "-n", str(COUNT), "--resume", "--workers", "1")
    first, second = run_log(finished)
    assert run_log(reference) == [first]
    for entry in (first, second):
        assert set(entry) == RUN_LOG_KEYS
        assert entry["seed"] == int(SEED)
        assert entry["cluster"] is None  # this machine's workers
        assert entry["tokens_requested"] == COUNT
        assert (entry["failures"], entry["retries"], entry["exit_code"]) == ({}, 0, 0)
        assert entry["started"] <= entry["ended"]
        assert entry["duration_s"] >= 0
        assert re.fullmatch(r"[0-9a-f]{64}", entry["fingerprint"])
    assert (first["resumed"], first["workers"], first["tokens_written"]) == (False, 2, COUNT)
    assert first["tokens_reused"] == 0
    assert (second["resumed"], second["workers"], second["tokens_written"]) == (True, 1, 0)
    assert second["tokens_reused"] == COUNT
    assert second["fingerprint"] == first["fingerprint"]


def test_every_file_of_a_run_goes_through_a_temp_file_and_is_synced_before_it_counts(
    project, tmp_path, monkeypatch
):
    """The kill tests cannot hit the moment a file is being written; this checks the protocol
    itself: data goes to a `.tmp-` file beside the final path, then is renamed over it. Token
    files are synced in batches, before the hash record that vouches for them is written;
    every other file is fsynced before its rename."""
    synced: list[str] = []
    moves: list[tuple[Path, Path]] = []
    unsynced: set[Path] = set()

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        os.fsync(fd)

    def sync() -> None:
        unsynced.clear()
        os.sync()

    def replace(source: str | Path, target: str | Path) -> None:
        source, target = Path(source), Path(target)
        if target.parent.name in ("image", "metadata") and target.stem.isdigit():
            unsynced.add(target)
        else:
            assert os.path.realpath(source) in synced, source
        if target.parent.name == "checkpoint" or target.name == "seen_hashes.json":
            assert not unsynced, f"{target} written before {sorted(unsynced)} were synced"
        moves.append((source, target))
        os.replace(source, target)

    fake_os = SimpleNamespace(
        getpid=os.getpid,
        fsync=fsync,
        replace=replace,
        sync=sync,
        open=os.open,
        O_NOFOLLOW=os.O_NOFOLLOW,
    )
    monkeypatch.setattr(atomic_io, "os", fake_os)
    monkeypatch.setattr(checkpoint, "os", fake_os)
    out = tmp_path / "out"
    settings = GenerationSettings(
        num_tokens=12,
        config_path=project / "config.json",
        ruler_path=project / "ruler.json",
        traits_dir=project / "traits",
        output_dir=out,
        seed=int(SEED),
        workers=1,
        cache=CacheLimits(max_memory_mb=16, cache_size=64),
        checkpoint_every=5,
    )
    report = nft_generator.generate(settings)

    assert report.exit_code == 0
    for source, target in moves:
        assert source.parent == target.parent
        assert source.name == f".tmp-genecator-{os.getpid()}-{target.name}"
    replaced = [target.relative_to(out).as_posix() for _, target in moves]
    assert len(replaced) == len(set(replaced))  # each file is written once
    chunks = {name for name in replaced if name.startswith("checkpoint/")}
    assert chunks == {f"checkpoint/hashes-00000{number}.json" for number in (1, 2, 3)}
    assert sorted(digests(out, skip_log=False)) == sorted(set(replaced) - chunks)
    assert not unsynced


def test_ledger_chunks_continue_after_an_earlier_run_and_merge_on_finish(tmp_path):
    earlier = checkpoint.HashLedger(tmp_path)
    for token_id in (1, 2):
        earlier.add(token_id, f"{token_id:064x}")
        earlier.flush()
    later = checkpoint.HashLedger(tmp_path)  # a resumed run: counts the chunks it finds once
    for token_id in (3, 4):
        later.add(token_id, f"{token_id:064x}")
        later.flush()
    later.flush()  # nothing pending: no empty chunk

    chunks = sorted(path.name for path in (tmp_path / "checkpoint").iterdir())
    assert chunks == [f"hashes-00000{number}.json" for number in (1, 2, 3, 4)]
    recorded = later.load()
    assert recorded == {i: f"{i:064x}" for i in (1, 2, 3, 4)}
    later.finish(recorded)
    assert not (tmp_path / "checkpoint").exists()
    assert checkpoint.HashLedger(tmp_path).load() == recorded
