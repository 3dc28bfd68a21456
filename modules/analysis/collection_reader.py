"""The one reader of a finished collection's metadata: token files in id order, checked, with
each token's traits and image file. Every analysis tool in utils/ reads through it."""

import hashlib
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.constants import COLLECTION_STATS, IMAGE_DIR, METADATA_DIR
from modules.digests import HASH_CHUNK
from modules.errors import CollectionError
from modules.load.validation import file_kind, read_json
from modules.publish.token_ids import token_id as token_id_of

TOKEN_FILE = re.compile(r"^([0-9]+)\.json$")  # not \d, which matches any script's digits
REQUIRED_FIELDS = ("name", "image", "attributes")
ATTRIBUTE_VALUE_TYPES = (str, int, float)
# combined_metadata.json grows with the collection (about 500 bytes a token): 2 million
# tokens fit, and parsing it costs several times its size.
MAX_COMBINED_BYTES = 1 << 30
SHOWN_MISSING = 5  # missing ids a gap message lists before "…"
RESUME = "run the same `genecator generate` with --resume"
# How each format Genecator writes begins and ends: a copy cut short lacks its end marker.
PNG_SIGNATURE, PNG_END = b"\x89PNG\r\n\x1a\n", b"\x00\x00\x00\x00IEND\xaeB`\x82"
GIF_SIGNATURES, GIF_END = (b"GIF87a", b"GIF89a"), b";"
JPEG_SIGNATURE, JPEG_END = b"\xff\xd8", b"\xff\xd9"
MARKER_BYTES = 12  # the longest signature or end marker, kept while a file is hashed


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


def regular_file_at(path: Path, what: str) -> bool:
    """Whether a regular file is at `path` (False: nothing, or a broken link). Anything else
    there is an error, so no tool opens a pipe (it would block) or a device."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise CollectionError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISREG(mode):
        return True
    raise CollectionError(f"{path}: is {file_kind(mode)}, not a {what}; move it away")


def token_files(metadata_dir: Path) -> list[tuple[int, Path]]:
    """(token id, path) of every `{digits}.json` in `metadata_dir`, in id order, which must
    run S..S+N-1 without gaps (S: the start id the run recorded, else 1); other JSON
    (combined_metadata.json, reports) is ignored."""
    if not metadata_dir.is_dir():
        msg = f"{metadata_dir}: no such folder; pass the folder of a generated collection"
        raise CollectionError(msg)
    try:
        paths = sorted(metadata_dir.iterdir())
    except OSError as exc:
        raise CollectionError(f"{metadata_dir}: cannot list it ({exc.strerror or exc})") from None
    stats = metadata_dir.parent / COLLECTION_STATS
    start = start_id(stats)
    found: dict[int, Path] = {}
    for path in paths:
        match = TOKEN_FILE.match(path.name)
        if not (match and regular_file_at(path, "token file")):
            continue
        token_id = int(match.group(1))
        if token_id < start:
            raise CollectionError(f"{path}: token ids start at {start}; move the file away")
        if token_id in found:
            msg = f"{path}: token {token_id} also has {found[token_id].name}; keep one of them"
            raise CollectionError(msg)
        found[token_id] = path
    ids = sorted(found)
    if ids and ids[-1] != token_id_of(start, len(ids)):
        raise CollectionError(_gap_problem(metadata_dir, ids, start))
    recorded = _recorded_tokens(stats)
    if recorded is not None and len(ids) < recorded:
        # The last tokens gone leave no gap; the run's statistics still say how many it wrote.
        msg = (
            f"{metadata_dir}: holds tokens {start}..{token_id_of(start, len(ids))} but "
            f"{COLLECTION_STATS} records "
            f"{recorded}; restore the missing ones, or {RESUME} to write them again"
        )
        raise CollectionError(msg)
    return [(token_id, found[token_id]) for token_id in ids]


def _recorded_tokens(stats: Path) -> int | None:
    """The token count the run that published the collection recorded, if there is one."""
    return _recorded_int(stats, "tokens")


def start_id(stats: Path) -> int:
    """The first token id the run that published the collection recorded in `stats`
    (collection_stats.json), else 1."""
    recorded = _recorded_int(stats, "start_id")
    return 1 if recorded is None or recorded < 0 else recorded


def _recorded_int(stats: Path, key: str) -> int | None:
    if not regular_file_at(stats, "statistics file"):
        return None
    document = read_json(stats, CollectionError)
    value = document.get(key) if isinstance(document, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _gap_problem(metadata_dir: Path, ids: list[int], start: int) -> str:
    # Every tool numbers tokens by position somewhere (combined_metadata.json, provenance), so a
    # gap would silently shift every later token by one.
    last, count = ids[-1], ids[-1] - start + 1 - len(ids)
    shown: list[int] = []
    expected = start
    for token_id in ids:
        shown += range(expected, min(token_id, expected + SHOWN_MISSING - len(shown)))
        expected = token_id + 1
    if count == 1:
        subject, files = f"token {shown[0]} is missing (no {shown[0]}.json)", "it"
    else:
        listed = ", ".join(map(str, shown)) + (", …" if count > len(shown) else "")
        subject, files = f"{count} tokens are missing (no {{id}}.json for {listed})", "them"
    return (
        f"{metadata_dir}: {subject}, but token ids must run {start}..{last} ({last}.json is the "
        f"highest) without gaps; restore {files}, or {RESUME} to write {files} again"
    )


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


def read_combined(path: Path, start: int = 1) -> list[Token]:
    """Tokens of a combined_metadata.json; entries are in id order, so entry i (1-based) is
    token start + i - 1."""
    regular_file_at(path, "combined metadata file")
    document = read_json(path, CollectionError, MAX_COMBINED_BYTES)
    if not isinstance(document, list) or not document:
        msg = f"{path}: expected a non-empty JSON array of token metadata"
        raise CollectionError(msg)
    tokens = [
        checked_token(token_id_of(start, index), entry, f"{path}: entry {index}")
        for index, entry in enumerate(document, start=1)
    ]
    for token in tokens:
        _check_position(token, path)
    return tokens


def _check_position(token: Token, path: Path) -> None:
    # Genecator names every image {id}.{ext}, so an entry whose image names another id is
    # out of place: one before it is missing, or the file was edited by hand.
    name = token.metadata["image"].rsplit("/", 1)[-1]
    stem = name.rpartition(".")[0]
    if stem.isascii() and stem.isdigit() and int(stem) != token.token_id:
        msg = (
            f"{token.source}: its image {name} is token {int(stem)}'s, not token "
            f"{token.token_id}'s (an entry is missing or out of order); rebuild the file "
            "with `genecator combine-metadata`"
        )
        raise CollectionError(msg)


def read_collection(collection_dir: Path, combined_file: Path | None = None) -> list[Token]:
    """The tokens of `collection_dir`/metadata, or of `combined_file` when one is given."""
    if combined_file is not None:
        return read_combined(combined_file, start_id(collection_dir / COLLECTION_STATS))
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
    """`image_path`, or an error when no regular file is there."""
    path = image_path(collection_dir, token)
    if not regular_file_at(path, "token image"):
        msg = (
            f"{path}: image of token {token.token_id} not found ({token.source} names it); "
            f"restore it, or {RESUME} to render it again"
        )
        raise CollectionError(msg)
    return path


def image_sha256(path: Path) -> str:
    """Hex SHA-256 of a token image, which must be a whole PNG, GIF, WebP or JPEG file;
    checked while hashing (its end marker), without decoding, so it costs no extra time."""
    digest = hashlib.sha256()
    head = tail = b""
    size = 0
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                head = head or chunk[:MARKER_BYTES]
                tail = (tail + chunk[-MARKER_BYTES:])[-MARKER_BYTES:]
                size += len(chunk)
                digest.update(chunk)
    except OSError as exc:
        raise CollectionError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if not _whole_image(head, tail, size):
        msg = (
            f"{path}: cut off or damaged (not a whole PNG, GIF, WebP or JPEG file); "
            f"{RESUME} to render it again"
        )
        raise CollectionError(msg)
    return digest.hexdigest()


def _whole_image(head: bytes, tail: bytes, size: int) -> bool:
    if head.startswith(PNG_SIGNATURE):
        return tail.endswith(PNG_END)
    if head.startswith(GIF_SIGNATURES):
        return tail.endswith(GIF_END)
    if head.startswith(JPEG_SIGNATURE):
        return tail.endswith(JPEG_END)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return int.from_bytes(head[4:8], "little") + 8 == size  # the RIFF size field
    return False
