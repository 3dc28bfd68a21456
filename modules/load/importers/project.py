"""Import a HashLips Art Engine or nftchef art-engine project (`layers/` and `src/config.js`)
into a Genecator config document and ruler.json rules, without running any JavaScript.

config.js is read by modules.load.js; the layer folders are scanned in the order of the first
layersOrder by trait_scan.py, which knows both engines' folder conventions. Every setting
then becomes part of the config, a rule, a notice (what to do instead) or a line of
`untranslated` naming its key: nothing is dropped silently.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.constants import TRAIT_IMAGE_EXTENSIONS
from modules.errors import ConfigError
from modules.load.folder_conventions import EntryNameError, parse_entry_name
from modules.load.importers.collection_keys import KEY_HANDLERS, unknown_key
from modules.load.importers.layers import apply_configurations, apply_layer_entries, layer_folders
from modules.load.importers.state import (
    HASHLIPS,
    LABEL,
    NFTCHEF,
    ImportState,
    empty_layer_name,
    rarity_delimiter,
)
from modules.load.js.reader import JsConfig, read_js_config
from modules.load.js.values import Unsupported
from modules.load.layer_tree import IGNORED_NAMES
from modules.load.trait_scan import ScanOptions, scan_traits
from modules.load.validation import nfc, read_text_file, schema_problems

CONFIG_JS = Path("src", "config.js")
LAYERS = "layers"
# Settings only nftchef's fork reads; any of them (or nested folders) marks an nftchef project.
NFTCHEF_KEYS = frozenset(
    {"emptyLayerName", "incompatible", "forcedCombinations", "traitValueOverrides"}
    | {"hashImages", "outputJPEG", "startIndex", "useRootTraitType", "extraAttributes"}
    | {"buildDir", "layersDir", "baseExternalUrl"}
)


@dataclass
class ProjectImport:
    """The config document and rules made from a project, what the user should know, and
    one line per setting that could not be translated."""

    config: dict[str, Any]
    rules: list[dict[str, Any]]
    notices: list[str]
    untranslated: list[str]
    project_kind: str


def detect_project(path: Path) -> str | None:
    """The engine of a folder holding layers/ and src/config.js ("hashlips" or "nftchef"),
    else None."""
    config_js = path / CONFIG_JS
    if not (path / LAYERS).is_dir() or not config_js.is_file():
        return None
    if _has_nested_folders(path / LAYERS):
        return NFTCHEF
    try:
        text = read_text_file(config_js, ConfigError)
    except ConfigError:
        return HASHLIPS  # import_project says why the file cannot be read
    try:
        exports = read_js_config(text, str(config_js)).exports
    except ConfigError:  # still worth a guess from the words in it
        return NFTCHEF if any(re.search(rf"\b{key}\b", text) for key in NFTCHEF_KEYS) else HASHLIPS
    return _kind(exports, path / LAYERS)


def import_project(project: Path, *, keep_names: bool = False) -> ProjectImport:
    """Translate `project`'s config.js and layers; raises ConfigError when it is not a
    readable HashLips/nftchef project, TraitFileError for unusable layer images."""
    js = _read_project(project)
    state = ImportState(_kind(js.exports, project / LAYERS), js.exports, project / LAYERS)
    configurations = _configurations(js.exports)
    folders = layer_folders(state, configurations[0])
    scan = scan_traits(state.layers_dir, _scan_options(state, folders, keep_names))
    state.config = scan.config
    state.notices += scan.notices
    state.layer_of_folder = {
        nfc(layer.get("folder", name)): name for name, layer in state.traits.items()
    }
    apply_layer_entries(state)
    apply_configurations(state, configurations)
    for key, value in js.exports.items():
        KEY_HANDLERS.get(key, unknown_key)(state, key, value)
    _root_file_notices(state)
    state.untranslated += [
        f"{LABEL}: {entry} (not translated)"
        for entry in js.unsupported
        if not _is_covered(entry, state.covered)
    ]
    _check_documents(state)
    return ProjectImport(state.config, state.rules, state.notices, state.untranslated, state.kind)


# ---------------------------------------------------------------------------------------------
# The project folder


def _read_project(project: Path) -> JsConfig:
    """config.js, read; a folder that is not a project raises one ConfigError line."""
    config_js = project / CONFIG_JS
    if not (project / LAYERS).is_dir():
        raise ConfigError(
            f"{project}: not a HashLips or nftchef project: it has no layers/ folder; such a "
            f"project holds layers/ (one folder of images per layer) and {LABEL}"
        )
    if not config_js.exists():
        msg = f"{config_js}: not found; a HashLips or nftchef project keeps its settings there"
        raise ConfigError(msg)
    text = read_text_file(config_js, ConfigError)
    return read_js_config(text, str(config_js))


def _has_nested_folders(layers_dir: Path) -> bool:
    """Whether a layer folder holds a folder: only nftchef draws from nested folders."""
    for layer in _visible(layers_dir):
        if layer.is_dir() and any(entry.is_dir() for entry in _visible(layer)):
            return True
    return False


def _visible(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in IGNORED_NAMES
    )


def _kind(exports: dict[str, Any], layers_dir: Path) -> str:
    configurations = exports.get("layerConfigurations")
    named_sets = isinstance(configurations, list) and any(
        isinstance(c, dict) and "namePrefix" in c for c in configurations
    )
    if NFTCHEF_KEYS & exports.keys() or named_sets or _has_nested_folders(layers_dir):
        return NFTCHEF
    return HASHLIPS


def _configurations(exports: dict[str, Any]) -> list[dict[str, Any]]:
    """The layerConfigurations; the first must give a layersOrder list."""
    value = exports.get("layerConfigurations")
    listed: list[Any] = value if isinstance(value, list) else []
    if listed and isinstance(listed[0], dict) and isinstance(listed[0].get("layersOrder"), list):
        return [c for c in listed if isinstance(c, dict)]
    what = value.description if isinstance(value, Unsupported) else "missing or empty"
    raise ConfigError(
        f"{LABEL}: layerConfigurations: {what}; the import needs a list of objects whose "
        "first has a layersOrder, e.g. [{ growEditionSizeTo: 10, layersOrder: [{ name: "
        '"Background" }] }]'
    )


def _scan_options(state: ImportState, folders: list[str], keep_names: bool) -> ScanOptions:
    """rarityDelimiter and (nftchef) emptyLayerName as the scan reads names."""
    # HashLips has no "nothing" name: a file called None is drawn and shown like any other.
    none_names = frozenset({empty_layer_name(state)}) if state.kind == NFTCHEF else frozenset()
    return ScanOptions(
        delimiter=rarity_delimiter(state),
        none_names=none_names,
        keep_names=keep_names,
        only=tuple(folders),
    )


# ---------------------------------------------------------------------------------------------
# Checks of the result


def _root_file_notices(state: ImportState) -> None:
    """Files in a layer folder that the engine weighs unlike the scan: nftchef draws its
    unweighted ones in every token, HashLips gives a Genecator suffix no meaning."""
    for name, layer in state.traits.items():
        folder = layer.get("folder", name)
        names = [
            path.name
            for path in _visible(state.layers_dir / folder)
            if path.is_file() and path.suffix.lower() in TRAIT_IMAGE_EXTENSIONS
            if _weight_source(state, path.name) in _DIVERGENT_WEIGHTS[state.kind]
        ]
        if names:
            state.notices.append(
                f"{state.layers_dir / folder}: {', '.join(names)}: {_DIVERGENT[state.kind]}"
            )


_DIVERGENT_WEIGHTS = {NFTCHEF: ("suffix", "none", "ae2"), HASHLIPS: ("suffix", "ae2")}
_DIVERGENT = {
    NFTCHEF: "nftchef draws unweighted files in every token, Genecator reads them as options; "
    "give them a weight or move them into a weighted folder",
    HASHLIPS: "HashLips weighs them 1, Genecator reads their name's ending as a weight; "
    "give them a #weight to be sure",
}


def _weight_source(state: ImportState, name: str) -> str | None:
    """Where a root file's weight comes from as the scan reads it; None for NONE files."""
    none_names = frozenset({empty_layer_name(state)}) if state.kind == NFTCHEF else frozenset()
    try:
        entry = parse_entry_name(
            name, is_file=True, delimiter=rarity_delimiter(state), none_names=none_names
        )
    except EntryNameError:
        return None  # the scan reported it
    return None if entry.is_none else entry.weight_source


def _check_documents(state: ImportState) -> None:
    """The import must produce documents Genecator accepts; anything else is a bug here."""
    problems = schema_problems(state.config, "config.schema.json", "imported config")
    problems += schema_problems({"rules": state.rules}, "ruler.schema.json", "imported rules")
    if problems:
        raise ConfigError(*problems)


def _is_covered(entry: str, covered: set[str]) -> bool:
    """Whether a JsConfig.unsupported "path: description" entry lies under an explained path."""
    return any(
        entry.startswith(path) and entry[len(path) : len(path) + 1] in (":", ".", "[")
        for path in covered
    )
