"""Chain exporters: every chain's files validate against the schema shipped for it, the
Candy Machine layout, CIP-25 string chunks, config errors, update-cid and resume."""

import dataclasses
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from PIL import Image

from modules.analysis.ipfs_cid import update_cid
from modules.cli.generate import generate_command
from modules.cli.update_cid import update_cid_command
from modules.errors import CheckpointMismatchError, ConfigError
from modules.load.chain_settings import is_solana_address
from modules.publish.exporters.cardano import MAX_STRING_BYTES, chunk_string, split_strings
from modules.run.nft_generator import generate
from modules.settings import GenerationSettings
from tests.conftest import BASIC_LAYERS, config_for

COUNT = 6
CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
NEW_CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
SOLANA_KEY = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
SOLANA_KEY_2 = "11111111111111111111111111111111"
TEZOS_KEY = "tz1burnburnburnburnburnburnburjAYjjX"
POLICY = "b0" * 28
ALL = ["opensea", "erc1155", "solana", "tezos", "cardano"]
CHAIN_SETTINGS: dict[str, Any] = {
    "ipfs_cid": CID,
    "metadata": {
        "description": "A collection whose description is longer than sixty-four bytes, é"
    },
    "erc1155": {"decimals": 0, "metadata_uri": "ipfs://meta"},
    "solana": {
        "symbol": "GEN",
        "seller_fee_basis_points": 500,
        "creators": [{"address": SOLANA_KEY, "share": 70}, {"address": SOLANA_KEY_2, "share": 30}],
        "collection_image": "traits/Background/Red.png",
    },
    "tezos": {"symbol": "GEN", "creators": [TEZOS_KEY], "royalties": {TEZOS_KEY: 500}},
    "cardano": {"policy_id": POLICY, "asset_prefix": "Gen"},
}


def project(make_project, **overrides: Any) -> Path:
    """BASIC_LAYERS with every chain's settings (and `overrides`) in config.json."""
    return make_project(BASIC_LAYERS, config_for(BASIC_LAYERS, **(CHAIN_SETTINGS | overrides)))


def settings(root: Path, chains: tuple[str, ...] = tuple(ALL), **more: Any) -> GenerationSettings:
    return GenerationSettings(
        num_tokens=COUNT,
        config_path=root / "config.json",
        ruler_path=None,
        traits_dir=root / "traits",
        output_dir=root / "out",
        chains=chains,
        **({"seed": 3} | more),
    )


def schema(name: str) -> Draft202012Validator:
    text = resources.files("modules.publish").joinpath("schemas", name).read_text("utf-8")
    return Draft202012Validator(json.loads(text))


def problems(validator: Draft202012Validator, path: Path) -> list[str]:
    document = json.loads(path.read_text("utf-8"))
    return [f"{path.name}: {e.json_path}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def collection(make_project) -> Path:
    root = project(make_project)
    report = generate(settings(root))
    assert report.exit_code == 0
    return root / "out"


def tree_digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "runs.jsonl" and ".lock" not in p.name
    }


@pytest.mark.parametrize(
    ("folder", "pattern", "schema_name"),
    [
        ("metadata", "[0-9]*.json", "opensea.schema.json"),
        ("erc1155", "[0-9a-f]" * 8 + "*.json", "erc1155.schema.json"),
        ("solana", "[0-9]*.json", "solana.schema.json"),
        ("tezos", "[0-9]*.json", "tezos.schema.json"),
        ("cardano", "[0-9]*.json", "cardano.schema.json"),
    ],
)
def test_every_chain_validates_against_its_schema(collection, folder, pattern, schema_name):
    files = sorted((collection / folder).glob(pattern))
    assert len(files) == COUNT
    validator = schema(schema_name)
    assert [p for path in files for p in problems(validator, path)] == []


def test_erc1155_files_are_named_by_the_hex_id_and_the_uri_has_the_id_pattern(collection):
    names = sorted(p.name for p in (collection / "erc1155").glob("*.json"))
    assert names == [f"{i:064x}.json" for i in range(1, COUNT + 1)] + ["collection.json"]
    document = json.loads((collection / "erc1155" / "collection.json").read_text())
    assert document["uri"] == "ipfs://meta/{id}.json"
    assert (
        problems(
            schema("erc1155-collection.schema.json"), collection / "erc1155" / "collection.json"
        )
        == []
    )
    token = json.loads((collection / "erc1155" / f"{1:064x}.json").read_text())
    opensea = json.loads((collection / "metadata" / "1.json").read_text())
    assert token == opensea | {"decimals": 0}


def test_candy_machine_folder_has_pairs_from_zero_and_the_collection(collection):
    folder = collection / "solana"
    stems = sorted(int(p.stem) for p in folder.glob("[0-9]*.json"))
    assert stems == list(range(COUNT))
    for number in stems:
        image = folder / f"{number}.png"
        assert image.read_bytes() == (collection / "image" / f"{number + 1}.png").read_bytes()
        document = json.loads((folder / f"{number}.json").read_text())
        assert document["image"] == f"ipfs://{CID}/{number + 1}.png"
        assert document["properties"]["files"] == [{"uri": document["image"], "type": "image/png"}]
        assert [c["share"] for c in document["properties"]["creators"]] == [70, 30]
    collection_document = json.loads((folder / "collection.json").read_text())
    assert collection_document["image"] == "collection.png"
    assert (folder / "collection.png").is_file()


def test_tezos_thumbnails_fit_the_size_and_are_named_in_formats(collection):
    document = json.loads((collection / "tezos" / "2.json").read_text())
    assert document["thumbnailUri"] == f"ipfs://{CID}/thumbnail/2.png"
    assert (collection / "tezos" / "thumbnail" / "2.png").read_bytes().startswith(b"\x89PNG")
    assert [f["uri"] for f in document["formats"]] == [
        document["artifactUri"],
        document["thumbnailUri"],
    ]
    assert document["royalties"] == {"decimals": 4, "shares": {TEZOS_KEY: 500}}


def test_cardano_documents_split_long_strings(collection):
    document = json.loads((collection / "cardano" / "1.json").read_text())
    asset = document["721"][POLICY]["Gen1"]
    assert document["721"]["version"] == "1.0"
    assert "".join(asset["image"]) == f"ipfs://{CID}/1.png"
    assert isinstance(asset["image"], list)
    assert "".join(asset["description"]) == CHAIN_SETTINGS["metadata"]["description"]


@pytest.mark.parametrize(
    "text", ["", "a" * 64, "a" * 65, "é" * 40, "a" + "€" * 30, "🎨" * 17, "x" * 63 + "é"]
)
def test_cip25_chunks_hold_at_most_64_bytes_and_never_cut_a_character(text):
    chunks = chunk_string(text)
    assert "".join(chunks) == text
    assert all(len(chunk.encode("utf-8")) <= MAX_STRING_BYTES for chunk in chunks)
    assert all(chunks) or text == ""
    expected = text if len(text.encode("utf-8")) <= MAX_STRING_BYTES else chunks
    assert split_strings({"k": [text]}) == {"k": [expected]}


def test_default_runs_write_no_chain_folders(make_project):
    root = project(make_project)
    assert generate(settings(root, chains=("opensea",))).exit_code == 0
    assert [chain for chain in ALL[1:] if (root / "out" / chain).exists()] == []


def test_config_chains_are_used_without_the_option(make_project):
    root = project(make_project, chains=["opensea", "erc1155"])
    assert generate(settings(root, chains=())).exit_code == 0
    assert (root / "out" / "erc1155" / "collection.json").is_file()
    assert not (root / "out" / "solana").exists()


def config_error(make_project, **overrides: Any) -> tuple[str, ...]:
    root = project(make_project, **overrides)
    with pytest.raises(ConfigError) as caught:
        generate(settings(root))
    return caught.value.problems


def test_creator_shares_not_summing_to_100_are_refused(make_project):
    creators = [{"address": SOLANA_KEY, "share": 60}, {"address": SOLANA_KEY_2, "share": 30}]
    solana = CHAIN_SETTINGS["solana"] | {"creators": creators}
    assert config_error(make_project, solana=solana) == (
        "config.json: $.solana.creators: the shares sum to 90; they must sum to 100",
    )


def test_bad_addresses_are_refused_naming_the_field(make_project):
    solana = CHAIN_SETTINGS["solana"] | {"creators": [{"address": "0xabc", "share": 100}]}
    tezos = CHAIN_SETTINGS["tezos"] | {"creators": ["tz9nope"]}
    assert config_error(make_project, solana=solana, tezos=tezos) == (
        "config.json: $.solana.creators[0].address: '0xabc' is not a base58 Solana public key "
        "(32 bytes)",
        "config.json: $.tezos.creators[0]: 'tz9nope' is not a Tezos address "
        "(tz1…, tz2…, tz3…, KT1…)",
    )


def test_the_placeholder_policy_id_is_refused_with_a_hint(make_project):
    assert config_error(make_project, cardano={"policy_id": "0" * 56}) == (
        "config.json: $.cardano.policy_id: still the placeholder; create a minting policy "
        "(cardano-cli transaction policyid) and put its id here",
    )


def test_cardano_without_its_section_is_refused_before_rendering(make_project):
    overrides = {k: v for k, v in CHAIN_SETTINGS.items() if k != "cardano"}
    root = make_project(BASIC_LAYERS, config_for(BASIC_LAYERS, **overrides))
    with pytest.raises(ConfigError) as caught:
        generate(settings(root, chains=("cardano",)))
    assert caught.value.problems == (
        "config.json: $.cardano: missing; the cardano chain needs a policy_id (create a minting "
        "policy (cardano-cli transaction policyid) and put its id here)",
    )
    assert not (root / "out" / "image").exists()


def test_solana_addresses_are_32_bytes_of_base58():
    assert is_solana_address(SOLANA_KEY)
    assert is_solana_address(SOLANA_KEY_2)
    assert not is_solana_address(SOLANA_KEY + "1")  # 33 bytes
    assert not is_solana_address("0" + SOLANA_KEY[1:])  # 0 is not base58


def uris(out: Path) -> list[str]:
    """Every URI field value of every chain's token files (CIP-25 chunks joined)."""
    found = []
    for path in sorted(out.rglob("*.json")):
        folders = ("erc1155", "solana", "tezos", "cardano", "metadata")
        if path.parent.name in folders and path.name != "collection.json":
            found += list(_uri_values(json.loads(path.read_text())))
    return found


def _uri_values(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _uri_values(v, k)
    elif isinstance(value, list) and key in ("image", "src"):
        yield "".join(value)
    elif isinstance(value, list):
        for item in value:
            yield from _uri_values(item, key)
    elif key in ("image", "uri", "src", "artifactUri", "displayUri", "thumbnailUri"):
        yield value


def test_update_cid_rewrites_every_chain(collection):
    before = uris(collection)
    assert before
    assert all(uri.startswith(f"ipfs://{CID}/") for uri in before)
    changed = update_cid(collection / "metadata", NEW_CID)
    after = uris(collection)
    assert after == [uri.replace(CID, NEW_CID) for uri in before]
    assert changed == COUNT * 5  # metadata/ and the four chain folders


@pytest.mark.parametrize(
    "cid",
    [
        CID + "aa",  # a multihash longer than it declares
        "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s5",  # shorter
        "your-ipfs-cid-here",
    ],
)
def test_update_cid_refuses_bad_cids_and_changes_nothing(collection, cid):
    before = tree_digests(collection)
    with pytest.raises(ConfigError, match="not a valid IPFS CID"):
        update_cid(collection / "metadata", cid)
    assert tree_digests(collection) == before


def test_resume_rewrites_chain_files_to_the_same_bytes(make_project):
    root = project(make_project)
    assert generate(settings(root)).exit_code == 0
    out = root / "out"
    before = tree_digests(out)
    (out / "solana" / "2.json").unlink()
    (out / "tezos" / "thumbnail" / "3.png").write_bytes(b"damaged")
    (out / "cardano" / "4.json").unlink()
    (out / "image" / "5.png").unlink()
    assert generate(settings(root, resume=True, seed=None)).exit_code == 0
    assert tree_digests(out) == before


def test_resume_with_other_chains_is_refused(make_project):
    root = project(make_project)
    assert generate(settings(root)).exit_code == 0
    with pytest.raises(CheckpointMismatchError, match="--chain / chains changed"):
        generate(settings(root, chains=("opensea", "solana"), resume=True, seed=None))


def numeric_config(body_names: tuple[str, str]) -> dict[str, Any]:
    """Body shown as a number out of 10 (its options' display names), plus OpenSea extras."""
    config = config_for(BASIC_LAYERS, **CHAIN_SETTINGS)
    body = config["traits"]["Body"]
    body |= {"display_type": "number", "max_value": 10}
    for option, name in zip(body["options"], body_names, strict=True):
        option["display_name"] = name
    config["metadata"] = config["metadata"] | {
        "extra_attributes": [{"trait_type": "Season", "value": 1, "display_type": "number"}],
        "background_color": "A0B0C0",
    }
    return config


def test_numeric_traits_extra_attributes_and_background_color(make_project):
    root = make_project(BASIC_LAYERS, numeric_config(("3", "7")))
    assert generate(settings(root)).exit_code == 0
    out = root / "out"
    document = json.loads((out / "metadata" / "1.json").read_text())
    body = next(a for a in document["attributes"] if a["trait_type"] == "Body")
    assert body["value"] in (3, 7)
    assert body | {"value": 0} == {
        "trait_type": "Body",
        "value": 0,
        "display_type": "number",
        "max_value": 10,
    }
    assert document["attributes"][-1] == {
        "trait_type": "Season",
        "value": 1,
        "display_type": "number",
    }
    assert document["background_color"] == "a0b0c0"
    assert problems(schema("opensea.schema.json"), out / "metadata" / "1.json") == []
    cardano = json.loads((out / "cardano" / "1.json").read_text())
    assert cardano["721"][POLICY]["Gen1"]["attributes"]["Body"] == body["value"]


def test_a_numeric_trait_with_a_word_value_is_refused(make_project):
    root = make_project(BASIC_LAYERS, numeric_config(("3", "High")))
    with pytest.raises(ConfigError) as caught:
        generate(settings(root))
    assert caught.value.problems == (
        "config.json: $.traits.Body: option 'White': display_type number needs a number, and "
        "'High' is not one (set display_name to the number)",
    )


def test_chain_files_use_the_public_ids_from_start_id(make_project):
    root = project(make_project)
    assert generate(settings(root, start_id=100)).exit_code == 0
    out = root / "out"
    assert (out / "erc1155" / f"{100:064x}.json").is_file()
    assert sorted(p.name for p in (out / "tezos").glob("*.json"))[0] == "100.json"
    assert "Gen105" in json.loads((out / "cardano" / "105.json").read_text())["721"][POLICY]
    solana = json.loads((out / "solana" / "0.json").read_text())  # Candy Machine counts from 0
    assert solana["image"] == f"ipfs://{CID}/100.png"
    assert (out / "solana" / "0.png").read_bytes() == (out / "image" / "100.png").read_bytes()


def test_animated_tokens_get_animation_url_on_opensea_and_solana(make_project):
    config = config_for(BASIC_LAYERS, **CHAIN_SETTINGS)
    config["metadata"] |= {"animation_url": True}
    config["traits"]["Hat"] = {"options": [{"name": "Spin", "file": "Spin.gif"}]}
    root = make_project(BASIC_LAYERS, config)
    frames = [Image.new("RGBA", (8, 8), (0, 0, 0, 0)) for _ in range(2)]
    for frame, colour in zip(frames, ((255, 255, 0, 255), (0, 255, 255, 255)), strict=True):
        frame.paste(Image.new("RGBA", (4, 4), colour), (4, 4))  # GIF: opaque or clear only
    frames[0].save(root / "traits" / "Hat" / "Spin.gif", save_all=True, append_images=frames[1:])
    assert generate(settings(root)).exit_code == 0
    out = root / "out"
    opensea = json.loads((out / "metadata" / "1.json").read_text())
    assert opensea["animation_url"] == opensea["image"] == f"ipfs://{CID}/1.gif"
    solana = json.loads((out / "solana" / "0.json").read_text())
    assert solana["animation_url"] == opensea["image"]
    assert solana["properties"]["category"] == "video"
    assert (out / "solana" / "0.gif").is_file()
    assert problems(schema("solana.schema.json"), out / "solana" / "0.json") == []


def test_the_chain_option_and_update_cid_command(make_project, monkeypatch):
    root = project(make_project)
    monkeypatch.chdir(root)
    options = ["-n", "4", "--seed", "1", "--workers", "1", "--chain", "tezos", "--chain", "erc1155"]
    result = CliRunner().invoke(generate_command, options)
    assert result.exit_code == 0, result.output
    assert [chain for chain in ALL[1:] if Path("output", chain).is_dir()] == ["erc1155", "tezos"]
    result = CliRunner().invoke(update_cid_command, ["--cid", NEW_CID])
    assert result.exit_code == 0, result.output
    tezos = json.loads(Path("output/tezos/4.json").read_text())
    assert tezos["thumbnailUri"] == f"ipfs://{NEW_CID}/thumbnail/4.png"
    bad = CliRunner().invoke(update_cid_command, ["--cid", CID + "aa"])
    assert bad.exit_code == 1
    assert "multihash declares a 32-byte digest" in bad.output


def test_force_with_fewer_tokens_leaves_no_stale_chain_file(collection):
    root = collection.parent
    fewer = dataclasses.replace(settings(root, force=True), num_tokens=COUNT - 2)
    assert generate(fewer).exit_code == 0
    solana = sorted(p.name for p in (collection / "solana").iterdir())
    pairs = [f"{n}.{ext}" for n in range(COUNT - 2) for ext in ("json", "png")]
    assert solana == sorted([*pairs, "collection.json", "collection.png"])
    for folder, pattern in (("cardano", "*.json"), ("tezos", "*.json"), ("tezos/thumbnail", "*")):
        assert len(list((collection / folder).glob(pattern))) == COUNT - 2
    assert len(list((collection / "erc1155").glob("*.json"))) == COUNT - 2 + 1  # + collection
