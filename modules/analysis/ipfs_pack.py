"""Pack a collection for IPFS offline: the CIDs of image/ and metadata/ as kubo
(`ipfs add -r --cid-version=1`) or ipfs-car computes them, a CAR file of each, and the token
metadata pointed at ipfs://<image CID>/<file> before the metadata CID is taken."""

from dataclasses import dataclass
from pathlib import Path

from modules.analysis.collection_reader import TOKEN_FILE
from modules.analysis.ipfs_cid import update_cid
from modules.analysis.table_files import write_output
from modules.atomic_io import json_bytes
from modules.constants import COMBINED_METADATA, IMAGE_DIR, METADATA_DIR
from modules.errors import CollectionError
from modules.publish.ipfs.convention import Convention
from modules.publish.ipfs.folder import Include, folder_cid, write_car
from modules.publish.ipfs.multiformats import cid_string

PACK_RECORD = "pack.json"


@dataclass(frozen=True)
class Packed:
    """One packed folder: its CID and the CAR written for it (None with --no-car)."""

    folder: str
    cid: str
    car: str | None


def is_metadata_file(path: Path) -> bool:
    """Whether a metadata/ entry is packed: token files and the combined metadata only, so
    reports or notes a user keeps there never change the collection's CID."""
    return TOKEN_FILE.match(path.name) is not None or path.name == COMBINED_METADATA


def pack_folder(
    output: Path, name: str, convention: Convention, car: bool, include: Include | None = None
) -> Packed:
    """The CID of output/`name` (and its CAR, output/`name`.car, when `car`)."""
    folder = output / name
    if not folder.is_dir():
        msg = f"{folder}: no such folder; pass the --output of a generated collection"
        raise CollectionError(msg)
    if not car:
        return Packed(name, cid_string(folder_cid(folder, convention, include)), None)
    car_name = f"{name}.car"
    root = write_car(folder, convention, output / car_name, include)
    return Packed(name, cid_string(root), car_name)


def pack_collection(output: Path, convention: Convention, car: bool) -> tuple[list[Packed], int]:
    """Pack image/, point the token metadata at it, then pack metadata/ and record both CIDs
    in pack.json; returns the packed folders and how many token files changed."""
    image = pack_folder(output, IMAGE_DIR, convention, car)
    if not (output / METADATA_DIR).is_dir():
        msg = f"{output / METADATA_DIR}: no such folder; pass the --output of a collection"
        raise CollectionError(msg)
    changed = update_cid(output / METADATA_DIR, image.cid)
    metadata = pack_folder(output, METADATA_DIR, convention, car, is_metadata_file)
    record = {
        "convention": convention.name,
        "folders": {item.folder: {"car": item.car, "cid": item.cid} for item in (image, metadata)},
    }
    write_output(output / PACK_RECORD, json_bytes(record))
    return [image, metadata], changed
