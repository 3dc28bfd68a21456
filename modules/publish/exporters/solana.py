"""Metaplex Token Metadata JSON (the Candy Machine asset layout: 0.json beside 0.png)."""

from typing import Any

from modules.load.chain_settings import SolanaSettings
from modules.load.spec import MetadataSettings
from modules.publish.exporters.token import ChainToken, mime_type

COLLECTION_STEM = "collection"


def solana_document(
    token: ChainToken, settings: SolanaSettings, metadata: MetadataSettings
) -> dict[str, Any]:
    """The token's Metaplex document; its image is the same file the OpenSea one names."""
    document = _common(settings, metadata)
    document |= {
        "name": token.document["name"],
        "description": token.document.get("description", ""),
        "image": token.image,
        "attributes": [{"trait_type": t, "value": v} for t, v in token.traits()],
        "properties": {
            "files": [{"uri": token.image, "type": token.mime_type}],
            "category": "video" if token.animated else "image",
            "creators": _creators(settings),
        },
    }
    for field in ("external_url", "animation_url"):
        if field in token.document:
            document[field] = token.document[field]
    return document


def collection_document(settings: SolanaSettings, metadata: MetadataSettings) -> dict[str, Any]:
    """collection.json, the collection NFT's document (collection.png when one is set)."""
    document = _common(settings, metadata) | {
        "name": metadata.name,
        "description": metadata.description,
        "properties": {"files": [], "category": "image", "creators": _creators(settings)},
    }
    if settings.collection_image is not None:
        image = f"{COLLECTION_STEM}{settings.collection_image.suffix.lower()}"
        document["image"] = image
        document["properties"]["files"] = [{"uri": image, "type": mime_type(image)}]
    return document


def _common(settings: SolanaSettings, metadata: MetadataSettings) -> dict[str, Any]:
    return {
        "symbol": settings.symbol,
        "seller_fee_basis_points": settings.seller_fee_basis_points,
        "collection": {"name": metadata.name, "family": settings.family or metadata.name},
    }


def _creators(settings: SolanaSettings) -> list[dict[str, Any]]:
    return [{"address": c.address, "share": c.share} for c in settings.creators]
