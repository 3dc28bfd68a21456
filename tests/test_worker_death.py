"""A render worker that dies (what the OOM killer does) is noticed within seconds: the run
stops with exit 3 and a resumable state instead of hanging, and --resume finishes it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.rss import children
from tests.conftest import REPO, write_json, write_layered_traits

LAYERS = ["Background", "Body", "Eyes", "Hat"]
SIZE = 256
TOKENS = 3000  # long enough (tens of seconds) that a worker can be killed mid-run


def render_workers(pid: int) -> list[int]:
    """The run's render processes: forked by its forkserver, a child of the run."""
    return [worker for server in children(pid) for worker in children(server)]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_killed_worker_stops_the_run_resumably(tmp_path: Path) -> None:
    traits = write_layered_traits(tmp_path, LAYERS, 16, SIZE)
    config = {"trait_order": LAYERS, "image_size": [SIZE, SIZE], "traits": traits}
    write_json(tmp_path / "config.json", {**config, "traits_dir": "traits"})
    out = tmp_path / "out"
    command = [sys.executable, str(REPO / "main.py"), "-c", str(tmp_path / "config.json")]
    command += ["-o", str(out), "--seed", "1", "--workers", "2"]
    run = subprocess.Popen(
        [*command, "-n", str(TOKENS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while len(list((out / "image").glob("*.png"))) < 50 or len(render_workers(run.pid)) < 2:
        assert run.poll() is None, run.stderr.read() if run.stderr else ""
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.05)

    os.kill(render_workers(run.pid)[0], signal.SIGKILL)
    try:
        stdout, stderr = run.communicate(timeout=30)  # noticed at once, never a hang
    finally:
        run.kill()  # a hung run must not outlive the test and slow the rest of the suite

    assert run.returncode == 3, stderr
    assert "Stopped: a render process died (killed by the system" in stdout
    assert "run the same command with --resume" in stdout
    images = len(list((out / "image").glob("*.png")))
    assert images < TOKENS
    resumed = subprocess.run(
        [*command, "-n", str(TOKENS), "--resume"], capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{TOKENS} of {TOKENS} done" in resumed.stdout
    assert len(list((out / "image").glob("*.png"))) == TOKENS
