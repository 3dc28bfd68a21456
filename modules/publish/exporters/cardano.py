"""Cardano CIP-25 (version 1.0) transaction metadata: the `721` document of each token."""

from typing import Any

from modules.load.chain_settings import CardanoSettings
from modules.publish.exporters.token import ChainToken

LABEL = "721"
VERSION = "1.0"
MAX_STRING_BYTES = 64  # a transaction-metadata string holds at most 64 bytes


def asset_name(settings: CardanoSettings, token_id: int) -> str:
    return f"{settings.asset_prefix}{token_id}"


def cardano_document(token: ChainToken, settings: CardanoSettings) -> dict[str, Any]:
    """{"721": {policy: {asset: {...}}, "version": "1.0"}}, long strings split in chunks."""
    asset: dict[str, Any] = {
        "name": token.document["name"],
        "image": token.image,
        "mediaType": token.mime_type,
        "files": [
            {"name": token.document["name"], "mediaType": token.mime_type, "src": token.image}
        ],
        "attributes": {str(t): metadatum(v) for t, v in token.traits()},
    }
    if token.document.get("description"):
        asset["description"] = token.document["description"]
    name = asset_name(settings, token.token_id)
    return {LABEL: {settings.policy_id: {name: split_strings(asset)}, "version": VERSION}}


def metadatum(value: Any) -> str | int:
    """`value` as transaction metadata holds it: integers stay, anything else is text."""
    return value if isinstance(value, int) and not isinstance(value, bool) else str(value)


def split_strings(value: Any) -> Any:
    """`value` with every string longer than 64 UTF-8 bytes made a list of chunks."""
    if isinstance(value, str):
        chunks = chunk_string(value)
        return chunks[0] if len(chunks) == 1 else chunks
    if isinstance(value, list):
        return [split_strings(item) for item in value]
    if isinstance(value, dict):
        return {key: split_strings(item) for key, item in value.items()}
    return value


def chunk_string(text: str) -> list[str]:
    """`text` in pieces of at most 64 UTF-8 bytes, never cutting a character in two."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = len(char.encode("utf-8"))
        if size + width > MAX_STRING_BYTES:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    chunks.append("".join(current))
    return chunks
