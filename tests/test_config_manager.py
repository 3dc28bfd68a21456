"""ConfigManager.load: every problem in config.json, ruler.json and the trait files, at once."""

import io
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from modules.errors import ConfigError
from modules.load.config_manager import ConfigManager
from modules.load.spec import CollectionSpec, Rule
from tests.conftest import BASIC_LAYERS, config_for, write_json

DELETE = object()

Project = Callable[..., Path]


def load(root: Path, ruler: str | None = None) -> CollectionSpec:
    ruler_path = root / ruler if ruler else None
    return ConfigManager(root / "config.json", ruler_path, root / "traits").load()


def problems(root: Path, ruler: str | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(root, ruler)
    return list(info.value.problems)


def set_path(document: Any, path: tuple, value: Any) -> Any:
    """Set (or delete, with DELETE) the entry at `path` in a nested JSON document."""
    *parents, last = path
    for key in parents:
        document = document[key]
    if value is DELETE:
        del document[last]
    else:
        document[last] = value
    return document


def rule(if_type: str, values: list[str], then_type: str, excluded: list[str]) -> dict:
    return {
        "if": {"trait_type": if_type, "value": values},
        "then": {"trait_type": then_type, "excluded_values": excluded},
    }


def hat_option(index: int = 0) -> str:
    return f"config.json: $.traits.Hat.options[{index}]"


# --- a valid config -------------------------------------------------------------------------


def test_valid_config_loads_layers_weights_and_presence(make_project: Project) -> None:
    config = config_for(
        BASIC_LAYERS,
        priority_traits=["Body"],
        max_similar_combinations=2,
        ipfs_cid="QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
        metadata={"name": "Critters", "description": "Tiny", "name_template": "{name} no. {id}"},
    )
    config["traits"]["Hat"]["rarity"] = 2
    config["traits"]["Body"]["options"][0]["rarity"] = 1
    config["traits"]["Body"]["options"][1]["rarity"] = 5
    root = make_project(BASIC_LAYERS, config)

    spec = load(root)

    assert [layer.name for layer in spec.layers] == ["Background", "Body", "Hat"]
    assert [[o.name for o in layer.options] for layer in spec.layers] == [
        ["Red", "Green", "Blue"],
        ["Grey", "White"],
        ["Cap", "Crown"],
    ]
    assert [[o.weight for o in layer.options] for layer in spec.layers] == [
        [3, 3, 3],
        [1, 5],
        [3, 3],
    ]
    assert [layer.presence for layer in spec.layers] == [5, 5, 2]
    assert [layer.optional for layer in spec.layers] == [False, False, True]
    assert spec.layers[2].options[1].file == root / "traits" / "Hat" / "Crown.png"
    assert spec.priority_layers == (1,)
    assert spec.max_similar == 2
    assert spec.image_size == (8, 8)
    assert spec.rules == ()
    assert spec.metadata.name == "Critters"
    assert spec.metadata.description == "Tiny"
    assert spec.metadata.name_template == "{name} no. {id}"
    assert spec.metadata.base_uri == "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG/"


def test_defaults_when_optional_fields_are_absent(make_project: Project) -> None:
    spec = load(make_project(BASIC_LAYERS))

    assert spec.max_similar == 1
    assert spec.priority_layers == ()
    assert spec.metadata.base_uri == "ipfs://your-ipfs-cid-here/"
    assert spec.metadata.name_template == "{name} #{id}"
    assert spec.metadata.external_url is None


def test_option_without_file_uses_its_name(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"] = [{"name": "Cap"}, {"name": "Crown", "file": "crown.PNG"}]
    root = make_project(BASIC_LAYERS, config)

    hat = load(root).layers[2]

    assert [o.file.name for o in hat.options] == ["Cap.png", "Crown.png"]


# --- schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("traits", "Body", "options", 0, "rarity"),
            7,
            "config.json: $.traits.Body.options[0].rarity: 7 is greater than the maximum of 5",
        ),
        (
            ("traits", "Hat", "rarity"),
            0,
            "config.json: $.traits.Hat.rarity: 0 is less than the minimum of 1",
        ),
        (("image_size",), DELETE, "config.json: $: 'image_size' is a required property"),
        (("image_size",), "8x8", "config.json: $.image_size: '8x8' is not of type 'array'"),
        (
            ("trait_ordr",),
            [],
            "config.json: $: unknown key 'trait_ordr'; did you mean 'trait_order'?",
        ),
        (
            ("traits", "Body", "options", 1, "rarty"),
            2,
            "config.json: $.traits.Body.options[1]: unknown key 'rarty'; did you mean 'rarity'?",
        ),
        (
            ("max_similar_combinations",),
            "2",
            "config.json: $.max_similar_combinations: '2' is not of type 'integer'",
        ),
    ],
    ids=[
        "rarity-7",
        "layer-rarity-0",
        "no-image-size",
        "size-type",
        "typo-key",
        "option-key",
        "type",
    ],
)
def test_schema_problem_names_file_path_and_reason(
    make_project: Project, path: tuple, value: Any, expected: str
) -> None:
    config = config_for(BASIC_LAYERS)
    set_path(config, path, value)

    assert problems(make_project(BASIC_LAYERS, config)) == [expected]


def test_every_schema_problem_is_reported_at_once(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS, ipfs_cid=5, colour="red")
    config["traits"]["Body"]["options"][0]["rarity"] = 7
    config["traits"]["Hat"]["rarity"] = 0
    config["image_size"] = [8]

    found = problems(make_project(BASIC_LAYERS, config))

    assert found == [
        "config.json: $: unknown key 'colour'",
        "config.json: $.image_size: [8] is too short",
        "config.json: $.ipfs_cid: 5 is not of type 'string'",
        "config.json: $.traits.Body.options[0].rarity: 7 is greater than the maximum of 5",
        "config.json: $.traits.Hat.rarity: 0 is less than the minimum of 1",
    ]


def test_config_and_ruler_schema_problems_are_reported_together(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS)
    config["traits"]["Body"]["options"][0]["rarity"] = 7
    bad_rule = rule("Body", ["Grey"], "Hat", ["Cap"])
    bad_rule["iff"] = bad_rule.pop("if")
    root = make_project(BASIC_LAYERS, config, rules=[bad_rule])

    found = problems(root, "ruler.json")

    assert found == [
        "config.json: $.traits.Body.options[0].rarity: 7 is greater than the maximum of 5",
        "ruler.json: $.rules[0]: 'if' is a required property",
        "ruler.json: $.rules[0]: unknown key 'iff'; did you mean 'if'?",
    ]


@pytest.mark.parametrize("name", ["config.json", "ruler.json"])
def test_malformed_json_names_line_and_column(make_project: Project, name: str) -> None:
    root = make_project(BASIC_LAYERS, rules=[])
    (root / name).write_text('{\n  "trait_order": ["A",]\n}', encoding="utf-8")

    assert problems(root, "ruler.json") == [
        f"{root / name}: invalid JSON at line 2 column 23: Expecting value"
    ]


def test_missing_config_file_is_one_clear_error(tmp_path: Path) -> None:
    assert problems(tmp_path) == [f"{tmp_path / 'config.json'}: file not found"]


# --- layer references -----------------------------------------------------------------------


def test_trait_order_layer_missing_from_traits_has_hint(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS)
    config["trait_order"][2] = "Hatt"

    assert problems(make_project(BASIC_LAYERS, config)) == [
        "config.json: $.trait_order[2]: layer 'Hatt' has no entry in $.traits; did you mean 'Hat'?",
        "config.json: $.traits.Hat: layer is not in $.trait_order; add it there or remove it",
    ]


def test_layer_in_traits_but_not_in_trait_order(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS)
    config["trait_order"].remove("Body")

    assert problems(make_project(BASIC_LAYERS, config)) == [
        "config.json: $.traits.Body: layer is not in $.trait_order; add it there or remove it"
    ]


def test_unknown_priority_trait_has_hint(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS, priority_traits=["Hat", "Bodyy"])

    assert problems(make_project(BASIC_LAYERS, config)) == [
        "config.json: $.priority_traits[1]: no layer 'Bodyy'; did you mean 'Body'?"
    ]


# --- option files ---------------------------------------------------------------------------


def test_missing_option_file_suggests_near_name(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"][0]["file"] = "Capp.png"
    root = make_project(BASIC_LAYERS, config)

    assert problems(root) == [
        f"{hat_option()}: no file Capp.png in {root / 'traits' / 'Hat'}; did you mean 'Cap.png'?"
    ]


def test_option_without_file_tries_png_and_gif(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"][1] = {"name": "Crwn"}
    root = make_project(BASIC_LAYERS, config)

    assert problems(root) == [
        f"{hat_option(1)}: no file Crwn.png (or Crwn.gif, Crwn.webp, Crwn.jpg, Crwn.jpeg) in "
        f"{root / 'traits' / 'Hat'}"
        "; did you mean 'Crown.png'?"
    ]


def test_missing_layer_folder(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS)
    for path in (root / "traits" / "Hat").iterdir():
        path.unlink()
    (root / "traits" / "Hat").rmdir()

    assert problems(root) == [
        f"{root / 'traits' / 'Hat'}: layer folder not found (config.json $.traits.Hat)"
    ]


def test_wrong_image_size_names_both_sizes(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS)
    cap = root / "traits" / "Hat" / "Cap.png"
    Image.new("RGBA", (16, 9)).save(cap)

    assert problems(root) == [
        f"{cap}: image is 16x9 but image_size is 8x8; resize it or fix image_size"
    ]


def test_random_bytes_with_png_name_is_reported(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS)
    cap = root / "traits" / "Hat" / "Cap.png"
    cap.write_bytes(random.Random(0).randbytes(300))

    assert problems(root) == [f"{cap}: not an image Pillow can read; re-export it as PNG"]


def test_truncated_png_is_reported(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS)
    cap = root / "traits" / "Hat" / "Cap.png"
    noise = Image.frombytes("RGBA", (8, 8), random.Random(0).randbytes(256))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    cap.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])

    found = problems(root)

    assert len(found) == 1
    assert found[0].startswith(f"{cap}: cannot decode it (")
    assert found[0].endswith("; re-export it")


def test_zero_byte_file_is_reported(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS)
    crown = root / "traits" / "Hat" / "Crown.png"
    crown.write_bytes(b"")

    found = problems(root)

    assert len(found) == 1
    assert found[0].startswith(f"{crown}: ")
    assert "re-export" in found[0]


@pytest.mark.parametrize("value", ["../x.png", "sub/../../Body/Grey.png", "ABSOLUTE"])
def test_unsafe_file_values_are_refused(make_project: Project, value: str) -> None:
    root = make_project(BASIC_LAYERS)
    if value == "ABSOLUTE":
        value = str(root / "traits" / "Body" / "Grey.png")
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"][0]["file"] = value
    write_json(root / "config.json", config)
    (root / "x.png").write_bytes((root / "traits" / "Hat" / "Cap.png").read_bytes())

    assert problems(root) == [
        f"{hat_option()}.file: '{value}' must be a file name inside {root / 'traits' / 'Hat'}"
    ]


def test_symlink_leaving_traits_folder_is_refused(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS)
    outside = root / "outside.png"
    Image.new("RGBA", (8, 8)).save(outside)
    link = root / "traits" / "Hat" / "Link.png"
    link.symlink_to(outside)
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"].append({"name": "Link", "file": "Link.png"})
    write_json(root / "config.json", config)

    assert problems(root) == [
        f"{hat_option(2)}.file: {link} links outside {root / 'traits'}; copy the image into it"
    ]


def test_duplicate_option_names(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS)
    config["traits"]["Hat"]["options"][1]["name"] = "Cap"
    root = make_project(BASIC_LAYERS, config)

    assert problems(root) == [
        "config.json: $.traits.Hat.options[1].name: duplicate option 'Cap' (see options[0])"
    ]


def test_every_file_problem_is_reported_at_once(make_project: Project) -> None:
    config = config_for(BASIC_LAYERS)
    config["traits"]["Background"]["options"][0]["file"] = "Rad.png"
    config["traits"]["Hat"]["options"][1]["name"] = "Cap"
    root = make_project(BASIC_LAYERS, config)
    grey = root / "traits" / "Body" / "Grey.png"
    Image.new("RGBA", (4, 4)).save(grey)
    white = root / "traits" / "Body" / "White.png"
    white.write_bytes(b"not a png")

    found = problems(root)

    assert len(found) == 4
    assert found[0].startswith("config.json: $.traits.Background.options[0]: no file Rad.png")
    assert found[1] == f"{grey}: image is 4x4 but image_size is 8x8; resize it or fix image_size"
    assert found[2] == f"{white}: not an image Pillow can read; re-export it as PNG"
    assert found[3].startswith("config.json: $.traits.Hat.options[1].name: duplicate option")


# --- ruler ----------------------------------------------------------------------------------


def test_no_ruler_means_no_rules(make_project: Project) -> None:
    assert load(make_project(BASIC_LAYERS)).rules == ()


def test_empty_ruler_means_no_rules(make_project: Project) -> None:
    assert load(make_project(BASIC_LAYERS, rules=[]), "ruler.json").rules == ()


def test_missing_ruler_file_is_one_clear_error(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS)

    assert problems(root, "ruler.json") == [f"{root / 'ruler.json'}: file not found"]


def test_rule_resolves_to_layer_and_option_indices(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS, rules=[rule("Hat", ["Crown"], "Background", ["Red", "Blue"])])

    assert load(root, "ruler.json").rules == (Rule(2, frozenset({1}), 0, frozenset({0, 2})),)


def test_unknown_rule_layers_have_hints(make_project: Project) -> None:
    rules = [rule("Bodyy", ["Grey"], "Hatt", ["Cap"])]
    root = make_project(BASIC_LAYERS, rules=rules)

    assert problems(root, "ruler.json") == [
        "ruler.json: $.rules[0].if.trait_type: no layer 'Bodyy'; did you mean 'Body'?",
        "ruler.json: $.rules[0].then.trait_type: no layer 'Hatt'; did you mean 'Hat'?",
    ]


def test_unknown_rule_values_have_hints(make_project: Project) -> None:
    rules = [
        rule("Body", ["Grey"], "Hat", ["Cap"]),
        rule("Body", ["White", "Gery"], "Hat", ["Cpa"]),
    ]
    root = make_project(BASIC_LAYERS, rules=rules)

    assert problems(root, "ruler.json") == [
        "ruler.json: $.rules[1].if.value[1]: layer 'Body' has no option 'Gery'; "
        "did you mean 'Grey'?",
        "ruler.json: $.rules[1].then.excluded_values[0]: layer 'Hat' has no option 'Cpa'; "
        "did you mean 'Cap'?",
    ]


def test_rule_problems_use_the_ruler_file_name(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS)
    write_json(root / "my_rules.json", {"rules": [rule("Body", ["Grey"], "Hat", ["Helmet"])]})

    assert problems(root, "my_rules.json") == [
        "my_rules.json: $.rules[0].then.excluded_values[0]: layer 'Hat' has no option 'Helmet'"
    ]


def test_rule_with_same_layer_in_if_and_then(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS, rules=[rule("Body", ["Grey"], "Body", ["White"])])

    assert problems(root, "ruler.json") == [
        "ruler.json: $.rules[0]: 'if' and 'then' name the same layer; a rule links two layers"
    ]


def test_wildcards_expand_to_all_options(make_project: Project) -> None:
    rules = [rule("Background", ["*"], "Hat", ["Cap"]), rule("Body", ["Grey"], "Hat", ["*"])]
    root = make_project(BASIC_LAYERS, rules=rules)

    assert load(root, "ruler.json").rules == (
        Rule(0, frozenset({0, 1, 2}), 2, frozenset({0})),
        Rule(1, frozenset({0}), 2, frozenset({0, 1})),
    )


def test_rule_problems_and_file_problems_are_reported_together(make_project: Project) -> None:
    root = make_project(BASIC_LAYERS, rules=[rule("Body", ["Gray"], "Hat", ["Cap"])])
    Image.new("RGBA", (9, 9)).save(root / "traits" / "Background" / "Red.png")

    found = problems(root, "ruler.json")

    assert len(found) == 2
    assert found[0].endswith("image is 9x9 but image_size is 8x8; resize it or fix image_size")
    assert found[1] == (
        "ruler.json: $.rules[0].if.value[0]: layer 'Body' has no option 'Gray'; "
        "did you mean 'Grey'?"
    )


NAMED_LAYERS = {
    "Eyes": {
        "Laser_Rare.png": (1, 1, 1, 255),
        "Party_Hat.png": (2, 2, 2, 255),
        "Round.png": (3, 3, 3, 255),
    },
    "Body": {"Plain.png": (4, 4, 4, 255), "Spots.png": (5, 5, 5, 255)},
}


@pytest.mark.parametrize(
    ("value", "option"),
    [
        ("Laser", 0),
        ("Laser_Rare", 0),
        ("Laser Rare", 0),
        ("Party Hat", 1),
        ("Party_Hat", 1),
        ("Round", 2),
    ],
)
def test_rule_values_match_option_name_or_file_stem(
    make_project: Project, value: str, option: int
) -> None:
    config = config_for(NAMED_LAYERS)
    config["traits"]["Eyes"]["options"][0]["name"] = "Laser"
    config["traits"]["Eyes"]["options"][1]["name"] = "Party Hat"
    root = make_project(NAMED_LAYERS, config, rules=[rule("Eyes", [value], "Body", ["Spots"])])

    assert load(root, "ruler.json").rules == (Rule(0, frozenset({option}), 1, frozenset({1})),)


# --- metadata templates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "{nme} #{id}",
        "{0}",
        "{name.upper_case} #{id}",
        "#{id[0]}",
        "{id:q}",
        "{name",
    ],
)
def test_invalid_name_template_is_a_config_problem(make_project: Project, template: str) -> None:
    config = config_for(BASIC_LAYERS, metadata={"name_template": template})

    found = problems(make_project(BASIC_LAYERS, config))

    assert len(found) == 1
    assert found[0].startswith(
        f"config.json: $.metadata.name_template: '{template}' is not a valid template"
    )


def test_external_url_with_unknown_placeholder_is_a_config_problem(
    make_project: Project,
) -> None:
    config = config_for(BASIC_LAYERS, metadata={"external_url": "https://example.com/{name}/{id}"})

    found = problems(make_project(BASIC_LAYERS, config))

    assert len(found) == 1
    assert found[0].startswith("config.json: $.metadata.external_url: ")
