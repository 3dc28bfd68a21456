"""Untrusted trait files and names (issue #7): which image modes convert and which are
refused, EXIF orientation, decompression bombs, paths that try to leave traits/ or output/,
and unusual Unicode names end to end."""

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageFile, ImageOps

from modules.cli.generate import generate_command
from modules.cli.get_traits import get_traits_command
from modules.cli.support import printable
from modules.errors import ConfigError, TraitFileError
from modules.load.config_manager import ConfigManager
from modules.load.trait_images import check_trait_image, decode_layer, inspect_trait_image
from modules.load.trait_scan import scan_traits
from tests.conftest import BASIC_LAYERS, REPO, config_for, write_json, write_traits
from tests.test_bad_input import long_gif, png_header_only

# --- colour modes ---------------------------------------------------------------------------


def palette_image() -> Image.Image:
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255])
    image.putpixel((0, 0), 0)
    image.putpixel((1, 0), 2)
    image.info["transparency"] = 0
    return image


# mode -> (image, pixel (1, 0) after conversion, pixel (0, 0) after conversion)
CONVERTED = {
    "RGB": (Image.new("RGB", (8, 8), (10, 20, 30)), (10, 20, 30, 255), (10, 20, 30, 255)),
    "RGBA": (Image.new("RGBA", (8, 8), (10, 20, 30, 40)), (10, 20, 30, 40), (10, 20, 30, 40)),
    "L": (Image.new("L", (8, 8), 100), (100, 100, 100, 255), (100, 100, 100, 255)),
    "LA": (Image.new("LA", (8, 8), (100, 50)), (100, 100, 100, 50), (100, 100, 100, 50)),
    "1": (Image.new("1", (8, 8), 1), (255, 255, 255, 255), (255, 255, 255, 255)),
    "P": (palette_image(), (0, 0, 255, 255), (0, 0, 0, 0)),
}


@pytest.mark.parametrize("mode", CONVERTED)
def test_supported_modes_convert_to_exact_rgba(tmp_path: Path, mode: str) -> None:
    image, pixel, corner = CONVERTED[mode]
    path = tmp_path / f"{mode}.png"
    image.save(path, transparency=image.info.get("transparency"))

    assert inspect_trait_image(path, (8, 8)).mode == mode
    frame = decode_layer(path, (8, 8)).frames[0]
    assert (frame.mode, frame.size) == ("RGBA", (8, 8))
    assert (frame.getpixel((1, 0)), frame.getpixel((0, 0))) == (pixel, corner)


def test_palette_gif_keeps_its_transparent_index(tmp_path: Path) -> None:
    path = tmp_path / "p.gif"
    palette_image().save(path, transparency=0)
    frame = decode_layer(path, (8, 8)).frames[0]
    assert (frame.getpixel((0, 0))[3], frame.getpixel((1, 0))) == (0, (0, 0, 255, 255))


def test_sixteen_bit_grey_is_refused_not_clipped(tmp_path: Path) -> None:
    # Pillow's I;16 -> RGBA conversion clips at 255 instead of scaling: refuse, do not guess.
    path = tmp_path / "deep.png"
    Image.new("I;16", (8, 8), 40000).save(path)
    assert check_trait_image(path, (8, 8))[1] == [
        f"{path}: colour mode I;16 (16-bit grayscale) is not supported; "
        "save it as an 8-bit RGBA PNG"
    ]


def test_cmyk_can_only_arrive_as_a_jpeg_and_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (8, 8), (0, 50, 100, 0)).save(path, "JPEG")
    assert check_trait_image(path, (8, 8))[1] == [
        f"{path}: colour mode CMYK is not supported; save it as an 8-bit RGBA PNG"
    ]


# --- EXIF orientation -----------------------------------------------------------------------


def oriented(path: Path, orientation: int) -> Image.Image:
    """A 4x2 image with four distinct pixels, saved with an EXIF orientation."""
    image = Image.new("RGBA", (4, 2), (0, 0, 0, 255))
    for x, colour in enumerate([(255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)]):
        image.putpixel((x, 0), colour)
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.save(path, exif=exif)
    return image


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_viewers_show_it(tmp_path: Path, orientation) -> None:
    path = tmp_path / "o.png"
    oriented(path, orientation)
    with Image.open(path) as original:
        expected = ImageOps.exif_transpose(original).convert("RGBA")

    size = (2, 4) if orientation >= 5 else (4, 2)
    assert inspect_trait_image(path, size).size == size
    frame = decode_layer(path, size).frames[0]
    assert frame.size == size == expected.size
    assert frame.tobytes() == expected.tobytes()
    assert check_trait_image(path, size)[1] == []
    wrong = size[::-1]
    assert check_trait_image(path, wrong)[1] == [
        f"{path}: image is {size[0]}x{size[1]} but image_size is {wrong[0]}x{wrong[1]}; "
        "resize it or fix image_size"
    ]


def test_a_rotated_trait_is_rendered_rotated(tmp_path: Path, monkeypatch) -> None:
    traits = tmp_path / "traits"
    (traits / "Back").mkdir(parents=True)
    Image.new("RGBA", (2, 4), (9, 9, 9, 255)).save(traits / "Back" / "Grey.png")
    (traits / "Mark").mkdir()
    oriented(traits / "Mark" / "Turned.png", 6)
    config = {
        "trait_order": ["Back", "Mark"],
        "image_size": [2, 4],
        "traits": {
            "Back": {"options": [{"name": "Grey"}]},
            "Mark": {"options": [{"name": "Turned"}]},
        },
    }
    write_json(tmp_path / "config.json", config)
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(generate_command, ["-n", "1", "--seed", "1", "--workers", "1"])

    assert result.exit_code == 0, result.output
    with Image.open(traits / "Mark" / "Turned.png") as mark:
        expected = ImageOps.exif_transpose(mark).convert("RGBA")
    with Image.open(tmp_path / "output" / "image" / "1.png") as token:
        assert token.convert("RGBA").tobytes() == expected.tobytes()


# --- decompression bombs and long animations ------------------------------------------------


def test_a_wrong_size_header_is_refused_without_decoding(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(12000, 12000))

    def never(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    expected = f"{path}: image is 12000x12000 but image_size is 8x8; resize it or fix image_size"
    for read in (inspect_trait_image, decode_layer):
        with pytest.raises(TraitFileError) as info:
            read(path, (8, 8))
        assert info.value.problems == (expected,)


def test_pillow_refuses_what_is_far_beyond_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(30000, 30000))
    problems = check_trait_image(path, None)[1]
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: refused as a decompression bomb (")


@pytest.mark.slow
def test_refusing_a_bomb_keeps_memory_small(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(9000, 9000))  # 324 MB as RGBA, under Pillow's limit
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would count pytest's own.
    code = (
        "import re; from pathlib import Path; "
        "from modules.load.trait_images import check_trait_image; "
        f"print(check_trait_image(Path({str(path)!r}), (8, 8))); "
        "print(re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())[1])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    problems, peak_kb = result.stdout.splitlines()
    assert "image is 9000x9000 but image_size is 8x8" in problems
    assert int(peak_kb) < 150_000  # the interpreter and Pillow; no 324 MB canvas


def test_frames_beyond_the_limit_are_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "long.gif"
    path.write_bytes(long_gif(700))
    with pytest.raises(TraitFileError) as info:
        inspect_trait_image(path)
    assert info.value.problems == (f"{path}: more than 600 frames; shorten the animation",)


# --- paths that try to leave traits/ or output/ ---------------------------------------------


def load(root: Path) -> None:
    ConfigManager(root / "config.json", None, root / "traits").load()


def problems_of(root: Path) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        load(root)
    return info.value.problems


@pytest.mark.parametrize(
    "value", ["../x.png", "../../x.png", "sub/../../x.png", "./Cap.png", "..", ".", "Cap.png\n"]
)
def test_option_files_must_stay_inside_their_layer_folder(make_project, value: str) -> None:
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"][0]["file"] = value
    root = make_project(BASIC_LAYERS, config)
    hat = root / "traits" / "Hat"
    assert problems_of(root) == (
        f"config.json: $.traits.Hat.options[0].file: '{value}' must be a file name inside {hat}",
    )


@pytest.mark.parametrize("name", ["../outside", "a/b", "..", ".", "/tmp", "a\x00b", "tab\there"])
def test_layer_names_must_be_plain_folder_names(make_project, name: str) -> None:
    config = config_for(BASIC_LAYERS)
    config["trait_order"].append(name)
    config["traits"][name] = {"options": [{"name": "Cap", "file": "Cap.png"}]}
    root = make_project(BASIC_LAYERS, config)
    outside = root / "outside"  # would be traits/../outside: a valid layer if it were read
    outside.mkdir()
    Image.new("RGBA", (8, 8)).save(outside / "Cap.png")

    assert problems_of(root) == (
        f"config.json: $.trait_order[3]: '{name}' must be the name of a folder inside "
        f"{root / 'traits'}; rename the layer (no '/', '.', '..' or control characters)",
    )


def test_a_layer_folder_linking_outside_is_refused(make_project) -> None:
    root = make_project(BASIC_LAYERS)
    hat = root / "traits" / "Hat"
    hat.rename(root / "elsewhere")
    hat.symlink_to(root / "elsewhere")

    assert problems_of(root) == tuple(
        f"config.json: $.traits.Hat.options[{i}].file: {hat / name} links outside "
        f"{root / 'traits'}; copy the image into it"
        for i, name in enumerate(["Cap.png", "Crown.png"])
    )


def test_links_that_stay_inside_traits_are_allowed(make_project, monkeypatch) -> None:
    root = make_project(BASIC_LAYERS)
    (root / "traits" / "Hat" / "Grey_Hat.png").symlink_to(root / "traits" / "Body" / "Grey.png")
    (root / "traits" / "Shadow").symlink_to(root / "traits" / "Body")
    monkeypatch.chdir(root)

    scanned = CliRunner().invoke(get_traits_command, ["--force"])
    generated = CliRunner().invoke(generate_command, ["-n", "5", "--seed", "2", "--workers", "1"])

    assert scanned.exit_code == 0, scanned.output
    config = json.loads((root / "config.json").read_text(encoding="utf-8"))
    assert "Shadow" in config["trait_order"]
    assert {
        "name": "Grey_Hat",
        "display_name": "Grey Hat",
        "file": "Grey_Hat.png",
        "rarity": 3,
    } in (config["traits"]["Hat"]["options"])
    assert generated.exit_code == 0, generated.output


def test_a_zip_made_on_macos_scans_without_its_metadata_folder(tmp_path: Path) -> None:
    write_traits(tmp_path / "traits", BASIC_LAYERS)
    apple = tmp_path / "traits" / "__MACOSX" / "Hat"
    apple.mkdir(parents=True)
    (apple / "._Cap.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (tmp_path / "traits" / "Hat" / "._Cap.png").write_bytes(b"\x00\x05\x16\x07")

    config = scan_traits(tmp_path / "traits").config

    assert config["trait_order"] == ["Background", "Body", "Hat"]
    assert [o["file"] for o in config["traits"]["Hat"]["options"]] == ["Cap.png", "Crown.png"]


def test_every_file_a_run_writes_is_inside_output(make_project, monkeypatch) -> None:
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"][0]["name"] = "../../../escaped"  # a display name only
    config["metadata"] = {"name": "../../x", "name_template": "../{name}/{id}"}
    root = make_project(BASIC_LAYERS, config)
    monkeypatch.chdir(root)
    before = set(root.rglob("*"))

    result = CliRunner().invoke(generate_command, ["-n", "12", "--seed", "3", "--workers", "1"])

    assert result.exit_code == 0, result.output
    created = set(root.rglob("*")) - before
    output = (root / "output").resolve()
    assert created
    assert all(path.resolve().is_relative_to(output) for path in created)
    names = {path.name for path in (root / "output" / "image").iterdir()}
    assert names == {f"{token}.png" for token in range(1, 13)}
    assert not any(root.parent.glob("escaped*"))


# --- unusual Unicode names ------------------------------------------------------------------

NFD_CAFE = unicodedata.normalize("NFD", "Café")
NFD_TETE = unicodedata.normalize("NFD", "Tête")
UNICODE_LAYERS = {
    "Background": {"Red.png": (255, 0, 0, 255), "Blue.png": (0, 0, 255, 255)},
    NFD_TETE: {f"{NFD_CAFE}_Rare.png": (1, 2, 3, 200), "Beret.png": (9, 9, 9, 200)},
    "😀 Eyes": {"עין.png": (5, 5, 5, 100), "👨‍👩‍👧.png": (6, 6, 6, 100)},
}


def test_unicode_names_work_end_to_end(tmp_path: Path, monkeypatch) -> None:
    write_traits(tmp_path / "traits", UNICODE_LAYERS)
    # Typed by hand in NFC, while the file and folder names on disk are NFD.
    rule = {
        "if": {"trait_type": "Tête", "value": ["Café"]},
        "then": {"trait_type": "😀 Eyes", "excluded_values": ["עין"]},
    }
    write_json(tmp_path / "ruler.json", {"rules": [rule]})
    monkeypatch.chdir(tmp_path)

    scanned = CliRunner().invoke(get_traits_command, [])
    generated = CliRunner().invoke(generate_command, ["-n", "6", "--seed", "4", "--workers", "1"])

    assert scanned.exit_code == 0, scanned.output
    assert generated.exit_code == 0, generated.output
    tokens = [
        json.loads((tmp_path / "output" / "metadata" / f"{i}.json").read_text(encoding="utf-8"))
        for i in range(1, 7)
    ]
    values = [{a["trait_type"]: a["value"] for a in token["attributes"]} for token in tokens]
    assert {tuple(v) for v in values} == {("Background", "Tête", "😀 Eyes")}
    assert {v["Tête"] for v in values} == {"Café", "Beret"}  # NFC in the metadata
    assert {v["😀 Eyes"] for v in values} == {"עין", "👨‍👩‍👧"}
    assert not any(v["Tête"] == "Café" and v["😀 Eyes"] == "עין" for v in values)


def test_a_config_in_nfc_finds_nfd_files_and_folders(tmp_path: Path) -> None:
    write_traits(tmp_path / "traits", UNICODE_LAYERS)
    config = {
        "trait_order": ["Background", "Tête"],
        "image_size": [8, 8],
        "traits": {
            "Background": {"options": [{"name": "Red"}]},
            "Tête": {"options": [{"name": "Café", "file": "Café_Rare.png"}, {"name": "Beret"}]},
        },
    }
    write_json(tmp_path / "config.json", config)
    spec = ConfigManager(tmp_path / "config.json", None, tmp_path / "traits").load()
    files = [option.file for option in spec.layers[1].options]
    assert [path.name for path in files] == [f"{NFD_CAFE}_Rare.png", "Beret.png"]
    assert all(path.is_file() for path in files)


def test_names_that_differ_only_in_normalization_are_duplicates(tmp_path: Path) -> None:
    write_traits(tmp_path / "traits", BASIC_LAYERS)
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"][0]["name"] = "Café"
    config["traits"]["Hat"]["options"][1]["name"] = NFD_CAFE
    write_json(tmp_path / "config.json", config)
    with pytest.raises(ConfigError) as info:
        ConfigManager(tmp_path / "config.json", None, tmp_path / "traits").load()
    assert info.value.problems == (
        f"config.json: $.traits.Hat.options[1].name: duplicate option '{NFD_CAFE}' "
        "(see options[0])",
    )


def test_an_ignored_file_with_a_non_utf8_name_does_not_break_the_scan(
    tmp_path: Path, monkeypatch
) -> None:
    write_traits(tmp_path / "traits", BASIC_LAYERS)
    odd = Path(os.fsdecode(bytes(tmp_path / "traits" / "Hat") + b"/\xff\xfe.txt"))
    odd.write_bytes(b"notes")
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(get_traits_command, [])

    assert result.exit_code == 0, result.output
    assert (tmp_path / "config.json").read_bytes().decode("utf-8")


def test_messages_escape_what_would_break_a_line() -> None:
    # Undecodable file-name bytes as \xNN, control characters as escapes; emoji joiners and
    # right-to-left text stay as they are.
    text = "a\udcffb\nc\x00d 👨\u200d👩 עין \u2028"
    assert printable(text) == "a\\xffb\\nc\\x00d 👨\u200d👩 עין \\u2028"
