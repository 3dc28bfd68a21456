"""The studio's read side (modules/serve/gallery.py) over a real 40-token sample collection:
pages and filters against a brute-force reading of the metadata files, OpenRarity ranks, token
detail, the rarity ledger's flags, the layer catalog and the cache key."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from modules.analysis.collection_reader import read_tokens
from modules.analysis.rarity import rank_rarity
from modules.errors import ConfigError
from modules.load.spec import CollectionSpec
from modules.run.input_check import check_inputs
from modules.serve.gallery import (
    CollectionView,
    layer_catalog,
    off_share,
    option_image,
    view_key,
)
from tests.conftest import REPO

COUNT = 40
SAMPLE_CONFIG = REPO / "config.sample.json"
LAYER_ORDER = ["Background", "Body", "Eyes", "Mouth", "Headwear", "Accessory"]


def image_url(token_id: int) -> str:
    return f"/img/{token_id}"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished sample collection of 40 tokens, seed 7 (read-only: tests copy it to edit)."""
    out = tmp_path_factory.mktemp("gallery") / "output"
    samples = ["-c", "config.sample.json", "-r", "ruler.sample.json", "-t", "traits"]
    command = [sys.executable, "main.py", "-n", str(COUNT), "--seed", "7", *samples]
    result = subprocess.run(
        [*command, "-o", str(out), "--workers", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def view(output: Path) -> CollectionView:
    return CollectionView.load(output)


@pytest.fixture(scope="module")
def documents(output: Path) -> dict[int, dict[str, Any]]:
    """Every token's own metadata file, by id: the brute-force reference."""
    return {
        token_id: json.loads((output / "metadata" / f"{token_id}.json").read_text())
        for token_id in range(1, COUNT + 1)
    }


@pytest.fixture
def copy(output: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(output, tmp_path / "copy"))


def traits_of(document: dict[str, Any]) -> dict[str, str]:
    return {a["trait_type"]: str(a["value"]) for a in document["attributes"]}


def brute_force(documents: dict[int, dict[str, Any]], filters: list[tuple[str, str]]) -> list[int]:
    wanted: dict[str, set[str]] = {}
    for trait_type, value in filters:
        wanted.setdefault(trait_type, set()).add(value)
    return [
        token_id
        for token_id, document in documents.items()
        if all(traits_of(document).get(t) in values for t, values in wanted.items())
    ]


def ids(page: dict[str, Any]) -> list[int]:
    return [token["id"] for token in page["tokens"]]


def test_first_page_holds_every_token_in_id_order(view: CollectionView) -> None:
    page = view.page(1, 48, [], image_url)
    assert ids(page) == list(range(1, COUNT + 1))
    assert (page["page"], page["per_page"], page["pages"], page["total"]) == (1, 48, 1, COUNT)
    assert page["tokens"][0]["image_url"] == "/img/1"
    assert page["tokens"][0]["name"] == "Genecator Critters #1"


def test_pagination_edges(view: CollectionView) -> None:
    assert ids(view.page(1, 7, [], image_url)) == list(range(1, 8))
    last = view.page(6, 7, [], image_url)
    assert ids(last) == list(range(36, 41))
    assert (last["pages"], last["total"]) == (6, COUNT)
    beyond = view.page(7, 7, [], image_url)
    assert beyond["tokens"] == []
    assert (beyond["page"], beyond["pages"], beyond["total"]) == (7, 6, COUNT)
    assert view.page(1, 40, [], image_url)["pages"] == 1
    assert view.page(1, 39, [], image_url)["pages"] == 2


@pytest.mark.parametrize(("page", "per_page"), [(0, 10), (1, 0), (-1, 5)])
def test_page_and_per_page_must_be_positive(view: CollectionView, page: int, per_page: int) -> None:
    with pytest.raises(ValueError, match=r"must be at least 1$"):
        view.page(page, per_page, [], image_url)


def test_every_single_value_filter_matches_brute_force(
    view: CollectionView, documents: dict[int, dict[str, Any]]
) -> None:
    values = {(t, v) for document in documents.values() for t, v in traits_of(document).items()}
    for pair in sorted(values):
        page = view.page(1, COUNT, [pair], image_url)
        expected = brute_force(documents, [pair])
        assert ids(page) == expected, pair
        assert page["total"] == len(expected) > 0


@pytest.mark.parametrize(
    "filters",
    [
        [("Background", "Sky_Blue"), ("Background", "Mint")],  # OR within a type
        [("Background", "Sky_Blue"), ("Eyes", "Round")],  # AND across types
        [("Background", "Sky_Blue"), ("Background", "Sunset"), ("Eyes", "Round")],
        [("Body", "Coral"), ("Eyes", "Happy"), ("Eyes", "Round"), ("Mouth", "Smile")],
        [("Headwear", "Crown"), ("Headwear", "Halo"), ("Accessory", "Balloon")],
    ],
)
def test_combined_filters_match_brute_force(
    view: CollectionView, documents: dict[int, dict[str, Any]], filters: list[tuple[str, str]]
) -> None:
    expected = brute_force(documents, filters)
    page = view.page(1, 3, filters, image_url)
    assert page["total"] == len(expected)
    assert ids(page) == expected[:3]
    assert page["pages"] == -(-len(expected) // 3)


def test_or_widens_and_narrows(view: CollectionView) -> None:
    sky = view.page(1, COUNT, [("Background", "Sky_Blue")], image_url)["total"]
    mint = view.page(1, COUNT, [("Background", "Mint")], image_url)["total"]
    either = [("Background", "Sky_Blue"), ("Background", "Mint")]
    assert view.page(1, COUNT, either, image_url)["total"] == sky + mint
    both = [("Background", "Sky_Blue"), ("Eyes", "Round")]
    assert view.page(1, COUNT, both, image_url)["total"] < sky


def test_unknown_filter_value_matches_nothing(view: CollectionView) -> None:
    page = view.page(1, 10, [("Eyes", "Cyclops")], image_url)
    assert (page["tokens"], page["total"], page["pages"]) == ([], 0, 0)


def test_traits_menu_lists_every_value_in_layer_order(
    view: CollectionView, documents: dict[int, dict[str, Any]]
) -> None:
    expected: dict[str, set[str]] = {}
    for document in documents.values():
        for trait_type, value in traits_of(document).items():
            expected.setdefault(trait_type, set()).add(value)
    traits = view.page(2, 5, [("Eyes", "Round")], image_url)["traits"]
    assert list(traits) == LAYER_ORDER
    assert traits == {name: sorted(values) for name, values in expected.items()}


def test_ranks_equal_rank_rarity(view: CollectionView, output: Path) -> None:
    rarity = rank_rarity(read_tokens(output / "metadata"))
    expected = {entry.token_id: entry for entry in rarity.tokens}
    page = view.page(1, COUNT, [], image_url)
    assert {t["id"]: t["rank"] for t in page["tokens"]} == {i: r.rank for i, r in expected.items()}
    for token_id in (1, 17, COUNT):
        detail = view.token(token_id, image_url)
        assert (detail["rank"], detail["score"]) == (
            expected[token_id].rank,
            expected[token_id].score,
        )


def test_token_detail_equals_its_metadata_file(
    view: CollectionView, documents: dict[int, dict[str, Any]]
) -> None:
    for token_id, document in documents.items():
        detail = view.token(token_id, image_url)
        assert detail["id"] == token_id
        assert detail["name"] == document["name"]
        assert detail["image_url"] == f"/img/{token_id}"
        assert detail["attributes"] == document["attributes"]
        assert detail["metadata"] == document


def test_token_detail_is_a_copy(view: CollectionView) -> None:
    view.token(3, image_url)["metadata"]["attributes"].clear()
    assert view.token(3, image_url)["attributes"] != []


@pytest.mark.parametrize("token_id", [0, COUNT + 1, -1])
def test_unknown_token_is_a_key_error(view: CollectionView, token_id: int) -> None:
    with pytest.raises(KeyError):
        view.token(token_id, image_url)
    with pytest.raises(KeyError):
        view.image_file(token_id)


def test_image_file(view: CollectionView, output: Path) -> None:
    assert view.image_file(12) == output / "image" / "12.png"


def report_rows(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            {
                "trait_type": row["trait_type"],
                "value": row["value"],
                "configured_percent": float(row["configured_percent"]),
                "achieved_percent": float(row["achieved_percent"]),
                "count": int(row["count"]),
            }
            for row in csv.DictReader(handle)
        ]


def test_ledger_rows_equal_the_rarity_report(view: CollectionView, output: Path) -> None:
    ledger = view.ledger()
    rows = [{k: v for k, v in row.items() if k != "flagged"} for row in ledger["rows"]]
    assert rows == report_rows(output / "rarity_report.csv")
    assert ("Headwear", "None") in {(row["trait_type"], row["value"]) for row in rows}
    assert ledger["flagged"] == 0
    assert not any(row["flagged"] for row in ledger["rows"])


def edit_report(path: Path, configured: dict[str, str]) -> None:
    """Set the configured % of the Background rows named in `configured`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        trait_type, value, _, achieved, count = line.split(",")
        if trait_type == "Background" and value in configured:
            lines[index] = ",".join((trait_type, value, configured[value], achieved, count))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_count_far_off_its_share_is_flagged(copy: Path) -> None:
    report = copy / "rarity_report.csv"
    counts = {row["value"]: row["count"] for row in report_rows(report)}
    assert (counts["Lavender"], counts["Mint"], counts["Sunset"]) == (7, 6, 8)
    # Lavender: 7 of 40 against an expected 36; Mint: 6 against 6.4; Sunset: 8 against none.
    edit_report(report, {"Lavender": "90.00", "Mint": "16.00", "Sunset": "0.00"})
    ledger = CollectionView.load(copy).ledger()
    flags = {
        row["value"]: row["flagged"] for row in ledger["rows"] if row["trait_type"] == "Background"
    }
    assert flags == {
        "Lavender": True,
        "Mint": False,
        "Peach": False,
        "Sky_Blue": False,
        "Starry_Night": False,
        "Sunset": True,
    }
    assert ledger["flagged"] == 2


@pytest.mark.parametrize(
    ("count", "share", "total", "flagged"),
    [
        (1, 0.0, 100, True),  # a value configured never to appear
        (0, 0.0, 100, False),
        (25, 0.25, 100, False),  # a counted value: exactly its share
        (100, 1.0, 100, False),  # the only value of a layer
        (50, 0.5, 100, False),
        (67, 0.5, 100, True),  # 17 off, beyond 3 * 5 + 1
        (66, 0.5, 100, False),  # 16 off: exactly the limit
        (34, 0.5, 100, False),
    ],
)
def test_off_share(count: int, share: float, total: int, flagged: bool) -> None:
    assert off_share(count, share, total) is flagged


@pytest.fixture(scope="module")
def spec() -> CollectionSpec:
    return check_inputs(SAMPLE_CONFIG, REPO / "ruler.sample.json", REPO / "traits").spec


def test_layer_catalog_follows_the_sample_config(spec: CollectionSpec) -> None:
    config = json.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    catalog = layer_catalog(spec, lambda layer, option: f"/layer/{layer}/{option}")
    assert [layer["name"] for layer in catalog] == config["trait_order"] == LAYER_ORDER
    for index, layer in enumerate(catalog):
        configured = config["traits"][layer["name"]]
        assert layer["index"] == index
        assert layer["presence"] == configured.get("rarity", 5) / 5
        assert [(o["name"], o["weight"]) for o in layer["options"]] == [
            (o["name"], o["rarity"]) for o in configured["options"]
        ]
        assert [o["index"] for o in layer["options"]] == list(range(len(configured["options"])))
        assert layer["options"][1]["image_url"] == f"/layer/{index}/1"
    assert catalog[5]["presence"] == 0.4  # Accessory: rarity 2
    balloon = catalog[5]["options"][0]
    assert (balloon["name"], balloon["display_name"], balloon["weight"]) == (
        "Balloon",
        "Balloon",
        3,
    )


def test_option_image_is_the_first_part_file(spec: CollectionSpec) -> None:
    path = option_image(spec, 5, 0)
    assert path.name == "Balloon_Uncommon.png"
    assert path.parent.name == "Accessory"
    assert path.is_file()


@pytest.mark.parametrize(
    ("layer", "option", "message"),
    [
        (6, 0, "no layer 6: there are 6 (0..5)"),
        (-1, 0, "no layer -1: there are 6 (0..5)"),
        (5, 5, "no option of layer 'Accessory' 5: there are 5 (0..4)"),
        (0, -1, "no option of layer 'Background' -1: there are 6 (0..5)"),
    ],
)
def test_option_image_out_of_range(
    spec: CollectionSpec, layer: int, option: int, message: str
) -> None:
    with pytest.raises(IndexError) as caught:
        option_image(spec, layer, option)
    assert str(caught.value) == message


def test_view_key_changes_when_combined_metadata_is_rewritten(copy: Path) -> None:
    combined = copy / "metadata" / "combined_metadata.json"
    key = view_key(copy)
    assert key is not None
    assert key == (str(copy.resolve()), combined.stat().st_mtime_ns)
    assert view_key(copy / ".." / copy.name) == key
    entries = json.loads(combined.read_text(encoding="utf-8"))
    entries[0]["name"] = "Renamed #1"
    replacement = combined.with_suffix(".tmp")
    replacement.write_text(json.dumps(entries), encoding="utf-8")
    os.replace(replacement, combined)
    # Set the time explicitly: two writes can share a coarse filesystem clock tick.
    os.utime(combined, ns=(key[1] + 10**9, key[1] + 10**9))
    assert view_key(copy) == (key[0], key[1] + 10**9)
    assert CollectionView.load(copy).token(1, image_url)["name"] == "Renamed #1"


def test_an_unfinished_folder_is_refused(copy: Path) -> None:
    (copy / "metadata" / "combined_metadata.json").unlink()
    assert view_key(copy) is None
    with pytest.raises(ConfigError) as caught:
        CollectionView.load(copy)
    assert caught.value.problems == (
        f"{copy}: holds no finished collection (metadata/combined_metadata.json is missing); "
        "generate it, or finish it with --resume",
    )


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    assert view_key(tmp_path / "nothing") is None
    with pytest.raises(ConfigError, match="holds no finished collection"):
        CollectionView.load(tmp_path / "nothing")
