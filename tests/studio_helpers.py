"""Shared by the studio tests: a workspace holding the sample traits, an SSE reader, the
hashes of a collection folder, and a real `genecator serve` process."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import REPO

RUN_LOG = "runs.jsonl"  # the only file with timestamps (DESIGN.md §2)


def sample_workspace(root: Path) -> Path:
    """A workspace folder with a copy of the bundled sample: traits/, its config and rules."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "traits", root / "traits")
    for name in ("config.sample.json", "ruler.sample.json"):
        shutil.copy2(REPO / name, root / name)
    return root


def parse_sse(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Server-sent events as [{"event", "data", "id"}], up to and including `end`."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in lines:
        if line == "":
            if current:
                current["data"] = json.loads(current.get("data", "null"))
                events.append(current)
                if current.get("event") == "end":
                    return events
            current = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(": ")
            current[field] = value
    return events


def folder_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder` but the run log, by relative path."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != RUN_LOG
    }


def cli_collection(files_folder: Path, traits: Path, output: Path, *options: str) -> Path:
    """The same collection made by the CLI from a studio collection's config and rules."""
    ruler = files_folder / "ruler.json"
    arguments = ["-c", str(files_folder / "config.json"), "-t", str(traits), "-o", str(output)]
    if ruler.exists():
        arguments += ["-r", str(ruler)]
    done = subprocess.run(
        [sys.executable, "-m", "modules.cli", "generate", *arguments, *options],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return output


@contextmanager
def studio_process(workspace: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A real `genecator serve` on a free port: (its base URL, the process)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "modules.cli", "serve", "--workspace", str(workspace)]
        + ["--port", "0", *options],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Genecator studio: "), line + process.stderr.read()
        yield line.split(": ", 1)[1].strip().rstrip("/"), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
