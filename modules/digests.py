"""SHA-256, the one hash Genecator uses: of bytes, of a file (streamed) and of a JSON document."""

import hashlib
import json
from pathlib import Path
from typing import Any

HASH_CHUNK = 1 << 20


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def json_sha256(document: Any) -> str:
    """Hex SHA-256 of `document` as compact JSON with sorted keys."""
    return sha256_hex(json.dumps(document, sort_keys=True).encode())
