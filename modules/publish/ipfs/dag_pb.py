"""dag-pb nodes and their UnixFS Data, encoded canonically (links first, then data; fields in
number order), byte for byte as kubo and the JavaScript importer write them."""

from collections.abc import Sequence
from dataclasses import dataclass

from modules.publish.ipfs.multiformats import varint

LENGTH_DELIMITED = 2
VARINT = 0
UNIXFS_DIRECTORY = 1
UNIXFS_FILE = 2
UNIXFS_HAMT_SHARD = 5


@dataclass(frozen=True)
class Link:
    """A named link: the child's binary CID and its cumulative DAG size (Tsize)."""

    name: bytes
    cid: bytes
    size: int


def _key(field: int, wire_type: int) -> bytes:
    return varint(field << 3 | wire_type)


def _bytes_field(field: int, value: bytes) -> bytes:
    return _key(field, LENGTH_DELIMITED) + varint(len(value)) + value


def _int_field(field: int, value: int) -> bytes:
    return _key(field, VARINT) + varint(value)


def encode_node(links: Sequence[Link], data: bytes) -> bytes:
    """A PBNode: its links sorted by name bytes (as dag-pb requires), then its Data."""
    out = bytearray()
    for link in sorted(links, key=lambda item: item.name):
        body = _bytes_field(1, link.cid) + _bytes_field(2, link.name) + _int_field(3, link.size)
        out += _bytes_field(2, body)
    return bytes(out + _bytes_field(1, data))


def file_data(block_sizes: Sequence[int]) -> bytes:
    """UnixFS Data of a file node whose children hold `block_sizes` bytes of content."""
    fields = _int_field(1, UNIXFS_FILE) + _int_field(3, sum(block_sizes))
    return fields + b"".join(_int_field(4, size) for size in block_sizes)


def directory_data() -> bytes:
    """UnixFS Data of a plain directory."""
    return _int_field(1, UNIXFS_DIRECTORY)


def shard_data(bitfield: bytes, hash_type: int, fanout: int) -> bytes:
    """UnixFS Data of one HAMT shard node (occupied slots as a big-endian bitfield)."""
    fields = _int_field(1, UNIXFS_HAMT_SHARD) + _bytes_field(2, bitfield)
    return fields + _int_field(5, hash_type) + _int_field(6, fanout)
