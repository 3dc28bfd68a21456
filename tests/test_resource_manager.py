"""Retries of transient I/O errors, the circuit breaker, and injected write faults in a run:
transient errors are retried, a full disk stops the run resumably, and a run that keeps
failing is stopped by the breaker."""

import errno
import hashlib
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from modules import resource_manager
from modules.dependency_container import build_container
from modules.render import render_pool
from modules.resource_manager import CircuitBreaker, ResourceManager, get_circuit_breaker_status
from modules.run.nft_generator import generate
from modules.settings import CacheLimits, GenerationSettings
from tests.conftest import write_json, write_layered_traits

SIZE = 24
LAYERS = ["Background", "Body", "Eyes", "Hat"]
COUNT = 20
RESUME_HINT = "run the same command with --resume."


def os_error(code: int, path: object = None) -> OSError:
    return OSError(code, os.strerror(code), path)


class Flaky:
    """Fails with `errors` in turn, then returns "done"; counts calls."""

    def __init__(self, *errors: OSError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, *args: object) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The delays ResourceManager sleeps, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(resource_manager.time, "sleep", recorded.append)
    return recorded


@pytest.mark.parametrize("code", [errno.EAGAIN, errno.EINTR, errno.EBUSY], ids=errno.errorcode.get)
def test_transient_error_is_retried_with_doubling_delays(code, sleeps):
    manager = ResourceManager(attempts=3, delay=0.05)
    action = Flaky(os_error(code), os_error(code))
    assert manager.call(action, "a", "b") == "done"
    assert action.calls == 3
    assert manager.retries == 2
    assert sleeps == [0.05, 0.1]


def test_arguments_are_passed_through(sleeps):
    seen = []
    manager = ResourceManager(attempts=3, delay=0.05)
    assert manager.call(lambda *args: seen.append(args) or "ok", 1, "two") == "ok"
    assert seen == [(1, "two")]
    assert (manager.retries, sleeps) == (0, [])


def test_transient_error_that_persists_is_raised_after_the_last_attempt(sleeps):
    manager = ResourceManager(attempts=3, delay=0.01)
    error = os_error(errno.EAGAIN, "x.png")
    action = Flaky(error, error, error, error)
    with pytest.raises(OSError, match=re.escape(os.strerror(errno.EAGAIN))) as raised:
        manager.call(action)
    assert raised.value is error
    assert action.calls == 3
    assert manager.retries == 2
    assert sleeps == [0.01, 0.02]


@pytest.mark.parametrize(
    "code", [errno.ENOENT, errno.EACCES, errno.ENOSPC, errno.EIO], ids=errno.errorcode.get
)
def test_other_os_errors_are_raised_at_once(code, sleeps):
    manager = ResourceManager(attempts=3, delay=0.01)
    error = os_error(code, "x.png")
    action = Flaky(error)
    with pytest.raises(OSError, match=re.escape(os.strerror(code))) as raised:
        manager.call(action)
    assert raised.value is error
    assert action.calls == 1
    assert (manager.retries, sleeps) == (0, [])


def test_non_os_errors_are_not_retried(sleeps):
    manager = ResourceManager(attempts=3, delay=0.01)
    calls = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        manager.call(broken)
    assert (len(calls), manager.retries, sleeps) == (1, 0, [])


class Clock:
    """A settable stand-in for time.monotonic."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(resource_manager.time, "monotonic", fake)
    return fake


def status(state: str, failures: int, threshold: int) -> dict[str, object]:
    return {"state": state, "failure_count": failures, "threshold": threshold}


def test_breaker_opens_after_threshold_consecutive_failures(clock):
    breaker = CircuitBreaker(threshold=3, reset_after=10.0)
    for failures in (1, 2):
        breaker.record(False)
        assert breaker.allow()
        assert breaker.status() == status("CLOSED", failures, 3)
    breaker.record(False)
    assert not breaker.allow()
    assert breaker.status() == status("OPEN", 3, 3)


def test_a_success_resets_the_failure_count(clock):
    breaker = CircuitBreaker(threshold=3, reset_after=10.0)
    for succeeded in (False, False, True, False, False):
        breaker.record(succeeded)
    assert breaker.allow()
    assert breaker.status() == status("CLOSED", 2, 3)


def test_breaker_half_opens_after_reset_time_and_a_failure_reopens_it(clock):
    breaker = CircuitBreaker(threshold=2, reset_after=10.0)
    breaker.record(False)
    breaker.record(False)
    clock.now += 9.999
    assert not breaker.allow()
    assert breaker.state == "OPEN"
    clock.now += 0.001
    assert breaker.allow()
    assert breaker.status() == status("HALF_OPEN", 2, 2)

    breaker.record(False)
    assert breaker.status() == status("OPEN", 3, 2)
    clock.now += 9.0
    assert not breaker.allow()
    clock.now += 1.0
    assert breaker.allow()
    assert breaker.state == "HALF_OPEN"


def test_a_success_while_half_open_closes_the_breaker(clock):
    breaker = CircuitBreaker(threshold=1, reset_after=5.0)
    breaker.record(False)
    assert not breaker.allow()
    clock.now += 5.0
    assert breaker.allow()
    breaker.record(True)
    assert breaker.allow()
    assert breaker.status() == status("CLOSED", 0, 1)


def test_status_reports_the_breaker_of_the_run_asked_about(clock):
    run_a = SimpleNamespace(circuit_breaker=CircuitBreaker(threshold=2))
    run_b = SimpleNamespace(circuit_breaker=CircuitBreaker(threshold=7))
    run_a.circuit_breaker.record(False)
    assert get_circuit_breaker_status(run_a) == status("CLOSED", 1, 2)
    run_a.circuit_breaker.record(False)
    assert get_circuit_breaker_status(run_a) == status("OPEN", 2, 2)
    assert get_circuit_breaker_status(run_b) == status("CLOSED", 0, 7)  # runs never mix


# --- faults injected into whole in-process runs (workers=1) ---------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """Four layers x 4 options with an optional hat: 4 * 4 * 4 * 5 = 320 tokens possible."""
    root = tmp_path_factory.mktemp("faults-project")
    traits = write_layered_traits(root, LAYERS, 4, SIZE, rarity=lambda option: option + 2)
    traits["Hat"]["rarity"] = 4
    config = {"trait_order": LAYERS, "image_size": [SIZE, SIZE], "traits": traits}
    write_json(root / "config.json", config)
    return root


def settings_for(project: Path, output: Path, **overrides: object) -> GenerationSettings:
    values: dict[str, object] = {
        "num_tokens": COUNT,
        "config_path": project / "config.json",
        "ruler_path": None,
        "traits_dir": project / "traits",
        "output_dir": output,
        "seed": 3,
        "workers": 1,
        "cache": CacheLimits(max_memory_mb=16, cache_size=32),
        "max_attempts": 1000,
        "max_trait_attempts": 100,
        "retry_delay": 0.0,
        "breaker_threshold": 4,
    }
    return GenerationSettings(**(values | overrides))


def run(project: Path, output: Path, **overrides: object):
    settings = settings_for(project, output, **overrides)
    container = build_container(settings)
    return generate(settings, services=container), container


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file except the run log, which records times."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "runs.jsonl"
    }


def last_run(output: Path) -> dict:
    return json.loads((output / "runs.jsonl").read_text().splitlines()[-1])


@pytest.fixture(scope="module")
def reference(project) -> Path:
    output = project / "reference"
    report, _ = run(project, output)
    assert report.exit_code == 0
    return output


@pytest.fixture(scope="module")
def order(reference) -> list[int]:
    """Token ids in render order: sorted by combination, so neighbours share bottom layers."""
    combos = json.loads((reference / "tracker_state.json").read_text())["combinations"]
    return sorted(range(1, COUNT + 1), key=lambda token_id: combos[token_id - 1])


def token_of(path: Path) -> int:
    return int(Path(path).stem)


class FaultyWrites:
    """Stands in for render_pool.atomic_write_bytes: raises `fault(path)` when it returns an
    error, else writes for real; records the token of every call."""

    def __init__(self, fault) -> None:
        self.fault = fault
        self.calls: list[int] = []
        self.real = render_pool.atomic_write_bytes

    def __call__(self, path: Path, data: bytes, durable: bool) -> None:
        self.calls.append(token_of(path))
        error = self.fault(path, self.calls)
        if error is not None:
            raise error
        self.real(path, data, durable)


def inject(monkeypatch, fault) -> FaultyWrites:
    faulty = FaultyWrites(fault)
    monkeypatch.setattr(render_pool, "atomic_write_bytes", faulty)
    return faulty


def first_call_per_token(code: int):
    def fault(path, calls):
        return os_error(code, path) if calls.count(token_of(path)) == 1 else None

    return fault


def collection_files(output: Path) -> list[str]:
    names = [
        "metadata/combined_metadata.json",
        "collection_stats.json",
        "rarity_report.csv",
        "seen_hashes.json",
    ]
    return [name for name in names if (output / name).exists()]


def test_a_transient_error_per_token_is_retried_and_changes_nothing(
    project, reference, order, tmp_path, monkeypatch
):
    faulty = inject(monkeypatch, first_call_per_token(errno.EAGAIN))
    output = tmp_path / "out"
    report, container = run(project, output)

    assert report.exit_code == 0
    assert report.failed == {}
    assert report.retries >= COUNT
    assert faulty.calls == [token for token in order for _ in (1, 2)]
    assert digests(output) == digests(reference)
    assert last_run(output)["retries"] == report.retries
    assert get_circuit_breaker_status(container) == status("CLOSED", 0, 4)


def test_full_disk_stops_the_run_and_resume_finishes_it(
    project, reference, order, tmp_path, monkeypatch
):
    def disk_full_from_7(path, calls):  # the seventh token rendered finds the disk full
        return os_error(errno.ENOSPC, path) if token_of(path) in order[6:] else None

    output = tmp_path / "out"
    with monkeypatch.context() as patch:
        faulty = inject(patch, disk_full_from_7)
        report, _ = run(project, output)

    assert report.exit_code == 1
    assert faulty.calls == order[:7]  # stops at once, no retries
    assert report.fatal == f"{output / 'image' / f'{order[6]}.png'}: No space left on device"
    assert "No space left on device" in report.fatal
    assert report.summary_lines()[-1] == (
        f"Stopped: {report.fatal}. Free space or fix permissions, then {RESUME_HINT}"
    )
    expected, written = digests(reference), digests(output)
    for token_id in order[:6]:
        for rel in (f"image/{token_id}.png", f"metadata/{token_id}.json"):
            assert written[rel] == expected[rel]
    images = sorted(p.name for p in (output / "image").iterdir())
    assert images == sorted(f"{i}.png" for i in order[:6])
    assert collection_files(output) == []
    log = last_run(output)
    assert (log["exit_code"], log["tokens_written"]) == (1, 6)
    assert log["failures"] == {"No space left on device": 1}

    report, _ = run(project, output, resume=True)  # space freed: writes work again
    assert report.exit_code == 0
    assert (report.reused, report.written) == (6, COUNT - 6)
    assert digests(output) == digests(reference)


def test_a_run_that_keeps_failing_is_stopped_by_the_circuit_breaker(
    project, order, tmp_path, monkeypatch
):
    faulty = inject(monkeypatch, lambda path, calls: os_error(errno.EIO, path))
    output = tmp_path / "out"
    report, container = run(project, output, breaker_threshold=3)

    assert report.exit_code == 1
    assert report.stopped_early
    assert report.fatal is None
    assert sorted(report.failed) == sorted(order[:3])
    first = order[0]
    assert report.failed[first].message == (
        f"{output / 'image' / f'{first}.png'}: Input/output error"
    )
    assert faulty.calls == order[:3]
    assert report.retries == 0
    assert get_circuit_breaker_status(container) == status("OPEN", 3, 3)
    assert report.summary_lines()[-1] == (
        "Stopped: too many consecutive token failures (circuit breaker open). "
        f"Fix the cause, then {RESUME_HINT}"
    )
    assert collection_files(output) == []
    assert last_run(output)["failures"] == {"Input/output error": 3}


def test_retries_that_run_out_count_as_token_failures(project, order, tmp_path, monkeypatch):
    inject(monkeypatch, lambda path, calls: os_error(errno.EAGAIN, path))
    report, container = run(project, tmp_path / "out", breaker_threshold=2)

    assert report.exit_code == 1
    assert report.stopped_early
    assert sorted(report.failed) == sorted(order[:2])
    assert report.retries == 4  # two per token: three attempts each
    assert all(
        f.message.endswith(": Resource temporarily unavailable") for f in report.failed.values()
    )
    assert {f.reason for f in report.failed.values()} == {"Resource temporarily unavailable"}
    assert get_circuit_breaker_status(container) == status("OPEN", 2, 2)


def test_scattered_failures_exit_3_and_resume_renders_only_them(
    project, reference, tmp_path, monkeypatch
):
    def fail_4_and_9(path, calls):
        return os_error(errno.EIO, path) if token_of(path) in (4, 9) else None

    output = tmp_path / "out"
    with monkeypatch.context() as patch:
        inject(patch, fail_4_and_9)
        report, container = run(project, output)

    assert report.exit_code == 3
    assert sorted(report.failed) == [4, 9]
    assert not report.stopped_early
    assert get_circuit_breaker_status(container) == status("CLOSED", 0, 4)
    assert collection_files(output) == []

    report, _ = run(project, output, resume=True)
    assert report.exit_code == 0
    assert (report.reused, report.written) == (COUNT - 2, 2)
    assert digests(output) == digests(reference)
