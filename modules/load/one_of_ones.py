"""1-of-1s from the config's one_of_ones folder (nftchef's ultraRares/ shape): images/N.png
with json/N.json, each json holding at least `attributes`; every image is checked as a trait
file is, and every problem is one line naming its file."""

import re
from pathlib import Path
from typing import Any

from modules.constants import TRAIT_IMAGE_EXTENSIONS
from modules.errors import ConfigError
from modules.load.layer_files import listing
from modules.load.spec import OneOfOne
from modules.load.trait_images import check_trait_image, file_digest
from modules.load.validation import did_you_mean, read_json

NUMBERED = re.compile(r"(0|[1-9][0-9]*)")
PAIR = "a 1-of-1 is images/N.png with json/N.json"


def load_one_of_ones(
    config: dict[str, Any], config_dir: Path, size: tuple[int, int], label: str
) -> tuple[tuple[OneOfOne, ...], list[str]]:
    """The config's 1-of-1s in file-number order, and every problem with them."""
    section = config.get("one_of_ones")
    if section is None:
        return (), []
    folder = config_dir / section["folder"]
    if not folder.is_dir():
        return (), [
            f"{folder}: 1-of-1 folder not found ({label} $.one_of_ones.folder); {PAIR} there"
        ]
    images, image_problems = _numbered(folder / "images", TRAIT_IMAGE_EXTENSIONS)
    documents, json_problems = _numbered(folder / "json", (".json",))
    problems = image_problems + json_problems + _unpaired(folder, images, documents)
    pins, pin_problems = _pins(section.get("ids", {}), images, folder, label)
    ones = []
    for number in sorted(images.keys() & documents.keys()):
        one, found = _one_of_one(number, images[number], documents[number], size)
        problems += found
        if one is not None:
            ones.append(OneOfOne(**one, token_id=pins.get(number)))
    if not images and not documents and not problems:
        problems.append(f"{folder}: holds no 1-of-1s; {PAIR}")
    return tuple(ones), problems + pin_problems


def _numbered(folder: Path, extensions: tuple[str, ...]) -> tuple[dict[int, Path], list[str]]:
    """File number -> file of a folder's files named N.ext; other visible names are refused."""
    if not folder.is_dir():
        return {}, [f"{folder}: folder not found; {PAIR}"]
    found: dict[int, Path] = {}
    problems = []
    for path in listing(folder):
        if path.name.startswith(".") or path.is_dir():
            continue
        if not (NUMBERED.fullmatch(path.stem) and path.suffix.lower() in extensions):
            problems.append(f"{path}: not a 1-of-1 file; name it N{extensions[0]} ({PAIR})")
        elif int(path.stem) in found:
            problems.append(
                f"{path}: 1-of-1 {path.stem} has a second file, {found[int(path.stem)].name}; "
                "keep one"
            )
        else:
            found[int(path.stem)] = path
    return found, problems


def _unpaired(folder: Path, images: dict[int, Path], documents: dict[int, Path]) -> list[str]:
    problems = [
        f"{folder / 'json' / f'{number}.json'}: not found; 1-of-1 {number} needs it beside "
        f"{images[number].name}"
        for number in sorted(images.keys() - documents.keys())
    ]
    problems += [
        f"{folder / 'images' / f'{number}.png'}: not found; 1-of-1 {number} needs its image "
        f"beside {documents[number].name}"
        for number in sorted(documents.keys() - images.keys())
    ]
    return problems


def _pins(
    ids: dict[str, int], images: dict[int, Path], folder: Path, label: str
) -> tuple[dict[int, int], list[str]]:
    """File number -> pinned token id; unknown numbers and shared ids are refused."""
    pins: dict[int, int] = {}
    problems = []
    taken: dict[int, str] = {}
    for key, token_id in ids.items():
        where = f"{label}: $.one_of_ones.ids.{key}"
        if int(key) not in images:
            hint = did_you_mean(key, [str(number) for number in sorted(images)])
            problems.append(f"{where}: no 1-of-1 {key} in {folder / 'images'}{hint}")
        elif token_id in taken:
            problems.append(
                f"{where}: token {token_id} is already 1-of-1 {taken[token_id]}'s; "
                "pin each 1-of-1 to its own id"
            )
        else:
            pins[int(key)] = token_id
            taken[token_id] = key
    return pins, problems


def _one_of_one(
    number: int, image: Path, document_path: Path, size: tuple[int, int]
) -> tuple[dict[str, Any] | None, list[str]]:
    """OneOfOne fields of one pair (None when unusable) and its problems."""
    info, problems = check_trait_image(image, size)
    if info is not None and info.frames > 1:
        problems.append(f"{image}: animated ({info.frames} frames); a 1-of-1 is a still image")
    try:
        document = read_json(document_path)
    except ConfigError as exc:
        return None, problems + list(exc.problems)
    document_problem = _document_problem(document)
    if document_problem is not None:
        problems.append(f"{document_path}: {document_problem}")
    if problems:
        return None, problems
    fields = {
        "number": number,
        "image": image,
        "digest": file_digest(image),
        "attributes": tuple(document["attributes"]),
        "name": document.get("name"),
        "description": document.get("description"),
    }
    return fields, []


def _document_problem(document: Any) -> str | None:
    """Why a 1-of-1's json cannot be its metadata: attributes is a list of {trait_type,
    value}; name and description, when given, are text."""
    if not isinstance(document, dict) or not isinstance(document.get("attributes"), list):
        return "needs an attributes list of {trait_type, value}; add one (it may be empty)"
    for index, attribute in enumerate(document["attributes"]):
        if not (
            isinstance(attribute, dict)
            and isinstance(attribute.get("trait_type"), str)
            and isinstance(attribute.get("value"), str | int | float)
        ):
            return f"$.attributes[{index}]: needs a trait_type (text) and a value (text or number)"
    for key in ("name", "description"):
        if key in document and not isinstance(document[key], str):
            return f"$.{key}: is not text; make it a string or remove it"
    return None
