"""A clean install: the wheel holds one import package and one console command whose
subcommands are every tool; the repository's scripts stay thin shims over modules/cli."""

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from modules.cli.main import genecator
from tests.conftest import REPO

SUBCOMMANDS = {
    "generate",
    "reroll",
    "serve",
    "get-traits",
    "validate",
    "rarity",
    "duplicates",
    "similarity",
    "combine-metadata",
    "update-cid",
    "pack",
    "provenance",
    "preview",
}
SHIMS = [
    "main.py",
    "get_traits.py",
    "validate_traits.py",
    *(p.relative_to(REPO).as_posix() for p in sorted((REPO / "utils").glob("*.py"))),
]
# The one utils/ script that is not a collection tool: it redraws the bundled sample art.
SAMPLE_ART_SCRIPT = "utils/draw_sample_traits.py"


def test_genecator_lists_every_subcommand():
    result = CliRunner().invoke(genecator, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line}
    assert listed == SUBCOMMANDS


@pytest.mark.parametrize("script", [s for s in SHIMS if s != SAMPLE_ART_SCRIPT])
def test_scripts_are_thin_shims_over_modules_cli(script):
    tree = ast.parse((REPO / script).read_text(encoding="utf-8"))
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert [node.module.split(".")[:2] for node in imports] == [["modules", "cli"]]
    assert not [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]


@pytest.mark.parametrize("script", ["main.py", "get_traits.py", "utils/rarity.py"])
def test_scripts_still_run_as_documented(script):
    result = subprocess.run(
        [sys.executable, script, "--help"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ")


# Build from a copy: setuptools keeps build/ in the source tree, and files left there by an
# earlier build would end up in the wheel.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "output", "__pycache__", ".*_cache", ".hypothesis"
)


@pytest.mark.slow
def test_the_wheel_installs_only_the_modules_package(tmp_path: Path):
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("genecator-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {
        "modules",
        wheel.name.split("-py3")[0] + ".dist-info",
    }
    assert "modules/py.typed" in names
    assert "modules/load/schemas/config.schema.json" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert scripts.split("[console_scripts]")[1].split() == [
        "genecator",
        "=",
        "modules.cli.main:genecator",
    ]
