"""Reports safe to open and names safe to show: CSV cells a spreadsheet would run as formulas
are neutralised in every CSV Genecator writes, and names that would display wrongly are
refused at load."""

import csv
import io
from pathlib import Path

import pytest

from modules.errors import ConfigError
from modules.load.config_manager import ConfigManager
from modules.publish.csv_files import cell_text, csv_bytes, safe_cell
from modules.run.nft_generator import generate
from modules.settings import GenerationSettings
from tests.conftest import BASIC_LAYERS, config_for, write_json, write_traits

FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_cells_get_an_apostrophe_and_read_back_as_written(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert cell_text(str(safe_cell(text))) == text


@pytest.mark.parametrize("cell", ["Laser Eyes", "'quoted", "a=b", 5, -5, 1.5])
def test_other_cells_are_left_alone(cell: object) -> None:
    assert safe_cell(cell) == cell
    if isinstance(cell, str):
        assert cell_text(cell) == cell


def test_csv_bytes_neutralises_headers_and_rows() -> None:
    rows = list(csv.reader(io.StringIO(csv_bytes(["=h"], [["=1+1"], ["ok"]]).decode())))
    assert rows == [["'=h"], ["'=1+1"], ["ok"]]


def project(root: Path, **names: str) -> Path:
    layers = dict(BASIC_LAYERS)
    write_traits(root / "traits", layers)
    config = config_for(layers)
    for key, value in names.items():
        layer, field = key.split("__")
        config["traits"][layer]["options"][0][field] = value
    return write_json(root / "config.json", config)


def test_the_rarity_report_of_a_run_is_safe_to_open(tmp_path: Path) -> None:
    config = project(tmp_path, Hat__display_name="=cmd|' /C calc'!A0")
    settings = GenerationSettings(6, config, None, tmp_path / "traits", tmp_path / "out", seed=1)
    assert generate(settings).exit_code == 0
    report = (tmp_path / "out" / "rarity_report.csv").read_text("utf-8")
    assert "\nHat,'=cmd|' /C calc'!A0," in report
    assert "\nHat,=cmd" not in report


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("   ", "is blank"),
        ("Blue\nRed", "contains a line break, NUL or other control character"),
        ("Blue\x00", "contains a line break, NUL or other control character"),
        ("gpj\u202eexe", "contains a bidirectional control character"),
        ("Blue\u2028", "contains a line break, NUL or other control character"),
    ],
    ids=["blank", "newline", "nul", "bidi-override", "line-separator"],
)
@pytest.mark.parametrize("field", ["name", "display_name"])
def test_names_that_would_show_wrongly_are_refused(tmp_path, name, reason, field) -> None:
    config = project(tmp_path, **{f"Hat__{field}": name})
    with pytest.raises(ConfigError) as info:
        ConfigManager(config, None, tmp_path / "traits").load()
    where = f"$.traits.Hat.options[0].{field}"
    assert f"config.json: {where}: {name!r} {reason}; rename it" in info.value.problems
