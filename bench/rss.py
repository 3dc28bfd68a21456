"""Resident memory of a process tree, read from /proc (Linux), for the benchmarks."""

import itertools
import subprocess
import threading
import time
from pathlib import Path

SAMPLE_SECONDS = 0.1
SCAN_EVERY = 5


def read_rss_mb(pid: int) -> float | None:
    """VmRSS of `pid` in MB, or None once it has exited."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def parent_ids() -> dict[int, int]:
    """Every process's parent id, found by scanning /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def children(pid: int) -> list[int]:
    """The direct child processes of `pid`."""
    return [child for child, parent in parent_ids().items() if parent == pid]


def descendants(root_pid: int) -> list[int]:
    """Every process below `root_pid`."""
    parents = parent_ids()
    found, frontier = [], [root_pid]
    while frontier:
        below = [pid for pid, parent in parents.items() if parent in frontier]
        found += below
        frontier = below
    return found


def run_sampling_rss(command: list[str], cwd: Path) -> tuple[float, dict[str, float]]:
    """Wall seconds of `command`, and peak RSS in MB of the process and of its largest child.
    Sampling runs in a thread, so the wall time is exact; /proc is scanned for new children
    only every SCAN_EVERY samples, since a scan costs a few ms of the machine's CPU."""
    peaks = {"parent": 0.0, "workers": 0.0}
    done = threading.Event()

    def sample(pid: int) -> None:
        children: list[int] = []
        for count in itertools.count():
            if count % SCAN_EVERY == 0:
                children = descendants(pid)
            peaks["parent"] = max(peaks["parent"], read_rss_mb(pid) or 0.0)
            for child in children:
                peaks["workers"] = max(peaks["workers"], read_rss_mb(child) or 0.0)
            if done.wait(SAMPLE_SECONDS):
                return

    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = threading.Thread(target=sample, args=(process.pid,))
    sampler.start()
    _, errors = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(errors.decode())
    return seconds, peaks
