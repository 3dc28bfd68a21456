"""The import settings of the two uploaders whose CIDs users compare against."""

from dataclasses import dataclass

KIB = 1024


@dataclass(frozen=True)
class Convention:
    """How files are chunked and linked and when a directory becomes a HAMT shard.

    A directory is sharded when the sum of its link name and CID byte lengths passes
    `shard_bytes` (kubo), or when it has more than `shard_entries` entries (ipfs-car)."""

    name: str
    chunk_size: int
    max_children: int
    shard_bytes: int | None = None
    shard_entries: int | None = None


# `ipfs add -r --cid-version=1` (kubo, boxo): 256 KiB chunks, 174 links per file node, raw
# leaves, HAMT once the estimate passes HAMTShardingSize. Current boxo shards above the
# threshold (>); boxo before 2025 also at exactly 256 KiB (>=), a case real folders rarely hit.
KUBO = Convention("kubo", chunk_size=256 * KIB, max_children=174, shard_bytes=256 * KIB)
# npm ipfs-car (@ipld/unixfs): 1 MiB chunks, 1024 links per file node, raw leaves, HAMT once
# a directory holds more than 1,000 entries.
IPFS_CAR = Convention("ipfs-car", chunk_size=KIB * KIB, max_children=1024, shard_entries=1000)
CONVENTIONS = {convention.name: convention for convention in (KUBO, IPFS_CAR)}


def needs_shard(convention: Convention, names: list[bytes], cids: list[bytes]) -> bool:
    """Whether a directory with these entries is written as a HAMT shard."""
    if convention.shard_entries is not None and len(names) > convention.shard_entries:
        return True
    if convention.shard_bytes is None:
        return False
    estimate = sum(map(len, names)) + sum(map(len, cids))
    return estimate > convention.shard_bytes
