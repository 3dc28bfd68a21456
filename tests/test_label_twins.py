"""Options, layers or a none_value whose metadata labels differ only in case or surrounding
spaces are refused when the config loads (OpenRarity would count them as one), one line each,
and `genecator generate` exits 1 with those lines before writing anything."""

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from modules.cli.main import genecator
from modules.errors import ConfigError
from modules.load.config_manager import ConfigManager
from tests.conftest import TraitSet, config_for, write_json, write_traits

LAYERS: TraitSet = {
    "Background": {"Red.png": (255, 0, 0, 255), "Blue.png": (0, 0, 255, 255)},
    "Hat": {"Cap.png": (0, 0, 0, 160), "CAP.png": (9, 9, 9, 160), "Crown.png": (90, 9, 9, 160)},
}
OPTION_TWIN = (
    "config.json: $.traits.Hat: options 'Cap' and 'CAP' are shown as 'Cap' and 'CAP', which "
    "differ only in case or surrounding spaces: OpenRarity counts them as one value; rename one "
    "or give it another display_name"
)


def write_project(root: Path, config: dict[str, Any]) -> Path:
    write_traits(root / "traits", LAYERS)
    return write_json(root / "config.json", config)


def problems(root: Path, config: dict[str, Any]) -> list[str]:
    path = write_project(root, config)
    with pytest.raises(ConfigError) as info:
        ConfigManager(path, None, root / "traits").load()
    return list(info.value.problems)


def test_options_differing_only_in_case_are_one_line(tmp_path: Path) -> None:
    assert problems(tmp_path, config_for(LAYERS)) == [OPTION_TWIN]


def test_a_display_name_differing_only_in_spaces_is_refused(tmp_path: Path) -> None:
    config = config_for(LAYERS)
    hat = config["traits"]["Hat"]
    hat["options"][1]["display_name"] = "Top hat"
    hat["options"][2]["display_name"] = " Cap"

    assert problems(tmp_path, config) == [
        "config.json: $.traits.Hat: options 'Cap' and 'Crown' are shown as 'Cap' and ' Cap', "
        "which differ only in case or surrounding spaces: OpenRarity counts them as one value; "
        "rename one or give it another display_name"
    ]


def test_layers_none_value_and_options_are_all_reported_together(tmp_path: Path) -> None:
    config = config_for(LAYERS)
    config["traits"]["Hat"].update(display_name="background ", rarity=3, none_value="cap")

    assert problems(tmp_path, config) == [
        "config.json: $.traits.Hat: layers 'Background' and 'Hat' are shown as trait_type "
        "'Background' and 'background ', which differ only in case or surrounding spaces: "
        "OpenRarity counts them as one trait; rename one or give it another display_name",
        OPTION_TWIN,
        "config.json: $.traits.Hat.none_value: 'cap' and option 'Cap' shown as 'Cap', which "
        "differ only in case or surrounding spaces: OpenRarity counts them as one value, so "
        "absent and present would look alike; choose another none_value",
        "config.json: $.traits.Hat.none_value: 'cap' and option 'CAP' shown as 'CAP', which "
        "differ only in case or surrounding spaces: OpenRarity counts them as one value, so "
        "absent and present would look alike; choose another none_value",
    ]


def test_labels_that_differ_otherwise_load(tmp_path: Path) -> None:
    config = config_for(LAYERS)
    config["traits"]["Hat"]["options"][1]["display_name"] = "Cap (dark)"
    path = write_project(tmp_path, config)

    spec = ConfigManager(path, None, tmp_path / "traits").load()

    assert [option.label for option in spec.layers[1].options] == ["Cap", "Cap (dark)", "Crown"]


def test_generate_exits_1_with_the_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path, config_for(LAYERS))
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(genecator, ["generate", "-n", "2", "--seed", "1", "--workers", "1"])

    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [f"Error: {OPTION_TWIN}"]
    assert not (tmp_path / "output").exists()
