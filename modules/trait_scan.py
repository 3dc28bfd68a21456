"""Scan a traits folder into a config document: layers, options, rarity from file names."""

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

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
from modules.trait_images import info_problems, inspect_trait_image, visible_share
from modules.validation import did_you_mean, schema_problems

logger = logging.getLogger(__name__)


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
    files = {folder.name: _trait_files(folder) for folder in _layer_folders(traits_dir)}
    image_size, problems = _image_size_and_problems(traits_dir, files)
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


def _layer_folders(traits_dir: Path) -> list[Path]:
    if not traits_dir.is_dir():
        msg = f"{traits_dir}: traits folder not found; create it with one sub-folder per layer"
        raise TraitFileError(msg)
    folders = sorted(
        (p for p in traits_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: natural_key(p.name),
    )
    if not folders:
        msg = f"{traits_dir}: no layer folders; add one sub-folder of images per layer"
        raise TraitFileError(msg)
    return folders


def _layer_order(default: list[str], order: Sequence[str]) -> list[str]:
    """The layers named by --order first, in that order, then the rest in default order."""
    unknown = [name for name in order if name not in default]
    if unknown:
        raise ConfigError(
            *(f"--order: no layer folder '{name}'{did_you_mean(name, default)}" for name in unknown)
        )
    return list(dict.fromkeys(order)) + [name for name in default if name not in order]


def mean_coverage(paths: Sequence[Path]) -> float:
    """Average share of visible (non-transparent) pixels over a layer's images."""
    return sum(visible_share(path) for path in paths) / len(paths) if paths else 0.0


def _trait_files(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.iterdir(), key=lambda p: natural_key(p.name)):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            logger.warning("%s: sub-folders inside a layer folder are ignored", path)
        elif path.suffix.lower() in TRAIT_IMAGE_EXTENSIONS:
            files.append(path)
        else:
            logger.warning("%s: not a .png, .gif or .webp image; ignored", path)
    return files


def _image_size_and_problems(
    traits_dir: Path, files: dict[str, list[Path]]
) -> tuple[tuple[int, int], list[str]]:
    """The most common image size (so one odd file is the one reported), and every
    problem measured against it."""
    problems = [
        f"{traits_dir / name}: layer folder has no .png, .gif or .webp images; add some or remove"
        " it"
        for name, paths in files.items()
        if not paths
    ]
    infos = {}
    for path in (path for layer in files.values() for path in layer):
        try:
            infos[path] = inspect_trait_image(path)
        except TraitFileError as exc:
            problems += exc.problems
    sizes = Counter(info.size for info in infos.values())
    size = sizes.most_common(1)[0][0] if sizes else (0, 0)
    for path, info in infos.items():
        problems += info_problems(path, info, size)
    return size, problems


def _options(files: list[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    options, problems, seen = [], [], {}
    for path in files:
        name, rarity = parse_trait_filename(path.stem)
        if name in seen:
            problems.append(
                f"{path}: option name '{name}' is also used by {seen[name].name}; rename one"
            )
            continue
        seen[name] = path
        options.append({"name": name, "file": path.name, "rarity": rarity})
    return options, problems
