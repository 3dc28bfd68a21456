"""IPFS CIDs and base URIs as config.json and the CID updater accept them."""

import base64
import binascii
import re

CIDV0 = re.compile(r"^Qm[1-9A-HJ-NP-Za-km-z]{44}$")  # base58btc of a sha2-256 multihash
CIDV1_BASE32 = re.compile(r"^b[a-z2-7]{58,120}$")  # multibase 'b' = base32, lower case
CID_VERSION_1 = 1
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
CIDV0_BYTES = 34  # a sha2-256 multihash: code, length, 32-byte digest
SHA2_256 = 0x12
# Digest sizes of the multihash functions IPFS uses (multiformats multicodec table).
DIGEST_BYTES = {SHA2_256: 32, 0x13: 64, 0x16: 32, 0x1E: 32, 0xB220: 32}
# Schemes a base_uri may use: IPFS and Arweave gateways-free URIs, or a web server.
BASE_URI_SCHEMES = ("ipfs://", "ar://", "https://", "http://")


def cid_problem(cid: str) -> str | None:
    """Why `cid` is not a bare CIDv0 (Qm…) or base32 CIDv1 (b…), or None when it is one."""
    if cid.startswith("ipfs://") or "/" in cid:
        return "pass the bare CID (e.g. bafy…), without ipfs:// or a path"
    raw = _cid_bytes(cid) if CIDV0.match(cid) or CIDV1_BASE32.match(cid) else None
    if CIDV0.match(cid) or (raw and raw[0] == CID_VERSION_1):
        return multihash_problem(raw)
    return (
        "not a valid IPFS CID; expected a CIDv0 ('Qm' and 44 base58 characters) or a CIDv1 "
        "in lower-case base32 ('b…', e.g. bafybei…, 59 or more characters)"
    )


def multihash_problem(raw: bytes | None) -> str | None:
    """Why the multihash in a CID's bytes (a CIDv0's whole, a CIDv1's after version and
    codec) does not hold the digest length it declares, or None."""
    if raw is None:
        return "not a valid IPFS CID; its characters do not decode"
    if len(raw) == CIDV0_BYTES and raw[0] == SHA2_256:
        fields, digest = [raw[0], raw[1]], raw[2:]
    else:
        fields, digest = _varints(raw[1:], 3)  # after the version: codec, hash code, length
        fields = fields[1:]
    if len(fields) < 2:
        return "not a valid IPFS CID; its multihash is cut short"
    code, length = fields
    expected = DIGEST_BYTES.get(code, length)
    if length != expected or len(digest) != length:
        return (
            f"not a valid IPFS CID; its multihash declares a {length}-byte digest but holds "
            f"{len(digest)} bytes (copy the whole CID again)"
        )
    return None


def _varints(raw: bytes, count: int) -> tuple[list[int], bytes]:
    """Up to `count` unsigned varints from the start of `raw`, and the bytes after them."""
    values: list[int] = []
    value, shift, position = 0, 0, 0
    while position < len(raw) and len(values) < count:
        byte = raw[position]
        value |= (byte & 0x7F) << shift
        shift += 7
        position += 1
        if not byte & 0x80:
            values.append(value)
            value, shift = 0, 0
    return values, raw[position:]


def _cid_bytes(cid: str) -> bytes | None:
    """The binary CID: base58btc for a CIDv0, base32 after the multibase 'b' for a CIDv1."""
    if cid.startswith("Qm"):
        number = 0
        for char in cid:
            number = number * 58 + BASE58.index(char)
        fits = number.bit_length() <= 8 * CIDV0_BYTES
        return number.to_bytes(CIDV0_BYTES, "big") if fits else None
    body = cid[1:].upper()
    try:
        return base64.b32decode(body + "=" * (-len(body) % 8))
    except binascii.Error:
        return None


def base_uri_problem(uri: str) -> str | None:
    """Why `uri` cannot prefix image URIs, or None."""
    if not uri.startswith(BASE_URI_SCHEMES):
        return f"must start with {', '.join(BASE_URI_SCHEMES)}"
    if any(char.isspace() for char in uri):
        return "must not contain spaces; percent-encode them (%20)"
    return None


def folder_uri(uri: str) -> str:
    """`uri` with the one trailing '/' that file names are appended after."""
    return uri if uri.endswith("/") else uri + "/"
