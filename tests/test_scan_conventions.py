"""Scanning real creators' folder layouts (HashLips, nftchef, Art Engine 2, Genecator) with
`scan_traits` and `get-traits`: weights, NONE entries, nested folders, z positions, numbered
layer folders, the order guess and its preview, and that what is scanned loads and generates.

Every test builds its own tree of 8x8 PNGs; each file gets one pixel of its own colour, so
no two files look alike (identical-art detection) unless a test gives the art itself."""

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from modules.cli.get_traits import get_traits_command
from modules.errors import ConfigError, TraitFileError
from modules.load.config_manager import ConfigManager
from modules.load.spec import CollectionSpec
from modules.load.trait_scan import Scan, ScanOptions, scan_traits
from modules.plan.distribution import P_LIMIT, goodness_of_fit
from modules.run.nft_generator import generate, plan
from modules.run.scan_output import ORDER_PREVIEW, relative_to
from modules.settings import GenerationSettings

SIZE = (8, 8)
Art = Image.Image | bytes  # an image to save, or the file's raw bytes

# --- building trees --------------------------------------------------------------------------


def one_pixel(index: int) -> Image.Image:
    """A transparent image with one opaque pixel, its place and colour unique to `index`."""
    image = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    colour = (index % 256, index // 256 % 256, 255 - index % 256, 255)
    image.putpixel((index % SIZE[0], index // SIZE[0] % SIZE[1]), colour)
    return image


def filled(colour: tuple[int, int, int, int]) -> Image.Image:
    return Image.new("RGBA", SIZE, colour)


def make_traits(
    root: Path, names: Iterable[str] = (), art: Mapping[str, Art] | None = None
) -> Path:
    """`root`/traits with every relative path in `names` as a distinct one-pixel image and
    every path in `art` holding the given image or bytes; returns the traits folder."""
    traits = root / "traits"
    art = art or {}
    for index, name in enumerate([*names, *art]):
        path = traits / name
        path.parent.mkdir(parents=True, exist_ok=True)
        content = art.get(name, one_pixel(index))
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif path.suffix.lower() in (".jpg", ".jpeg"):
            content.convert("RGB").save(path)
        else:
            content.save(path)
    return traits


# --- scanning and reading the result ---------------------------------------------------------


def config_file(traits: Path) -> Path:
    return traits.parent / "config.json"


def write_config(traits: Path, config: dict[str, Any]) -> Path:
    """config.json beside `traits`, recording the folder as get-traits does."""
    path = config_file(traits)
    document = {**config, "traits_dir": relative_to(traits, path)}
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def load(config: Path) -> CollectionSpec:
    return ConfigManager(config, None, None).load()


def scanned(traits: Path, **options: Any) -> Scan:
    """scan_traits with ScanOptions(**options); the config it makes must load (main.py)."""
    scan = scan_traits(traits, ScanOptions(**options))
    load(write_config(traits, scan.config))
    return scan


def scan_problems(traits: Path, **options: Any) -> tuple[str, ...]:
    with pytest.raises(TraitFileError) as info:
        scan_traits(traits, ScanOptions(**options))
    return info.value.problems


def layer_options(scan: Scan, layer: str) -> list[dict[str, Any]]:
    return scan.config["traits"][layer]["options"]


def weights(scan: Scan, layer: str) -> dict[str, float]:
    return {option["name"]: option["weight"] for option in layer_options(scan, layer)}


def shares(scan: Scan, layer: str) -> dict[str, float]:
    """Each option's chance in the layer (the layer's absence takes the rest)."""
    presence = scan.config["traits"][layer].get("presence", 1)
    total = sum(weights(scan, layer).values())
    return {name: presence * weight / total for name, weight in weights(scan, layer).items()}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working folder, as a user runs get-traits in their project."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def get_traits(*args: str) -> Result:
    return CliRunner().invoke(get_traits_command, list(args))


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# --- HashLips, Art Engine 2 and Genecator weights --------------------------------------------


def test_hashlips_weights_come_off_the_names(tmp_path: Path) -> None:
    names = ["Black#1.png", "Blue#20.png", "Name#0.5.png", "Plain.png", "Hat#0.png"]
    traits = make_traits(tmp_path, [f"Eyes/{name}" for name in names])

    scan = scanned(traits)

    # a file without #N beside weighted ones gets HashLips' default weight, 1
    assert weights(scan, "Eyes") == {"Black": 1, "Blue": 20, "Name": 0.5, "Plain": 1}
    assert all(set(option) == {"name", "file", "weight"} for option in layer_options(scan, "Eyes"))
    assert scan.notices == [
        f"{traits / 'Eyes' / 'Hat#0.png'}: weight 0 (nftchef's 'only when forced'); left out, "
        "as forced combinations are not translated"
    ]


def test_a_weight_that_is_not_a_number_is_one_error_naming_the_file(tmp_path: Path) -> None:
    traits = make_traits(tmp_path, ["Eyes/Black#1.png", "Eyes/Cat#abc.png"])

    (problem,) = scan_problems(traits)

    assert problem.startswith(f'{traits / "Eyes" / "Cat#abc.png"}: "Cat#abc.png": "abc" after')


def test_rarity_delimiter_reads_another_separator(tmp_path: Path) -> None:
    traits = make_traits(tmp_path, ["Eyes/Red%30.png", "Eyes/Cat#20.png"])

    scan = scanned(traits, delimiter="%")

    assert weights(scan, "Eyes") == {"Cat#20": 1, "Red": 30}


def test_art_engine_2_weights(tmp_path: Path) -> None:
    traits = make_traits(tmp_path, ["Eyes/Name__w10.png", "Eyes/Other__w2.5.png"])

    assert weights(scanned(traits), "Eyes") == {"Name": 10, "Other": 2.5}


def test_genecator_suffixes_scan_to_integer_rarities_as_before(tmp_path: Path) -> None:
    names = ["Cap_Rare.png", "Crown_5.png", "Beanie.png", "Sky Blue_Common.png"]
    traits = make_traits(tmp_path, [f"Hat/{name}" for name in names])

    scan = scanned(traits)

    assert scan.config["traits"]["Hat"] == {
        "options": [
            {"name": "Beanie", "file": "Beanie.png", "rarity": 3},
            {"name": "Cap", "file": "Cap_Rare.png", "rarity": 1},
            {"name": "Crown", "file": "Crown_5.png", "rarity": 5},
            {"name": "Sky Blue", "file": "Sky Blue_Common.png", "rarity": 5},
        ]
    }
    assert all(type(option["rarity"]) is int for option in layer_options(scan, "Hat"))


@pytest.mark.parametrize(
    ("keep_names", "display"), [(False, {"display_name": "Laser Eyes"}), (True, {})]
)
def test_display_names_are_readable_unless_kept(
    tmp_path: Path, keep_names: bool, display: dict[str, str]
) -> None:
    traits = make_traits(tmp_path, ["Eyes/Laser_Eyes.png"])

    (option,) = layer_options(scanned(traits, keep_names=keep_names), "Eyes")

    assert option == {"name": "Laser_Eyes", **display, "file": "Laser_Eyes.png", "rarity": 3}


# --- NONE: the layer draws nothing -----------------------------------------------------------


def test_an_empty_none_file_makes_the_layer_optional(tmp_path: Path) -> None:
    traits = make_traits(tmp_path, ["Hat/A#35.png", "Hat/B#35.png"], art={"Hat/NONE#30.png": b""})

    scan = scanned(traits)

    assert scan.config["traits"]["Hat"]["presence"] == 0.7
    assert [option["name"] for option in layer_options(scan, "Hat")] == ["A", "B"]
    (hat,) = load(config_file(traits)).layers
    assert hat.presence == pytest.approx(0.7 * 5)  # in fifths


@pytest.mark.parametrize(
    ("files", "none_names", "names", "presence"),
    [
        (["None.png", "A.png", "B.png"], {"none"}, ["A", "B"], 2 / 3),
        (["none#10.png", "A#30.png"], {"none"}, ["A"], 0.75),
        (["Nothing.png", "None.png", "A.png"], {"nothing"}, ["A", "None"], 2 / 3),
    ],
    ids=["None", "lower-case", "custom"],
)
def test_none_names_in_any_case_and_custom_ones(
    tmp_path: Path, files: list[str], none_names: set[str], names: list[str], presence: float
) -> None:
    traits = make_traits(tmp_path, [f"Hat/{name}" for name in files])

    scan = scanned(traits, none_names=frozenset(none_names))

    assert [option["name"] for option in layer_options(scan, "Hat")] == names
    assert scan.config["traits"]["Hat"]["presence"] == pytest.approx(presence)


# --- nftchef nesting --------------------------------------------------------------------------

NFTCHEF_LAYOUT = [
    "Body/Skin#60.png",
    "Body/Pale#40.png",
    "Body/Shadow/shadow.png",  # an unweighted folder: always drawn
    "Clothes/Hoodie#50/front.png",  # unweighted files in a weighted folder: drawn together
    "Clothes/Hoodie#50/z-1,back.png",
    "Clothes/Shirt#50/Red#20.png",  # weighted files in a weighted folder: a branch
    "Clothes/Shirt#50/Blue#80.png",
    "Face/z2,Glasses#10/lens.png",  # the folder's z passes to its files
    "Face/Smile#30.png",
]
NFTCHEF_ART = {"Face/NONE#60.png": b""}  # Face is drawn in 40 % of tokens
NFTCHEF_ORDER = ("Body", "Clothes", "Face")


@pytest.fixture
def nftchef(tmp_path: Path) -> tuple[Path, Scan]:
    traits = make_traits(tmp_path, NFTCHEF_LAYOUT, NFTCHEF_ART)
    return traits, scanned(traits, order=NFTCHEF_ORDER)


def option_named(scan: Scan, layer: str, name: str) -> dict[str, Any]:
    return next(option for option in layer_options(scan, layer) if option["name"] == name)


def test_unweighted_files_in_a_weighted_folder_are_parts_of_one_option(
    nftchef: tuple[Path, Scan],
) -> None:
    _, scan = nftchef

    assert option_named(scan, "Clothes", "Hoodie") == {
        "name": "Hoodie",
        "parts": [{"file": "Hoodie#50/front.png"}, {"file": "Hoodie#50/z-1,back.png", "z": -1}],
        "weight": 50,
    }


def test_a_weighted_folder_of_weighted_files_is_a_branch(nftchef: tuple[Path, Scan]) -> None:
    _, scan = nftchef

    assert [option.get("display_name") for option in layer_options(scan, "Clothes")] == [
        None,
        "Blue",
        "Red",
    ]
    assert shares(scan, "Clothes") == pytest.approx(
        {"Hoodie": 0.5, "Shirt/Blue": 0.5 * 0.8, "Shirt/Red": 0.5 * 0.2}
    )
    assert option_named(scan, "Clothes", "Shirt/Red")["file"] == "Shirt#50/Red#20.png"


def test_a_folders_z_passes_to_its_files(nftchef: tuple[Path, Scan]) -> None:
    _, scan = nftchef

    assert option_named(scan, "Face", "Glasses")["parts"] == [
        {"file": "z2,Glasses#10/lens.png", "z": 2}
    ]
    assert shares(scan, "Face") == pytest.approx({"Glasses": 0.1, "Smile": 0.3})


def test_an_unweighted_sub_folder_is_added_to_every_option(nftchef: tuple[Path, Scan]) -> None:
    _, scan = nftchef

    assert {option["name"]: option["parts"] for option in layer_options(scan, "Body")} == {
        "Pale": [{"file": "Pale#40.png"}, {"file": "Shadow/shadow.png"}],
        "Skin": [{"file": "Skin#60.png"}, {"file": "Shadow/shadow.png"}],
    }
    assert shares(scan, "Body") == pytest.approx({"Pale": 0.4, "Skin": 0.6})


def test_a_nested_layout_generates(nftchef: tuple[Path, Scan], tmp_path: Path) -> None:
    traits, _ = nftchef
    settings = GenerationSettings(
        num_tokens=8,
        config_path=config_file(traits),
        ruler_path=None,
        traits_dir=None,
        output_dir=tmp_path / "output",
        seed=1,
    )

    report = generate(settings)

    assert report.exit_code == 0
    assert len(list((tmp_path / "output" / "image").glob("*.png"))) == 8
    tokens = [read_json(tmp_path / "output" / "metadata" / f"{i}.json") for i in range(1, 9)]
    values = [{a["trait_type"]: a["value"] for a in token["attributes"]} for token in tokens]
    assert {token["Body"] for token in values} <= {"Pale", "Skin"}
    assert {token["Clothes"] for token in values} <= {"Hoodie", "Blue", "Red"}
    assert {token.get("Face") for token in values} <= {"Glasses", "Smile", None}


# --- layer order ------------------------------------------------------------------------------


def test_numbered_layer_folders_give_the_order(tmp_path: Path) -> None:
    traits = make_traits(tmp_path, ["10 Hat/Cap.png", "02_Body/Grey.png", "1-Background/Sky.png"])

    scan = scanned(traits)

    assert scan.config["trait_order"] == ["Background", "Body", "Hat"]
    assert [layer["folder"] for layer in scan.config["traits"].values()] == [
        "1-Background",
        "02_Body",
        "10 Hat",
    ]
    assert scan.order_guessed is False


def test_a_number_without_a_separator_is_part_of_the_name(tmp_path: Path) -> None:
    traits = make_traits(tmp_path, ["1-Background/Sky.png", "3D Glasses/Red.png"])

    scan = scanned(traits)

    assert scan.config["trait_order"] == ["Background", "3D Glasses"]
    assert "folder" not in scan.config["traits"]["3D Glasses"]


def test_the_order_is_a_guess_without_numbers_or_order(tmp_path: Path) -> None:
    traits = make_traits(tmp_path, ["Body/Grey.png", "Eyes/Blue.png", "Hat/Cap.png"])

    assert scan_traits(traits).order_guessed is True
    assert scan_traits(traits, ScanOptions(order=("Body", "Eyes", "Hat"))).order_guessed is False


def test_get_traits_previews_a_guessed_order(project: Path) -> None:
    eyes = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    eyes.putpixel((3, 4), (255, 0, 0, 255))
    make_traits(
        project,
        art={
            "Eyes/Laser.png": eyes,
            "Eyes/Sleepy.png": one_pixel(9),
            "Body/Blue.png": filled((0, 0, 255, 255)),
            "Body/Green.png": filled((0, 255, 0, 255)),
        },
    )

    result = get_traits()

    assert result.exit_code == 0, result.output
    preview_path = project / ORDER_PREVIEW
    guess = [line for line in result.output.splitlines() if "guess" in line]
    assert len(guess) == 1
    assert "--order" in guess[0]
    assert ORDER_PREVIEW in guess[0]
    assert read_json(project / "config.json")["trait_order"] == ["Body", "Eyes"]
    with Image.open(preview_path) as preview:
        assert preview.format == "PNG"
        assert preview.size == SIZE
        assert preview.convert("RGBA").getpixel((3, 4)) == (255, 0, 0, 255)  # Laser over Blue
        assert preview.convert("RGBA").getpixel((0, 0)) == (0, 0, 255, 255)


def test_get_traits_writes_no_preview_for_numbered_folders(project: Path) -> None:
    make_traits(project, ["1-Body/Grey.png", "2-Eyes/Blue.png"])

    result = get_traits()

    assert result.exit_code == 0, result.output
    assert "guess" not in result.output
    assert not (project / ORDER_PREVIEW).exists()


# --- files ------------------------------------------------------------------------------------


def test_jpeg_files_are_options(tmp_path: Path) -> None:
    traits = make_traits(
        tmp_path, ["Background/Sea.jpg", "Background/Sky.jpeg", "Background/Sun.JPG"]
    )

    options = layer_options(scanned(traits), "Background")

    assert [option["file"] for option in options] == ["Sea.jpg", "Sky.jpeg", "Sun.JPG"]


@pytest.mark.parametrize(
    ("first", "second"), [("Cap_3.png", "Cap_Rare.png"), ("Cap#5.png", "Cap#10.gif")]
)
def test_two_files_with_one_name_are_one_error_naming_both(
    tmp_path: Path, first: str, second: str
) -> None:
    traits = make_traits(tmp_path, [f"Hat/{first}", f"Hat/{second}"])

    (problem,) = scan_problems(traits)

    assert first in problem
    assert second in problem
    assert "option name 'Cap'" in problem


def test_identical_pixels_are_a_notice_naming_both_options(tmp_path: Path) -> None:
    red = filled((255, 0, 0, 255))
    traits = make_traits(tmp_path, ["Hat/Cap.png"], art={"Hat/Red.png": red, "Hat/Ruby.png": red})

    (notice,) = scan_traits(traits).notices

    assert "'Red'" in notice
    assert "'Ruby'" in notice
    assert "identical pixels" in notice


def test_get_traits_prints_identical_art_and_still_writes_the_config(project: Path) -> None:
    red = filled((255, 0, 0, 255))
    make_traits(project, ["Hat/Cap.png"], art={"Hat/Red.png": red, "Hat/Ruby.png": red})

    result = get_traits()

    assert result.exit_code == 0, result.output
    assert any("identical pixels" in line for line in result.output.splitlines())
    config = project / "config.json"
    with pytest.raises(ConfigError, match="identical pixels"):  # main.py refuses it ...
        load(config)
    allowed = {**read_json(config), "allow_identical_art": True}
    config.write_text(json.dumps(allowed), encoding="utf-8")
    assert load(config).allow_identical_art  # ... unless it is allowed


def test_get_traits_records_the_traits_folder_relative_to_the_config(project: Path) -> None:
    make_traits(project / "art", ["Body/Grey.png", "Eyes/Blue.png"])
    (project / "cfg").mkdir()

    result = get_traits("-t", "art/traits", "-o", "cfg/config.json", "--order", "Body,Eyes")

    assert result.exit_code == 0, result.output
    assert read_json(project / "cfg" / "config.json")["traits_dir"] == "../art/traits"
    spec = ConfigManager(Path("cfg/config.json"), None, None).load()
    assert [layer.name for layer in spec.layers] == ["Body", "Eyes"]


def test_other_files_are_ignored_with_a_notice(tmp_path: Path) -> None:
    traits = make_traits(
        tmp_path,
        ["Hat/Cap.png", "Hat/Hoodie#5/front.png"],
        art={"Hat/notes.txt": b"ideas", "Hat/Hoodie#5/readme.md": b"todo"},
    )

    scan = scanned(traits)

    assert [option["name"] for option in layer_options(scan, "Hat")] == ["Cap", "Hoodie"]
    assert sorted(scan.notices) == [
        f"{traits / 'Hat' / 'Hoodie#5' / 'readme.md'}: not a .png, .gif, .webp or .jpg image; "
        "ignored",
        f"{traits / 'Hat' / 'notes.txt'}: not a .png, .gif, .webp or .jpg image; ignored",
    ]


def test_hidden_files_and_macos_metadata_are_ignored_silently(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    junk: dict[str, Art] = {
        "Hat/.DS_Store": b"\0\0\0\1Bud1",
        "Hat/._Cap.png": b"\0\5\26\7",
        "Hat/Thumbs.db": b"",
        "Hat/.thumbnails/Cap.png": one_pixel(40),
        "Hat/__MACOSX/._Cap.png": b"",
        "Hat/Hoodie#5/.DS_Store": b"",
        "Hat/Hoodie#5/__MACOSX/._front.png": b"",
        ".hidden-layer/Cap.png": one_pixel(41),
    }
    traits = make_traits(tmp_path, ["Hat/Cap.png", "Hat/Hoodie#5/front.png"], art=junk)

    with caplog.at_level(logging.INFO):
        scan = scan_traits(traits)

    assert scan.config["trait_order"] == ["Hat"]
    assert [option["name"] for option in layer_options(scan, "Hat")] == ["Cap", "Hoodie"]
    assert scan.notices == []
    assert caplog.records == []


def test_a_macos_folder_beside_the_layers_is_ignored_silently(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    traits = make_traits(tmp_path, ["Hat/Cap.png"], art={"__MACOSX/Hat/._Cap.png": b"\0\5"})

    with caplog.at_level(logging.INFO):
        scan = scan_traits(traits)

    assert scan.config["trait_order"] == ["Hat"]
    assert scan.notices == []
    assert caplog.records == []


# --- the planned shares follow the weights ----------------------------------------------------


def test_planned_tokens_follow_hashlips_weights(tmp_path: Path) -> None:
    # Each weighted option needs far more free combinations than the tokens it should get, or
    # uniqueness pulls the shares: the 70 % option wants 1400 of 2000 tokens, so the other
    # layers give 40**3 combinations (two layers of 40 options would allow only 120 tokens).
    others = [f"{layer}/{layer}{i}.png" for layer in ("Eyes", "Hat", "Mouth") for i in range(40)]
    traits = make_traits(tmp_path, ["Body/A#70.png", "Body/B#20.png", "Body/C#10.png", *others])
    scanned(traits)
    settings = GenerationSettings(
        num_tokens=2000,
        config_path=config_file(traits),
        ruler_path=None,
        traits_dir=None,
        output_dir=tmp_path / "output",
        seed=1,
        dry_run=True,
    )

    planned = plan(settings)

    index = [layer.name for layer in planned.spec.layers].index("Body")
    counts = Counter(combo[index] for combo in planned.combos)
    options = planned.spec.layers[index].options
    assert [(option.name, option.weight) for option in options] == [("A", 70), ("B", 20), ("C", 10)]
    fit = goodness_of_fit([(o.name, o.weight, counts[i]) for i, o in enumerate(options)])
    assert fit is not None
    assert fit.p_value > P_LIMIT
