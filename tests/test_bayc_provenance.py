"""Provenance as BAYC computes it: the hash over the images in original order (whatever the
starting index and the start id), the starting index beside it, and the token -> image map."""

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from modules.analysis.provenance import write_provenance
from modules.cli.generate import generate_command
from modules.errors import CollectionError
from modules.publish.provenance import (
    IDENTITY_ALGORITHM,
    combined_hash,
    original_index,
    provenance_document,
)
from modules.render.image_hash import keccak256_hex
from tests.analysis_helpers import LAYERS, copy_collection, invoke, stderr_of
from tests.conftest import config_for, write_json, write_traits

COUNT = 5
DIGESTS = [hashlib.sha256(bytes([n])).hexdigest() for n in range(COUNT)]


def images(start_id: int) -> list[tuple[int, str, str]]:
    return [(start_id + n, f"{start_id + n}.png", digest) for n, digest in enumerate(DIGESTS)]


def bayc_hash(digests: list[str]) -> str:
    """The hash as BAYC's provenance record states it, written out independently."""
    concatenated = ""
    for digest in digests:
        concatenated += digest
    return hashlib.sha256(concatenated.encode("utf-8")).hexdigest()


def test_the_hash_is_bayc_s_over_the_original_order() -> None:
    assert combined_hash(DIGESTS) == bayc_hash(DIGESTS)
    assert combined_hash(DIGESTS[::-1]) != bayc_hash(DIGESTS)
    many = [hashlib.sha256(b"%d" % i).hexdigest() for i in range(10_000)]  # several batches
    assert combined_hash(many) == bayc_hash(many)


@pytest.mark.parametrize("starting_index", [0, 1, 3])
@pytest.mark.parametrize("start_id", [1, 100])
def test_the_hash_does_not_depend_on_start_id_or_starting_index(
    start_id: int, starting_index: int
) -> None:
    at_zero = provenance_document(images(0), 0, start_id=0)
    document = provenance_document(images(start_id), starting_index, start_id=start_id)
    assert document["provenance_hash"] == at_zero["provenance_hash"] == bayc_hash(DIGESTS)
    assert document["starting_index"] == starting_index
    assert document["token_count"] == COUNT


def test_each_token_id_shows_original_image_token_plus_starting_index_mod_n() -> None:
    document = provenance_document(images(0), 2, start_id=0)
    entries = document["images"]
    # BAYC: originalSequenceId = (tokenId + startingIndex) % N, token ids from 0
    assert [e["token_id"] for e in entries] == [0, 1, 2, 3, 4]
    assert [e["original_index"] for e in entries] == [2, 3, 4, 0, 1]
    assert [e["sha256"] for e in entries] == [DIGESTS[(t + 2) % COUNT] for t in range(COUNT)]
    assert [e["image"] for e in entries] == ["2.png", "3.png", "4.png", "0.png", "1.png"]
    assert document["start_id"] == 0


def test_the_mapping_counts_from_the_start_id() -> None:
    shifted = provenance_document(images(100), 2, start_id=100)["images"]
    plain = provenance_document(images(0), 2, start_id=0)["images"]
    assert [e["original_index"] for e in shifted] == [e["original_index"] for e in plain]
    assert [e["token_id"] for e in shifted] == list(range(100, 105))
    assert [original_index(p, 4, COUNT) for p in range(COUNT)] == [4, 0, 1, 2, 3]


def test_without_a_starting_index_the_document_keeps_its_old_shape() -> None:
    document = provenance_document(images(1))
    assert list(document) == [
        "algorithm",
        "provenance_hash",
        "starting_index",
        "token_count",
        "images",
    ]
    assert document["algorithm"] == IDENTITY_ALGORITHM
    assert document["images"][0] == {"token_id": 1, "image": "1.png", "sha256": DIGESTS[0]}


def test_a_starting_index_past_the_end_is_refused() -> None:
    with pytest.raises(CollectionError, match="between 0 and 4"):
        provenance_document(images(1), COUNT)


@pytest.fixture(scope="module", params=[0, 100])
def collection(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bayc")
    write_traits(root / "traits", LAYERS)
    write_json(root / "config.json", config_for(LAYERS, start_id=request.param))
    args = ["-n", str(COUNT), "--seed", "3", "-c", "config.json", "-t", "traits", "-o", "output"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        result = CliRunner().invoke(generate_command, [*args, "--workers", "1"])
    assert result.exit_code == 0, result.output
    return root / "output"


def file_digests(collection: Path, start: int) -> list[str]:
    return [
        hashlib.sha256((collection / "image" / f"{start + n}.png").read_bytes()).hexdigest()
        for n in range(COUNT)
    ]


def test_a_generated_collection_records_bayc_provenance(collection: Path) -> None:
    document = json.loads((collection / "provenance.json").read_text())
    start = document["start_id"]
    assert document["provenance_hash"] == bayc_hash(file_digests(collection, start))
    assert document["starting_index"] == 0


def test_the_cli_records_a_starting_index_without_changing_the_hash(
    collection: Path, tmp_path: Path
) -> None:
    copy = copy_collection(collection, tmp_path / "output")
    before = json.loads((copy / "provenance.json").read_text())

    result = invoke("provenance", "-d", str(copy), "--starting-index", "3")

    assert result.exit_code == 0, stderr_of(result)
    after = json.loads((copy / "provenance.json").read_text())
    start, digests = after["start_id"], file_digests(copy, after["start_id"])
    assert after["provenance_hash"] == before["provenance_hash"]
    assert f"Provenance hash: {before['provenance_hash']}" in result.output
    assert after["starting_index"] == 3
    for position, entry in enumerate(after["images"]):
        assert entry["token_id"] == start + position
        assert entry["original_index"] == (position + 3) % COUNT
        assert entry["sha256"] == digests[(position + 3) % COUNT]


def test_recomputing_without_a_starting_index_gives_the_run_s_file(
    collection: Path, tmp_path: Path
) -> None:
    copy = copy_collection(collection, tmp_path / "output")
    (copy / "provenance.json").unlink()
    write_provenance(copy)
    assert (copy / "provenance.json").read_bytes() == (collection / "provenance.json").read_bytes()


# --- imageHash: Keccak-256 -------------------------------------------------------------------

# Published answers for Ethereum's keccak256 (web3.utils.keccak256("") and ("abc")).
KECCAK_EMPTY = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
KECCAK_ABC = "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
ROTATIONS = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61]]
ROTATIONS += [[28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
MASK = (1 << 64) - 1


def round_constants() -> list[int]:
    """Keccak's 24 iota constants, from its LFSR (so no table is copied)."""
    constants, state = [], 1
    for _ in range(24):
        constant = 0
        for j in range(7):
            if state & 1:
                constant |= 1 << ((1 << j) - 1)
            state = ((state << 1) ^ (0x71 if state & 0x80 else 0)) & 0xFF
        constants.append(constant)
    return constants


def rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & MASK if shift else value


def keccak_f(lanes: list[list[int]]) -> None:
    for constant in round_constants():
        c = [lanes[x][0] ^ lanes[x][1] ^ lanes[x][2] ^ lanes[x][3] ^ lanes[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ rotl(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[lanes[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = rotl(a[x][y], ROTATIONS[x][y])
        for x in range(5):
            for y in range(5):
                lanes[x][y] = b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y])
        lanes[0][0] ^= constant


def reference_keccak256(data: bytes) -> str:
    """Keccak-256 from the specification (rate 136, padding 0x01 ... 0x80), written here."""
    rate = 136
    padded = bytearray(data) + b"\x01" + bytes(-(len(data) + 1) % rate)
    padded[-1] |= 0x80
    lanes = [[0] * 5 for _ in range(5)]
    for offset in range(0, len(padded), rate):
        block = padded[offset : offset + rate]
        for i in range(rate // 8):
            lanes[i % 5][i // 5] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        keccak_f(lanes)
    out = b"".join(lanes[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
    return out.hex()


@pytest.mark.parametrize("data", [b"", b"abc", bytes(range(256)) * 3, b"\x89PNG" * 40])
def test_keccak_matches_an_independent_implementation(data: bytes) -> None:
    assert keccak256_hex(data) == reference_keccak256(data)


def test_keccak_is_ethereum_s_and_not_sha3() -> None:
    assert keccak256_hex(b"") == reference_keccak256(b"") == KECCAK_EMPTY
    assert keccak256_hex(b"abc") == KECCAK_ABC
    assert keccak256_hex(b"abc") != hashlib.sha3_256(b"abc").hexdigest()


def hashed_project(root: Path, image_hash: bool) -> Path:
    write_traits(root / "traits", LAYERS)
    config = config_for(LAYERS, start_id=100)
    if image_hash:
        config["image_hash"] = True
    write_json(root / "config.json", config)
    return root


def generate_in(root: Path, *more: str) -> str:
    args = ["-n", str(COUNT), "--seed", "3", "-c", "config.json", "-t", "traits", "-o", "output"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        result = CliRunner().invoke(generate_command, [*args, "--workers", "1", *more])
    assert result.exit_code == 0, result.output
    return result.output


def test_image_hash_puts_each_image_s_keccak_in_its_metadata(tmp_path: Path) -> None:
    generate_in(hashed_project(tmp_path, image_hash=True))
    output = tmp_path / "output"
    combined = json.loads((output / "metadata" / "combined_metadata.json").read_text())
    for position, entry in enumerate(combined):
        token = 100 + position
        image = (output / "image" / f"{token}.png").read_bytes()
        assert entry["imageHash"] == reference_keccak256(image)
        assert entry == json.loads((output / "metadata" / f"{token}.json").read_text())
    assert "with new metadata" not in generate_in(tmp_path, "--resume")


def test_turning_image_hash_on_rewrites_only_metadata_on_resume(tmp_path: Path) -> None:
    generate_in(hashed_project(tmp_path, image_hash=False))
    output = tmp_path / "output"
    images = {p.name: p.read_bytes() for p in (output / "image").iterdir()}
    assert "imageHash" not in json.loads((output / "metadata" / "100.json").read_text())
    hashed_project(tmp_path, image_hash=True)

    summary = generate_in(tmp_path, "--resume")

    assert f"Wrote 0 tokens ({COUNT} already done, {COUNT} with new metadata)" in summary
    assert {p.name: p.read_bytes() for p in (output / "image").iterdir()} == images
    document = json.loads((output / "metadata" / "100.json").read_text())
    assert document["imageHash"] == reference_keccak256(images["100.png"])
