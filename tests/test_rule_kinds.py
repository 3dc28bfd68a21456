"""ruler.json rule kinds (required_values, presence, always_with, tag groups), option tags
and count fields: schema, resolution into pairwise Rules, and generated tokens obeying them."""

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from modules.cli.generate import generate_command
from modules.errors import ConfigError
from modules.load.config_manager import ConfigManager
from modules.load.rules import resolve_rules
from modules.load.spec import ABSENT, CollectionSpec, Layer, Part, Rule, TraitOption
from modules.load.validation import schema_problems
from modules.publish.checkpoint import _option_document, _rule_names, _spec_document
from tests.conftest import config_for
from tests.plan_helpers import METADATA

Project = Callable[..., Path]
RULER = "ruler.json"


def option(name: str, **tags: str) -> TraitOption:
    return TraitOption(name, (Part(Path(f"{name}.png")),), 3, tags=tuple(sorted(tags.items())))


# Eyes and Background always present; Hat and Robe optional.
LAYERS = (
    Layer("Background", (option("Red", colour="red"), option("Blue", colour="blue"))),
    Layer("Eyes", (option("Laser", colour="red"), option("Sleepy"))),
    Layer("Hat", (option("Cap", colour="blue"), option("Crown", colour="red")), presence=3),
    Layer("Robe", (option("Plain"), option("Royal_Robe", colour="red")), presence=3),
)


def resolved(ruler: dict[str, Any]) -> list[tuple[Rule, str]]:
    rules, problems = resolve_rules(ruler, LAYERS, RULER)
    assert problems == []
    return [(rule, rule.source) for rule in rules]


def problems_of(ruler: dict[str, Any]) -> list[str]:
    rules, problems = resolve_rules(ruler, LAYERS, RULER)
    assert rules == ()
    return problems


def then_rule(if_layer: str, values: list[str], then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"trait_type": if_layer, "value": values}, "then": then}


def pair(a: int, a_values: set[int], b: int, b_values: set[int]) -> Rule:
    return Rule(a, frozenset(a_values), b, frozenset(b_values))


# --- if/then --------------------------------------------------------------------------------


def test_excluded_values_keep_their_meaning_and_gain_a_source() -> None:
    ruler = {
        "rules": [then_rule("Eyes", ["Laser"], {"trait_type": "Hat", "excluded_values": ["*"]})]
    }

    assert resolved(ruler) == [(pair(1, {0}, 2, {0, 1}), "ruler.json: $.rules[0]")]


def test_required_values_of_an_optional_layer_exclude_the_others_and_absence() -> None:
    then = {"trait_type": "Hat", "required_values": ["Crown"]}
    ruler = {"rules": [then_rule("Eyes", ["Laser"], then)]}

    assert resolved(ruler) == [(pair(1, {0}, 2, {0, ABSENT}), "ruler.json: $.rules[0]")]


def test_required_values_of_an_always_present_layer_exclude_the_other_options() -> None:
    then = {"trait_type": "Background", "required_values": ["Blue"]}

    assert resolved({"rules": [then_rule("Hat", ["Cap", "Crown"], then)]}) == [
        (pair(2, {0, 1}, 0, {0}), "ruler.json: $.rules[0]")
    ]


def test_required_values_naming_every_option_of_a_present_layer_add_no_rule() -> None:
    then = {"trait_type": "Background", "required_values": ["*"]}

    assert resolved({"rules": [then_rule("Hat", ["Cap"], then)]}) == []


@pytest.mark.parametrize(
    ("presence", "excluded"), [("absent", {0, 1}), ("present", {ABSENT})], ids=str
)
def test_presence_of_the_then_layer(presence: str, excluded: set[int]) -> None:
    then = {"trait_type": "Robe", "presence": presence}

    assert resolved({"rules": [then_rule("Hat", ["Crown"], then)]}) == [
        (pair(2, {1}, 3, excluded), "ruler.json: $.rules[0]")
    ]


def test_present_on_an_always_present_layer_is_an_error() -> None:
    then = {"trait_type": "Eyes", "presence": "present"}

    assert problems_of({"rules": [then_rule("Hat", ["Crown"], then)]}) == [
        "ruler.json: $.rules[0].then.presence: layer 'Eyes' is always present, so 'present' "
        "always holds; remove the rule, or give the layer a rarity or presence in config.json"
    ]


@pytest.mark.parametrize(
    ("then", "found"),
    [
        ({"trait_type": "Hat"}, "none"),
        (
            {"trait_type": "Hat", "excluded_values": ["Cap"], "presence": "absent"},
            "excluded_values and presence",
        ),
    ],
)
def test_then_gives_exactly_one_consequence(then: dict[str, Any], found: str) -> None:
    assert problems_of({"rules": [then_rule("Eyes", ["Laser"], then)]}) == [
        "ruler.json: $.rules[0].then: give exactly one of excluded_values, required_values, "
        f"presence (found {found})"
    ]


def test_unknown_names_in_required_values_have_hints() -> None:
    then = {"trait_type": "Hat", "required_values": ["Cap", "Crwn"]}

    assert problems_of({"rules": [then_rule("Eyez", ["Laser"], then)]}) == [
        "ruler.json: $.rules[0].if.trait_type: no layer 'Eyez'; did you mean 'Eyes'?"
    ]
    assert problems_of({"rules": [then_rule("Eyes", ["Laser"], then)]}) == [
        "ruler.json: $.rules[0].then.required_values[1]: layer 'Hat' has no option 'Crwn'; "
        "did you mean 'Crown'?"
    ]


# --- always_with ----------------------------------------------------------------------------


def member(layer: str, value: str) -> dict[str, str]:
    return {"trait_type": layer, "value": value}


def test_always_with_links_every_ordered_pair() -> None:
    ruler = {"rules": [{"always_with": [member("Hat", "Crown"), member("Robe", "Royal Robe")]}]}

    source = "ruler.json: $.rules[0]"
    assert resolved(ruler) == [
        (pair(2, {1}, 3, {0, ABSENT}), source),
        (pair(3, {1}, 2, {0, ABSENT}), source),
    ]


def test_always_with_an_always_present_member_excludes_only_its_other_options() -> None:
    members = [member("Eyes", "Laser"), member("Hat", "Crown"), member("Background", "Red")]

    assert [rule for rule, _ in resolved({"rules": [{"always_with": members}]})] == [
        pair(1, {0}, 2, {0, ABSENT}),
        pair(1, {0}, 0, {1}),
        pair(2, {1}, 1, {1}),
        pair(2, {1}, 0, {1}),
        pair(0, {0}, 1, {1}),
        pair(0, {0}, 2, {0, ABSENT}),
    ]


def test_always_with_a_wildcard_means_the_layer_is_present() -> None:
    members = [member("Hat", "*"), member("Robe", "Plain")]

    assert [rule for rule, _ in resolved({"rules": [{"always_with": members}]})] == [
        pair(2, {0, 1}, 3, {1, ABSENT}),
        pair(3, {0}, 2, {ABSENT}),
    ]


def test_always_with_problems_are_reported_together() -> None:
    members = [member("Hat", "Crwn"), member("Hatt", "Cap"), member("Hat", "Cap")]

    assert problems_of({"rules": [{"always_with": members}]}) == [
        "ruler.json: $.rules[0].always_with[0].value: layer 'Hat' has no option 'Crwn'; "
        "did you mean 'Crown'?",
        "ruler.json: $.rules[0].always_with[1].trait_type: no layer 'Hatt'; did you mean 'Hat'?",
        "ruler.json: $.rules[0].always_with[2].trait_type: layer 'Hat' is named twice; "
        "always_with links options of different layers",
    ]


# --- tag groups -----------------------------------------------------------------------------


def test_distinct_tag_forbids_equal_values_per_layer_pair() -> None:
    ruler = {"groups": [{"trait_types": ["Background", "Hat", "Robe"], "distinct_tag": "colour"}]}

    source = "ruler.json: $.groups[0]"
    assert resolved(ruler) == [
        (pair(0, {1}, 2, {0}), source),  # blue Background, blue Cap
        (pair(0, {0}, 2, {1}), source),  # red Background, red Crown
        (pair(0, {0}, 3, {1}), source),
        (pair(2, {1}, 3, {1}), source),
    ]


def test_same_tag_forbids_other_values_and_leaves_untagged_options_free() -> None:
    ruler = {"groups": [{"trait_types": ["Eyes", "Hat", "Robe"], "same_tag": "colour"}]}

    source = "ruler.json: $.groups[0]"
    assert resolved(ruler) == [
        (pair(1, {0}, 2, {0}), source),  # red Laser, blue Cap; Sleepy has no colour
        (pair(2, {0}, 3, {1}), source),  # blue Cap, red Royal_Robe; Plain has none
    ]


def test_group_rules_follow_the_if_then_rules() -> None:
    ruler = {
        "groups": [{"trait_types": ["Hat", "Robe"], "distinct_tag": "colour"}],
        "rules": [then_rule("Eyes", ["Laser"], {"trait_type": "Hat", "excluded_values": ["Cap"]})],
    }

    assert resolved(ruler) == [
        (pair(1, {0}, 2, {0}), "ruler.json: $.rules[0]"),
        (pair(2, {1}, 3, {1}), "ruler.json: $.groups[0]"),
    ]


def test_group_problems_name_the_field() -> None:
    ruler = {
        "groups": [
            {"trait_types": ["Hat", "Robes"], "same_tag": "colour"},
            {"trait_types": ["Hat", "Robe"], "distinct_tag": "color"},
            {"trait_types": ["Hat", "Robe"], "same_tag": "size"},
            {"trait_types": ["Hat", "Robe"]},
        ]
    }

    assert problems_of(ruler) == [
        "ruler.json: $.groups[0].trait_types[1]: no layer 'Robes'; did you mean 'Robe'?",
        "ruler.json: $.groups[1].distinct_tag: no option of Hat, Robe has a 'color' tag; "
        "did you mean 'colour'?",
        "ruler.json: $.groups[2].same_tag: no option of Hat, Robe has a 'size' tag; "
        'tag options in config.json ("tags": {"size": "..."})',
        "ruler.json: $.groups[3]: give distinct_tag or same_tag",
    ]


# --- schema ---------------------------------------------------------------------------------


def test_ruler_schema_points_at_each_new_field() -> None:
    ruler = {
        "rules": [
            {"always_with": [member("Hat", "Crown")]},
            then_rule("Eyes", ["Laser"], {"trait_type": "Hat", "presence": "maybe"}),
            {"always_with": [member("Hat", "Crown"), member("Robe", "Plain")], "if": {}},
        ],
        "groups": [{"trait_types": ["Hat"], "distinct_tags": "colour"}],
    }

    assert schema_problems(ruler, "ruler.schema.json", RULER) == [
        "ruler.json: $.groups[0]: unknown key 'distinct_tags'; did you mean 'distinct_tag'?",
        "ruler.json: $.groups[0].trait_types: ['Hat'] is too short",
        "ruler.json: $.rules[0].always_with: [{'trait_type': 'Hat', 'value': 'Crown'}] is too "
        "short",
        "ruler.json: $.rules[1].then.presence: 'maybe' is not one of ['absent', 'present']",
        "ruler.json: $.rules[2]: unknown key 'if'",
    ]


def test_a_ruler_may_hold_only_groups() -> None:
    ruler = {"groups": [{"trait_types": ["Hat", "Robe"], "same_tag": "colour"}]}

    assert schema_problems(ruler, "ruler.schema.json", RULER) == []


# --- config.json: tags and counts -----------------------------------------------------------

TINY: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "Background": {"Red.png": (255, 0, 0, 255), "Blue.png": (0, 0, 255, 255)},
    "Hat": {"Cap.png": (0, 0, 255, 160), "Crown.png": (255, 0, 0, 160)},
}


def load(root: Path) -> CollectionSpec:
    ruler = root / RULER
    return ConfigManager(root / "config.json", ruler if ruler.exists() else None).load()


def load_problems(root: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(root)
    return list(caught.value.problems)


def test_tags_and_counts_are_loaded(make_project: Project) -> None:
    config = config_for(TINY, traits_dir="traits")
    background, hat = config["traits"]["Background"], config["traits"]["Hat"]
    background["options"][0] |= {"count": 2, "tags": {"palette": "warm", "colour": "red"}}
    background["options"][1]["max_count"] = 0
    hat |= {"rarity": 2, "absent_count": 1}

    spec = load(make_project(TINY, config))

    red, blue = spec.layers[0].options
    assert (red.count, red.max_count, red.tags) == (
        2,
        None,
        (("colour", "red"), ("palette", "warm")),
    )
    assert (blue.count, blue.max_count, blue.tags) == (None, 0, ())
    assert (spec.layers[0].absent_count, spec.layers[1].absent_count) == (None, 1)


def test_count_problems_are_reported_together(make_project: Project) -> None:
    config = config_for(TINY, traits_dir="traits")
    config["traits"]["Background"]["options"][0] |= {"count": 1, "max_count": 2}
    config["traits"]["Background"]["absent_count"] = 0
    config["traits"]["Hat"] |= {"rarity": 5, "absent_count": 3}
    config["traits"]["Hat"]["options"][1]["tags"] = {"colour": 7}

    assert load_problems(make_project(TINY, config)) == [
        "config.json: $.traits.Hat.options[1].tags.colour: 7 is not of type 'string'"
    ]
    del config["traits"]["Hat"]["options"][1]["tags"]
    assert load_problems(make_project(TINY, config)) == [
        "config.json: $.traits.Background.options[0]: give count or max_count, not both",
        "config.json: $.traits.Background.absent_count: layer 'Background' is always present, "
        "so no token lacks it; give the layer a rarity or presence below the maximum",
        "config.json: $.traits.Hat.absent_count: layer 'Hat' is always present, so no token "
        "lacks it; give the layer a rarity or presence below the maximum",
    ]


def test_a_group_over_loaded_tags(make_project: Project) -> None:
    config = config_for(TINY, traits_dir="traits")
    for layer in ("Background", "Hat"):
        for entry, colour in zip(config["traits"][layer]["options"], ("red", "blue"), strict=True):
            entry["tags"] = {"colour": colour}
    root = make_project(TINY, config)
    ruler = {"groups": [{"trait_types": ["Background", "Hat"], "distinct_tag": "colour"}]}
    (root / RULER).write_text(json.dumps(ruler), encoding="utf-8")

    assert load(root).rules == (pair(0, {1}, 1, {1}), pair(0, {0}, 1, {0}))


# --- checkpoint fingerprint -----------------------------------------------------------------


def test_fingerprint_names_absence_and_adds_counts_only_when_set() -> None:
    layers = (*LAYERS[:3], replace(LAYERS[3], absent_count=2))
    rules = (pair(1, {0}, 2, {0, ABSENT}),)
    spec = CollectionSpec(layers, rules, (), 1, (8, 8), METADATA, traits_dir=Path("."))

    assert _rule_names(spec, spec.rules[0]) == [["Eyes", "Laser"], ["Hat", "<absent>", "Cap"]]
    assert _option_document(option("Plain"), Path(".")) == ["Plain", "Plain.png", 3]
    counted = TraitOption("Plain", (Part(Path("Plain.png")),), 3, count=4, tags=(("a", "b"),))
    assert _option_document(counted, Path(".")) == [
        "Plain",
        "Plain.png",
        3,
        {"count": 4, "tags": [["a", "b"]]},
    ]
    document = _spec_document(spec)["layers"]
    assert ("absent_count" in document[2], document[3]["absent_count"]) == (False, 2)


# --- generated tokens obey each rule kind ---------------------------------------------------

ART: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "Background": {
        "Red.png": (255, 0, 0, 255),
        "Blue.png": (0, 0, 255, 255),
        "Green.png": (0, 255, 0, 255),
    },
    "Hat": {"Cap.png": (0, 0, 200, 120), "Crown.png": (200, 0, 0, 120)},
    "Robe": {"Plain.png": (9, 9, 9, 90), "Royal_Robe.png": (200, 0, 9, 90)},
}
COLOURS = {"Red": "red", "Blue": "blue", "Green": "green", "Cap": "blue", "Crown": "red"}


def tokens_of(output: Path) -> list[dict[str, str]]:
    documents = json.loads((output / "metadata" / "combined_metadata.json").read_text("utf-8"))
    return [{a["trait_type"]: a["value"] for a in d["attributes"]} for d in documents]


def generated(root: Path, count: int, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    monkeypatch.chdir(root)
    result = CliRunner().invoke(
        generate_command, ["-n", str(count), "--seed", "5", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    tokens = tokens_of(root / "output")
    assert len(tokens) == count
    return tokens


def kind_project(make_project: Project, ruler: dict[str, Any]) -> Path:
    config = config_for(ART)
    config["traits"]["Hat"]["presence"] = 0.6
    config["traits"]["Robe"]["presence"] = 0.6
    for layer in ("Background", "Hat"):
        for entry in config["traits"][layer]["options"]:
            entry["tags"] = {"colour": COLOURS[entry["name"]]}
    root = make_project(ART, config)
    (root / RULER).write_text(json.dumps(ruler), encoding="utf-8")
    return root


def crown_rule(then: dict[str, Any]) -> dict[str, Any]:
    return {"rules": [then_rule("Hat", ["Crown"], then)]}


def crown_robes(token: dict[str, str]) -> bool:
    return token.get("Robe") == "Royal_Robe"


KINDS: dict[str, tuple[dict[str, Any], int, Callable[[dict[str, str]], bool]]] = {
    # (ruler, tokens to generate: every possible one, what each token must satisfy)
    "required_values": (
        crown_rule({"trait_type": "Robe", "required_values": ["Royal_Robe"]}),
        3 * (3 + 3 + 1),
        lambda t: t.get("Hat") != "Crown" or crown_robes(t),
    ),
    "presence_absent": (
        crown_rule({"trait_type": "Robe", "presence": "absent"}),
        3 * (3 + 3 + 1),
        lambda t: t.get("Hat") != "Crown" or "Robe" not in t,
    ),
    "presence_present": (
        crown_rule({"trait_type": "Robe", "presence": "present"}),
        3 * (3 + 3 + 2),
        lambda t: t.get("Hat") != "Crown" or "Robe" in t,
    ),
    "always_with": (
        {"rules": [{"always_with": [member("Hat", "Crown"), member("Robe", "Royal_Robe")]}]},
        3 * (2 + 2 + 1),
        lambda t: (t.get("Hat") == "Crown") == crown_robes(t),
    ),
    "distinct_tag": (
        {"groups": [{"trait_types": ["Background", "Hat"], "distinct_tag": "colour"}]},
        (2 + 2 + 3) * 3,
        lambda t: "Hat" not in t or COLOURS[t["Hat"]] != COLOURS[t["Background"]],
    ),
    "same_tag": (
        {"groups": [{"trait_types": ["Background", "Hat"], "same_tag": "colour"}]},
        (2 + 2 + 1) * 3,
        lambda t: "Hat" not in t or COLOURS[t["Hat"]] == COLOURS[t["Background"]],
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_generated_token_obeys_the_rule(
    make_project: Project, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    ruler, count, obeys = KINDS[kind]

    tokens = generated(kind_project(make_project, ruler), count, monkeypatch)

    assert [token for token in tokens if not obeys(token)] == []
