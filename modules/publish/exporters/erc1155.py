"""ERC-1155 token metadata (EIP-1155 "ERC-1155 Metadata URI JSON Schema"): files named by the
64-digit lower-case hex id, which clients substitute for `{id}` in the contract's URI."""

from typing import Any

from modules.load.chain_settings import Erc1155Settings
from modules.load.spec import MetadataSettings
from modules.publish.exporters.token import ChainToken

ID_PATTERN = "{id}"


def file_name(token_id: int) -> str:
    return f"{token_id:064x}.json"


def erc1155_document(token: ChainToken, settings: Erc1155Settings) -> dict[str, Any]:
    """The OpenSea document (which ERC-1155 marketplaces read) plus `decimals`."""
    return {**token.document, "decimals": settings.decimals}


def collection_document(metadata: MetadataSettings, settings: Erc1155Settings) -> dict[str, Any]:
    """What the contract's `uri` is: the metadata folder with the `{id}` pattern."""
    folder = settings.metadata_uri
    if folder and not folder.endswith("/"):
        folder += "/"
    return {
        "name": metadata.name,
        "description": metadata.description,
        "uri": f"{folder}{ID_PATTERN}.json",
        "id_format": "64 lower-case hex digits, zero-padded (EIP-1155 {id} substitution)",
    }
