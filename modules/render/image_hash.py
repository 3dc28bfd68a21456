"""The optional per-token `imageHash` (config `image_hash: true`), as nftchef's hashImages
writes it: the Keccak-256 (Ethereum's, not SHA3-256) of the image file, in hex."""

from pathlib import Path
from typing import Any

from Crypto.Hash import keccak

from modules.digests import HASH_CHUNK

IMAGE_HASH_FIELD = "imageHash"


def keccak256_hex(data: bytes) -> str:
    """Hex Keccak-256 of `data` (the original Keccak padding, as Solidity's keccak256)."""
    return keccak.new(digest_bits=256, data=data).hexdigest()


def file_keccak256(path: Path) -> str:
    """Hex Keccak-256 of a file's bytes, read in chunks (an animation may be large)."""
    digest = keccak.new(digest_bits=256)
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def with_image_hash(metadata: dict[str, Any], image_hash: str) -> dict[str, Any]:
    """`metadata` with the imageHash field set to `image_hash` (hex Keccak-256)."""
    return {**metadata, IMAGE_HASH_FIELD: image_hash}
