"""The config model's newer keys, each on its own tiny project: option `weight`, layer
`presence` and `none_value`, `display_name`, `parts` with `z`, `blend` and `opacity`, generated
`background`s, `base_uri` and `ipfs_cid`, `traits_dir`, `metadata.extra`, layer `folder`, JPEG
layers, `allow_identical_art` and `layer_sets`. Projects are 8x8 PNGs of exact colours, loaded
with ConfigManager or run in-process with the real generator, and the outcomes checked exactly."""

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from modules.errors import CheckpointMismatchError, ConfigError
from modules.load.config_manager import ConfigManager
from modules.load.spec import Background, CollectionSpec, LayerSet
from modules.plan.backgrounds import background_colour
from modules.plan.distribution import goodness_of_fit
from modules.run.nft_generator import generate
from modules.run.report import EXIT_IDENTICAL_IMAGES, EXIT_OK, Report
from modules.settings import GenerationSettings
from tests.conftest import SIZE, TraitSet, config_for, write_json, write_traits

SEED = 2024
CLEAR = (0, 0, 0, 0)
RED, GREEN, BLUE = (255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)
CID_V0 = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
CID_V1 = "bafybeia336rztjsnz5q6hsl66j2dpcaijplmj7tspddzaeie7475wpwehe"
Box = tuple[int, int, int, int]  # x0, y0, x1, y1, inclusive


# --- helpers ---------------------------------------------------------------------------------


def art(fill: tuple[int, ...] = CLEAR, *boxes: tuple[Box, tuple[int, ...]]) -> Image.Image:
    """An 8x8 RGBA image of `fill` with rectangles of exact colours painted over it."""
    image = Image.new("RGBA", SIZE, fill)
    for (x0, y0, x1, y1), colour in boxes:
        image.paste(colour, (x0, y0, x1 + 1, y1 + 1))
    return image


def dot(colour: tuple[int, ...]) -> Image.Image:
    """Transparent but for the top-left pixel."""
    return art(CLEAR, ((0, 0, 0, 0), colour))


def filler(layers: int = 4, options: int = 16) -> TraitSet:
    """Opaque layers of distinct colours that only add capacity (16**4 = 65536 combinations),
    so uniqueness barely pulls a 4000-token plan off its configured shares."""
    return {
        f"Filler{layer}": {f"f{i}.png": (15 * i, 60 * layer, 7, 255) for i in range(options)}
        for layer in range(layers)
    }


def write_project(root: Path, layers: TraitSet, config: dict[str, Any] | None = None) -> Path:
    """root/traits/<layer>/<file> for every image and root/config.json (by default one option
    per file, named by its stem); returns the config's path."""
    write_traits(root / "traits", layers)
    return write_json(root / "config.json", config or config_for(layers))


def load(config: Path) -> CollectionSpec:
    return ConfigManager(config, None, config.parent / "traits").load()


def problems(config: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(config)
    return list(info.value.problems)


def run(
    config: Path, n: int, output: str = "output", ruler: Path | None = None, **settings: Any
) -> Report:
    """The real generator in-process (one worker) on the project of `config`."""
    return generate(
        GenerationSettings(
            num_tokens=n,
            config_path=config,
            ruler_path=ruler,
            traits_dir=config.parent / "traits",
            output_dir=config.parent / output,
            seed=settings.pop("seed", SEED),
            **settings,
        )
    )


def token(output: Path, token_id: int) -> dict[str, Any]:
    return json.loads((output / "metadata" / f"{token_id}.json").read_text(encoding="utf-8"))


def values(document: dict[str, Any]) -> dict[str, str]:
    return {a["trait_type"]: a["value"] for a in document["attributes"]}


def pixel(output: Path, token_id: int, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(output / "image" / f"{token_id}.png") as image:
        return image.convert("RGBA").getpixel(xy)


def image_bytes(output: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((output / "image").iterdir())}


def close(actual: tuple[int, ...], expected: tuple[float, ...], tolerance: float = 1) -> bool:
    return len(actual) == len(expected) and all(
        abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)
    )


def rows_of(report: Report, layer: str) -> dict[str, tuple[float, int]]:
    """The dry run's share rows of one layer: value -> (configured %, planned count)."""
    return {
        r.value: (r.configured_percent, r.count) for r in report.shares if r.trait_type == layer
    }


# --- 1. option weight ------------------------------------------------------------------------

WEIGHTS = {"a": 0.5, "b": 99.5, "c": 7.25}


def weighted_project(root: Path) -> Path:
    layers: TraitSet = {"Coin": {"a.png": RED, "b.png": GREEN, "c.png": BLUE}, **filler()}
    config = config_for(layers)
    for option in config["traits"]["Coin"]["options"]:
        option["weight"] = WEIGHTS[option["name"]]
    return write_project(root, layers, config)


def test_option_weights_are_the_configured_shares_exactly(tmp_path):
    report = run(weighted_project(tmp_path), 30, dry_run=True)
    total = sum(WEIGHTS.values())
    configured = {value: share for value, (share, _) in rows_of(report, "Coin").items()}
    assert configured == {
        name: pytest.approx(100 * weight / total, abs=1e-9) for name, weight in WEIGHTS.items()
    }


def test_a_plan_of_3000_tokens_follows_the_weights(tmp_path):
    report = run(weighted_project(tmp_path), 3000, dry_run=True)
    counts = {value: count for value, (_, count) in rows_of(report, "Coin").items()}
    assert sum(counts.values()) == 3000
    assert all(counts.values())  # even weight 0.5 (expected 15 tokens) is drawn
    fit = goodness_of_fit([(name, WEIGHTS[name], counts[name]) for name in WEIGHTS])
    assert fit is not None
    assert fit.p_value > 0.001, counts


def test_rarity_and_weight_on_one_option_is_one_error(tmp_path):
    layers: TraitSet = {"Coin": {"a.png": RED, "b.png": GREEN}}
    config = config_for(layers)
    config["traits"]["Coin"]["options"][1].update(rarity=2, weight=4.5)
    assert problems(write_project(tmp_path, layers, config)) == [
        "config.json: $.traits.Coin.options[1]: give rarity or weight, not both"
    ]


# --- 2. layer presence -----------------------------------------------------------------------


def test_presence_plans_the_absent_share_and_shows_it_exactly(tmp_path):
    layers: TraitSet = {**filler(), "Hat": {"cap.png": dot(RED), "crown.png": dot(BLUE)}}
    config = config_for(layers)
    config["traits"]["Hat"]["presence"] = 0.265
    report = run(write_project(tmp_path, layers, config), 4000, dry_run=True)
    hat = rows_of(report, "Hat")
    absent = next(r for r in report.shares if r.trait_type == "Hat" and r.absent)
    present = sum(count for value, (_, count) in hat.items() if value != absent.value)
    assert absent.configured_percent == pytest.approx(73.5, abs=1e-9)
    present_share = sum(share for value, (share, _) in hat.items() if value != absent.value)
    assert present_share == pytest.approx(26.5, abs=1e-9)
    fit = goodness_of_fit([("Hat", 0.265, present), (None, 0.735, absent.count)])
    assert fit is not None
    assert fit.p_value > 0.001, (present, absent.count)


@pytest.mark.parametrize(
    ("none_value", "absent_attributes"),
    [(None, []), ("None", [{"trait_type": "Hat", "value": "None"}])],
    ids=["left-out", "none-value"],
)
def test_an_absent_layer_is_left_out_or_shows_its_none_value(
    tmp_path, none_value, absent_attributes
):
    layers: TraitSet = {
        "Background": {"red.png": RED, "green.png": GREEN},
        "Hat": {"cap.png": dot(BLUE), "crown.png": dot((250, 200, 0, 255))},
    }
    config = config_for(layers)
    config["traits"]["Hat"]["presence"] = 0.5
    if none_value is not None:
        config["traits"]["Hat"]["none_value"] = none_value
    assert run(write_project(tmp_path, layers, config), 6).exit_code == EXIT_OK  # all 2 x 3
    output = tmp_path / "output"
    backgrounds = {"red": RED, "green": GREEN}
    hatless = 0
    for token_id in range(1, 7):
        attributes = token(output, token_id)["attributes"]
        background = attributes[0]["value"]
        if pixel(output, token_id, (0, 0)) == backgrounds[background]:  # no hat drawn
            hatless += 1
            assert attributes[1:] == absent_attributes
        else:
            assert attributes[1]["trait_type"] == "Hat"
            assert attributes[1]["value"] in {"cap", "crown"}
    assert hatless == 2


def test_rarity_and_presence_on_one_layer_is_an_error(tmp_path):
    layers: TraitSet = {"Hat": {"cap.png": RED}}
    config = config_for(layers)
    config["traits"]["Hat"].update(rarity=2, presence=0.4)
    assert problems(write_project(tmp_path, layers, config)) == [
        "config.json: $.traits.Hat: give rarity or presence, not both"
    ]


# --- 3. display names ------------------------------------------------------------------------


def test_display_names_show_in_metadata_and_report_while_rules_use_names(tmp_path):
    layers: TraitSet = {
        "Background": {"red.png": RED, "green.png": GREEN},
        "Eyes": {"blue.png": dot(BLUE), "brown.png": dot((120, 60, 0, 255))},
    }
    config = config_for(layers)
    config["traits"]["Eyes"]["display_name"] = "Eye Colour"
    config["traits"]["Eyes"]["options"][0]["display_name"] = "Deep Blue"
    config_path = write_project(tmp_path, layers, config)
    rule = {
        "if": {"trait_type": "Background", "value": ["red"]},
        "then": {"trait_type": "Eyes", "excluded_values": ["blue"]},
    }
    ruler = write_json(tmp_path / "ruler.json", {"rules": [rule]})
    assert run(config_path, 3, ruler=ruler).exit_code == EXIT_OK  # 2 x 2 minus red + blue
    output = tmp_path / "output"
    tokens = [token(output, token_id)["attributes"] for token_id in (1, 2, 3)]
    assert {tuple(a["trait_type"] for a in attributes) for attributes in tokens} == {
        ("Background", "Eye Colour")
    }
    assert {tuple(a["value"] for a in attributes) for attributes in tokens} == {
        ("green", "Deep Blue"),
        ("green", "brown"),
        ("red", "brown"),
    }
    with (output / "rarity_report.csv").open(encoding="utf-8", newline="") as report:
        rows = {(row["trait_type"], row["value"]) for row in csv.DictReader(report)}
    assert rows == {
        ("Background", "red"),
        ("Background", "green"),
        ("Eye Colour", "Deep Blue"),
        ("Eye Colour", "brown"),
    }


def test_an_option_shown_as_none_keeps_its_own_count_in_collection_stats(tmp_path):
    layers: TraitSet = {
        "Background": {"red.png": RED},
        "Hat": {"cap.png": dot(BLUE), "nil.png": dot(GREEN)},
    }
    config = config_for(layers)
    config["traits"]["Hat"]["presence"] = 0.5
    config["traits"]["Hat"]["options"][1]["display_name"] = "None"
    assert run(write_project(tmp_path, layers, config), 3).exit_code == EXIT_OK  # cap, nil, absent
    stats = json.loads((tmp_path / "output/collection_stats.json").read_text("utf-8"))
    assert sum(stats["traits"]["Hat"].values()) == 3  # every token counted once


def test_options_sharing_a_display_name_never_give_tokens_with_the_same_attributes(tmp_path):
    layers: TraitSet = {"Eyes": {"blue.png": dot(BLUE), "navy.png": dot((0, 0, 90, 255))}}
    config = config_for(layers)
    for option in config["traits"]["Eyes"]["options"]:
        option["display_name"] = "Blue"
    config_path = write_project(tmp_path, layers, config)
    with pytest.raises(ConfigError) as info:  # 2 tokens with distinct attributes: impossible
        run(config_path, 2)
    assert info.value.problems == (
        "config.json: $.traits.Eyes: options 'blue' and 'navy' are both shown as 'Blue', so "
        "tokens would differ only in art; give them different display_name values",
    )


# --- 4. parts and z --------------------------------------------------------------------------

BODY, BACK, FRONT = (200, 0, 0, 255), (0, 0, 200, 255), (0, 200, 0, 255)


def hair_project(root: Path, option: dict[str, Any]) -> Path:
    """Body covers the left half; the Hair option draws back.png (everywhere) and front.png
    (the top row)."""
    layers: TraitSet = {
        "Body": {"body.png": art(CLEAR, ((0, 0, 3, 7), BODY))},
        "Hair": {"back.png": art(BACK), "front.png": art(CLEAR, ((0, 0, 7, 0), FRONT))},
    }
    config = config_for(layers)
    config["traits"]["Hair"]["options"] = [option]
    return write_project(root, layers, config)


def test_a_part_at_z_minus_1_goes_under_the_layer_below(tmp_path):
    parts = [{"file": "back.png", "z": -1}, {"file": "front.png", "z": 0}]
    config = hair_project(tmp_path, {"name": "long", "parts": parts})
    assert run(config, 1).exit_code == EXIT_OK
    output = tmp_path / "output"
    assert pixel(output, 1, (1, 4)) == BODY  # the back part is covered by the body
    assert pixel(output, 1, (6, 4)) == BACK  # and shows where the body is transparent
    assert pixel(output, 1, (1, 0)) == FRONT  # the z 0 part is drawn over the body
    assert pixel(output, 1, (6, 0)) == FRONT
    assert token(output, 1)["attributes"] == [
        {"trait_type": "Body", "value": "body"},
        {"trait_type": "Hair", "value": "long"},
    ]


def test_file_and_parts_on_one_option_is_an_error(tmp_path):
    option = {"name": "long", "file": "back.png", "parts": [{"file": "front.png"}]}
    assert problems(hair_project(tmp_path, option)) == [
        "config.json: $.traits.Hair.options[0]: give file or parts, not both"
    ]


def test_a_missing_part_file_is_one_error_naming_the_part(tmp_path):
    option = {"name": "long", "parts": [{"file": "back.png"}, {"file": "fringe.png"}]}
    (found,) = problems(hair_project(tmp_path, option))
    assert found.startswith("config.json: $.traits.Hair.options[0].parts[1]: ")
    assert "fringe.png" in found


# --- 5. blend and opacity --------------------------------------------------------------------

CB = (200, 100, 50)  # the opaque backdrop
CS = (100, 150, 250)  # the blended layer's colour


def _screen(b: float, s: float) -> float:
    return b + s - b * s


def _hard_light(b: float, s: float) -> float:
    return b * 2 * s if s <= 0.5 else _screen(b, 2 * s - 1)


def _soft_light(b: float, s: float) -> float:
    if s <= 0.5:
        return b - (1 - 2 * s) * b * (1 - b)
    d = ((16 * b - 12) * b + 4) * b if b <= 0.25 else b**0.5
    return b + (2 * s - 1) * (d - b)


# W3C Compositing and Blending Level 1, section 10, on channels in 0-1.
W3C_BLENDS = {
    "multiply": lambda b, s: b * s,
    "screen": _screen,
    "darken": min,
    "lighten": max,
    "difference": lambda b, s: abs(b - s),
    "overlay": lambda b, s: _hard_light(s, b),
    "hard-light": _hard_light,
    "soft-light": _soft_light,
}


def paint_project(root: Path, paint: tuple[int, int, int, int], **layer_keys: Any) -> Path:
    """An opaque CB background under one Paint layer of colour `paint` with `layer_keys`."""
    layers: TraitSet = {"Background": {"base.png": (*CB, 255)}, "Paint": {"paint.png": paint}}
    config = config_for(layers)
    config["traits"]["Paint"].update(layer_keys)
    return write_project(root, layers, config)


@pytest.mark.parametrize("alpha", [255, 128])
@pytest.mark.parametrize("mode", list(W3C_BLENDS))
def test_blend_modes_give_the_w3c_colours(tmp_path, mode, alpha):
    assert run(paint_project(tmp_path, (*CS, alpha), blend=mode), 1).exit_code == EXIT_OK
    a = alpha / 255
    expected = tuple(
        255 * (a * W3C_BLENDS[mode](b / 255, s / 255) + (1 - a) * b / 255)
        for b, s in zip(CB, CS, strict=True)
    )
    assert close(pixel(tmp_path / "output", 1, (3, 3)), (*expected, 255)), expected


@pytest.mark.parametrize(
    ("option_opacity", "drawn"), [(None, 0.5), (0.5, 0.25)], ids=["layer", "layer-and-option"]
)
def test_opacity_mixes_an_opaque_layer_with_what_is_below(tmp_path, option_opacity, drawn):
    config_path = paint_project(tmp_path, (*CS, 255), opacity=0.5)
    if option_opacity is not None:  # opacities multiply
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["traits"]["Paint"]["options"][0]["opacity"] = option_opacity
        write_json(config_path, config)
    assert run(config_path, 1).exit_code == EXIT_OK
    expected = tuple(drawn * s + (1 - drawn) * b for b, s in zip(CB, CS, strict=True))
    assert close(pixel(tmp_path / "output", 1, (3, 3)), (*expected, 255)), expected


def test_normal_blend_and_full_opacity_give_the_same_bytes_as_no_keys(tmp_path):
    layers: TraitSet = {
        "Background": {"red.png": RED, "blue.png": BLUE},
        "Body": {"grey.png": (128, 128, 128, 128), "white.png": (255, 255, 255, 90)},
        "Hat": {"cap.png": dot((0, 0, 0, 160)), "crown.png": dot((255, 215, 0, 200))},
    }
    plain = write_project(tmp_path, layers)
    config = config_for(layers)
    for layer in config["traits"].values():
        layer.update(blend="normal", opacity=1)
        for option in layer["options"]:
            option.update(blend="normal", opacity=1.0)
    explicit = write_json(tmp_path / "explicit.json", config)
    assert run(plain, 8, "plain").exit_code == EXIT_OK
    assert run(explicit, 8, "explicit").exit_code == EXIT_OK
    images = image_bytes(tmp_path / "plain")
    assert len(images) == 8
    assert images == image_bytes(tmp_path / "explicit")


# --- 6. generated backgrounds ----------------------------------------------------------------


def background_project(root: Path, **background: Any) -> Path:
    """Four one-pixel marks over a generated background; pixel (7, 7) shows only it."""
    layers: TraitSet = {"Mark": {f"m{i}.png": dot((60 * i, 0, 255, 255)) for i in range(4)}}
    return write_project(root, layers, config_for(layers, background=background))


@pytest.mark.parametrize("in_metadata", [True, False])
def test_background_colours_are_drawn_under_the_art_per_token(tmp_path, in_metadata):
    config = background_project(tmp_path, lightness=0.5, in_metadata=in_metadata)
    assert run(config, 4).exit_code == EXIT_OK
    assert run(config, 4, "again").exit_code == EXIT_OK
    output = tmp_path / "output"
    assert image_bytes(output) == image_bytes(tmp_path / "again")  # deterministic for the seed
    colours = []
    for token_id in range(1, 5):
        colour = pixel(output, token_id, (7, 7))
        assert colour == (*background_colour(Background(0.5), SEED, token_id), 255)
        assert (min(colour[:3]), max(colour[:3])) == (0, 255)  # lightness 0.5, saturation 1
        assert pixel(output, token_id, (0, 0))[1:] == (0, 255, 255)  # the mark covers it
        document = token(output, token_id)
        if in_metadata:
            assert re.fullmatch(r"[0-9a-f]{6}", document["background_color"])
            assert document["background_color"] == bytes(colour[:3]).hex()
        else:
            assert "background_color" not in document
        colours.append(colour)
    assert len(set(colours)) == 4


def test_changing_background_lightness_refuses_a_resume(tmp_path):
    config = background_project(tmp_path, lightness=0.8)
    assert run(config, 3).exit_code == EXIT_OK
    assert run(config, 3, resume=True).reused == 3  # unchanged inputs resume
    background_project(tmp_path, lightness=0.5)
    with pytest.raises(CheckpointMismatchError, match=r"config\.json"):
        run(config, 3, resume=True)


# --- 7. base_uri and ipfs_cid ----------------------------------------------------------------

ONE_LAYER: TraitSet = {"Background": {"red.png": RED, "green.png": GREEN}}


@pytest.mark.parametrize(
    ("base_uri", "prefix"),
    [
        (f"ipfs://{CID_V1}/", f"ipfs://{CID_V1}/"),
        (
            "ar://bNbA3TEQVL60xlgCcqdz4ZPHFZ711cZ3hmkpGttDt_U",
            "ar://bNbA3TEQVL60xlgCcqdz4ZPHFZ711cZ3hmkpGttDt_U/",
        ),
        ("https://example.com/nft/", "https://example.com/nft/"),
    ],
    ids=["ipfs", "ar", "https"],
)
def test_image_uris_are_base_uri_and_file_name(tmp_path, base_uri, prefix):
    config = write_project(tmp_path, ONE_LAYER, config_for(ONE_LAYER, base_uri=base_uri))
    assert run(config, 2).exit_code == EXIT_OK
    assert [token(tmp_path / "output", i)["image"] for i in (1, 2)] == [
        f"{prefix}1.png",
        f"{prefix}2.png",
    ]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (
            {"ipfs_cid": CID_V1, "base_uri": "https://example.com/"},
            [r"^config\.json: \$: give ipfs_cid or base_uri, not both$"],
        ),
        (
            {"ipfs_cid": f"ipfs://{CID_V0}"},
            [rf'^config\.json: \$\.ipfs_cid: .*"base_uri": "ipfs://{CID_V0}/"'],
        ),
        ({"ipfs_cid": "cid"}, [r"^config\.json: \$\.ipfs_cid: 'cid': not a valid IPFS CID"]),
    ],
    ids=["both", "uri-as-cid", "malformed"],
)
def test_image_location_mistakes_are_one_error_each(tmp_path, keys, expected):
    found = problems(write_project(tmp_path, ONE_LAYER, config_for(ONE_LAYER, **keys)))
    assert len(found) == len(expected), found
    for line, pattern in zip(found, expected, strict=True):
        assert re.search(pattern, line), line


def test_the_placeholder_cid_is_accepted(tmp_path):
    config = config_for(ONE_LAYER, ipfs_cid="your-ipfs-cid-here")
    spec = load(write_project(tmp_path, ONE_LAYER, config))
    assert spec.metadata.base_uri == "ipfs://your-ipfs-cid-here/"


# --- 8. traits_dir in the config -------------------------------------------------------------


def test_traits_dir_is_relative_to_the_config_and_an_argument_overrides_it(tmp_path, monkeypatch):
    project = tmp_path / "project"
    write_traits(project / "art", ONE_LAYER)
    write_traits(tmp_path / "other", ONE_LAYER)
    config = write_json(project / "config.json", config_for(ONE_LAYER, traits_dir="art"))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    for path in (config, Path("../project/config.json")):
        spec = ConfigManager(path, None, None).load()
        assert spec.traits_dir == path.parent / "art"
        assert spec.layers[0].options[0].file.resolve() == project / "art/Background/red.png"
    spec = ConfigManager(config, None, tmp_path / "other").load()
    assert spec.traits_dir == tmp_path / "other"
    assert spec.layers[0].options[0].file == tmp_path / "other/Background/red.png"


# --- 9. metadata.extra -----------------------------------------------------------------------


def test_extra_metadata_is_in_every_token_but_cannot_replace_genecator_fields(tmp_path):
    extra = {"compiler": "tests", "edition": 2, "creators": [{"address": "0xabc", "share": 100}]}
    metadata = {"name": "Tiny", "name_template": "{name} #{id}", "extra": {**extra, "name": "X"}}
    config = write_project(tmp_path, ONE_LAYER, config_for(ONE_LAYER, metadata=metadata))
    assert run(config, 2).exit_code == EXIT_OK
    output = tmp_path / "output"
    combined = json.loads((output / "metadata/combined_metadata.json").read_text("utf-8"))
    for token_id, document in enumerate(combined, start=1):
        assert document == token(output, token_id)
        assert {key: document[key] for key in extra} == extra
        assert document["name"] == f"Tiny #{token_id}"


# --- 10. layer folder ------------------------------------------------------------------------


def test_a_layer_reads_its_images_from_its_folder(tmp_path):
    layers: TraitSet = {"1-Background": ONE_LAYER["Background"], "Hat": {"cap.png": dot(BLUE)}}
    config = config_for(layers)
    config["trait_order"] = ["Background", "Hat"]
    config["traits"]["Background"] = {
        **config["traits"].pop("1-Background"),
        "folder": "1-Background",
    }
    config_path = write_project(tmp_path, layers, config)
    assert not (tmp_path / "traits/Background").exists()
    assert run(config_path, 2).exit_code == EXIT_OK
    output = tmp_path / "output"
    drawn = {}
    for token_id in (1, 2):
        attributes = values(token(output, token_id))
        assert list(attributes) == ["Background", "Hat"]
        drawn[attributes["Background"]] = pixel(output, token_id, (7, 7))
    assert drawn == {"red": RED, "green": GREEN}


# --- 11. JPEG layers -------------------------------------------------------------------------


def test_an_opaque_jpeg_background_loads_and_renders(tmp_path):
    sky = (30, 120, 220)
    layers: TraitSet = {
        "Background": {"sky.jpg": Image.new("RGB", SIZE, sky)},
        "Mark": {"dot.png": dot(RED)},
    }
    config = config_for(layers)
    config["traits"]["Background"]["options"] = [{"name": "sky"}]  # found by its extension
    config_path = write_project(tmp_path, layers, config)
    assert load(config_path).layers[0].options[0].file.name == "sky.jpg"
    assert run(config_path, 1).exit_code == EXIT_OK
    output = tmp_path / "output"
    assert close(pixel(output, 1, (7, 7)), (*sky, 255), tolerance=2)
    assert pixel(output, 1, (0, 0)) == RED


# --- 12. identical art -----------------------------------------------------------------------


def twin_project(root: Path, **keys: Any) -> Path:
    """Hat options Red and Crimson with the same pixels in differently compressed files."""
    layers: TraitSet = {"Hat": {"red.png": art(CLEAR, ((1, 1, 5, 3), RED))}}
    config = config_for(layers, **keys)
    config["traits"]["Hat"]["options"] = [
        {"name": "Red", "file": "red.png"},
        {"name": "Crimson", "file": "crimson.png"},
    ]
    config_path = write_project(root, layers, config)
    art(CLEAR, ((1, 1, 5, 3), RED)).save(root / "traits/Hat/crimson.png", compress_level=0)
    folder = root / "traits/Hat"
    assert (folder / "red.png").read_bytes() != (folder / "crimson.png").read_bytes()
    return config_path


def test_options_with_identical_pixels_are_refused_in_one_line(tmp_path):
    (line,) = problems(twin_project(tmp_path))
    assert line.startswith("config.json: $.traits.Hat: ")
    assert "'Crimson' (crimson.png)" in line
    assert "'Red' (red.png)" in line
    assert '"allow_identical_art": true' in line


def test_allow_identical_art_loads_them(tmp_path):
    spec = load(twin_project(tmp_path, allow_identical_art=True))
    assert [option.name for option in spec.layers[0].options] == ["Red", "Crimson"]


@pytest.mark.parametrize(("allow", "exit_code"), [(False, EXIT_IDENTICAL_IMAGES), (True, EXIT_OK)])
def test_tokens_with_identical_images_end_the_run_with_exit_4(tmp_path, allow, exit_code):
    layers: TraitSet = {**ONE_LAYER, "Cover": {"black.png": (0, 0, 0, 255)}}  # hides everything
    config = write_project(tmp_path, layers, config_for(layers, allow_identical_art=allow))
    report = run(config, 2)
    assert report.exit_code == exit_code
    assert report.done == 2
    if not allow:
        assert any(
            line.startswith("Tokens 1 and 2 have identical images")
            for line in report.summary_lines()
        )
        stats = json.loads((tmp_path / "output/collection_stats.json").read_text("utf-8"))
        assert stats["identical_images"] == [[1, 2]]


# --- 13. layer_sets --------------------------------------------------------------------------


def test_layer_sets_load_into_the_spec_without_a_notice(tmp_path):
    sets = [{"name_prefix": "Gen2", "up_to": 5, "trait_order": ["Background"]}]
    config = write_project(tmp_path, ONE_LAYER, config_for(ONE_LAYER, layer_sets=sets))
    spec, warnings = ConfigManager(config, None, tmp_path / "traits").load_with_warnings()
    assert [layer.name for layer in spec.layers] == ["Background"]
    assert spec.layer_sets == (LayerSet((0,), 5, "Gen2"),)
    assert not [w for w in warnings if "layer_sets" in w]
    write_json(config, config_for(ONE_LAYER))
    spec = ConfigManager(config, None, tmp_path / "traits").load()
    assert spec.layer_sets == ()
