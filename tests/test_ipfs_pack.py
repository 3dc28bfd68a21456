"""`genecator pack` and the offline UnixFS importer behind it, checked against the JavaScript
reference implementations (ipfs-unixfs-importer with kubo's options, and ipfs-car), which a
session fixture installs from the npm registry into .cache/npm-ipfs/ (skipped without npm)."""

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from modules.errors import CollectionError
from modules.publish.ipfs.car import header
from modules.publish.ipfs.convention import IPFS_CAR, KUBO, Convention, needs_shard
from modules.publish.ipfs.folder import folder_cid, write_car
from modules.publish.ipfs.multiformats import (
    CODEC_DAG_PB,
    CODEC_RAW,
    cid_bytes,
    cid_string,
    varint,
)
from modules.publish.ipfs.murmur3 import murmur3_x64_64
from modules.publish.output_lock import LOCK_FILE
from tests.analysis_helpers import build_collection, copy_collection, invoke, stderr_of
from tests.conftest import REPO

JS = REPO / "tests" / "js"
CACHE = REPO / ".cache" / "npm-ipfs"
CONVENTIONS = {"kubo": KUBO, "ipfs-car": IPFS_CAR}
Reference = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def reference() -> Reference:
    """Run tests/js/pack.mjs on a folder: {"root": CID, "blocks": [CID…]}, CAR written if
    asked. The npm packages are installed once, again whenever package.json changes."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip("npm is not installed")
    CACHE.mkdir(parents=True, exist_ok=True)
    manifest = (JS / "package.json").read_bytes()
    installed = CACHE / "package.json"
    if not (installed.exists() and installed.read_bytes() == manifest):
        installed.write_bytes(manifest)
        (CACHE / "package-lock.json").unlink(missing_ok=True)
        subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=CACHE, check=True)
    shutil.copyfile(JS / "pack.mjs", CACHE / "pack.mjs")

    def run(folder: Path, mode: str, **options: Any) -> dict[str, Any]:
        spec = json.dumps({"folder": str(folder), "mode": mode, **options})
        done = subprocess.run(
            [node, str(CACHE / "pack.mjs"), spec], check=True, capture_output=True, text=True
        )
        return json.loads(done.stdout)

    return run


def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def small_files(count: int) -> dict[str, bytes]:
    """`count` token-like files with distinct small contents (some identical, one empty)."""
    return {f"{i}.png": b"" if i == 1 else str(i % 97).encode() * 3 for i in range(1, count + 1)}


def car_sections(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The header and (CID, block) sections of a CAR holding CIDv1 sha2-256 CIDs."""
    sections, at = [], 0
    length, at = read_varint(data, at)
    head, at = data[at : at + length], at + length
    while at < len(data):
        length, at = read_varint(data, at)
        sections.append((data[at : at + 36], data[at + 36 : at + length]))
        at += length
    return head, sections


def read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value, shift, at = value | (byte & 0x7F) << shift, shift + 7, at + 1
        if byte < 0x80:
            return value, at


def ours(folder: Path, convention: Convention, car: Path) -> tuple[str, list[str]]:
    root = write_car(folder, convention, car)
    return cid_string(root), [cid_string(cid) for cid, _ in car_sections(car.read_bytes())[1]]


# --- against the reference importers ---------------------------------------------------------


@pytest.mark.slow  # runs node
@pytest.mark.parametrize("mode", ["kubo", "ipfs-car"])
@pytest.mark.parametrize("count", [0, 3, 300])
def test_small_folders_match_the_reference_byte_for_byte(
    reference: Reference, tmp_path: Path, mode: str, count: int
) -> None:
    folder = write_files(tmp_path / "image", small_files(count))
    (folder / ".DS_Store").write_bytes(b"hidden files are left out, as ipfs add does")
    expected = reference(folder, mode, car=str(tmp_path / "js.car"))

    root, _ = ours(folder, CONVENTIONS[mode], tmp_path / "py.car")

    assert root == expected["root"]
    assert (tmp_path / "py.car").read_bytes() == (tmp_path / "js.car").read_bytes()


@pytest.mark.slow  # runs node
@pytest.mark.parametrize("mode", ["kubo", "ipfs-car"])
def test_ten_thousand_files_are_sharded_like_the_reference(
    reference: Reference, tmp_path: Path, mode: str
) -> None:
    folder = write_files(tmp_path / "image", small_files(10_000))
    expected = reference(folder, mode)

    root, blocks = ours(folder, CONVENTIONS[mode], tmp_path / "py.car")

    assert root == expected["root"]
    assert sorted(set(blocks)) == sorted(set(expected["blocks"]))
    assert len(blocks) == len(set(blocks))  # each block once
    assert blocks[-1] == root  # children before parents, as ipfs-car streams them
    shard_nodes = len(blocks) - len(set(small_files(10_000).values()))
    assert shard_nodes > 1  # a HAMT, not one directory block


@pytest.mark.slow  # runs node
@pytest.mark.parametrize("mode", ["kubo", "ipfs-car"])
@pytest.mark.parametrize(
    ("size", "chunk_size", "max_children"),
    [
        (700_000, None, None),  # several default-size chunks
        (2_600_000, None, None),  # more than two 1 MiB chunks (ipfs-car)
        (175 * 64 + 5, 64, None),  # more than 174 chunks: a second layer for kubo
        (1_030 * 16, 16, None),  # more than 1024 chunks: a second layer for ipfs-car
        (16 * 4**3 + 1, 16, 4),  # a four-level tree whose last branch is one leaf deep
        (16, 16, 4),  # exactly one chunk: the raw leaf itself
    ],
)
def test_large_files_match_the_reference(
    reference: Reference,
    tmp_path: Path,
    mode: str,
    size: int,
    chunk_size: int | None,
    max_children: int | None,
) -> None:
    data = hashlib.shake_256(b"large").digest(size)
    folder = write_files(tmp_path / "image", {"big.bin": data, "a/nested.txt": b"nested"})
    options = {"chunkSize": chunk_size, "maxChildren": max_children}
    given = {key: value for key, value in options.items() if value is not None}
    expected = reference(folder, mode, car=str(tmp_path / "js.car"), **given)
    convention = replace(
        CONVENTIONS[mode],
        chunk_size=chunk_size or CONVENTIONS[mode].chunk_size,
        max_children=max_children or CONVENTIONS[mode].max_children,
    )

    root, blocks = ours(folder, convention, tmp_path / "py.car")

    assert root == expected["root"]
    assert sorted(blocks) == sorted(set(expected["blocks"]))
    if mode == "kubo":  # ipfs-car orders file nodes by how its input stream is sliced
        assert (tmp_path / "py.car").read_bytes() == (tmp_path / "js.car").read_bytes()


@pytest.mark.slow  # runs node
@pytest.mark.parametrize("extra", [0, 1])
def test_kubo_shards_only_past_the_threshold(reference: Reference, tmp_path: Path, extra: int):
    # 4,096 links of 28-byte names and 36-byte CIDs estimate exactly 256 KiB: still one block.
    names = [f"{i:028d}" for i in range(4096)]
    names[0] += "x" * extra
    folder = write_files(tmp_path / "image", dict.fromkeys(names, b"same"))

    root = cid_string(folder_cid(folder, KUBO))

    assert root == reference(folder, "kubo")["root"]
    assert needs_shard(KUBO, [n.encode() for n in names], [b"c" * 36] * 4096) == bool(extra)


# --- our own encoding ------------------------------------------------------------------------


def test_car_sections_hold_each_block_under_its_own_hash(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "image", small_files(5))

    root = write_car(folder, KUBO, tmp_path / "out.car")
    head, sections = car_sections((tmp_path / "out.car").read_bytes())

    assert varint(len(head)) + head == header(root)
    assert root in head
    assert head.index(b"roots") < head.index(b"version")  # DAG-CBOR key order
    for cid, block in sections:
        codec = cid[1]
        assert cid == cid_bytes(codec, block)
    assert sections[-1][0] == root
    assert root[1] == CODEC_DAG_PB
    assert root == folder_cid(folder, KUBO)


def pb_links(block: bytes) -> tuple[dict[bytes, bytes], bytes]:
    """A dag-pb block's links (name -> CID) and Data, decoded just enough for these tests."""
    links, data, at = {}, b"", 0
    while at < len(block):
        key, at = read_varint(block, at)
        length, at = read_varint(block, at)
        body, at = block[at : at + length], at + length
        if key >> 3 == 1:
            data = body
            continue
        fields, inner = {}, 0
        while inner < len(body):
            field, inner = read_varint(body, inner)
            if field & 7 == 0:
                _, inner = read_varint(body, inner)
                continue
            size, inner = read_varint(body, inner)
            fields[field >> 3], inner = body[inner : inner + size], inner + size
        links[fields[2]] = fields[1]
    return links, data


def test_a_big_folder_is_a_hamt_whose_slots_follow_the_name_hash(tmp_path: Path) -> None:
    files = small_files(10_000)
    folder = write_files(tmp_path / "image", files)

    root = write_car(folder, KUBO, tmp_path / "out.car")
    blocks = dict(car_sections((tmp_path / "out.car").read_bytes())[1])

    for name in ("1.png", "777.png", "10000.png"):
        node, digest = blocks[root], murmur3_x64_64(name.encode())
        for depth in range(8):
            links, data = pb_links(node)
            assert data.startswith(b"\x08\x05")  # UnixFS HAMTShard
            label = f"{digest[depth]:02X}".encode()
            if label + name.encode() in links:
                assert links[label + name.encode()] == cid_bytes(CODEC_RAW, files[name])
                break
            node = blocks[links[label]]
        else:
            pytest.fail(f"{name} is not in the shard")


def test_varints_use_seven_bits_per_byte() -> None:
    assert [varint(n) for n in (0, 127, 128, 300)] == [b"\0", b"\x7f", b"\x80\x01", b"\xac\x02"]


def test_a_link_in_the_folder_is_refused(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "image", {"1.png": b"x"})
    (folder / "2.png").symlink_to(folder / "1.png")

    with pytest.raises(CollectionError, match=r"2\.png: not a regular file or folder"):
        folder_cid(folder, KUBO)


# --- the command -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_collection(tmp_path_factory.mktemp("generated"), count=6)


@pytest.fixture
def collection(generated: Path, tmp_path: Path) -> Path:
    return copy_collection(generated, tmp_path / "output")


def test_pack_points_metadata_at_the_image_cid_and_records_both(collection: Path) -> None:
    (collection / "metadata" / "notes.txt").write_text("not part of the collection")

    result = invoke("pack", "-o", str(collection))

    record = json.loads((collection / "pack.json").read_text())
    image_cid, metadata_cid = (record["folders"][name]["cid"] for name in ("image", "metadata"))
    assert result.exit_code == 0, result.output
    assert f"image/: {image_cid}" in result.output
    assert f"metadata/: {metadata_cid}" in result.output
    token = json.loads((collection / "metadata" / "3.json").read_text())
    assert token["image"] == f"ipfs://{image_cid}/3.png"
    combined = json.loads((collection / "metadata" / "combined_metadata.json").read_text())
    assert {item["image"] for item in combined} == {
        f"ipfs://{image_cid}/{i}.png" for i in range(1, 7)
    }
    assert cid_string(write_car(collection / "image", KUBO, collection / "x.car")) == image_cid
    (collection / "metadata" / "notes.txt").unlink()  # the CID covers token files only
    assert cid_string(folder_cid(collection / "metadata", KUBO)) == metadata_cid
    assert record["folders"]["image"]["car"] == "image.car"
    assert (collection / "image.car").read_bytes() == (collection / "x.car").read_bytes()
    assert not (collection / LOCK_FILE).exists()


def test_pack_twice_changes_nothing(collection: Path) -> None:
    invoke("pack", "-o", str(collection), "--convention", "ipfs-car")
    first = {path.name: path.read_bytes() for path in collection.rglob("*") if path.is_file()}

    again = invoke("pack", "-o", str(collection), "--convention", "ipfs-car")

    assert again.exit_code == 0, again.output
    assert "Pointed 0 token file(s)" in again.output
    assert {p.name: p.read_bytes() for p in collection.rglob("*") if p.is_file()} == first
    assert json.loads((collection / "pack.json").read_text())["convention"] == "ipfs-car"


def test_pack_without_car_writes_only_the_record(collection: Path) -> None:
    result = invoke("pack", "-o", str(collection), "--no-car")

    assert result.exit_code == 0, result.output
    assert not list(collection.glob("*.car"))
    assert json.loads((collection / "pack.json").read_text())["folders"]["image"]["car"] is None


def test_pack_of_a_folder_without_images_names_it(tmp_path: Path) -> None:
    result = invoke("pack", "-o", str(tmp_path / "nothing"))

    assert result.exit_code == 1
    assert "nothing/image: no such folder; pass the --output" in stderr_of(result)


def test_pack_is_refused_beside_a_running_writer(collection: Path) -> None:
    from modules.publish.output_lock import OutputLock

    with OutputLock(collection, "generate"):
        result = invoke("pack", "-o", str(collection))

    assert result.exit_code == 1
    assert "another Genecator process is writing it" in stderr_of(result)
    assert not (collection / "pack.json").exists()
