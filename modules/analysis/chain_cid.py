"""Point every chain folder's URIs (erc1155/, solana/, tezos/, cardano/) at a new IPFS CID,
keeping file names; what each chain calls its URI fields is known here."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modules.analysis.table_files import write_output
from modules.atomic_io import json_bytes
from modules.errors import CollectionError
from modules.load.validation import read_json
from modules.publish.exporters.cardano import split_strings
from modules.publish.exporters.chain_files import CHAIN_DIRS
from modules.publish.exporters.tezos import THUMBNAIL_DIR

TOKEN_FILE = re.compile(r"^(?:[0-9]+|[0-9a-f]{64})\.json$")  # decimal ids, ERC-1155 hex ids
Rewrite = Callable[[dict[str, Any], str, str], dict[str, Any]]  # (document, base, source)


def chain_updates(output_dir: Path, cid: str) -> list[tuple[Path, dict[str, Any]]]:
    """Every chain token file whose URIs change, with its new document (nothing written)."""
    updates = []
    for chain, folder_name in CHAIN_DIRS.items():
        folder = output_dir / folder_name
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if TOKEN_FILE.match(p.name)):
            document = read_json(path, CollectionError)
            if not isinstance(document, dict):
                raise CollectionError(f"{path}: expected a JSON object of token metadata")
            new = REWRITES[chain](document, f"ipfs://{cid}/", str(path))
            if new != document:
                updates.append((path, new))
    return updates


def write_updates(updates: list[tuple[Path, dict[str, Any]]]) -> None:
    for path, document in updates:
        write_output(path, json_bytes(document))


def moved(uri: Any, base: str, source: str, field: str) -> str:
    """`uri` on `base`, its file name kept."""
    if not isinstance(uri, str) or "/" not in uri.rstrip("/") or uri.endswith("/"):
        raise CollectionError(f"{source}: {field} {uri!r} is not a URI ending in a file name")
    return base + uri.rsplit("/", 1)[-1]


def _opensea_like(document: dict[str, Any], base: str, source: str) -> dict[str, Any]:
    new = dict(document)
    for field in ("image", "animation_url"):
        if field in new:
            new[field] = moved(new[field], base, source, field)
    return new


def _solana(document: dict[str, Any], base: str, source: str) -> dict[str, Any]:
    new = _opensea_like(document, base, source)
    properties = dict(new.get("properties", {}))
    files = properties.get("files", [])
    properties["files"] = [f | {"uri": moved(f.get("uri"), base, source, "uri")} for f in files]
    new["properties"] = properties
    return new


def _tezos(document: dict[str, Any], base: str, source: str) -> dict[str, Any]:
    new = dict(document)
    for field in ("artifactUri", "displayUri"):
        new[field] = moved(new.get(field), base, source, field)
    thumbnail = moved(new.get("thumbnailUri"), f"{base}{THUMBNAIL_DIR}/", source, "thumbnailUri")
    old = {document.get("artifactUri"): new["artifactUri"], document.get("thumbnailUri"): thumbnail}
    new["thumbnailUri"] = thumbnail
    new["formats"] = [f | {"uri": old.get(f.get("uri"), f.get("uri"))} for f in new["formats"]]
    return new


def _cardano(document: dict[str, Any], base: str, source: str) -> dict[str, Any]:
    label = dict(document.get("721", {}))
    for policy, assets in label.items():
        if policy != "version":
            label[policy] = {name: _asset(asset, base, source) for name, asset in assets.items()}
    return {**document, "721": label}


def _asset(asset: dict[str, Any], base: str, source: str) -> dict[str, Any]:
    """A CIP-25 asset with image and files[].src moved; chunked strings are joined first."""
    new = dict(asset)
    new["image"] = split_strings(moved(_joined(asset.get("image")), base, source, "image"))
    new["files"] = [
        f | {"src": split_strings(moved(_joined(f.get("src")), base, source, "src"))}
        for f in asset.get("files", [])
    ]
    return new


def _joined(value: Any) -> Any:
    return "".join(value) if isinstance(value, list) else value


REWRITES: dict[str, Rewrite] = {
    "erc1155": _opensea_like,
    "solana": _solana,
    "tezos": _tezos,
    "cardano": _cardano,
}
