"""Every issue-14 feature in one collection: exact counts, each rule kind, a tag group, 1-of-1s
and two layer sets, planned and written together, then resumed byte for byte."""

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from modules.cli.generate import generate_command
from tests.conftest import write_json

SIZES = {"Background": 5, "Body": 4, "Eyes": 5, "Hat": 4, "Cape": 3}
COLOURS = ["red", "blue", "green", "red", "blue"]
LEGEND = [
    {"trait_type": "Background", "value": "B0"},
    {"trait_type": "Body", "value": "B1"},
    {"trait_type": "Eyes", "value": "E2"},
]
RULER = {
    "rules": [
        {
            "if": {"trait_type": "Eyes", "value": ["E0"]},
            "then": {"trait_type": "Hat", "required_values": ["H1", "H2"]},
        },
        {
            "if": {"trait_type": "Body", "value": ["B2"]},
            "then": {"trait_type": "Cape", "presence": "absent"},
        },
        {
            "always_with": [
                {"trait_type": "Eyes", "value": "E3"},
                {"trait_type": "Body", "value": "B0"},
            ]
        },
        {
            "if": {"trait_type": "Background", "value": ["B4"]},
            "then": {"trait_type": "Eyes", "excluded_values": ["E1"]},
        },
    ],
    "groups": [{"trait_types": ["Background", "Hat"], "distinct_tag": "colour"}],
}


def write_project(root: Path) -> None:
    for k, (layer, count) in enumerate(SIZES.items()):
        (root / "traits" / layer).mkdir(parents=True)
        for i in range(count):
            image = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
            image.putpixel((k, i), (40 * i + 10, 50 * k, 90, 255))  # one pixel per trait
            if layer == "Background":
                image = Image.new("RGBA", (8, 8), (40 * i + 10, 0, 200, 255))
            image.save(root / "traits" / layer / f"{layer[0]}{i}.png")
    for j in range(2):
        for sub in ("images", "json"):
            (root / "ultraRares" / sub).mkdir(parents=True, exist_ok=True)
        Image.new("RGBA", (8, 8), (255, 255, 60 * j, 255)).save(
            root / "ultraRares/images" / f"{j}.png"
        )
        write_json(
            root / "ultraRares/json" / f"{j}.json", {"name": f"Legend {j}", "attributes": LEGEND}
        )
    traits = {
        layer: {
            "options": [
                {
                    "name": f"{layer[0]}{i}",
                    "file": f"{layer[0]}{i}.png",
                    "tags": {"colour": COLOURS[i]},
                }
                for i in range(count)
            ]
        }
        for layer, count in SIZES.items()
    }
    traits["Hat"] |= {"presence": 0.6, "absent_count": 8}
    traits["Cape"]["presence"] = 0.5
    traits["Background"]["options"][0]["count"] = 10
    traits["Eyes"]["options"][4]["count"] = 3
    traits["Body"]["options"][3]["max_count"] = 12
    sets = [
        {"trait_order": ["Background", "Body", "Eyes", "Hat"], "up_to": 40, "name_prefix": "Gen A"},
        {"trait_order": ["Background", "Cape", "Body", "Eyes", "Hat"], "name_prefix": "Gen B"},
    ]
    config = {
        "trait_order": list(SIZES),
        "image_size": [8, 8],
        "traits": traits,
        "one_of_ones": {"folder": "ultraRares", "ids": {"1": 5}},
        "layer_sets": sets,
    }
    write_json(root / "config.json", config)
    write_json(root / "ruler.json", RULER)


def run(root: Path, monkeypatch, *args: str):
    monkeypatch.chdir(root)
    return CliRunner().invoke(
        generate_command, ["-n", "80", "--seed", "9", "--workers", "1", *args]
    )


def test_all_features_hold_together_and_resume_identically(tmp_path, monkeypatch):
    write_project(tmp_path)
    result = run(tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    metadata = tmp_path / "output" / "metadata" / "combined_metadata.json"
    documents = json.loads(metadata.read_text("utf-8"))
    legends = [i for i, d in enumerate(documents, start=1) if d["name"].startswith("Legend")]
    assert len(legends) == 2
    assert 5 in legends
    generated = [d for i, d in enumerate(documents, start=1) if i not in legends]
    tokens = [{a["trait_type"]: a["value"] for a in d["attributes"]} for d in generated]
    # exact counts over the generated tokens
    assert Counter(t["Background"] for t in tokens)["B0"] == 10
    assert Counter(t["Eyes"] for t in tokens)["E4"] == 3
    assert sum("Hat" not in t for t in tokens) == 8
    assert Counter(t["Body"] for t in tokens)["B3"] <= 12
    # every rule kind and the tag group
    colour = {f"{layer[0]}{i}": COLOURS[i] for layer in SIZES for i in range(SIZES[layer])}
    for t in tokens:
        assert t["Eyes"] != "E0" or t.get("Hat") in ("H1", "H2")
        assert t["Body"] != "B2" or "Cape" not in t
        assert (t["Eyes"] == "E3") == (t["Body"] == "B0")
        assert not (t["Background"] == "B4" and t["Eyes"] == "E1")
        assert "Hat" not in t or colour[t["Background"]] != colour[t["Hat"]]
    # layer sets: ids 1-40 never draw Cape and carry the first prefix
    for token_id, document in enumerate(documents, start=1):
        if token_id in legends:
            continue
        names = {a["trait_type"] for a in document["attributes"]}
        assert ("Cape" in names) <= (token_id > 40)
        assert document["name"].startswith("Gen A" if token_id <= 40 else "Gen B")
    # uniqueness, and no generated token equals the 1-of-1s' attributes
    keys = [tuple(sorted(t.items())) for t in tokens]
    assert len(set(keys)) == len(keys)
    assert tuple(sorted((a["trait_type"], a["value"]) for a in LEGEND)) not in keys
    before = metadata.read_bytes()
    (tmp_path / "output" / "rng_state.json").unlink()
    assert run(tmp_path, monkeypatch, "--resume").exit_code == 0
    assert metadata.read_bytes() == before
