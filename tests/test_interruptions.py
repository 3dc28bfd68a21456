"""Interruptions leave nothing behind. A stop signal at any moment of a real `generate` ends it
with one line and exit 130 (no traceback, no temp file, no half-written file); the first Ctrl-C
stops a run within a second; a full disk ends with the Stopped line and a logged run; and
--resume always ends in the bytes of an uninterrupted run."""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from bench.rss import descendants
from modules.run.stop_signals import exit_on_stop_signals
from tests.conftest import REPO, write_json

LAYERS = ["Background", "Body", "Eyes", "Hat"]
SIZE = 256  # layers of noise: about 25 ms a token per worker, so runs last a few seconds
TOKENS = 300
SEED = "1"
TIMEOUT = 60  # seconds: a run that hangs fails the test instead
GENECATOR = Path(sys.executable).with_name("genecator")
ENTRIES = {"genecator": [str(GENECATOR), "generate"], "main.py": [sys.executable, "main.py"]}
STARTUP_DELAYS = (0.05, 0.15, 0.3, 0.5)  # seconds after the process started
RESUME = "run the same command with --resume."
STARTING = "Interrupted ({}); files already written are complete."
RUNNING = "Interrupted ({}); finished tokens are kept: " + RESUME


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four layers of eight random-noise images (slow to encode, so runs can be caught)."""
    root = tmp_path_factory.mktemp("interrupted")
    noise = random.Random(0)
    traits = {}
    for index, layer in enumerate(LAYERS):
        folder = root / "traits" / layer
        folder.mkdir(parents=True)
        options = []
        for option in range(8):
            image = Image.frombytes("RGBA", (SIZE, SIZE), noise.randbytes(SIZE * SIZE * 4))
            if index == 0:
                image.putalpha(255)
            image.save(folder / f"{layer}{option}.png")
            options.append({"name": f"{layer}{option}", "file": f"{layer}{option}.png"})
        traits[layer] = {"options": options}
    config = {"trait_order": LAYERS, "image_size": [SIZE, SIZE], "traits": traits}
    write_json(root / "config.json", {**config, "traits_dir": "traits"})
    return root


def command(
    project: Path, out: Path | None, *args: str, entry: str = "genecator", tokens: int = TOKENS
) -> list[str]:
    """`generate` of `tokens` tokens with two workers, writing to `out` (when given)."""
    where = () if out is None else ("-o", str(out))
    return [
        *ENTRIES[entry],
        *("-c", str(project / "config.json"), *where, "-n", str(tokens)),
        *("--seed", SEED, "--workers", "2", *args),
    ]


@pytest.fixture(scope="module")
def reference(project: Path) -> dict[str, str]:
    """The digests of one uninterrupted run."""
    out = project / "reference"
    done = subprocess.run(command(project, out), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    return digests(out)


def digests(out: Path) -> dict[str, str]:
    """SHA-256 of every file in image/ and metadata/."""
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in ("image", "metadata")
        for path in sorted((out / folder).iterdir())
    }


def temp_files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob(".tmp-*"))


def run_log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]


def start(command: list[str], logs: Path) -> subprocess.Popen[bytes]:
    """A run in a process group of its own (as a shell starts it), writing its output to
    files: waiting for it then times the process itself, not the last holder of a pipe."""
    logs.mkdir(exist_ok=True)
    with (logs / "stdout").open("wb") as stdout, (logs / "stderr").open("wb") as stderr:
        return subprocess.Popen(
            command, cwd=REPO, stdout=stdout, stderr=stderr, start_new_session=True
        )


def output(logs: Path) -> tuple[str, str]:
    return (logs / "stdout").read_text(), (logs / "stderr").read_text()


def wait_for_images(process: subprocess.Popen[bytes], out: Path, count: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while len(list((out / "image").glob("[0-9]*.png"))) < count:
        assert process.poll() is None, f"the run ended before it wrote {count} images"
        assert time.monotonic() < deadline, f"the run wrote no {count} images in {TIMEOUT} s"
        time.sleep(0.01)


def stop(process: subprocess.Popen[bytes], signum: int) -> float:
    """Send `signum` to the run's process group, as Ctrl-C in a terminal does; returns the
    seconds until the run ended."""
    signalled = time.monotonic()
    os.killpg(process.pid, signum)
    process.wait(timeout=TIMEOUT)
    return time.monotonic() - signalled


@pytest.fixture(scope="module")
def python_started() -> float:
    """Seconds by which Python has surely started and loaded Genecator's first module (twice
    the slowest of three tries): a signal before that meets Python's own handling."""
    slowest = 0.0
    for _ in range(3):
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", "import modules.run.stop_signals"], cwd=REPO, check=True
        )
        slowest = max(slowest, time.monotonic() - started)
    return 2 * slowest  # the tries and the runs share a machine: its load varies


@pytest.mark.parametrize("entry", list(ENTRIES))
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_while_starting_is_one_line_and_exit_130(
    project, tmp_path, python_started, entry, signum
):
    if not GENECATOR.exists() and entry == "genecator":
        pytest.skip("the genecator command is not installed in this environment")
    name = signal.Signals(signum).name
    for delay in (max(delay, python_started) for delay in STARTUP_DELAYS):
        out = tmp_path / f"out-{delay:.2f}"
        process = subprocess.Popen(
            command(project, out, entry=entry),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(process.pid, signum)
        stdout, stderr = process.communicate(timeout=TIMEOUT)

        where = f"{name} {delay:.2f} s after start:\n{stdout}{stderr}"
        assert process.returncode == 130, where
        assert "Traceback" not in stdout + stderr, where
        stops = [line for line in (stdout + stderr).splitlines() if "Interrupted" in line]
        assert stops in ([STARTING.format(name)], [RUNNING.format(name)]), where
    assert temp_files(tmp_path) == []


@pytest.mark.slow
class SignalOnSetName:
    """A class attribute that sends this process SIGINT while Python names it, as a signal
    can land while an import defines a dataclass field."""

    def __set_name__(self, owner: type, name: str) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)  # the handler runs here, inside __set_name__


def test_a_stop_signal_inside_set_name_still_exits_130(capfd):
    """Python 3.11 wraps what __set_name__ raises in RuntimeError; the exit must survive it."""
    with pytest.raises(SystemExit) as stopped, exit_on_stop_signals():

        class Defined:
            field = SignalOnSetName()

    assert stopped.value.code == 130
    assert capfd.readouterr().err == "Interrupted (SIGINT); files already written are complete.\n"


def signal_and_drop_the_exit(signum: int) -> None:
    try:
        os.kill(os.getpid(), signum)
        time.sleep(1)  # the handler runs here
    except SystemExit:
        pass  # what PyObject_HasAttr's PyErr_Clear does to it


def test_a_stop_signal_whose_exit_is_dropped_still_exits_130(capfd):
    """C code that clears errors can drop the SystemExit raised mid-import; the guard's end
    raises it again."""
    with pytest.raises(SystemExit) as stopped, exit_on_stop_signals():
        signal_and_drop_the_exit(signal.SIGTERM)

    assert stopped.value.code == 130
    assert capfd.readouterr().err == "Interrupted (SIGTERM); files already written are complete.\n"


def test_the_first_ctrl_c_stops_within_a_second_and_resume_matches(project, reference, tmp_path):
    out = tmp_path / "out"
    process = start(command(project, out), tmp_path / "logs")
    wait_for_images(process, out, 40)
    seconds = stop(process, signal.SIGINT)

    stdout, stderr = output(tmp_path / "logs")
    assert process.returncode == 130, stderr
    assert seconds < 1.0, f"the run ended {seconds:.2f} s after Ctrl-C"
    assert RUNNING.format("SIGINT") in stdout.splitlines()
    assert "Traceback" not in stdout + stderr
    assert temp_files(out) == []
    assert len(digests(out)) < 2 * TOKENS

    resumed = subprocess.run(
        command(project, out, "--resume"), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert resumed.returncode == 0, resumed.stderr
    assert digests(out) == reference
    assert [entry["exit_code"] for entry in run_log(out)] == [130, 0]


def shielded(pid: int) -> bool:
    """Whether SIGINT and SIGTERM can never reach process `pid`: blocked or ignored."""
    status = (Path("/proc") / str(pid) / "status").read_text().splitlines()
    fields = dict(line.partition(":\t")[::2] for line in status)
    masks = int(fields["SigBlk"], 16) | int(fields["SigIgn"], 16)
    return all(masks >> (signum - 1) & 1 for signum in (signal.SIGINT, signal.SIGTERM))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("images", [40, 120])
def test_sigterm_to_the_group_mid_run_leaves_no_temp_file(project, tmp_path, images):
    """SIGTERM used to kill render workers mid-write (a .tmp- file left in image/ or metadata/
    in about one run in three): now no process below the run can receive a stop signal, and
    the run ends them once the tokens in hand are written."""
    out = tmp_path / "out"
    process = start(command(project, out), tmp_path / "logs")
    wait_for_images(process, out, images)
    below = descendants(process.pid)
    assert len(below) >= 4  # the resource tracker, the worker server and two workers
    assert [pid for pid in below if not shielded(pid)] == []
    stop(process, signal.SIGTERM)

    stdout, stderr = output(tmp_path / "logs")
    assert process.returncode == 130, stderr
    assert RUNNING.format("SIGTERM") in stdout.splitlines()
    assert "Traceback" not in stdout + stderr
    assert temp_files(out) == []


def test_a_run_removes_only_its_own_stale_temp_files(project, tmp_path):
    """What a killed run's writes left is named for Genecator and removed; a user's temp files
    are not."""
    out = tmp_path / "out"
    stale = ["image/.tmp-genecator-4242-7.png", "metadata/.tmp-genecator-4242-7.json"]
    stale.append(".tmp-genecator-4242-tracker_state.json")
    users = [".tmp-x", "image/.tmp-x", "metadata/.tmp-1.json", ".tmp-genecator-notes"]
    for name in stale + users:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(b"partial")

    done = subprocess.run(
        command(project, out, tokens=3), capture_output=True, text=True, timeout=TIMEOUT
    )

    assert done.returncode == 0, done.stderr
    assert temp_files(out) == sorted(users)


# Mounts a small tmpfs (in a mount namespace of its own), runs the command on it, keeps the
# disk full from the 10th image on (a filler grabs every byte freed) and copies the output out.
FULL_DISK = r"""
set -u
disk=$1 copy=$2 filler=$3
shift 3
mount -t tmpfs -o size=64m genecator-test "$disk" || exit 99
"$@" -o "$disk/out" &
run=$!
until [ "$(ls "$disk/out/image" 2>/dev/null | wc -l)" -ge 10 ] || ! kill -0 $run 2>/dev/null
do sleep 0.02; done
mkdir "$disk/filler"
"$filler" "$disk/filler" $run &
wait $run
code=$?
wait
cp -a "$disk/out" "$copy"
exit $code
"""
FILLER = """
import os, sys, time
folder, run = sys.argv[1], int(sys.argv[2])
number = 0
while True:
    try:
        os.kill(run, 0)
    except ProcessLookupError:
        break
    try:
        with open(os.path.join(folder, str(number)), "wb", buffering=0) as file:
            while True:
                file.write(bytes(4096))
    except OSError:
        number += 1
        time.sleep(0.001)
"""


def namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not namespaces_work(), reason="needs unshare -rm to mount a small disk")
def test_a_full_disk_ends_with_the_stopped_line_and_a_logged_run(project, reference, tmp_path):
    (tmp_path / "disk").mkdir()
    filler = tmp_path / "filler"
    filler.write_text(f"#!{sys.executable}\n{FILLER}")
    filler.chmod(0o755)
    copy = tmp_path / "out"
    run = command(project, None, entry="main.py")  # the script adds -o on the small disk
    args = [str(tmp_path / "disk"), str(copy), str(filler), *run]
    full = subprocess.run(
        ["unshare", "-rm", "sh", "-c", FULL_DISK, "sh", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    if full.returncode == 99:
        pytest.skip(f"cannot mount a tmpfs here: {full.stderr.strip()}")

    assert full.returncode == 1, full.stdout + full.stderr
    assert "Traceback" not in full.stdout + full.stderr
    stopped = [line for line in full.stdout.splitlines() if line.startswith("Stopped: ")]
    assert len(stopped) == 1, full.stdout
    assert stopped[0].endswith(
        ": No space left on device. Free space or fix permissions, then " + RESUME
    )
    (entry,) = run_log(copy)
    assert (entry["exit_code"], entry["resumed"]) == (1, False)
    assert entry["ended"] is not None
    assert 10 <= entry["tokens_written"] < TOKENS
    assert temp_files(copy) == []

    resumed = subprocess.run(
        command(project, copy, "--resume"), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert resumed.returncode == 0, resumed.stderr
    assert digests(copy) == reference
    assert [entry["exit_code"] for entry in run_log(copy)] == [1, 0]
