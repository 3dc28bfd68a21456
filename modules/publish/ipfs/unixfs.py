"""UnixFS DAGs from content already in memory or streamed: raw leaves, balanced file trees
and directories. Every block is handed to a sink as it is made (children before parents)."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from modules.publish.ipfs.convention import Convention, needs_shard
from modules.publish.ipfs.dag_pb import Link, directory_data, encode_node, file_data
from modules.publish.ipfs.hamt import build_shard
from modules.publish.ipfs.multiformats import CODEC_DAG_PB, CODEC_RAW, cid_bytes

BlockSink = Callable[[bytes, bytes], None]  # (binary CID, block bytes)


@dataclass(frozen=True)
class Entry:
    """A built file or directory: its root CID, cumulative DAG size and content size."""

    cid: bytes
    size: int
    content_size: int = 0


def put_block(codec: int, block: bytes, sink: BlockSink) -> bytes:
    """The CID of `block`, after handing the block to `sink`."""
    cid = cid_bytes(codec, block)
    sink(cid, block)
    return cid


def build_file(chunks: Iterable[bytes], convention: Convention, sink: BlockSink) -> Entry:
    """A file from its chunks: one raw leaf when it fits a chunk, else a balanced tree of
    dag-pb File nodes with at most `max_children` links each. A node is made as soon as its
    children are, so blocks come in depth-first post-order (as ipfs-car streams them) and
    memory holds one partial node per level. An empty file is one empty raw leaf."""
    width = convention.max_children
    layers: list[list[Entry]] = [[]]
    for chunk in chunks:
        layers[0].append(Entry(put_block(CODEC_RAW, chunk, sink), len(chunk), len(chunk)))
        level = 0
        while len(layers[level]) == width:  # a full node: link it into the level above
            if level + 1 == len(layers):
                layers.append([])
            layers[level + 1].append(_file_node(layers[level], sink))
            layers[level] = []
            level += 1
    return _close_layers(layers, sink)


def _close_layers(layers: list[list[Entry]], sink: BlockSink) -> Entry:
    """The root over the partial nodes left at each level, closed bottom-up."""
    if not any(layers):
        return Entry(put_block(CODEC_RAW, b"", sink), 0, 0)
    level = 0
    while len(layers[level]) != 1 or any(layers[level + 1 :]):
        if layers[level]:
            if level + 1 == len(layers):
                layers.append([])
            layers[level + 1].append(_file_node(layers[level], sink))
            layers[level] = []
        level += 1
    return layers[level][0]


def _file_node(children: Sequence[Entry], sink: BlockSink) -> Entry:
    """One File node over `children` (raw leaves or File nodes)."""
    links = [Link(b"", child.cid, child.size) for child in children]
    block = encode_node(links, file_data([child.content_size for child in children]))
    cid = put_block(CODEC_DAG_PB, block, sink)
    content = sum(child.content_size for child in children)
    return Entry(cid, len(block) + sum(child.size for child in children), content)


def build_directory(entries: dict[str, Entry], convention: Convention, sink: BlockSink) -> Entry:
    """A directory of named entries: a plain dag-pb directory, or a HAMT shard when the
    convention says it is too big for one block."""
    names = [name.encode("utf-8") for name in entries]
    links = [
        Link(name, entry.cid, entry.size)
        for name, entry in zip(names, entries.values(), strict=True)
    ]
    if needs_shard(convention, names, [link.cid for link in links]):
        cid, size = build_shard(links, sink)
        return Entry(cid, size)
    block = encode_node(links, directory_data())
    return Entry(put_block(CODEC_DAG_PB, block, sink), len(block) + sum(e.size for e in links))
