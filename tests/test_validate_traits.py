"""validate_traits.py: the generator's own checks plus warnings; exit 0 only when clean."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageCms

from modules.cli.validate import validate_command as cli
from modules.load.trait_images import info_warnings, inspect_trait_image
from tests.conftest import BASIC_LAYERS, REPO


def run(root: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(root)
    return CliRunner().invoke(cli, [])


def output_of(result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_clean_traits_pass(make_project, monkeypatch):
    root = make_project(BASIC_LAYERS)
    cap = Image.new("RGBA", (8, 8), (0, 0, 0, 0))  # BASIC_LAYERS' Cap is opaque: make it a patch
    cap.paste(Image.new("RGBA", (4, 4), (9, 9, 9, 255)))
    cap.save(root / "traits" / "Hat" / "Cap.png")
    result = run(root, monkeypatch)
    assert result.exit_code == 0, output_of(result)
    expected = "3 layers, 7 trait files, 0 rules; 12 distinct tokens possible; 0 warnings"
    assert expected in output_of(result)


def test_errors_exit_1_with_the_generators_messages(make_project, monkeypatch):
    root = make_project(BASIC_LAYERS)
    Image.new("RGBA", (9, 9)).save(root / "traits" / "Body" / "Grey.png")
    result = run(root, monkeypatch)
    assert result.exit_code == 1
    assert "Grey.png: image is 9x9 but image_size is 8x8" in output_of(result)


def test_opaque_overlay_and_empty_layer_are_warnings(make_project, monkeypatch):
    root = make_project(BASIC_LAYERS)
    Image.new("RGBA", (8, 8), (0, 0, 0, 255)).save(root / "traits" / "Hat" / "Cap.png")
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(root / "traits" / "Body" / "White.png")
    result = run(root, monkeypatch)
    text = output_of(result)
    assert result.exit_code == 1
    assert "Warning: traits/Hat/Cap.png: fully opaque, so it hides every layer below it" in text
    assert "Warning: traits/Body/White.png: fully transparent" in text
    assert "Red.png" not in text  # the bottom layer may be opaque
    assert "2 warnings" in text


def test_colour_profile_and_sixteen_bit_are_warnings(tmp_path):
    profiled = tmp_path / "profiled.png"
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGBA", (8, 8), (1, 2, 3, 0)).save(profiled, icc_profile=profile)
    warnings = info_warnings(profiled, inspect_trait_image(profiled), bottom=False)
    assert any("embedded colour profile" in w for w in warnings)
    deep = tmp_path / "deep.png"
    Image.new("I;16", (8, 8), 300).save(deep)
    assert inspect_trait_image(deep).sixteen_bit


def test_sample_art_is_clean():
    samples = ["config.sample.json", "ruler.sample.json", "traits"]
    config, ruler, traits = (str(REPO / name) for name in samples)
    result = CliRunner().invoke(cli, ["-c", config, "-r", ruler, "-t", traits])
    assert result.exit_code == 0, output_of(result)
    assert "0 warnings" in output_of(result)
