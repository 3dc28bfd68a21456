"""Varints, sha2-256 multihashes and base32 CIDv1 strings (the multiformats specs)."""

import base64
import hashlib

CID_V1 = 1
CODEC_RAW = 0x55
CODEC_DAG_PB = 0x70
SHA2_256 = 0x12
SHA2_256_LENGTH = 32
SEVEN_BITS = 0x7F
CONTINUE = 0x80


def varint(value: int) -> bytes:
    """The unsigned LEB128 varint of `value` (protobuf, multiformats and CAR use it)."""
    out = bytearray()
    while value > SEVEN_BITS:
        out.append((value & SEVEN_BITS) | CONTINUE)
        value >>= 7
    out.append(value)
    return bytes(out)


def cid_bytes(codec: int, block: bytes) -> bytes:
    """The binary CIDv1 of `block` under `codec`, hashed with sha2-256."""
    digest = hashlib.sha256(block).digest()
    return varint(CID_V1) + varint(codec) + varint(SHA2_256) + varint(SHA2_256_LENGTH) + digest


def cid_string(cid: bytes) -> str:
    """`cid` in multibase base32 (lower case, no padding): 'bafy…' for dag-pb, 'bafk…' raw."""
    return "b" + base64.b32encode(cid).decode("ascii").lower().rstrip("=")
