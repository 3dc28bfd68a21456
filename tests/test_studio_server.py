"""The studio as users run it: a real `genecator serve` process over HTTP. A job cancelled,
resumed, cut off by a killed server and resumed again ends with the CLI's bytes, and 20
clients following a job at once see no error."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.conftest import REPO
from tests.studio_helpers import (
    cli_collection,
    folder_hashes,
    parse_sse,
    sample_workspace,
    studio_process,
)

pytestmark = pytest.mark.slow

SEED = 23
CLIENTS = 20


def new_collection(http: httpx2.Client) -> dict[str, Any]:
    body = {"traits": "traits", "config_file": "config.sample.json"}
    response = http.post("/api/collections", json={**body, "ruler_file": "ruler.sample.json"})
    assert response.status_code == 201, response.text
    return response.json()


def events(http: httpx2.Client, job_id: int) -> list[dict[str, Any]]:
    with http.stream("GET", f"/api/jobs/{job_id}/events", timeout=120) as response:
        assert response.status_code == 200
        return parse_sse(response.iter_lines())


def wait_for(http: httpx2.Client, job_id: int, done: int) -> dict[str, Any]:
    """Poll the job until at least `done` tokens are finished."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = http.get(f"/api/jobs/{job_id}").json()
        if job["done"] >= done:
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not reach {done} tokens")


def job_output(workspace: Path, job: dict[str, Any]) -> Path:
    collections = workspace / ".genecator-studio" / "collections"
    (folder,) = [
        path for path in collections.iterdir() if (path / "jobs" / str(job["id"])).exists()
    ]
    return folder / "jobs" / str(job["id"]) / "output"


def cli_twin(workspace: Path, output: Path, n: int, tmp_path: Path) -> Path:
    folder = output.parent.parent.parent
    return cli_collection(
        folder, workspace / "traits", tmp_path / "cli", "-n", str(n), "--seed", str(SEED)
    )


def test_a_cancelled_job_and_a_killed_server_both_resume_to_the_clis_bytes(
    tmp_path: Path,
) -> None:
    workspace = sample_workspace(tmp_path / "ws")
    n = 160
    with studio_process(workspace, "--workers", "1") as (url, server):
        with httpx2.Client(base_url=url) as http:
            cid = new_collection(http)["id"]
            started = http.post(f"/api/collections/{cid}/generate", json={"n": n, "seed": SEED})
            job_id = started.json()["job_id"]
            wait_for(http, job_id, 1)
            assert http.post(f"/api/jobs/{job_id}/cancel").status_code == 202
            assert events(http, job_id)[-1]["data"]["status"] == "cancelled"
            cancelled = http.get(f"/api/jobs/{job_id}").json()
            assert cancelled["resumable"] is True
            assert 0 < cancelled["done"] < n
            assert http.post(f"/api/jobs/{job_id}/resume").status_code == 202
            wait_for(http, job_id, cancelled["done"] + 1)
        os.kill(server.pid, signal.SIGKILL)  # no clean shutdown: the job process lives on
        server.wait()
    with (
        studio_process(workspace, "--workers", "1") as (url, _),
        httpx2.Client(base_url=url) as http,
    ):
        job = http.get(f"/api/jobs/{job_id}").json()
        assert job["status"] == "interrupted"
        assert job["resumable"] is True
        assert http.post(f"/api/jobs/{job_id}/resume").status_code == 202
        assert events(http, job_id)[-1]["data"]["status"] == "succeeded"
        finished = http.get(f"/api/jobs/{job_id}").json()
    assert finished["done"] == n
    output = job_output(workspace, finished)
    assert folder_hashes(output) == folder_hashes(cli_twin(workspace, output, n, tmp_path))


def test_twenty_clients_follow_a_job_without_an_error(tmp_path: Path) -> None:
    workspace = sample_workspace(tmp_path / "ws")
    n = 120
    failures: list[str] = []
    streams: list[list[dict[str, Any]]] = []

    def follow(url: str, job_id: int, index: int) -> None:
        with httpx2.Client(base_url=url, timeout=120) as http:
            if index % 2:
                streams.append(events(http, job_id))
                return
            while True:
                answer = http.get(f"/api/jobs/{job_id}")
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text}")
                    return
                if answer.json()["status"] in ("succeeded", "failed"):
                    return
                time.sleep(0.05)

    with studio_process(workspace) as (url, _), httpx2.Client(base_url=url) as http:
        cid = new_collection(http)["id"]
        job_id = http.post(f"/api/collections/{cid}/generate", json={"n": n, "seed": SEED}).json()[
            "job_id"
        ]
        threads = [threading.Thread(target=follow, args=(url, job_id, i)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
        finished = http.get(f"/api/jobs/{job_id}").json()
    assert failures == []
    assert len(streams) == CLIENTS // 2
    for stream in streams:
        done = [event["data"]["done"] for event in stream if event["event"] == "progress"]
        assert done == sorted(done)
        assert done[-1] == n
        assert stream[-1] == {"event": "end", "data": {"status": "succeeded"}}
    assert finished["status"] == "succeeded"
    output = job_output(workspace, finished)
    assert folder_hashes(output) == folder_hashes(cli_twin(workspace, output, n, tmp_path))


def test_bound_beyond_loopback_every_request_needs_the_printed_token(tmp_path: Path) -> None:
    workspace = sample_workspace(tmp_path / "ws")
    with studio_process(workspace, "--host", "0.0.0.0") as (url, _):
        address, _, token = url.partition("/?token=")
        assert len(token) >= 32
        local = address.replace("0.0.0.0", "127.0.0.1")
        assert httpx2.get(f"{local}/api/folders").status_code == 401
        answer = httpx2.get(f"{local}/api/folders", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        port = local.rsplit(":", 1)[1]
        taken = subprocess.run(
            [sys.executable, "-m", "modules.cli", "serve", "--workspace", str(workspace)]
            + ["--host", "0.0.0.0", "--port", port],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert taken.returncode == 1
    assert taken.stderr.splitlines() == [
        f"Error: cannot listen on 0.0.0.0:{port} (Address already in use); choose another --port"
    ]
