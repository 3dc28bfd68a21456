"""User files are not Genecator's: a run never deletes or overwrites a file in the output
folder that Genecator did not write, and --force removes only Genecator's own files (the
collection and checkpoint files, and token files 1..N of the collection its checkpoint
recorded) and names what it left."""

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modules.atomic_io import atomic_write_bytes, temp_path
from tests.conftest import BASIC_LAYERS, REPO, config_for, write_json, write_traits

TIMEOUT = 60
# A user's files in an output folder; image/9999.png is named like a token beyond any run here.
FOREIGN = {
    "notes.txt": b"my notes",
    ".tmp-x": b"a user's temp file",
    "drafts/plan.txt": b"ideas",
    "image/9999.png": b"\x89PNG not a token",
    "image/.tmp-x": b"a user's temp file",
    "metadata/notes.json": b'{"mine": true}',
    "metadata/.tmp-x": b"{}",
    "checkpoint/mine.txt": b"mine",
}
LEFT = (
    ".tmp-x, checkpoint/mine.txt, drafts/, image/.tmp-x, image/9999.png, metadata/.tmp-x, "
    "metadata/notes.json, notes.txt"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_traits(tmp_path / "traits", BASIC_LAYERS)
    write_json(tmp_path / "config.json", {**config_for(BASIC_LAYERS), "traits_dir": "traits"})
    return tmp_path


def generate(
    project: Path, out: Path, tokens: int, seed: int, *args: str
) -> subprocess.CompletedProcess:
    command = [sys.executable, "main.py", "-c", str(project / "config.json"), "-o", str(out)]
    command += ["-n", str(tokens), "--seed", str(seed), "--workers", "1", *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)


def add_foreign_files(out: Path) -> None:
    for name, data in FOREIGN.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file under `out` but the run log (it holds times)."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != "runs.jsonl"
    }


def test_a_plain_run_leaves_every_file_it_did_not_write(project: Path) -> None:
    out = project / "out"
    add_foreign_files(out)

    run = generate(project, out, 6, 1)
    fresh = generate(project, project / "fresh", 6, 1)

    assert (run.returncode, fresh.returncode) == (0, 0), run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert snapshot(out) == {**snapshot(project / "fresh"), **FOREIGN}


def test_force_removes_only_genecators_files_and_names_the_rest(project: Path) -> None:
    out = project / "out"
    assert generate(project, out, 8, 1).returncode == 0
    add_foreign_files(out)

    run = generate(project, out, 4, 2, "--force")
    fresh = generate(project, project / "fresh", 4, 2)

    assert (run.returncode, fresh.returncode) == (0, 0), run.stderr
    # Tokens 5..8 of the old collection are gone, the new one's files are a fresh run's.
    assert snapshot(out) == {**snapshot(project / "fresh"), **FOREIGN}
    left = f"INFO: {out}: left {len(FOREIGN)} files Genecator did not write: {LEFT}"
    assert left in run.stderr.splitlines()
    assert len((out / "runs.jsonl").read_text().splitlines()) == 2  # the log is kept


def test_a_file_where_a_token_goes_is_never_overwritten(project: Path) -> None:
    out = project / "out"
    (out / "image").mkdir(parents=True)
    (out / "image" / "3.png").write_bytes(b"a user's picture")

    run = generate(project, out, 6, 1)

    assert run.returncode == 1
    assert run.stderr.splitlines()[-1] == (
        f"Error: {out}: already holds a collection (1 files); pass --resume to finish or "
        "extend it, --force to replace it, or choose another --output"
    )
    assert snapshot(out) == {"image/3.png": b"a user's picture"}


def test_a_link_planted_as_the_run_log_is_refused_and_its_target_untouched(project):
    out, elsewhere = project / "out", project / "precious.txt"
    assert generate(project, out, 6, 4).returncode == 0
    elsewhere.write_bytes(b"not Genecator's")
    (out / "runs.jsonl").unlink()
    (out / "runs.jsonl").symlink_to(elsewhere)
    result = generate(project, out, 6, 4, "--resume")
    assert result.returncode == 1
    assert f"{out / 'runs.jsonl'}: is not a regular file, so it is not Genecator's run log" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert elsewhere.read_bytes() == b"not Genecator's"


def test_an_atomic_write_never_follows_a_link_at_its_temp_path(tmp_path):
    target, elsewhere = tmp_path / "1.json", tmp_path / "precious.txt"
    elsewhere.write_bytes(b"not Genecator's")
    temp_path(target).symlink_to(elsewhere)
    with pytest.raises(OSError, match=os.strerror(errno.ELOOP)):
        atomic_write_bytes(target, b"{}")
    assert elsewhere.read_bytes() == b"not Genecator's"
    assert not target.exists()
