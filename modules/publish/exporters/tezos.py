"""Tezos TZIP-21 rich token metadata, with a thumbnail rendered per token."""

from typing import Any

from modules.load.chain_settings import TezosSettings
from modules.publish.exporters.token import ChainToken

THUMBNAIL_DIR = "thumbnail"


def thumbnail_file(token_id: int) -> str:
    return f"{THUMBNAIL_DIR}/{token_id}.png"


def thumbnail_uri(token: ChainToken) -> str:
    """Beside the images: the folder of the image URI, then thumbnail/{id}.png."""
    folder = token.image.rsplit("/", 1)[0]
    return f"{folder}/{thumbnail_file(token.token_id)}"


def tezos_document(
    token: ChainToken, settings: TezosSettings, thumbnail_size: tuple[int, int]
) -> dict[str, Any]:
    """The token's TZIP-21 document: the image is artifact and display, plus a thumbnail."""
    thumbnail = thumbnail_uri(token)
    width, height = thumbnail_size
    return {
        "name": token.document["name"],
        "description": token.document.get("description", ""),
        "symbol": settings.symbol,
        "artifactUri": token.image,
        "displayUri": token.image,
        "thumbnailUri": thumbnail,
        "formats": [
            {"uri": token.image, "mimeType": token.mime_type, "dimensions": token.dimensions},
            {
                "uri": thumbnail,
                "mimeType": "image/png",
                "dimensions": {"value": f"{width}x{height}", "unit": "px"},
            },
        ],
        "decimals": 0,
        "isBooleanAmount": settings.is_boolean_amount,
        "creators": list(settings.creators),
        "royalties": {
            "decimals": settings.royalty_decimals,
            "shares": dict(settings.royalty_shares),
        },
        "attributes": [{"name": str(t), "value": v} for t, v in token.traits()],
    }


def thumbnail_dimensions(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """`size` scaled to fit `max_side` (never enlarged), as Pillow's thumbnail() does."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))
