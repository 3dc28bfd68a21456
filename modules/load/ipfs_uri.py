"""IPFS CIDs and base URIs as config.json and the CID updater accept them."""

import base64
import binascii
import re

CIDV0 = re.compile(r"^Qm[1-9A-HJ-NP-Za-km-z]{44}$")  # base58btc of a sha2-256 multihash
CIDV1_BASE32 = re.compile(r"^b[a-z2-7]{58,120}$")  # multibase 'b' = base32, lower case
CID_VERSION_1 = 1
# Schemes a base_uri may use: IPFS and Arweave gateways-free URIs, or a web server.
BASE_URI_SCHEMES = ("ipfs://", "ar://", "https://", "http://")


def cid_problem(cid: str) -> str | None:
    """Why `cid` is not a bare CIDv0 (Qm…) or base32 CIDv1 (b…), or None when it is one."""
    if cid.startswith("ipfs://") or "/" in cid:
        return "pass the bare CID (e.g. bafy…), without ipfs:// or a path"
    if CIDV0.match(cid) or (CIDV1_BASE32.match(cid) and _cidv1_version(cid) == CID_VERSION_1):
        return None
    return (
        "not a valid IPFS CID; expected a CIDv0 ('Qm' and 44 base58 characters) or a CIDv1 "
        "in lower-case base32 ('b…', e.g. bafybei…, 59 or more characters)"
    )


def _cidv1_version(cid: str) -> int | None:
    """The first byte of the decoded CID, which is the CID version for a CIDv1."""
    body = cid[1:].upper()
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except binascii.Error:
        return None
    return raw[0] if raw else None


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
