"""`generate --cluster` on real Dask clusters of process workers: the bytes of a local run for
any backend and any mix of resumed runs, a killed worker rescheduled, a lost scheduler
stopping the run resumable, and a worker that cannot read the traits refused before anything
is written."""

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from modules.cli.generate import generate_command
from tests.conftest import error_lines, write_json, write_layered_traits

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

LAYERS = ["Background", "Body", "Eyes", "Mouth", "Hat"]
SIZE = 64
COUNT = 60
LONG = 2000  # a run long enough (a few seconds) to break a cluster in the middle of it
STARTED = 40  # images on disk before a worker or the scheduler is killed
LOST_WORKER_EXIT = 3  # what collection_renderer gives a run that lost a render process
RUN_LOG = "runs.jsonl"
NOBODY = "65534"


def write_project(root: Path) -> Path:
    traits = write_layered_traits(root, LAYERS, 6, SIZE)
    config = {"trait_order": LAYERS, "image_size": [SIZE, SIZE], "traits": traits}
    write_json(root / "config.json", config)
    return root


def command(project: Path, out: Path, *args: str) -> list[str]:
    # -m modules.cli: spawned LocalCluster workers do not import a __main__ script again.
    return [
        *(sys.executable, "-m", "modules.cli", "generate", "-c", str(project / "config.json")),
        *("-t", str(project / "traits"), "-o", str(out), "--seed", "5", *args),
    ]


def generate(project: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command(project, out, *args), cwd=project, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` except the run log (timestamps)."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != RUN_LOG
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("cluster"))


@pytest.fixture(scope="module")
def local_run(project: Path) -> Callable[[int], dict[str, str]]:
    """The digests of a direct local `--workers 2` run of n tokens (each n run once)."""
    done: dict[int, dict[str, str]] = {}

    def run(tokens: int) -> dict[str, str]:
        if tokens not in done:
            out = project / f"local_{tokens}"
            generate(project, out, "-n", str(tokens), "--workers", "2")
            done[tokens] = digests(out)
        return done[tokens]

    return run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def dask_processes(workers: int, user: str | None = None) -> Iterator[tuple[str, list]]:
    """A `dask scheduler` and `workers` single-threaded `dask worker` processes (run as
    `user` when given); yields the scheduler's address and every process, scheduler first."""
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    scheduler = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
    scheduler += ["--port", port, "--no-dashboard"]
    worker = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1"]
    worker += ["--no-nanny", "--no-dashboard"]
    prefix = [] if user is None else ["setpriv", f"--reuid={user}", f"--regid={user}"]
    prefix += [] if user is None else ["--clear-groups"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": "/tmp"}
    processes = [subprocess.Popen(scheduler, **quiet)]
    try:
        processes += [subprocess.Popen([*prefix, *worker], **quiet) for _ in range(workers)]
        with distributed.Client(address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=30)
        yield address, processes
    finally:
        for process in processes:
            process.kill()
            process.wait()


def wait_for_images(out: Path, run: subprocess.Popen, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(list((out / "image").glob("*.png"))) < count:
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.02)


def finish(run: subprocess.Popen) -> tuple[str, str]:
    try:
        return run.communicate(timeout=60)  # never a hang
    finally:
        run.kill()


def test_cluster_output_is_the_bytes_of_a_local_run(project, local_run):
    for address in ("local:2", "local:1"):
        out = project / f"cluster_{address[-1]}"
        result = generate(project, out, "-n", str(COUNT), "--cluster", address)
        assert f"Wrote {COUNT} tokens; {COUNT} of {COUNT} done" in result.stdout
        assert digests(out) == local_run(COUNT), address


def test_resume_works_across_local_and_cluster_runs(project, local_run):
    half = str(COUNT // 2)
    out = project / "cluster_then_local"
    generate(project, out, "-n", half, "--cluster", "local:2")
    resumed = generate(project, out, "-n", str(COUNT), "--resume", "--workers", "2")
    assert f"({half} already done)" in resumed.stdout
    assert digests(out) == local_run(COUNT)
    runs = [json.loads(line) for line in (out / RUN_LOG).read_text().splitlines()]
    assert [run["cluster"] for run in runs] == ["local:2", None]

    out = project / "local_then_cluster"
    generate(project, out, "-n", half, "--workers", "1")
    resumed = generate(project, out, "-n", str(COUNT), "--resume", "--cluster", "local:2")
    assert f"({half} already done)" in resumed.stdout
    assert digests(out) == local_run(COUNT)


def test_a_killed_worker_is_replaced_and_the_output_is_unchanged(project, local_run):
    out = project / "killed_worker"
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        run = subprocess.Popen(
            command(project, out, "-n", str(LONG), "--cluster", cluster.scheduler_address),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_images(out, run, STARTED)
        os.kill(next(iter(client.run(os.getpid).values())), signal.SIGKILL)
        assert run.poll() is None, "the run ended before a worker was killed"
        stdout, stderr = finish(run)
    assert run.returncode == 0, stdout + stderr
    assert f"Wrote {LONG} tokens; {LONG} of {LONG} done" in stdout  # each token recorded once
    assert digests(out) == local_run(LONG)


def test_a_lost_scheduler_stops_the_run_resumably(project, local_run):
    out = project / "lost_scheduler"
    with dask_processes(2) as (address, processes):
        run = subprocess.Popen(
            command(project, out, "-n", str(LONG), "--cluster", address),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_images(out, run, STARTED)
        processes[0].kill()
        stdout, stderr = finish(run)
    assert run.returncode == LOST_WORKER_EXIT, stdout + stderr
    assert (
        f"Stopped: the Dask scheduler at {address} was lost; the tokens in flight were not "
        "written. Finished tokens are kept: run the same command with --resume." in stdout
    )
    assert "Traceback" not in stderr
    resumed = generate(project, out, "-n", str(LONG), "--resume", "--workers", "2")
    assert f"{LONG} of {LONG} done" in resumed.stdout
    assert digests(out) == local_run(LONG)


@pytest.mark.filterwarnings("ignore:Mismatched versions found")  # the worker's Python
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")
@pytest.mark.skipif(os.geteuid() != 0, reason="starts a worker as another user: needs root")
def test_a_worker_that_cannot_read_the_traits_is_refused_before_anything_is_written():
    root = Path(tempfile.mkdtemp(prefix="genecator-cluster-"))
    try:
        root.chmod(0o755)  # others may enter; only traits/ is closed to them
        project = write_project(root)
        (project / "traits").chmod(0o700)
        out = project / "out"
        out.mkdir(mode=0o777)
        out.chmod(0o777)
        with dask_processes(1, user=NOBODY) as (address, _):
            result = subprocess.run(
                command(project, out, "-n", "30", "--cluster", address),
                cwd=project,
                capture_output=True,
                text=True,
                timeout=120,
            )
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
        assert result.returncode == 1, result.stdout + result.stderr
        assert len(errors) == 1, errors
        assert errors[0].startswith("Error: Dask worker tcp://127.0.0.1:")
        assert (
            f": cannot read {project}/traits/Background/Background0.png (Permission denied), "
            "and 29 more trait files; every worker needs the traits at the same path"
        ) in errors[0]
        assert list(out.iterdir()) == []
    finally:
        shutil.rmtree(root)


@pytest.mark.parametrize("address", ["tcp://host", "http://host:8786", "tcp://h:70000", "local:0"])
def test_an_ill_formed_address_is_a_usage_error(address):
    result = CliRunner().invoke(generate_command, ["--cluster", address])
    assert result.exit_code == 2
    assert f"Invalid value for '--cluster': '{address}': expected tcp://host:port" in result.output


def test_without_distributed_cluster_is_one_error_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what find_spec sees as absent
    result = CliRunner().invoke(generate_command, ["--cluster", "local:2"])
    assert result.exit_code == 1
    assert error_lines(result) == [
        'Error: --cluster needs Dask\'s distributed: pip install -e ".[cluster]"'
    ]


def profiling(dask_worker) -> bool:
    return "profile" in dask_worker.periodic_callbacks


def test_the_workers_of_a_local_cluster_run_without_the_stack_profiler():
    from modules.render.cluster import connected

    # The profiler samples the render thread every 10 ms, holding the GIL (bench_cluster).
    with (
        distributed.LocalCluster(n_workers=1, processes=True, dashboard_address=None) as own,
        distributed.Client(own) as client,
    ):
        assert list(client.run(profiling).values()) == [True]
    with connected("local:1") as client:
        assert list(client.run(profiling).values()) == [False]
