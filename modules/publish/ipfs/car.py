"""CARv1: a DAG-CBOR header {roots, version: 1}, then varint-prefixed (CID + block) sections."""

from typing import IO

from modules.publish.ipfs.multiformats import varint

CBOR_MAP_2 = b"\xa2"
CBOR_ARRAY_1 = b"\x81"
CBOR_TAG_CID = b"\xd8\x2a"  # tag 42
CBOR_BYTES_1 = b"\x58"  # a byte string whose length follows in one byte
CBOR_BYTES_1_MAX = 255


def _text(value: str) -> bytes:
    return bytes([0x60 + len(value)]) + value.encode("ascii")


def header(root: bytes) -> bytes:
    """The length-prefixed header naming `root`; DAG-CBOR orders keys by length, so roots
    comes before version, and a CID is tag 42 over its bytes behind a zero byte."""
    if len(root) + 1 > CBOR_BYTES_1_MAX:
        raise ValueError("a CID this long is not supported")
    link = CBOR_TAG_CID + CBOR_BYTES_1 + bytes([len(root) + 1]) + b"\x00" + root
    body = CBOR_MAP_2 + _text("roots") + CBOR_ARRAY_1 + link + _text("version") + b"\x01"
    return varint(len(body)) + body


def section(cid: bytes, block: bytes) -> bytes:
    """One block's section."""
    return varint(len(cid) + len(block)) + cid + block


class CarStream:
    """Writes sections as blocks arrive (each block once) behind a placeholder header, which
    `finish` overwrites with the root: CIDv1 sha2-256 roots all have the same length."""

    def __init__(self, handle: IO[bytes], placeholder_root: bytes) -> None:
        self._handle = handle
        self._placeholder = placeholder_root
        self._seen: set[bytes] = set()
        handle.write(header(placeholder_root))

    def put(self, cid: bytes, block: bytes) -> None:
        """Append a block unless it was already written (identical files share blocks)."""
        if cid not in self._seen:
            self._seen.add(cid)
            self._handle.write(section(cid, block))

    def finish(self, root: bytes) -> None:
        """Write the real root into the header."""
        if len(root) != len(self._placeholder):
            raise ValueError("the root CID must be as long as the placeholder")
        end = self._handle.tell()
        self._handle.seek(0)
        self._handle.write(header(root))
        self._handle.seek(end)
