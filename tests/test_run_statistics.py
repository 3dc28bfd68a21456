"""--enable-performance-stats: a compact table and a 'performance' section, opt-in only."""

import json

from click.testing import CliRunner

from modules.cli.generate import generate_command as cli
from modules.run import collection_renderer
from modules.run.collection_renderer import BatchedProgress
from tests.conftest import BASIC_LAYERS


def test_statistics_are_printed_and_recorded_only_when_asked(make_project, monkeypatch):
    root = make_project(BASIC_LAYERS)
    monkeypatch.chdir(root)
    plain = CliRunner().invoke(cli, ["-n", "6", "--seed", "1", "--workers", "1", "-o", "a"])
    stats = CliRunner().invoke(
        cli, ["-n", "6", "--seed", "1", "--workers", "1", "-o", "b", "--enable-performance-stats"]
    )
    assert (plain.exit_code, stats.exit_code) == (0, 0)
    assert "Run statistics:" not in plain.stdout
    assert "performance" not in json.loads((root / "a" / "collection_stats.json").read_text())
    lines = stats.stdout.splitlines()
    table = lines[lines.index("Run statistics:") + 1 :]
    assert [line.split()[0] for line in table] == [
        "images",
        "seconds",
        "tokens",
        "tokens",
        "layer",
        "cpu",
        "layer",
        "failures",
        "retries",
        "circuit",
    ]
    performance = json.loads((root / "b" / "collection_stats.json").read_text())["performance"]
    assert performance["tokens_written"] == 6
    assert performance["layer_cache"]["hits"] + performance["layer_cache"]["misses"] == 18
    assert performance["layer_cache"]["workers"] == 1
    composites = performance["layer_composites"]
    assert composites["done"] + composites["reused"] == 18  # 6 tokens x 3 layers
    assert composites["reused"] > 0  # neighbours in render order share their background
    assert set(performance["cpu_ms_per_image"]) == {"decode", "composite", "encode", "write"}
    assert performance["circuit_breaker"] == {"failure_count": 0, "state": "CLOSED", "threshold": 5}
    assert performance["failures_by_reason"] == {}


def test_progress_is_passed_on_in_batches_that_add_up(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(collection_renderer.time, "perf_counter", lambda: now[0])
    calls: list[int] = []
    progress = BatchedProgress(calls.append)
    for step in range(7):  # a token every 0.1 s: a batch once 0.2 s have passed
        now[0] = 0.1 * (step + 1)
        progress.add(1)
    progress.flush()
    progress.flush()  # nothing pending: no call
    assert calls == [2, 2, 2, 1]
