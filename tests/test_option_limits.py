"""Option values the encoders or the OS cannot take are usage errors; odd places are refused."""

import json

import pytest
from click.testing import CliRunner

from modules.cli.generate import generate_command as cli
from tests.conftest import BASIC_LAYERS


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--gif-duration", "1000000000"),
        ("--gif-loop", "70000"),
        ("--retry-delay", "nan"),
        ("--retry-delay", "inf"),
        ("--workers", "100000"),
    ],
)
def test_values_out_of_range_are_usage_errors(make_project, monkeypatch, option, value):
    monkeypatch.chdir(make_project(BASIC_LAYERS))
    result = CliRunner().invoke(cli, ["-n", "2", option, value])
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output


def test_output_inside_the_traits_folder_is_refused(make_project, monkeypatch):
    root = make_project(BASIC_LAYERS)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["-n", "2", "--workers", "1", "-o", "traits/out"])
    assert result.exit_code == 1
    assert "traits/out: is inside the traits folder traits; choose another --output" in (
        result.output
    )
    assert not (root / "traits" / "out").exists()


def test_a_damaged_hash_record_is_one_clear_error(make_project, monkeypatch):
    root = make_project(BASIC_LAYERS)
    monkeypatch.chdir(root)
    assert CliRunner().invoke(cli, ["-n", "4", "--seed", "1", "--workers", "1"]).exit_code == 0
    (root / "output" / "seen_hashes.json").write_text(json.dumps({"images": [1, 2]}))
    result = CliRunner().invoke(cli, ["-n", "4", "--workers", "1", "--resume"])
    assert result.exit_code == 1
    assert "seen_hashes.json: not a Genecator hash record; delete it and resume" in result.output
    assert "Traceback" not in result.output
