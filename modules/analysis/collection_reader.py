"""The one reader of a finished collection's metadata: token files in id order, checked, with
each token's traits and image file. Every analysis tool in utils/ reads through it."""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.constants import IMAGE_DIR, METADATA_DIR
from modules.errors import CollectionError
from modules.load.validation import read_json

TOKEN_FILE = re.compile(r"^(\d+)\.json$")
REQUIRED_FIELDS = ("name", "image", "attributes")
ATTRIBUTE_VALUE_TYPES = (str, int, float)


@dataclass(frozen=True)
class Token:
    """One token's metadata document; `source` names where it was read, for messages, and
    `path` is its own file (None for an entry of combined_metadata.json)."""

    token_id: int
    metadata: dict[str, Any]
    source: str
    path: Path | None = None

    @property
    def traits(self) -> dict[str, str]:
        """{trait_type: value} of the attributes present (absent optional layers are left out)."""
        return {a["trait_type"]: str(a["value"]) for a in self.metadata["attributes"]}

    @property
    def image_file(self) -> str:
        """The image's file name in image/: `{id}.{ext}`, the extension taken from `image`."""
        return f"{self.token_id}.{uri_extension(self.metadata['image'], self.source, 'image')}"


def uri_extension(uri: str, source: str, field: str) -> str:
    """The file extension of a URI's last path segment (`ipfs://CID/7.png` -> `png`)."""
    name = uri.rsplit("/", 1)[-1]
    stem, dot, extension = name.rpartition(".")
    if not (dot and stem and extension.isalnum()):
        msg = f"{source}: {field} {uri!r} does not end in a file name with an extension"
        raise CollectionError(msg)
    return extension.lower()


def token_files(metadata_dir: Path) -> list[tuple[int, Path]]:
    """(token id, path) of every `{digits}.json` in `metadata_dir`, in id order; other JSON
    (combined_metadata.json, reports) is ignored."""
    if not metadata_dir.is_dir():
        msg = f"{metadata_dir}: no such folder; pass the folder of a generated collection"
        raise CollectionError(msg)
    found: dict[int, Path] = {}
    for path in sorted(metadata_dir.iterdir()):
        match = TOKEN_FILE.match(path.name)
        if not (match and path.is_file()):
            continue
        token_id = int(match.group(1))
        if token_id in found:
            msg = f"{path}: token {token_id} also has {found[token_id].name}; keep one of them"
            raise CollectionError(msg)
        found[token_id] = path
    return sorted(found.items())


def iter_tokens(metadata_dir: Path) -> Iterator[Token]:
    """Each token file of `metadata_dir`, checked, in id order (one file in memory at a time)."""
    for token_id, path in token_files(metadata_dir):
        yield checked_token(token_id, read_json(path, CollectionError), str(path), path)


def read_tokens(metadata_dir: Path) -> list[Token]:
    """All tokens of `metadata_dir` in id order; an empty folder is an error."""
    tokens = list(iter_tokens(metadata_dir))
    if not tokens:
        msg = f"{metadata_dir}: holds no token metadata ({{id}}.json); generate a collection first"
        raise CollectionError(msg)
    return tokens


def read_combined(path: Path) -> list[Token]:
    """Tokens of a combined_metadata.json; entries are in id order, so entry i is token i."""
    document = read_json(path, CollectionError)
    if not isinstance(document, list) or not document:
        msg = f"{path}: expected a non-empty JSON array of token metadata"
        raise CollectionError(msg)
    return [
        checked_token(index, entry, f"{path}: entry {index}")
        for index, entry in enumerate(document, start=1)
    ]


def read_collection(collection_dir: Path, combined_file: Path | None = None) -> list[Token]:
    """The tokens of `collection_dir`/metadata, or of `combined_file` when one is given."""
    if combined_file is not None:
        return read_combined(combined_file)
    return read_tokens(collection_dir / METADATA_DIR)


def checked_token(token_id: int, document: Any, source: str, path: Path | None = None) -> Token:
    """`document` as a Token, or an error naming `source` and the field that is wrong."""
    if not isinstance(document, dict):
        raise CollectionError(f"{source}: expected a JSON object of token metadata")
    missing = [name for name in REQUIRED_FIELDS if name not in document]
    if missing:
        raise CollectionError(f"{source}: missing field(s) {', '.join(missing)}")
    if not isinstance(document["image"], str):
        raise CollectionError(f"{source}: image must be a string URI")
    _check_attributes(document["attributes"], source)
    return Token(token_id, document, source, path)


def _check_attributes(attributes: Any, source: str) -> None:
    if not isinstance(attributes, list):
        raise CollectionError(f"{source}: attributes must be a list")
    seen: set[str] = set()
    for index, attribute in enumerate(attributes):
        where = f"{source}: attributes[{index}]"
        if not isinstance(attribute, dict) or not isinstance(attribute.get("trait_type"), str):
            raise CollectionError(f"{where}: expected an object with a string trait_type")
        value = attribute.get("value")
        if isinstance(value, bool) or not isinstance(value, ATTRIBUTE_VALUE_TYPES):
            raise CollectionError(f"{where}: value must be a string or a number")
        if attribute["trait_type"] in seen:
            raise CollectionError(f"{where}: trait_type {attribute['trait_type']!r} repeats")
        seen.add(attribute["trait_type"])


def trait_types(tokens: Sequence[Token]) -> list[str]:
    """Every trait type of the collection in attribute (layer) order: a type first seen in
    a later token goes right after the type that precedes it there."""
    order: list[str] = []
    for token in tokens:
        previous = -1
        for name in token.traits:
            if name in order:
                previous = order.index(name)
            else:
                previous += 1
                order.insert(previous, name)
    return order


def image_path(collection_dir: Path, token: Token) -> Path:
    """Where `token`'s image lives: `collection_dir`/image/{id}.{ext}."""
    return collection_dir / IMAGE_DIR / token.image_file


def existing_image(collection_dir: Path, token: Token) -> Path:
    """`image_path`, or an error when the file is missing."""
    path = image_path(collection_dir, token)
    if not path.is_file():
        msg = f"{path}: image of token {token.token_id} not found ({token.source} names it)"
        raise CollectionError(msg)
    return path
