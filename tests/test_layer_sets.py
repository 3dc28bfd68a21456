"""Layer sets by id range (HashLips layerConfigurations): each id range draws and composites
only its set's layers, all sets share one uniqueness space, name prefixes, seeded shuffling,
the limits -n meets, and the import of a project with two layerConfigurations."""

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from PIL import Image

from modules.cli.generate import generate_command
from modules.cli.get_traits import get_traits_command
from tests.conftest import config_for, error_lines, write_json, write_traits

# Half-transparent Body and Hat: drawing Hat under or over Body gives different pixels.
LAYERS = {
    "Background": {"Red.png": (255, 0, 0, 255), "Blue.png": (0, 0, 255, 255)},
    "Body": {"Grey.png": (128, 128, 128, 128), "White.png": (255, 255, 255, 128)},
    "Hat": {"Cap.png": (0, 0, 0, 160), "Gold.png": (255, 215, 0, 200)},
}
COLOURS = {(layer, Path(f).stem): c for layer, files in LAYERS.items() for f, c in files.items()}


def project(root: Path, sets: list[dict[str, Any]], hat: float = 0.5, **extra: Any) -> Path:
    """LAYERS with these layer sets; Hat is present in `hat` of the tokens that draw it."""
    write_traits(root / "traits", LAYERS)
    config = config_for(LAYERS, metadata={"name": "Critters"}, layer_sets=sets, **extra)
    config["traits"]["Hat"]["presence"] = hat
    return write_json(root / "config.json", config)


def generate(config: Path, out: Path, count: int, *args: str) -> Result:
    return CliRunner().invoke(
        generate_command,
        ["-c", str(config), "-t", str(config.parent / "traits"), "-o", str(out)]
        + ["-n", str(count), "--seed", "7", "--workers", "1", *args],
    )


def tokens(out: Path) -> list[dict[str, Any]]:
    return json.loads((out / "metadata" / "combined_metadata.json").read_text("utf-8"))


def traits(token: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["trait_type"], a["value"]) for a in token["attributes"]]


def composite(pairs: list[tuple[str, str]]) -> tuple[int, ...]:
    """The pixel of layers drawn bottom first in the order listed."""
    canvas = Image.new("RGBA", (1, 1), (0, 0, 0, 0))
    for pair in pairs:
        canvas = Image.alpha_composite(canvas, Image.new("RGBA", (1, 1), COLOURS[pair]))
    return canvas.getpixel((0, 0))


TWO_SETS = [
    {"trait_order": ["Background", "Body"], "up_to": 4, "name_prefix": "Plain"},
    {"trait_order": ["Background", "Hat", "Body"], "name_prefix": "Hatted"},
]


def test_each_id_range_draws_and_composites_only_its_sets_layers(tmp_path):
    config = project(tmp_path, TWO_SETS)
    result = generate(config, tmp_path / "out", 10)
    assert result.exit_code == 0, result.output
    documents = tokens(tmp_path / "out")
    for token_id, token in enumerate(documents, start=1):
        first = token_id <= 4
        assert token["name"] == f"{'Plain' if first else 'Hatted'} #{token_id}"
        layers = [trait_type for trait_type, _ in traits(token)]
        # attributes follow the set's own order; Hat is optional in the second set
        allowed = [["Background", "Body"]] + ([] if first else [["Background", "Hat", "Body"]])
        assert layers in allowed
        pixel = Image.open(tmp_path / "out" / "image" / f"{token_id}.png").convert("RGBA")
        assert pixel.getpixel((0, 0)) == composite(traits(token))
    # the second set draws Hat below Body: not the pixels of Body below Hat
    hatted = next(t for t in documents[4:] if len(t["attributes"]) == 3)
    background, hat, body = traits(hatted)
    assert composite([background, hat, body]) != composite([background, body, hat])


def test_tokens_of_all_sets_are_unique_together(tmp_path):
    # The first set's 4 tokens are the second set's tokens without a Hat: with 4 + 8 ids, every
    # token of the second set must wear a Hat (2 * 2 * 2 of them), or one would repeat.
    sets = [
        {"trait_order": ["Background", "Body"], "up_to": 4},
        {"trait_order": ["Background", "Body", "Hat"]},
    ]
    config = project(tmp_path, sets)
    result = generate(config, tmp_path / "out", 12)
    assert result.exit_code == 0, result.output
    looks = [tuple(traits(token)) for token in tokens(tmp_path / "out")]
    assert len(set(looks)) == 12
    assert all(len(look) == 3 for look in looks[4:])


def test_a_set_with_too_few_tokens_is_refused_by_name(tmp_path):
    sets = [
        {"trait_order": ["Background", "Body"], "up_to": 5, "name_prefix": "Plain"},
        TWO_SETS[1],
    ]
    result = generate(project(tmp_path, sets), tmp_path / "out", 6)
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: layer set 1 ('Plain') ($.layer_sets[0]) takes 5 token ids but its layers and "
        "rules allow 4 distinct tokens; lower its up_to (and -n) or add options"
    ]
    assert not (tmp_path / "out").exists()


def test_n_above_the_last_up_to_is_refused(tmp_path):
    sets = [TWO_SETS[0], {**TWO_SETS[1], "up_to": 8}]
    result = generate(project(tmp_path, sets), tmp_path / "out", 9)
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: -n 9 is more than the 8 token ids $.layer_sets covers (up_to of its last "
        "set); lower -n, raise that up_to or leave it out so the last set takes the rest"
    ]


def test_bad_layer_sets_are_all_reported(tmp_path):
    sets = [
        {"trait_order": ["Background", "Bdy"], "name_prefix": "Plain"},
        {"trait_order": ["Background"], "up_to": 3},
        {"trait_order": ["Background"], "up_to": 2},
    ]
    result = generate(project(tmp_path, sets), tmp_path / "out", 2)
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: config.json: $.layer_sets[0].trait_order[1]: layer 'Bdy' has no entry in "
        "$.traits; did you mean 'Body'?",
        "Error: config.json: $.layer_sets[0]: no up_to; only the last set may leave it out "
        "(it takes the rest)",
        "Error: config.json: $.layer_sets[2].up_to: 2 is not above the previous set's 3; "
        "up_to is the set's last token id (like growEditionSizeTo), so it must grow",
    ]


def assignment(out: Path) -> list[str]:
    return [token["name"].split(" #")[0] for token in tokens(out)]


def test_shuffled_sets_follow_the_seed_and_refuse_extension(tmp_path):
    # Hat always present in its set: no token of one set could take the other set's looks
    config = project(tmp_path, TWO_SETS, hat=1.0, shuffle_layer_sets=True)
    for out in ("a", "b"):
        assert generate(config, tmp_path / out, 10).exit_code == 0
    names = assignment(tmp_path / "a")
    assert names == assignment(tmp_path / "b")
    assert sorted(names) == ["Hatted"] * 6 + ["Plain"] * 4
    assert names != ["Plain"] * 4 + ["Hatted"] * 6  # seed 7 does move them
    for token in tokens(tmp_path / "a"):  # each token still draws its own set's layers
        assert ("Hat" in dict(traits(token))) == token["name"].startswith("Hatted")
    assert generate(config, tmp_path / "a", 10, "--resume").exit_code == 0
    result = generate(config, tmp_path / "a", 12, "--resume")
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: -n 12: the layer sets of this collection's 10 tokens are shuffled over those "
        "ids (shuffle_layer_sets), so it cannot be extended; resume with -n 10, or start a "
        "new collection with -n 12"
    ]


def test_without_layer_sets_the_output_is_unchanged(tmp_path):
    """One set of every layer in trait order draws the very images no sets do."""
    plain = project(tmp_path / "plain", [])
    document = json.loads(plain.read_text("utf-8"))
    del document["layer_sets"]
    write_json(plain, document)
    assert generate(plain, tmp_path / "plain" / "out", 8).exit_code == 0
    one = project(tmp_path / "one", [{"trait_order": ["Background", "Body", "Hat"]}])
    assert generate(one, tmp_path / "one" / "out", 8).exit_code == 0
    images = [p.name for p in sorted((tmp_path / "plain" / "out" / "image").iterdir())]
    for name in images:
        before = (tmp_path / "plain" / "out" / "image" / name).read_bytes()
        assert (tmp_path / "one" / "out" / "image" / name).read_bytes() == before


CONFIG_JS = """
const layerConfigurations = [
  {
    growEditionSizeTo: 3,
    namePrefix: "Critters",
    layersOrder: [{ name: "Background" }, { name: "Body" }],
  },
  {
    growEditionSizeTo: 7,
    namePrefix: "Hatted",
    layersOrder: [{ name: "Background" }, { name: "Hat" }, { name: "Body" }],
  },
];
module.exports = { layerConfigurations };
"""


def test_a_hashlips_project_with_two_layer_configurations_imports_and_generates(tmp_path):
    layers = tmp_path / "hashlips" / "layers"
    for layer, files in LAYERS.items():
        folder = layers / layer
        folder.mkdir(parents=True)
        for name, colour in files.items():
            Image.new("RGBA", (8, 8), colour).save(folder / name.replace(".png", "#1.png"))
    (tmp_path / "hashlips" / "src").mkdir()
    (tmp_path / "hashlips" / "src" / "config.js").write_text(CONFIG_JS, encoding="utf-8")
    config_path = tmp_path / "config.json"
    result = CliRunner().invoke(
        get_traits_command, ["--from", str(tmp_path / "hashlips"), "-o", str(config_path)]
    )
    assert result.exit_code == 0, result.output
    assert "first set" not in result.output
    config = json.loads(config_path.read_text("utf-8"))
    assert config["trait_order"] == ["Background", "Body", "Hat"]  # first set's, then Hat
    assert config["layer_sets"] == [
        {"trait_order": ["Background", "Body"], "up_to": 3, "name_prefix": "Critters"},
        {"trait_order": ["Background", "Hat", "Body"], "up_to": 7, "name_prefix": "Hatted"},
    ]
    out = tmp_path / "out"
    result = CliRunner().invoke(
        generate_command,
        ["-c", str(config_path), "-o", str(out), "-n", "7", "--seed", "1", "--workers", "1"],
    )
    assert result.exit_code == 0, result.output
    documents = tokens(out)
    assert [len(t["attributes"]) for t in documents] == [2, 2, 2, 3, 3, 3, 3]
    assert [t["name"] for t in documents][2:4] == ["Critters #3", "Hatted #4"]


def test_a_set_whose_combinations_another_set_took_is_refused_by_name(tmp_path):
    # ids 1-4 take every Hat-less look, which Hatted would also draw when its Hat is absent:
    # Hatted has 8 of its 12 combinations left, not the 12 its own layers allow
    config = project(tmp_path, TWO_SETS)
    assert generate(config, tmp_path / "fits", 12).exit_code == 0
    result = generate(config, tmp_path / "out", 13)
    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: token 13: layer set 2 ('Hatted') ($.layer_sets[1]) has no combination left that "
        "is unlike the 12 tokens before it (tokens of other sets that look the same count too); "
        "lower its up_to and -n, or add options"
    ]
