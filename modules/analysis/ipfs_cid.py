"""Point every token's image (and animation_url) at a new IPFS CID, keeping `ipfs://` URIs."""

from pathlib import Path
from typing import Any

from modules.analysis.chain_cid import chain_updates, write_updates
from modules.analysis.collection_reader import Token, read_tokens, uri_extension
from modules.analysis.combined_metadata import write_combined_metadata
from modules.analysis.table_files import write_output
from modules.atomic_io import json_bytes
from modules.errors import CollectionError, ConfigError
from modules.load.ipfs_uri import cid_problem

URI_FIELDS = ("image", "animation_url")


def check_cid(cid: str) -> str:
    """`cid` when it is a CIDv0 (Qm…) or a base32 CIDv1 (b…), else an error saying why."""
    problem = cid_problem(cid)
    if problem is not None:
        raise ConfigError(f"--cid {cid!r}: {problem}")
    return cid


def update_cid(metadata_dir: Path, cid: str) -> int:
    """Rewrite every token file's URIs to ipfs://`cid`/{file name}, then combined_metadata.json,
    and the token files of every chain folder beside `metadata_dir`; returns how many token
    files changed. A bad CID or token file changes nothing."""
    check_cid(cid)
    # Read and check every file before writing any, so a bad one leaves all unchanged.
    updates = [(token, with_cid(token, cid)) for token in read_tokens(metadata_dir)]
    changed = [(token, new) for token, new in updates if new != token.metadata]
    chains = chain_updates(metadata_dir.parent, cid)
    for token, document in changed:
        write_output(token.path or metadata_dir / f"{token.token_id}.json", json_bytes(document))
    write_combined_metadata(metadata_dir)
    write_updates(chains)
    return len(changed) + len(chains)


def with_cid(token: Token, cid: str) -> dict[str, Any]:
    """A copy of `token`'s metadata with its URI fields on ipfs://`cid`/, file names kept."""
    document = dict(token.metadata)
    for field in URI_FIELDS:
        if field in document:
            uri = document[field]
            if not isinstance(uri, str):
                raise CollectionError(f"{token.source}: {field} must be a string URI")
            uri_extension(uri, token.source, field)  # it must end in a file name
            document[field] = f"ipfs://{cid}/{uri.rsplit('/', 1)[-1]}"
    return document
