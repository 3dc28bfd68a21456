"""Scan a traits folder into a config document: layers, options, rarity from file names."""

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from modules.constants import (
    BACKGROUND_NAMES,
    DEFAULT_IPFS_CID,
    DEFAULT_NAME_TEMPLATE,
    DEFAULT_OPTION_RARITY,
    RARITY_DIGITS,
    RARITY_WORDS,
    TRAIT_IMAGE_EXTENSIONS,
)
from modules.errors import ConfigError, TraitFileError
from modules.load.trait_images import header_size, info_problems, inspect_trait_image, visible_share
from modules.load.validation import did_you_mean, is_plain_name, nfc, schema_problems

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Archives made on macOS carry this folder of '._name' files beside the real ones.
ZIP_METADATA = "__MACOSX"


def parse_trait_filename(stem: str) -> tuple[str, int]:
    """Display name and rarity from a file stem: 'Laser_Eyes_Rare' -> ('Laser_Eyes', 1).
    Only a whole last '_' part counts as a rarity suffix; without one the rarity is 3."""
    head, separator, tail = stem.rpartition("_")
    if separator and head:
        rarity = RARITY_WORDS.get(tail.lower()) or RARITY_DIGITS.get(tail)
        if rarity is not None:
            return head, rarity
    return stem, DEFAULT_OPTION_RARITY


def natural_key(name: str) -> list[Any]:
    """Sort key that puts '2_Body' before '10_Hat' and ignores case."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def default_layer_order(
    names: Sequence[str], coverage: Mapping[str, float] | None = None
) -> list[str]:
    """Background-like folders first; then layers that cover more of the canvas (bodies)
    below those that cover less (eyes, mouths); ties in natural order of their names."""
    coverage = coverage or {}

    def key(name: str) -> tuple[bool, float, list[Any]]:
        return (name.lower() not in BACKGROUND_NAMES, -coverage.get(name, 0.0), natural_key(name))

    return sorted(names, key=key)


def scan_traits(traits_dir: Path, order: Sequence[str] = ()) -> dict[str, Any]:
    """Build a config document from `traits_dir`, checking every image; raises with all
    problems found. `order` lists layers to put first, bottom first."""
    folders, problems = _layer_folders(traits_dir)
    files = {}
    for name, folder in folders.items():
        files[name], file_problems = _trait_files(traits_dir, folder)
        problems += file_problems
    image_size, size_problems = _image_size_and_problems(folders, files)
    problems += size_problems
    options = {}
    for name, paths in files.items():
        options[name], option_problems = _options(paths)
        problems += option_problems
    if problems:
        raise TraitFileError(*problems)
    coverage = {name: mean_coverage(paths) for name, paths in files.items()}
    layer_order = _layer_order(default_layer_order(list(files), coverage), order)
    traits = {name: {"options": options[name]} for name in layer_order}
    config = {
        "trait_order": layer_order,
        "priority_traits": [],
        "max_similar_combinations": 1,
        "image_size": list(image_size),
        "ipfs_cid": DEFAULT_IPFS_CID,
        "metadata": {
            "name": "Genecator Collection",
            "description": f"A generated collection of {len(layer_order)} layers.",
            "name_template": DEFAULT_NAME_TEMPLATE,
        },
        "traits": traits,
    }
    invalid = schema_problems(config, "config.schema.json", "scanned config")
    if invalid:
        raise ConfigError(*invalid)
    return config


def _layer_folders(traits_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """Layer name (the folder name, NFC) -> folder, and the folders that cannot be layers."""
    if not traits_dir.is_dir():
        msg = f"{traits_dir}: traits folder not found; create it with one sub-folder per layer"
        raise TraitFileError(msg)
    candidates = sorted(
        (p for p in traits_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: natural_key(p.name),
    )
    if any(p.name == ZIP_METADATA for p in candidates):
        logger.warning("%s: macOS zip metadata, not a layer; ignored", traits_dir / ZIP_METADATA)
        candidates = [p for p in candidates if p.name != ZIP_METADATA]
    if not candidates:
        msg = f"{traits_dir}: no layer folders; add one sub-folder of images per layer"
        raise TraitFileError(msg)
    folders: dict[str, Path] = {}
    problems = []
    for folder in candidates:
        problem = _name_problem(folder) or _outside_problem(traits_dir, folder)
        name = nfc(folder.name)
        if problem is None and name in folders:
            problem = f"{folder}: same name as {folders[name]} in another Unicode form; rename one"
        if problem is None:
            folders[name] = folder
        else:
            problems.append(problem)
    return folders, problems


def _name_problem(path: Path) -> str | None:
    """Names must survive JSON and terminals: valid UTF-8, no control characters."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        return f"{path}: name is not valid UTF-8; rename it"
    if not is_plain_name(path.name):
        return f"{path}: name has control characters; rename it"
    return None


def _outside_problem(traits_dir: Path, path: Path) -> str | None:
    """A link leaving traits/ would be refused by the generator; say so now."""
    if not path.exists() or path.resolve().is_relative_to(traits_dir.resolve()):
        return None
    return f"{path}: links outside {traits_dir}; copy it into {traits_dir}"


def _layer_order(default: list[str], order: Sequence[str]) -> list[str]:
    """The layers named by --order first, in that order, then the rest in default order."""
    order = [nfc(name) for name in order]
    unknown = [name for name in order if name not in default]
    if unknown:
        raise ConfigError(
            *(f"--order: no layer folder '{name}'{did_you_mean(name, default)}" for name in unknown)
        )
    return list(dict.fromkeys(order)) + [name for name in default if name not in order]


def mean_coverage(paths: Sequence[Path]) -> float:
    """Average share of visible (non-transparent) pixels over a layer's images."""
    return sum(visible_share(path) for path in paths) / len(paths) if paths else 0.0


def _trait_files(traits_dir: Path, folder: Path) -> tuple[list[Path], list[str]]:
    """A layer folder's image files, and the ones that cannot be used (bad names, links out)."""
    files, problems = [], []
    for path in sorted(folder.iterdir(), key=lambda p: natural_key(p.name)):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            logger.warning("%s: sub-folders inside a layer folder are ignored", path)
        elif path.suffix.lower() not in TRAIT_IMAGE_EXTENSIONS:
            logger.warning("%s: not a .png, .gif or .webp image; ignored", path)
        else:
            problem = _name_problem(path) or _outside_problem(traits_dir, path)
            if problem is None:
                files.append(path)
            else:
                problems.append(problem)
    return files, problems


def _image_size_and_problems(
    folders: dict[str, Path], files: dict[str, list[Path]]
) -> tuple[tuple[int, int], list[str]]:
    """The most common image size (so one odd file is the one reported) and every problem
    against it; headers are compared first, so an odd or huge file is never decoded."""
    problems = [
        f"{folders[name]}: layer folder has no .png, .gif or .webp images; add some or remove it"
        for name, paths in files.items()
        if not paths
    ]
    paths = [path for layer in files.values() for path in layer]
    headers = _collect(header_size, paths, problems)
    expected = _most_common(headers.values())
    infos = _collect(lambda path: inspect_trait_image(path, expected), list(headers), problems)
    size = _most_common(info.size for info in infos.values()) or (0, 0)
    for path, info in infos.items():
        problems += info_problems(path, info, size)
    return size, problems


def _collect(read: Callable[[Path], T], paths: list[Path], problems: list[str]) -> dict[Path, T]:
    """`read(path)` for every path that has no TraitFileError; the errors go to `problems`."""
    found = {}
    for path in paths:
        try:
            found[path] = read(path)
        except TraitFileError as exc:
            problems += exc.problems
    return found


def _most_common(sizes: Iterable[tuple[int, int]]) -> tuple[int, int] | None:
    counts = Counter(sizes)
    return counts.most_common(1)[0][0] if counts else None


def _options(files: list[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    options, problems = [], []
    seen: dict[str, Path] = {}
    for path in files:
        name, rarity = parse_trait_filename(path.stem)
        name = nfc(name)  # one spelling of 'é' in metadata, whatever the file system stored
        if name in seen:
            other = seen[name].name
            # Two spellings of one name (NFC and NFD) look identical: say why they clash.
            form = (
                " (the same name in another Unicode form)" if nfc(other) == nfc(path.name) else ""
            )
            problems.append(
                f"{path}: option name '{name}' is also used by {other}{form}; rename one"
            )
            continue
        seen[name] = path
        options.append({"name": name, "file": path.name, "rarity": rarity})
    return options, problems
