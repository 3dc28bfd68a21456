"""Bounded memory (issue 13): sizes are checked before anything is allocated. Each command
runs as a real child process under an address-space limit (RLIMIT_AS), so a regression
fails here with a MemoryError instead of trusting an estimate."""

import os
import resource
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from modules.cli.support import OUT_OF_MEMORY, run_command
from modules.plan.trait_tracker import PLAN_BYTES_PER_TOKEN
from tests.conftest import TraitSet, config_for, write_json, write_traits

LAYERS, OPTIONS = 8, 12  # 12^8 = 429,981,696 distinct tokens
GiB = 1 << 30
GENECATOR = (sys.executable, "-c", "from modules.cli.main import genecator; genecator()")


def wide_layers() -> TraitSet:
    return {
        f"L{layer}": {
            f"o{option}.png": (layer * 30, option * 20, 99, 255 if layer == 0 else 128)
            for option in range(OPTIONS)
        }
        for layer in range(LAYERS)
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wide")
    layers = wide_layers()
    write_traits(root / "traits", layers)
    write_json(root / "config.json", config_for(layers))
    return root


def limited(address_space: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


def genecator(
    project: Path, *args: str, address_space: int = 2 * GiB
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GENECATOR, *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: limited(address_space),
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )


def test_an_n_beyond_capacity_is_refused_before_planning(project):
    done = genecator(project, "generate", "-n", "1000000000", "--dry-run", "--seed", "1")
    assert done.returncode == 1
    assert "-n 1000000000 is more than the 429981696 distinct tokens" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_plan_too_big_for_memory_is_refused_before_planning(project):
    # 100 million tokens fit the traits (430 million) but not 2 GiB of address space.
    done = genecator(project, "generate", "-n", "100000000", "--dry-run", "--seed", "1")
    assert done.returncode == 1
    needed = f"{100_000_000 * PLAN_BYTES_PER_TOKEN / 1e9:.1f} GB"
    assert f"-n 100000000: planning needs about {needed} of memory" in done.stderr
    assert f"({PLAN_BYTES_PER_TOKEN} bytes per token)" in done.stderr
    assert "lower -n to at most" in done.stderr
    assert "Traceback" not in done.stderr


# The child's own high-water mark (VmHWM), printed as it exits: ru_maxrss would also count
# the moment after fork when the child still shares the (large) pytest process's pages.
PEAK_AT_EXIT = (
    "import atexit, sys; atexit.register(lambda: sys.stderr.write(next("
    "line for line in open('/proc/self/status') if line.startswith('VmHWM:'))));"
    "from modules.cli.main import genecator; genecator()"
)


def peak_rss(project: Path, tokens: int) -> int:
    """Peak resident bytes of one dry run in its own child process."""
    command = [sys.executable, "-c", PEAK_AT_EXIT, "generate", "-n", str(tokens), "--dry-run"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [*command, "--seed", "1"], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return int(done.stderr.splitlines()[-1].split()[1]) * 1024


@pytest.mark.slow
def test_planning_memory_per_token_is_the_documented_bound(project):
    small, large = 10_000, 250_000
    per_token = (peak_rss(project, large) - peak_rss(project, small)) / (large - small)
    assert 0 < per_token <= PLAN_BYTES_PER_TOKEN


def write_png_with_big_chunk(path: Path, chunk_bytes: int) -> None:
    """A valid 8x8 PNG carrying an unknown ancillary chunk of `chunk_bytes` zeros before
    its pixels; sparse on disk, so writing it costs nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    pixels = zlib.compress(b"".join(b"\0" + b"\x80" * 32 for _ in range(8)))
    with open(path, "wb") as handle:
        handle.write(
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 6, 0, 0, 0))
        )
        handle.write(struct.pack(">I", chunk_bytes) + b"zzZz")
        handle.seek(chunk_bytes, os.SEEK_CUR)
        handle.write(struct.pack(">I", 0) + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


@pytest.mark.parametrize(
    "command",
    [("get-traits",), ("validate",), ("generate", "-n", "5", "--seed", "1", "-o", "out")],
)
def test_an_oversized_trait_file_is_refused_before_it_is_read(project, tmp_path, command):
    root = tmp_path / "project"
    write_traits(root / "traits", wide_layers())
    big = root / "traits" / "L3" / "o5.png"
    write_png_with_big_chunk(big, 3 * GiB // 2)
    if command[0] != "get-traits":  # which writes the config itself
        write_json(root / "config.json", config_for(wide_layers()))
    # Pillow reads an unknown chunk whole: 1.5 GiB would not fit under a 1 GiB limit.
    done = genecator(root, *command, address_space=GiB)
    assert done.returncode == 1
    assert f"{big.relative_to(root)}: 1536 MiB is more than the 256 MiB a trait file may be" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
    assert not (root / "out" / "image").exists() or not any((root / "out" / "image").iterdir())


def sparse_65_mib(path: Path) -> None:
    path.touch()
    os.truncate(path, 65 << 20)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (os.mkfifo, "config.json: is a pipe, not a file"),
        (sparse_65_mib, "config.json: 65 MiB is more than the 64 MiB such a file may be"),
    ],
    ids=["fifo", "huge"],
)
def test_a_config_that_is_a_pipe_or_huge_is_refused_unread(project, tmp_path, make, message):
    root = tmp_path / "project"
    shutil.copytree(project / "traits", root / "traits")
    make(root / "config.json")
    done = genecator(root, "generate", "-n", "5", "--dry-run", address_space=GiB)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_art_too_large_to_render_in_the_memory_available_is_refused_first(tmp_path):
    size = (4000, 4000)  # 64 MB a frame; a token of three layers holds 13 frames at once
    layers: TraitSet = {f"L{layer}": {"o.png": (99, 99, layer * 99, 255)} for layer in range(3)}
    write_traits(tmp_path / "traits", layers, size)
    write_json(tmp_path / "config.json", {**config_for(layers), "image_size": list(size)})
    # About 0.6 GB is left of 1 GiB once Python and Pillow are loaded: far from 0.8 GB.
    done = genecator(tmp_path, "generate", "-n", "1", "--workers", "1", address_space=GiB)
    assert done.returncode == 1
    assert "rendering one 4000x4000 token of up to 3 layer frames needs about 0.8 GB" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "output").exists()


def test_running_out_of_memory_anyway_is_one_line_and_exit_1():
    @click.command()
    @click.pass_context
    def command(ctx: click.Context) -> None:
        def action() -> int:
            raise MemoryError

        run_command(ctx, "info", action)

    result = CliRunner().invoke(command, [])
    assert result.exit_code == 1
    assert result.output == f"Error: {OUT_OF_MEMORY}\n"
