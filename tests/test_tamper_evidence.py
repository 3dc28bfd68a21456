"""Tamper-evident runs (issue 13): a trait file changed mid-run never puts new art into a
token, a token image changed on disk is never vouched for, and --resume checks every token
against its planned content. Real CLI runs compared byte for byte with an untouched run."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, layer_image, write_json, write_layered_traits

LAYERS = ["Background", "Body", "Eyes", "Hat"]
SIZE, TOKENS = 128, 400
CHANGED_TRAIT = Path("traits/Body/Body4.png")  # the most common Body: used all through a run


def make_project(root: Path) -> Path:
    traits = write_layered_traits(root, LAYERS, 6, SIZE)
    config = {"trait_order": LAYERS, "image_size": [SIZE, SIZE], "traits": traits}
    write_json(root / "config.json", {**config, "traits_dir": "traits"})
    return root


def command(project: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        str(REPO / "main.py"),
        "-c",
        str(project / "config.json"),
        "-o",
        str(project / "out"),
        "-n",
        str(TOKENS),
        "--seed",
        "5",
        "--workers",
        "1",
        *extra,
    ]


def genecator(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(project, *extra), capture_output=True, text=True, timeout=180)


def collection(out: Path) -> dict[str, bytes]:
    """Every token's files and the provenance record, by path relative to `out`."""
    files = [*out.glob("image/*"), *out.glob("metadata/[0-9]*.json"), out / "provenance.json"]
    return {str(path.relative_to(out)): path.read_bytes() for path in files if path.exists()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The collection an untouched run writes."""
    project = make_project(tmp_path_factory.mktemp("reference"))
    done = genecator(project)
    assert done.returncode == 0, done.stderr
    return collection(project / "out")


def start(project: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(project, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(run: subprocess.Popen[str], *paths: Path) -> None:
    deadline = time.monotonic() + 60
    while not all(path.exists() for path in paths):
        assert run.poll() is None, "the run ended before the files appeared"
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.02)


def first_images(run: subprocess.Popen[str], folder: Path, count: int) -> list[Path]:
    """The first `count` token images the run wrote in `folder`, oldest first."""
    deadline = time.monotonic() + 60
    while len(images := [p for p in folder.glob("*.png") if p.stem.isdigit()]) < count:
        assert run.poll() is None, "the run ended before the files appeared"
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.005)
    return sorted(images, key=lambda path: path.stat().st_mtime_ns)[:count]


def replace_with(target: Path, data: bytes) -> None:
    """Replace a file in one step, as a copy tool writing a temp file would."""
    temporary = target.with_name(f"{target.name}.new")
    temporary.write_bytes(data)
    temporary.replace(target)


@pytest.mark.slow
def test_a_trait_file_changed_mid_run_puts_no_new_art_in_any_token(tmp_path, reference):
    project = make_project(tmp_path)
    trait = project / CHANGED_TRAIT
    original = trait.read_bytes()
    # --cache-size 0: every token decodes its layers again, as after an eviction.
    run = start(project, "--cache-size", "0")
    wait_for(run, project / "out" / "image" / "20.png")
    new_art = tmp_path / "new.png"
    layer_image(2, 5, SIZE).save(new_art)
    replace_with(trait, new_art.read_bytes())
    stdout, stderr = run.communicate(timeout=180)

    assert run.returncode == 1, stderr
    assert f"Stopped: {project / CHANGED_TRAIT}: changed" in stdout
    assert "Traceback" not in stderr
    written = collection(project / "out")
    assert "provenance.json" not in written  # nothing is vouched for
    assert written
    assert all(data == reference[name] for name, data in written.items())

    refused = genecator(project, "--resume")
    assert refused.returncode == 1
    assert "trait image files changed" in refused.stderr

    trait.write_bytes(original)
    resumed = genecator(project, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert collection(project / "out") == reference


@pytest.mark.slow
def test_an_image_changed_after_it_was_written_is_not_published(tmp_path, reference):
    project = make_project(tmp_path)
    image = project / "out" / "image"
    run = start(project, "--cache-size", "0")
    # The first two images written: most of the run is still ahead, however fast it renders.
    first, second = first_images(run, image, 2)
    replace_with(second, first.read_bytes())
    stdout, stderr = run.communicate(timeout=180)

    assert run.returncode == 3, stderr
    assert f"{second}: changed after it was written" in stdout
    assert not (project / "out" / "provenance.json").exists()

    resumed = genecator(project, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert collection(project / "out") == reference


def test_resume_checks_unrecorded_tokens_against_their_planned_content(tmp_path, reference):
    project = make_project(tmp_path)
    assert genecator(project, "-n", "40").returncode == 0
    out = project / "out"
    # As after a crash past the last checkpoint: no hash vouches for the images on disk,
    # and one of them is another token's image (it decodes at the right size).
    (out / "seen_hashes.json").unlink()
    shutil.copyfile(out / "image" / "3.png", out / "image" / "22.png")

    done = genecator(project, "-n", "40", "--resume")
    assert done.returncode == 0, done.stderr
    tokens = {name: data for name, data in collection(out).items() if name != "provenance.json"}
    assert len(tokens) == 80
    assert all(data == reference[name] for name, data in tokens.items())
