"""Scanning traits/ into a config: filename rarity, layer order, image checks, get_traits CLI."""

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from modules.cli.get_traits import get_traits_command
from modules.errors import ConfigError, TraitFileError
from modules.load.config_manager import ConfigManager
from modules.load.folder_conventions import parse_entry_name
from modules.load.trait_scan import ScanOptions, default_layer_order, scan_traits
from modules.load.validation import schema_problems
from tests.conftest import BASIC_LAYERS, write_json, write_traits

SCAN_LAYERS = {
    "Hat": {"Cap_Rare.png": (0, 0, 0, 255), "Crown_5.png": (255, 215, 0, 200)},
    "Body": {"Grey_Common.png": (128, 128, 128, 128), "White.png": (255, 255, 255, 128)},
    "Background": {"Red_2.png": (255, 0, 0, 255), "Blue_Uncommon.png": (0, 0, 255, 255)},
}


def stderr_of(result: Result) -> str:
    """stderr where click keeps it apart, else the mixed output (older click)."""
    try:
        return result.stderr
    except ValueError:
        return result.output


def scan_dir(tmp_path: Path, layers: dict = SCAN_LAYERS) -> Path:
    traits = tmp_path / "traits"
    write_traits(traits, layers)
    return traits


def options(config: dict, layer: str) -> list[tuple[str, str, int]]:
    return [(o["name"], o["file"], o["rarity"]) for o in config["traits"][layer]["options"]]


# --- file names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("Laser_Eyes_Rare", ("Laser_Eyes", 1)),
        ("Laser_Eyes", ("Laser_Eyes", 3)),
        ("Cat_1", ("Cat", 1)),
        ("Cat_3", ("Cat", 3)),
        ("Cat_5", ("Cat", 5)),
        ("Cat_0", ("Cat_0", 3)),
        ("Cat_6", ("Cat_6", 3)),
        ("Cat_05", ("Cat_05", 3)),
        ("Cat_Rare_3", ("Cat_Rare", 3)),
        ("x_Legendary", ("x", 1)),
        ("x_Uncommon", ("x", 3)),
        ("x_Common", ("x", 5)),
        ("x_basic", ("x", 5)),
        ("x_COMMON", ("x", 5)),
        ("Eyes_rare", ("Eyes", 1)),
        ("Abnormal", ("Abnormal", 3)),
        ("Rare", ("Rare", 3)),
        ("_Rare", ("_Rare", 3)),
        ("_3", ("_3", 3)),
        ("Very-Rare", ("Very-Rare", 3)),
        ("Sky Blue_Common", ("Sky Blue", 5)),
        ("Super_Rarely", ("Super_Rarely", 3)),
    ],
)
def test_genecator_rarity_suffixes(stem: str, expected: tuple[str, int]) -> None:
    name = parse_entry_name(f"{stem}.png", is_file=True)
    assert (name.display, name.weight or 3) == expected


def test_default_layer_order_puts_background_first_then_natural_order() -> None:
    names = ["Hat", "10_Eyes", "2_Body", "background", "body"]

    assert default_layer_order(names) == ["background", "2_Body", "10_Eyes", "body", "Hat"]


@pytest.mark.parametrize("background", ["Background", "BACKGROUNDS", "bg"])
def test_default_layer_order_recognises_background_names(background: str) -> None:
    assert default_layer_order(["Aura", background, "Zebra"]) == [background, "Aura", "Zebra"]


# --- scan_traits ----------------------------------------------------------------------------


def test_scan_builds_layers_options_and_rarities(tmp_path: Path) -> None:
    config = scan_traits(scan_dir(tmp_path)).config

    assert config["trait_order"] == ["Background", "Body", "Hat"]
    assert config["image_size"] == [8, 8]
    assert config["priority_traits"] == []
    assert options(config, "Background") == [
        ("Blue", "Blue_Uncommon.png", 3),
        ("Red", "Red_2.png", 2),
    ]
    assert options(config, "Body") == [
        ("Grey", "Grey_Common.png", 5),
        ("White", "White.png", 3),
    ]
    assert options(config, "Hat") == [("Cap", "Cap_Rare.png", 1), ("Crown", "Crown_5.png", 5)]


def test_scan_order_argument_puts_layers_first(tmp_path: Path) -> None:
    config = scan_traits(
        scan_dir(tmp_path),
        ScanOptions(
            order=(
                "Hat",
                "Body",
            )
        ),
    ).config

    assert config["trait_order"] == ["Hat", "Body", "Background"]


def test_scan_rejects_unknown_order_name_with_hint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        scan_traits(scan_dir(tmp_path), ScanOptions(order=("Hatt",)))

    assert info.value.problems == ("--order: no layer folder 'Hatt'; did you mean 'Hat'?",)


def test_scan_picks_up_extensions_case_insensitively(tmp_path: Path) -> None:
    traits = scan_dir(tmp_path)
    Image.new("RGBA", (8, 8), (1, 2, 3, 255)).save(traits / "Hat" / "Halo_4.PNG", "PNG")
    Image.new("RGBA", (8, 8), (4, 5, 6, 255)).save(traits / "Hat" / "Beanie.gif")
    Image.new("RGBA", (8, 8), (7, 8, 9, 255)).save(traits / "Hat" / "Visor.Gif", "GIF")

    config = scan_traits(traits).config

    assert options(config, "Hat") == [
        ("Beanie", "Beanie.gif", 3),
        ("Cap", "Cap_Rare.png", 1),
        ("Crown", "Crown_5.png", 5),
        ("Halo", "Halo_4.PNG", 4),
        ("Visor", "Visor.Gif", 3),
    ]


def test_scan_ignores_other_files_with_a_notice(tmp_path: Path) -> None:
    traits = scan_dir(tmp_path)
    notes = traits / "Hat" / "notes.txt"
    notes.write_text("ideas", encoding="utf-8")

    scan = scan_traits(traits)

    assert [o["file"] for o in scan.config["traits"]["Hat"]["options"]] == [
        "Cap_Rare.png",
        "Crown_5.png",
    ]
    assert scan.notices == [f"{notes}: not a .png, .gif, .webp or .jpg image; ignored"]


def test_scan_ignores_hidden_files_and_folders_silently(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    traits = scan_dir(tmp_path)
    (traits / "Hat" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    Image.new("RGBA", (8, 8)).save(traits / "Hat" / "._Cap_Rare.png")
    (traits / ".git").mkdir()
    Image.new("RGBA", (8, 8)).save(traits / ".git" / "x.png")

    with caplog.at_level(logging.WARNING, logger="modules.load.trait_scan"):
        config = scan_traits(traits).config

    assert config["trait_order"] == ["Background", "Body", "Hat"]
    assert len(config["traits"]["Hat"]["options"]) == 2
    assert caplog.records == []


def test_scan_detects_image_size(tmp_path: Path) -> None:
    layers = {
        "Background": {"Wide.png": Image.new("RGBA", (24, 12))},
        "Body": {"Wide.png": Image.new("RGBA", (24, 12))},
    }

    assert scan_traits(scan_dir(tmp_path, layers)).config["image_size"] == [24, 12]


def test_scan_reports_mismatched_size_naming_the_file(tmp_path: Path) -> None:
    traits = scan_dir(tmp_path)
    odd = traits / "Hat" / "Big.png"
    Image.new("RGBA", (16, 8)).save(odd)

    with pytest.raises(TraitFileError) as info:
        scan_traits(traits)

    assert info.value.problems == (
        f"{odd}: image is 16x8 but image_size is 8x8; resize it or fix image_size",
    )


@pytest.mark.parametrize("content", [b"", bytes(range(256)) * 2], ids=["empty", "garbage"])
def test_scan_reports_corrupt_file_naming_it(tmp_path: Path, content: bytes) -> None:
    traits = scan_dir(tmp_path)
    bad = traits / "Body" / "Broken.png"
    bad.write_bytes(content)

    with pytest.raises(TraitFileError) as info:
        scan_traits(traits)

    expected = (
        "file is empty (0 bytes); re-export it"
        if not content
        else "not an image Pillow can read; re-export it as PNG"
    )
    assert info.value.problems == (f"{bad}: {expected}",)


def test_scan_reports_every_problem_at_once(tmp_path: Path) -> None:
    traits = scan_dir(tmp_path)
    (traits / "Body" / "Broken.png").write_bytes(b"")
    Image.new("RGBA", (4, 4)).save(traits / "Hat" / "Tiny.png")
    (traits / "Eyes").mkdir()

    with pytest.raises(TraitFileError) as info:
        scan_traits(traits)

    assert len(info.value.problems) == 3
    assert info.value.problems[0] == (
        f"{traits / 'Eyes'}: layer folder has no .png, .gif, .webp or .jpg images; add some or "
        "remove it"
    )


def test_scan_reports_empty_layer_folder(tmp_path: Path) -> None:
    traits = scan_dir(tmp_path)
    (traits / "Eyes").mkdir()
    (traits / "Eyes" / "readme.md").write_text("todo", encoding="utf-8")

    with pytest.raises(TraitFileError) as info:
        scan_traits(traits)

    assert info.value.problems == (
        f"{traits / 'Eyes'}: layer folder has no .png, .gif, .webp or .jpg images; add some or "
        "remove it",
    )


def test_scan_reports_missing_traits_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nope"

    with pytest.raises(TraitFileError) as info:
        scan_traits(missing)

    assert info.value.problems == (
        f"{missing}: traits folder not found; create it with one sub-folder per layer",
    )


def test_scan_reports_traits_folder_without_layers(tmp_path: Path) -> None:
    (tmp_path / "traits").mkdir()
    (tmp_path / "traits" / "stray.png").write_bytes(b"")

    with pytest.raises(TraitFileError) as info:
        scan_traits(tmp_path / "traits")

    assert info.value.problems == (
        f"{tmp_path / 'traits'}: no layer folders; add one sub-folder of images per layer",
    )


@pytest.mark.parametrize("other", ["Cap_3.png", "Cap.gif", "Cap_Common.png"])
def test_scan_reports_two_files_with_the_same_display_name(tmp_path: Path, other: str) -> None:
    traits = scan_dir(tmp_path)
    Image.new("RGBA", (8, 8)).save(traits / "Hat" / other)

    with pytest.raises(TraitFileError) as info:
        scan_traits(traits)

    assert info.value.problems == (
        f"{traits / 'Hat' / 'Cap_Rare.png'}: option name 'Cap' is also used by {other}; rename one",
    )


def test_scanned_config_validates_and_loads(tmp_path: Path) -> None:
    config = scan_traits(scan_dir(tmp_path)).config
    write_json(tmp_path / "config.json", config)

    spec = ConfigManager(tmp_path / "config.json", None, tmp_path / "traits").load()

    assert schema_problems(config, "config.schema.json", "config.json") == []
    assert [layer.name for layer in spec.layers] == ["Background", "Body", "Hat"]
    assert [[o.weight for o in layer.options] for layer in spec.layers] == [[3, 2], [5, 3], [1, 5]]
    assert all(layer.presence == 5 for layer in spec.layers)


# --- get_traits.py --------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_traits(tmp_path / "traits", BASIC_LAYERS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def get_traits_cli(*args: str) -> Result:
    return CliRunner().invoke(get_traits_command, list(args))


def test_get_traits_writes_the_config(project: Path) -> None:
    result = get_traits_cli()

    assert result.exit_code == 0, result.output
    assert "Wrote config.json: 3 layers, 7 options, 8x8 images" in result.stdout
    assert "Layer order (bottom first): Background, Body, Hat" in result.stdout
    config = json.loads((project / "config.json").read_text(encoding="utf-8"))
    assert config["trait_order"] == ["Background", "Body", "Hat"]
    assert options(config, "Hat") == [("Cap", "Cap.png", 3), ("Crown", "Crown.png", 3)]
    assert ConfigManager(project / "config.json", None, project / "traits").load()


def test_get_traits_writes_to_the_named_output(project: Path) -> None:
    result = get_traits_cli("-t", "traits", "-o", "other.json")

    assert result.exit_code == 0, result.output
    assert (project / "other.json").is_file()
    assert not (project / "config.json").exists()


def test_get_traits_refuses_to_overwrite_without_force(project: Path) -> None:
    existing = project / "config.json"
    existing.write_text('{"mine": true}\n', encoding="utf-8")

    result = get_traits_cli()

    assert result.exit_code == 1
    assert stderr_of(result).strip() == (
        "Error: config.json: already exists; pass --force to overwrite it or --output another file"
    )
    assert existing.read_text(encoding="utf-8") == '{"mine": true}\n'


def test_get_traits_force_overwrites(project: Path) -> None:
    existing = project / "config.json"
    existing.write_text('{"mine": true}\n', encoding="utf-8")

    result = get_traits_cli("--force")

    assert result.exit_code == 0, result.output
    config = json.loads(existing.read_text(encoding="utf-8"))
    assert config["trait_order"] == ["Background", "Body", "Hat"]


def test_get_traits_order_puts_named_layers_first(project: Path) -> None:
    result = get_traits_cli("--order", "Hat, Body")

    assert result.exit_code == 0, result.output
    config = json.loads((project / "config.json").read_text(encoding="utf-8"))
    assert config["trait_order"] == ["Hat", "Body", "Background"]
    assert "Layer order (bottom first): Hat, Body, Background" in result.stdout


def test_get_traits_order_rejects_unknown_layer_with_hint(project: Path) -> None:
    result = get_traits_cli("--order", "Background,Hatt")

    assert result.exit_code == 1
    assert "Error: --order: no layer folder 'Hatt'; did you mean 'Hat'?" in stderr_of(result)
    assert not (project / "config.json").exists()


def test_get_traits_reports_missing_traits_folder(project: Path) -> None:
    result = get_traits_cli("-t", "art")

    assert result.exit_code == 1
    assert "Error: art: traits folder not found" in stderr_of(result)
    assert "Traceback" not in result.output
    assert not (project / "config.json").exists()


def test_get_traits_reports_bad_files_and_writes_nothing(project: Path) -> None:
    (project / "traits" / "Hat" / "Cap.png").write_bytes(b"")

    result = get_traits_cli()

    assert result.exit_code == 1
    assert stderr_of(result).strip() == (
        "Error: traits/Hat/Cap.png: file is empty (0 bytes); re-export it"
    )
    assert not (project / "config.json").exists()
