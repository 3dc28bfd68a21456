"""One writer per output folder: a second writer is refused at once naming the first, the lock
dies with its holder, and a finished or refused run leaves no lock file behind."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modules.errors import OutputError
from modules.publish.output_lock import LOCK_FILE, OutputLock
from tests.conftest import REPO, write_json, write_layered_traits

LAYERS = ["Background", "Body", "Eyes", "Hat"]
MODES = ["plain", "force", "resume"]
SIZE = 256  # with 20,000 tokens, the run is still going (about 30 s) while the tests poke at it


def test_a_second_lock_on_the_folder_is_refused_naming_the_holder(tmp_path: Path) -> None:
    with OutputLock(tmp_path / "out", "generate"):
        record = json.loads((tmp_path / "out" / LOCK_FILE).read_text())
        assert record["pid"] == os.getpid()
        with pytest.raises(OutputError) as info, OutputLock(tmp_path / "out", "update-cid"):
            pass
    (problem,) = info.value.problems
    assert problem.startswith(f"{tmp_path / 'out'}: another Genecator process is writing it (")
    assert f"pid {os.getpid()}, generate, since " in problem
    assert problem.endswith("wait for it to finish, or choose another --output")


def test_the_lock_file_goes_and_an_empty_folder_made_for_it_too(tmp_path: Path) -> None:
    with OutputLock(tmp_path / "new" / "out", "generate"):
        assert (tmp_path / "new" / "out" / LOCK_FILE).exists()
    assert not (tmp_path / "new" / "out").exists()
    (tmp_path / "kept").mkdir()
    with OutputLock(tmp_path / "kept", "generate"):
        (tmp_path / "kept" / "1.png").write_bytes(b"x")
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["1.png"]


@pytest.mark.parametrize("planted", ["link", "pipe"])
def test_a_link_or_pipe_planted_as_the_lock_file_is_refused_untouched(tmp_path, planted):
    out, elsewhere = tmp_path / "out", tmp_path / "precious.txt"
    out.mkdir()
    elsewhere.write_text("not Genecator's")
    if planted == "link":  # writing the lock record through it would overwrite the target
        (out / LOCK_FILE).symlink_to(elsewhere)
    else:  # opening a pipe for writing would wait for a reader for ever
        os.mkfifo(out / LOCK_FILE)
    with pytest.raises(OutputError) as info, OutputLock(out, "generate"):
        pass
    (problem,) = info.value.problems
    assert problem.startswith(f"{out / LOCK_FILE}: is ")
    assert problem.endswith("not Genecator's lock file; move it away")
    assert elsewhere.read_text() == "not Genecator's"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("locked")
    traits = write_layered_traits(root, LAYERS, 16, SIZE)
    config = {"trait_order": LAYERS, "image_size": [SIZE, SIZE], "traits": traits}
    write_json(root / "config.json", {**config, "traits_dir": "traits"})
    return root


def genecator(project: Path, *args: str) -> list[str]:
    return [sys.executable, str(REPO / "main.py"), "-c", str(project / "config.json"), *args]


@pytest.fixture
def running(project: Path, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long run writing tmp_path/out, once it holds the lock and has written an image."""
    out = tmp_path / "out"
    command = genecator(project, "-n", "20000", "--seed", "1", "--workers", "1", "-o", str(out))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any((out / "image").glob("*.png")):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the run wrote no image in 60 s"
        time.sleep(0.05)
    yield process
    process.kill()
    process.wait()


@pytest.mark.slow
@pytest.mark.parametrize(
    "mode", [(), ("--force",), ("--resume",)], ids=["plain", "force", "resume"]
)
def test_a_second_run_on_a_folder_being_written_is_refused(project, tmp_path, running, mode):
    second = subprocess.run(
        genecator(project, "-n", "10", "--seed", "1", "-o", str(tmp_path / "out"), *mode),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    (line,) = second.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"Error: {tmp_path / 'out'}: another Genecator process is writing it")
    assert f"pid {running.pid}, generate" in line
    assert running.poll() is None  # the first run goes on untouched


@pytest.mark.slow
def test_a_collection_tool_is_refused_while_a_run_writes(project, tmp_path, running):
    metadata = tmp_path / "out" / "metadata"
    cid = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
    update = subprocess.run(
        [
            sys.executable,
            str(REPO / "utils" / "ipfs_cid_updater.py"),
            "--cid",
            cid,
            "--metadata-dir",
            str(metadata),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert update.returncode == 1
    assert f"pid {running.pid}, generate" in update.stderr


@pytest.mark.slow
def test_the_lock_dies_with_a_killed_run(project, tmp_path, running):
    running.send_signal(signal.SIGKILL)
    running.wait()
    assert (tmp_path / "out" / LOCK_FILE).exists()  # left behind, but no longer held
    resumed = subprocess.run(
        genecator(project, "-n", "40", "--seed", "1", "-o", str(tmp_path / "out"), "--force"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert not (tmp_path / "out" / LOCK_FILE).exists()
