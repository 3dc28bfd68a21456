"""Scan a traits folder into a config document: layers (numbered folders give the order),
options with their weights, optional layers, multi-part and z-ordered traits, as the folder
conventions of HashLips, nftchef, AE2 and Genecator say (modules/load/layer_tree.py)."""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from modules.constants import (
    BACKGROUND_NAMES,
    DEFAULT_IPFS_CID,
    DEFAULT_NAME_TEMPLATE,
    MAX_RARITY,
)
from modules.errors import ConfigError, TraitFileError
from modules.load.folder_conventions import parse_layer_folder, readable_name
from modules.load.identical_art import identical_art_problems, identical_groups
from modules.load.layer_tree import (
    IGNORED_NAMES,
    NameRules,
    Outcome,
    ScannedLayer,
    name_problem,
    natural_key,
    outside_problem,
    scan_layer,
)
from modules.load.trait_images import (
    TraitImageInfo,
    header_size,
    info_problems,
    inspect_trait_image,
    visible_share,
)
from modules.load.validation import did_you_mean, nfc, schema_problems

T = TypeVar("T")


@dataclass(frozen=True)
class ScanOptions:
    """How names are read: `--rarity-delimiter`, the names that mean "nothing", whether
    display names keep the file names as they are, the layers `--order` puts first, and
    `only`: the layer folders to read, in this order (an imported layersOrder)."""

    delimiter: str = "#"
    none_names: frozenset[str] = frozenset({"none"})
    keep_names: bool = False
    order: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None


@dataclass
class Scan:
    """A scanned traits folder: the config document, what the user should know about it,
    and whether the layer order was only guessed (no numbers, no --order)."""

    config: dict[str, Any]
    notices: list[str] = field(default_factory=list)
    order_guessed: bool = False


@dataclass(frozen=True)
class _Folder:
    name: str  # the layer's name: the folder's name without its order number
    path: Path
    number: int | None


def default_layer_order(
    names: Sequence[str], coverage: Mapping[str, float] | None = None
) -> list[str]:
    """Background-like folders first; then layers that cover more of the canvas (bodies)
    below those that cover less (eyes, mouths); ties in natural order of their names."""
    coverage = coverage or {}

    def key(name: str) -> tuple[bool, float, list[Any]]:
        return (name.lower() not in BACKGROUND_NAMES, -coverage.get(name, 0.0), natural_key(name))

    return sorted(names, key=key)


def scan_traits(traits_dir: Path, options: ScanOptions | None = None) -> Scan:
    """Build a config document from `traits_dir`, checking every image; raises with all
    problems found."""
    options = options or ScanOptions()
    folders, problems = _layer_folders(traits_dir)
    if options.only is not None:
        folders, skipped = _only(folders, options.only, problems)
    else:
        skipped = []
    rules = NameRules(options.delimiter, options.none_names, traits_dir)
    layers = {folder.name: scan_layer(folder.path, rules) for folder in folders}
    problems += [problem for layer in layers.values() for problem in layer.problems]
    problems += [
        f"{folder.path}: layer folder has no .png, .gif, .webp or .jpg images; add some or "
        "remove it"
        for folder in folders
        if not layers[folder.name].outcomes
    ]
    image_size, infos, size_problems = _checked_images(layers)
    problems += size_problems
    if problems:
        raise TraitFileError(*problems)
    order, guessed = _layer_order(folders, layers, options.order, options.only is not None)
    by_name = {folder.name: folder for folder in folders}
    traits = {name: _layer_document(by_name[name], layers[name], options) for name in order}
    scan = Scan(_config(order, traits, image_size), order_guessed=guessed)
    scan.notices = skipped + [notice for layer in layers.values() for notice in layer.notices]
    scan.notices += _identical_notices(folders, layers, infos)
    invalid = schema_problems(scan.config, "config.schema.json", "scanned config")
    if invalid:
        raise ConfigError(*invalid)
    return scan


def _only(
    folders: list[_Folder], wanted: Sequence[str], problems: list[str]
) -> tuple[list[_Folder], list[str]]:
    """The folders named in `wanted` (by folder name), in that order; the others skipped."""
    by_folder = {nfc(folder.path.name): folder for folder in folders}
    missing = [name for name in wanted if nfc(name) not in by_folder]
    problems += [
        f"layer '{name}': no folder of that name{did_you_mean(name, by_folder)}" for name in missing
    ]
    kept = [by_folder[nfc(name)] for name in wanted if nfc(name) in by_folder]
    skipped = [
        f"{folder.path}: not in the layer order; skipped, as the project's engine does"
        for folder in folders
        if folder not in kept
    ]
    return kept, skipped


def _layer_folders(traits_dir: Path) -> tuple[list[_Folder], list[str]]:
    """The layer folders (numbered ones give their name without the number), and the
    problems of those that cannot be layers."""
    if not traits_dir.is_dir():
        msg = f"{traits_dir}: traits folder not found; create it with one sub-folder per layer"
        raise TraitFileError(msg)
    candidates = sorted(
        (p for p in traits_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: natural_key(p.name),
    )
    candidates = [p for p in candidates if p.name not in IGNORED_NAMES]
    if not candidates:
        msg = f"{traits_dir}: no layer folders; add one sub-folder of images per layer"
        raise TraitFileError(msg)
    folders: dict[str, _Folder] = {}
    problems = []
    for path in candidates:
        number, name = parse_layer_folder(nfc(path.name))
        problem = name_problem(path) or outside_problem(traits_dir, path)
        if problem is None and name in folders:
            problem = f"{path}: the same layer name as {folders[name].path}; rename one"
        if problem is None:
            folders[name] = _Folder(name, path, number)
        else:
            problems.append(problem)
    return list(folders.values()), problems


def _checked_images(
    layers: Mapping[str, ScannedLayer],
) -> tuple[tuple[int, int], dict[Path, TraitImageInfo], list[str]]:
    """The most common image size (so one odd file is the one reported), every file's
    description and every problem against that size; headers are compared first, so an
    odd or huge file is never decoded."""
    problems: list[str] = []
    paths = list(dict.fromkeys(path for layer in layers.values() for path in layer.files))
    headers = _collect(header_size, paths, problems)
    expected = _most_common(headers.values())
    infos = _collect(lambda path: inspect_trait_image(path, expected), list(headers), problems)
    size = _most_common(info.size for info in infos.values()) or (0, 0)
    for path, info in infos.items():
        problems += info_problems(path, info, size)
    return size, infos, problems


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


def _layer_order(
    folders: Sequence[_Folder],
    layers: Mapping[str, ScannedLayer],
    first: Sequence[str],
    fixed: bool,
) -> tuple[list[str], bool]:
    """The folders' own order when `fixed`; else --order's layers first, then numbered
    folders by number, then a guess for the rest (whether anything was guessed is
    returned)."""
    names = [folder.name for folder in folders]
    if fixed:
        return names, False
    wanted = [nfc(name) for name in first]
    unknown = [name for name in wanted if name not in names]
    if unknown:
        raise ConfigError(
            *(f"--order: no layer folder '{name}'{did_you_mean(name, names)}" for name in unknown)
        )
    numbered = sorted((f for f in folders if f.number is not None), key=lambda f: f.number or 0)
    rest = [f.name for f in folders if f.number is None and f.name not in wanted]
    coverage = {name: _coverage(layers[name]) for name in rest}
    guessed = default_layer_order(rest, coverage)
    order = list(dict.fromkeys(wanted + [f.name for f in numbered] + guessed))
    return order, len(guessed) > 1 or (bool(guessed) and bool(numbered))


def _coverage(layer: ScannedLayer) -> float:
    """Average share of visible pixels over a layer's images."""
    files = layer.files
    return sum(visible_share(path) for path in files) / len(files) if files else 0.0


def _layer_document(folder: _Folder, layer: ScannedLayer, options: ScanOptions) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if folder.path.name != folder.name:
        document["folder"] = folder.path.name
    total = layer.absent + sum(outcome.chance for outcome in layer.outcomes)
    if layer.absent:
        document["presence"] = _number(1 - layer.absent / total)
    flat = layer.rarity_style and not layer.absent
    document["options"] = [_option(outcome, options, flat) for outcome in layer.outcomes]
    return document


def _option(outcome: Outcome, options: ScanOptions, flat: bool) -> dict[str, Any]:
    option: dict[str, Any] = {"name": outcome.name}
    display = outcome.value if options.keep_names else readable_name(outcome.value)
    if display != outcome.name:
        option["display_name"] = display
    ((first, z), *more) = outcome.parts
    if more or z is not None:
        option["parts"] = [_part(path, part_z) for path, part_z in outcome.parts]
    else:
        option["file"] = first
    if flat:
        option["rarity"] = min(MAX_RARITY, round(outcome.chance))
    else:
        option["weight"] = _number(outcome.chance)
    return option


def _part(path: str, z: int | None) -> dict[str, Any]:
    return {"file": path} if z is None else {"file": path, "z": z}


def _number(value: float) -> float | int:
    """A weight as written: 70 rather than 70.0, and no 0.30000000000000004."""
    rounded = round(value, 12)
    return int(rounded) if rounded == int(rounded) else rounded


def _identical_notices(
    folders: Sequence[_Folder], layers: Mapping[str, ScannedLayer], infos: Mapping[Path, Any]
) -> list[str]:
    """Options of one layer whose images have identical pixels (main.py refuses them)."""
    digests: dict[str, dict[str, str]] = {}
    files: dict[str, dict[str, str]] = {}
    for folder in folders:
        for outcome in layers[folder.name].outcomes:
            paths = [folder.path / path for path, _ in outcome.parts]
            if all(path in infos for path in paths):
                digests.setdefault(folder.name, {})[outcome.name] = " ".join(
                    infos[path].pixels for path in paths
                )
                files.setdefault(folder.name, {})[outcome.name] = paths[0].name
    return identical_art_problems(identical_groups(digests), "config.json", files)


def _config(
    order: list[str], traits: dict[str, Any], image_size: tuple[int, int]
) -> dict[str, Any]:
    return {
        "trait_order": order,
        "priority_traits": [],
        "max_similar_combinations": 1,
        "image_size": list(image_size),
        "ipfs_cid": DEFAULT_IPFS_CID,
        "metadata": {
            "name": "Genecator Collection",
            "description": f"A generated collection of {len(order)} layers.",
            "name_template": DEFAULT_NAME_TEMPLATE,
        },
        "traits": traits,
    }
