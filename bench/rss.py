"""Run a command while sampling the resident memory of it and its child processes (Linux)."""

import subprocess
import time
from pathlib import Path

SAMPLE_SECONDS = 0.1


def run_sampling_rss(command: list[str], cwd: Path) -> tuple[float, dict[str, float]]:
    """Wall seconds of `command`, and peak RSS in MB of the process and of its largest child."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks = {"parent": 0.0, "workers": 0.0}
    while process.poll() is None:
        peaks["parent"] = max(peaks["parent"], rss_mb(process.pid))
        for child in children(process.pid):
            peaks["workers"] = max(peaks["workers"], rss_mb(child))
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(process.stderr.read().decode() if process.stderr else "failed")
    return seconds, peaks


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found
