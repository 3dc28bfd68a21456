"""provenance.json recomputed from a finished collection's files (utils/provenance.py); the
document itself is built by modules.publish.provenance, as every complete run writes it."""

from pathlib import Path
from typing import Any

from modules.analysis.collection_reader import existing_image, image_sha256, read_tokens, start_id
from modules.analysis.table_files import write_output
from modules.atomic_io import json_bytes
from modules.constants import COLLECTION_STATS, METADATA_DIR, PROVENANCE
from modules.publish.provenance import provenance_document


def provenance(output_dir: Path, starting_index: int = 0) -> dict[str, Any]:
    """The provenance document of the complete collection in `output_dir` (the reader
    guarantees ids S..S+N-1 in the order generated, since the hash commits to it)."""
    images = [
        (token.token_id, token.image_file, image_sha256(existing_image(output_dir, token)))
        for token in read_tokens(output_dir / METADATA_DIR)
    ]
    return provenance_document(images, starting_index, start_id(output_dir / COLLECTION_STATS))


def write_provenance(output_dir: Path, starting_index: int = 0) -> Path:
    """Write `output_dir`/provenance.json (hashing every image) and return its path; a missing
    or damaged image leaves the previous file as it was."""
    path = output_dir / PROVENANCE
    document = provenance(output_dir, starting_index)
    write_output(path, json_bytes({**document, "images": list(document["images"])}))
    return path
