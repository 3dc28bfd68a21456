"""UnixFS HAMT sharded directories (fanout 256, murmur3-x64-64 of the name), as boxo and the
JavaScript importer lay them out: a slot holds one entry, or a sub-shard once two entries
share it, recursively on the next byte of the hash."""

from collections.abc import Callable
from typing import Union

from modules.errors import CollectionError
from modules.publish.ipfs.dag_pb import Link, encode_node, shard_data
from modules.publish.ipfs.multiformats import CODEC_DAG_PB, cid_bytes
from modules.publish.ipfs.murmur3 import murmur3_x64_64

MURMUR3_X64_64 = 0x22
FANOUT = 256  # one slot per hash byte: the fanout kubo and ipfs-car both use
HASH_BYTES = 8

Bucket = dict[int, Union[Link, "Bucket"]]


def build_shard(links: list[Link], sink: Callable[[bytes, bytes], None]) -> tuple[bytes, int]:
    """The root CID and cumulative size of the shard holding `links`; blocks go to `sink`."""
    root: Bucket = {}
    for link in links:
        _insert(root, link, murmur3_x64_64(link.name), 0)
    return _encode(root, sink)


def _insert(bucket: Bucket, link: Link, digest: bytes, depth: int) -> None:
    """Put `link` in the slot its hash byte at `depth` picks, splitting a taken slot."""
    if depth >= HASH_BYTES:
        raise CollectionError(f"{link.name!r}: too many names share a HAMT hash; rename one")
    slot = digest[depth]
    held = bucket.get(slot)
    if held is None:
        bucket[slot] = link
    elif isinstance(held, Link):
        child: Bucket = {}
        _insert(child, held, murmur3_x64_64(held.name), depth + 1)
        _insert(child, link, digest, depth + 1)
        bucket[slot] = child
    else:
        _insert(held, link, digest, depth + 1)


def _encode(bucket: Bucket, sink: Callable[[bytes, bytes], None]) -> tuple[bytes, int]:
    """Encode `bucket` after its sub-shards (depth first, in slot order)."""
    links = []
    for slot in sorted(bucket):
        held = bucket[slot]
        label = f"{slot:02X}".encode("ascii")
        if isinstance(held, Link):
            links.append(Link(label + held.name, held.cid, held.size))
        else:
            cid, size = _encode(held, sink)
            links.append(Link(label, cid, size))
    bitmap = sum(1 << slot for slot in bucket)
    bitfield = bitmap.to_bytes(max(1, (bitmap.bit_length() + 7) // 8), "big")
    block = encode_node(links, shard_data(bitfield, MURMUR3_X64_64, FANOUT))
    cid = cid_bytes(CODEC_DAG_PB, block)
    sink(cid, block)
    return cid, len(block) + sum(link.size for link in links)
