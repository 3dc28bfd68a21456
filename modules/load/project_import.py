"""Import a HashLips Art Engine or nftchef art-engine project (`layers/` and `src/config.js`)
into a Genecator config document and ruler.json rules, without running any JavaScript.

config.js is read by js_config.py; the layer folders are scanned in the order of the first
layersOrder by trait_scan.py, which knows both engines' folder conventions. Every setting
then becomes part of the config, a rule, a notice (what to do instead) or a line of
`untranslated` naming its key: nothing is dropped silently.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.constants import TRAIT_IMAGE_EXTENSIONS
from modules.errors import ConfigError
from modules.load.folder_conventions import EntryNameError, parse_entry_name, parse_layer_folder
from modules.load.ipfs_uri import base_uri_problem, cid_problem
from modules.load.js_config import JsConfig, Unsupported, read_js_config
from modules.load.layer_tree import IGNORED_NAMES
from modules.load.trait_scan import ScanOptions, scan_traits
from modules.load.validation import nfc, schema_problems

CONFIG_JS = Path("src", "config.js")
LAYERS = "layers"
LABEL = "src/config.js"  # how lines name the file: as the project's own docs do
HASHLIPS, NFTCHEF = "hashlips", "nftchef"
ENGINE_PLACEHOLDER_URI = "ipfs://NewUriToReplace"  # what both engines ship as baseUri
DEFAULT_EMPTY_LAYER_NAME = "NONE"  # nftchef's emptyLayerName when config.js has none
FIRST_SET = "layerConfigurations[0]"
# Settings only nftchef's fork reads; any of them (or nested folders) marks an nftchef project.
NFTCHEF_KEYS = frozenset(
    {"emptyLayerName", "incompatible", "forcedCombinations", "traitValueOverrides"}
    | {"hashImages", "outputJPEG", "startIndex", "useRootTraitType", "extraAttributes"}
    | {"buildDir", "layersDir", "baseExternalUrl"}
)
# Canvas composite operations (the engines' blend modes) that Genecator draws the same way.
BLENDS = {
    "source-over": "normal",
    **{mode: mode for mode in ("multiply", "screen", "overlay", "darken", "lighten")},
    **{mode: mode for mode in ("difference", "soft-light", "hard-light")},
}
MODE_CONSTANT = re.compile(r"MODE\.([A-Za-z]+)")  # constants/blend_mode.js: MODE.colorBurn
JS_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
STANDARD_FIELDS = frozenset({"name", "description", "image", "attributes", "external_url"})


@dataclass
class ProjectImport:
    """The config document and rules made from a project, what the user should know, and
    one line per setting that could not be translated."""

    config: dict[str, Any]
    rules: list[dict[str, Any]]
    notices: list[str]
    untranslated: list[str]
    project_kind: str


@dataclass
class _Import:
    """The state of one import while the settings are translated one by one."""

    kind: str
    exports: dict[str, Any]
    layers_dir: Path
    config: dict[str, Any] = field(default_factory=dict)
    layer_of_folder: dict[str, str] = field(default_factory=dict)  # NFC folder name → layer
    entries: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)  # paths whose Unsupported values are explained

    def note(self, path: str, message: str) -> None:
        self.notices.append(f"{LABEL}: {path}: {message}")

    def skip(self, path: str, message: str) -> None:
        """One untranslated line for `path`; its Unsupported values need no line of their own."""
        self.untranslated.append(f"{LABEL}: {path}: {message}")
        self.covered.add(path)

    @property
    def traits(self) -> dict[str, Any]:
        return self.config["traits"]

    @property
    def metadata(self) -> dict[str, Any]:
        return self.config.setdefault("metadata", {})

    def options(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for layer, document in self.traits.items():
            for option in document["options"]:
                yield layer, option


Handler = Callable[[_Import, str, Any], None]


def detect_project(path: Path) -> str | None:
    """The engine of a folder holding layers/ and src/config.js ("hashlips" or "nftchef"),
    else None."""
    config_js = path / CONFIG_JS
    if not (path / LAYERS).is_dir() or not config_js.is_file():
        return None
    if _has_nested_folders(path / LAYERS):
        return NFTCHEF
    try:
        text = config_js.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
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
    state = _Import(_kind(js.exports, project / LAYERS), js.exports, project / LAYERS)
    configurations = _configurations(js.exports)
    folders = _layer_folders(state, configurations[0])
    scan = scan_traits(state.layers_dir, _scan_options(state, folders, keep_names))
    state.config = scan.config
    state.notices += scan.notices
    state.layer_of_folder = {
        nfc(layer.get("folder", name)): name for name, layer in state.traits.items()
    }
    _apply_layer_entries(state)
    _apply_configurations(state, configurations)
    for key, value in js.exports.items():
        _HANDLERS.get(key, _unknown_key)(state, key, value)
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
    try:
        text = config_js.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{config_js}: not found; a HashLips or nftchef project keeps its settings there"
        raise ConfigError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_js}: cannot be read ({exc}); save it as UTF-8 text") from None
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


def _layer_folders(state: _Import, configuration: dict[str, Any]) -> list[str]:
    """The layer folders of a layersOrder, once each, in order; the unusable entries are
    listed as untranslated."""
    folders: list[str] = []
    for index, entry in enumerate(configuration["layersOrder"]):
        path = f"{FIRST_SET}.layersOrder[{index}]"
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            state.skip(path, "no layer folder name; entry not imported")
        elif "/" in name or "\\" in name:
            state.skip(
                f"{path}.name",
                f"'{name}' is a folder inside a layer folder; Genecator "
                "reads layers directly in layers/; not imported",
            )
        elif name in folders:
            state.skip(path, f"'{name}' is drawn a second time; a layer is drawn once here")
        else:
            folders.append(name)
            state.entries.append((index, name, entry))
    if not folders:
        raise ConfigError(f"{LABEL}: {FIRST_SET}.layersOrder: no layer to import")
    return folders


def _scan_options(state: _Import, folders: list[str], keep_names: bool) -> ScanOptions:
    """rarityDelimiter and (nftchef) emptyLayerName as the scan reads names."""
    # HashLips has no "nothing" name: a file called None is drawn and shown like any other.
    none_names = frozenset({_empty_name(state)}) if state.kind == NFTCHEF else frozenset()
    return ScanOptions(
        delimiter=_delimiter(state),
        none_names=none_names,
        keep_names=keep_names,
        only=tuple(folders),
    )


def _delimiter(state: _Import) -> str:
    delimiter = state.exports.get("rarityDelimiter", "#")
    return delimiter if isinstance(delimiter, str) and delimiter else "#"


def _empty_name(state: _Import) -> str:
    empty = state.exports.get("emptyLayerName", DEFAULT_EMPTY_LAYER_NAME)
    return empty if isinstance(empty, str) and empty else DEFAULT_EMPTY_LAYER_NAME


# ---------------------------------------------------------------------------------------------
# layersOrder entries: trait names, blend, opacity, nftchef's sub-folder options


def _apply_layer_entries(state: _Import) -> None:
    for index, folder, entry in state.entries:
        layer = state.layer_of_folder[nfc(folder)]
        path = f"{FIRST_SET}.layersOrder[{index}]"
        if layer != folder:  # both engines name the trait after the folder, numbers and all
            state.traits[layer]["display_name"] = folder
        for key, value in entry.items():
            if key == "options" and isinstance(value, dict):
                for option, setting in value.items():
                    _entry_setting(state, layer, f"{path}.options.{option}", option, setting)
            elif key != "name":
                _entry_setting(state, layer, f"{path}.{key}", key, value)


def _entry_setting(state: _Import, layer: str, path: str, key: str, value: Any) -> None:
    handler = _ENTRY_HANDLERS.get(key)
    if handler is None:
        state.skip(path, "not a layer option HashLips or nftchef reads; not translated")
    else:
        handler(state, layer, path, value)


def _trait_name(state: _Import, layer: str, path: str, value: Any) -> None:
    if isinstance(value, str) and value.strip():
        state.traits[layer]["display_name"] = value
        state.covered.add(path)
    else:
        state.skip(path, f"{_shown(value)} is not a trait name; the layer keeps its own")


def _layer_blend(state: _Import, layer: str, path: str, value: Any) -> None:
    blend = _blend(state, path, value)
    if blend is not None and blend != "normal":
        state.traits[layer]["blend"] = blend


def _layer_opacity(state: _Import, layer: str, path: str, value: Any) -> None:
    opacity = _opacity(state, path, value)
    if opacity is not None and opacity != 1:
        state.traits[layer]["opacity"] = opacity


def _bypass_dna(state: _Import, layer: str, path: str, value: Any) -> None:
    if value:
        state.skip(
            path,
            f"not translated: Genecator's uniqueness counts every layer, so tokens that differ "
            f"only in '{layer}' are distinct",
        )


def _display_type(state: _Import, layer: str, path: str, value: Any) -> None:
    state.skip(path, f"{_shown(value)}: not translated; Genecator writes no display_type")


def _sublayer_options(state: _Import, layer: str, path: str, value: Any) -> None:
    """nftchef's settings for a sub-folder apply to every option drawn through it."""
    if not isinstance(value, dict):
        state.skip(path, "not an object of sub-folder settings; not translated")
        return
    for folder, settings in value.items():
        where = _key_path(path, folder)
        matched = [o for o in state.traits[layer]["options"] if nfc(folder) in _choices(o)]
        if not matched or not isinstance(settings, dict):
            state.skip(
                where, f"layer '{layer}' has no weighted sub-folder '{folder}' to apply it to"
            )
            continue
        for key, setting in settings.items():
            _sublayer_setting(state, matched, _key_path(where, key), key, setting)


def _sublayer_setting(
    state: _Import, options: list[dict[str, Any]], path: str, key: str, value: Any
) -> None:
    if key == "blend":
        blend = _blend(state, path, value)
        found: Any = None if blend == "normal" else blend
    elif key == "opacity":
        found = _opacity(state, path, value)
        found = None if found == 1 else found
    else:
        reason = "Genecator names every trait of a layer alike" if key == "trait" else ""
        state.skip(path, f"not translated{'; ' + reason if reason else ''}")
        return
    for option in options if found is not None else []:
        option[key] = found


def _blend(state: _Import, path: str, value: Any) -> str | None:
    """Genecator's blend for an engine's blend (MODE.x or a canvas operation), else a line."""
    operation = value if isinstance(value, str) else None
    if isinstance(value, Unsupported) and (match := MODE_CONSTANT.fullmatch(value.source)):
        operation = re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), match.group(1))
    blend = BLENDS.get(operation or "")
    state.covered.add(path)
    if blend is None:
        choices = ", ".join(sorted(set(BLENDS.values())))
        state.skip(
            path, f"{_shown(value)}: no Genecator blend draws it ({choices}); drawn normally"
        )
    return blend


def _opacity(state: _Import, path: str, value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return value
    state.skip(path, f"{_shown(value)}: an opacity is a number from 0 to 1; drawn opaque")
    return None


_ENTRY_HANDLERS: dict[str, Callable[[_Import, str, str, Any], None]] = {
    "displayName": _trait_name,
    "trait": _trait_name,
    "blend": _layer_blend,
    "opacity": _layer_opacity,
    "bypassDNA": _bypass_dna,
    "display_type": _display_type,
    "sublayerOptions": _sublayer_options,
}


# ---------------------------------------------------------------------------------------------
# layerConfigurations: names, sets, size


def _apply_configurations(state: _Import, configurations: list[dict[str, Any]]) -> None:
    if state.kind == NFTCHEF:
        _name_tokens(state, configurations[0])
    for index, configuration in enumerate(configurations):
        _configuration_keys(state, index, configuration)
    if len(configurations) > 1:
        _layer_sets(state, configurations)
    size = configurations[-1].get("growEditionSizeTo")
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        state.notices.append(
            f"{LABEL}: layerConfigurations: growEditionSizeTo is {size}: generate with -n {size}"
        )


def _name_tokens(state: _Import, first: dict[str, Any]) -> None:
    """nftchef names tokens "{namePrefix} #{edition} {nameSuffix}" (the prefix optional)."""
    prefix, suffix = first.get("namePrefix"), first.get("nameSuffix")
    template = "{name} #{id}" if isinstance(prefix, str) and prefix else "#{id}"
    if isinstance(prefix, str) and prefix:
        state.metadata["name"] = prefix
    if isinstance(suffix, str) and suffix:
        # resetNameIndex adds the number within the set, which is the id in the first set
        template += " " + _literal(suffix) + (" #{id}" if first.get("resetNameIndex") else "")
    state.metadata["name_template"] = template


def _configuration_keys(state: _Import, index: int, configuration: dict[str, Any]) -> None:
    """Keys of a layer configuration that the sets do not record are listed."""
    path = f"layerConfigurations[{index}]"
    recorded = {"growEditionSizeTo", "layersOrder", "namePrefix"}
    if index == 0 and state.kind == NFTCHEF:
        recorded |= {"nameSuffix", "resetNameIndex"}
    for key, value in configuration.items():
        if key == "descriptionOverwrite" and index == 0 and isinstance(value, str):
            _description_overwrite(state, f"{path}.{key}", value)
        elif key not in recorded:
            state.skip(
                f"{path}.{key}",
                "not translated; a layer set records its name prefix, size and layer order only",
            )


def _description_overwrite(state: _Import, path: str, value: str) -> None:
    if "{name}" in value:
        state.skip(path, "not translated: Genecator's description cannot name the token")
    else:
        state.metadata["description"] = value
        state.covered.add("description")  # the engine ignores the plain description then


def _layer_sets(state: _Import, configurations: list[dict[str, Any]]) -> None:
    """Several configurations are recorded as layer_sets; only the first is drawn."""
    sets = [_layer_set(configurations[0], list(state.config["trait_order"]))]
    for index, configuration in enumerate(configurations[1:], start=1):
        folders = [
            name
            for entry in configuration.get("layersOrder") or []
            if isinstance(entry, dict) and isinstance(name := entry.get("name"), str)
            if name.strip() and "/" not in name and "\\" not in name
        ]
        folders = list(dict.fromkeys(folders))
        order = [state.layer_of_folder.get(nfc(f), parse_layer_folder(nfc(f))[1]) for f in folders]
        sets.append(_layer_set(configuration, order))
        extra = [f for f in folders if nfc(f) not in state.layer_of_folder]
        if extra:
            state.note(
                f"layerConfigurations[{index}]",
                f"drawn only by this set, so not imported: {', '.join(extra)}",
            )
    state.config["layer_sets"] = sets
    state.notices.append(
        f"{LABEL}: layerConfigurations: {len(sets)} sets recorded in layer_sets; this version "
        "renders every token with the first set's layers"
    )


def _layer_set(configuration: dict[str, Any], order: list[str]) -> dict[str, Any]:
    layer_set: dict[str, Any] = {"trait_order": order}
    prefix, size = configuration.get("namePrefix"), configuration.get("growEditionSizeTo")
    if isinstance(prefix, str):
        layer_set["name_prefix"] = prefix
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        layer_set["up_to"] = size
    return layer_set


# ---------------------------------------------------------------------------------------------
# Top-level settings, one handler per key


def _unknown_key(state: _Import, key: str, value: Any) -> None:
    state.skip(key, "not a HashLips or nftchef setting this import knows; not translated")


def _read_by_scan(state: _Import, key: str, value: Any) -> None:
    """rarityDelimiter and emptyLayerName were given to the scan; a bad value is listed."""
    if not isinstance(value, str) or not value:
        default = "#" if key == "rarityDelimiter" else DEFAULT_EMPTY_LAYER_NAME
        state.skip(key, f"{_shown(value)} is not a name; '{default}' is used")
    state.covered.add(key)


def _nothing(state: _Import, key: str, value: Any) -> None:
    """Read elsewhere (layerConfigurations)."""


def _format(state: _Import, key: str, value: Any) -> None:
    """The engines scale every image to format; Genecator draws them at their own size."""
    width, height = (value.get(k) if isinstance(value, dict) else None for k in ("width", "height"))
    size = state.config["image_size"]
    if isinstance(width, int) and isinstance(height, int) and [width, height] != size:
        state.note(
            key,
            f"{width}x{height} differs from the images' {size[0]}x{size[1]}: the engine scales "
            f"every image to it, Genecator does not, so the tokens are {size[0]}x{size[1]}; "
            "resize the art to change it",
        )


def _description(state: _Import, key: str, value: Any) -> None:
    if isinstance(value, str) and key not in state.covered:
        state.metadata["description"] = value
    elif not isinstance(value, str | Unsupported):
        state.skip(key, f"{_shown(value)} is not text; not translated")


def _name_prefix(state: _Import, key: str, value: Any) -> None:
    """HashLips names tokens "{namePrefix} #{edition}"; nftchef reads the sets' prefixes."""
    if state.kind == NFTCHEF:
        state.note(key, "nftchef does not read it (it uses layerConfigurations[].namePrefix)")
    elif isinstance(value, str):
        state.metadata["name"] = value
        state.metadata["name_template"] = "{name} #{id}"
    elif not isinstance(value, Unsupported):
        state.skip(key, f"{_shown(value)} is not text; not translated")


def _base_uri(state: _Import, key: str, value: Any) -> None:
    """The engine's placeholder keeps Genecator's; ipfs://CID becomes ipfs_cid."""
    if not isinstance(value, str):
        if not isinstance(value, Unsupported):
            state.skip(key, f"{_shown(value)} is not a URI; the placeholder CID is kept")
        return
    uri = value.rstrip("/")
    if uri in ("", ENGINE_PLACEHOLDER_URI):
        state.note(
            key,
            "the engine's placeholder; the CID stays a placeholder until you set "
            "ipfs_cid (or run `genecator update-cid` after uploading)",
        )
    elif uri.startswith("ipfs://") and cid_problem(uri.removeprefix("ipfs://")) is None:
        state.config["ipfs_cid"] = uri.removeprefix("ipfs://")
    elif (problem := base_uri_problem(uri)) is None:
        state.config.pop("ipfs_cid", None)
        state.config["base_uri"] = uri
    else:
        state.skip(key, f"'{value}' {problem}; the placeholder CID is kept")


def _base_external_url(state: _Import, key: str, value: Any) -> None:
    """nftchef appends the edition number to it."""
    if isinstance(value, str) and value:
        state.metadata["external_url"] = _literal(value) + "{id}"
    elif not isinstance(value, str | Unsupported):
        state.skip(key, f"{_shown(value)} is not a URL; not translated")


def _background(state: _Import, key: str, value: Any) -> None:
    """A generated colour per token, `brightness` the HSL lightness ("80%")."""
    if not isinstance(value, dict) or not value.get("generate"):
        return
    if value.get("static"):
        colour = _shown(value.get("default"))
        state.skip(
            f"{key}.static",
            f"one fixed colour ({colour}) under every token is not "
            "translated; no background is generated",
        )
        return
    brightness = value.get("brightness", "80%")
    match = (
        re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", brightness)
        if isinstance(brightness, str)
        else None
    )
    lightness = float(match.group(1)) / 100 if match else None
    if lightness is None or lightness > 1:
        state.skip(f"{key}.brightness", f"{_shown(brightness)} is not a percentage; 80% is used")
        lightness = 0.8
    state.config["background"] = {"lightness": lightness}


def _extra_metadata(state: _Import, key: str, value: Any) -> None:
    """Fields merged into every token's metadata; Genecator's own fields win a clash."""
    if not isinstance(value, dict):
        if not isinstance(value, Unsupported):
            state.skip(key, f"{_shown(value)} is not an object; not translated")
        return
    extra = _json_only(state, key, value)
    if extra:
        state.metadata["extra"] = extra
    clashes = sorted(STANDARD_FIELDS & extra.keys())
    if clashes:
        state.note(key, f"{', '.join(clashes)}: Genecator writes these itself; its values win")


def _json_only(state: _Import, path: str, value: Any) -> Any:
    """`value` without its Unsupported parts, each listed."""
    if isinstance(value, Unsupported):
        state.skip(path, f"{value.description}: only running config.js could give it; left out")
        return None
    if isinstance(value, dict):
        kept = {k: _json_only(state, _key_path(path, k), v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if not isinstance(value[k], Unsupported)}
    if isinstance(value, list):
        items = [_json_only(state, f"{path}[{i}]", item) for i, item in enumerate(value)]
        return [
            item
            for item, kept in zip(items, value, strict=True)
            if not isinstance(kept, Unsupported)
        ]
    return value


def _incompatible(state: _Import, key: str, value: Any) -> None:
    """nftchef: once an item is drawn, the items listed for it are not drawn after it."""
    state.covered.add(key)
    if not isinstance(value, dict):
        state.skip(key, f"{_shown(value)} is not an object of item names; not translated")
        return
    for item, others in value.items():
        where = _key_path(key, item)
        drawn = _locate(state, where, item)
        if not isinstance(others, list):
            state.skip(where, f"{_shown(others)} is not a list of item names; not translated")
        elif drawn:
            _incompatible_rules(state, where, drawn, others)


def _incompatible_rules(
    state: _Import, where: str, drawn: dict[str, list[str]], others: list[Any]
) -> None:
    """One rule per pair of the item's layer and a listed item's layer."""
    excluded: dict[tuple[str, str], list[str]] = {}
    for index, other in enumerate(others):
        for then_layer, names in _locate(state, f"{where}[{index}]", other).items():
            for if_layer in drawn:
                if if_layer == then_layer:
                    state.skip(
                        f"{where}[{index}]",
                        f"'{other}' is in '{if_layer}' too; a rule links two layers; "
                        "not translated",
                    )
                else:
                    excluded.setdefault((if_layer, then_layer), []).extend(names)
    order = state.config["trait_order"]
    for (if_layer, then_layer), names in excluded.items():
        state.rules.append(_rule(if_layer, drawn[if_layer], then_layer, names))
        if order.index(then_layer) < order.index(if_layer):
            state.note(
                where,
                f"'{then_layer}' is drawn before '{if_layer}', so nftchef never excluded "
                f"these; Genecator's rule excludes them both ways",
            )


def _locate(state: _Import, where: str, item: Any) -> dict[str, list[str]]:
    """The options, by layer, that an nftchef item name means: an option of that name or
    value, or every option under a sub-folder of that name."""
    if not isinstance(item, str):
        state.skip(where, f"{_shown(item)} is not an item name; not translated")
        return {}
    if state.kind == NFTCHEF and nfc(item) == nfc(_empty_name(state)):
        state.skip(
            where,
            f"'{item}' is the empty-layer name; a rule cannot name an absent layer; not translated",
        )
        return {}
    found: dict[str, list[str]] = {}
    for layer, option in state.options():
        if nfc(item) in _choices(option) or nfc(item) == nfc(option.get("display_name", "")):
            found.setdefault(layer, []).append(option["name"])
    if not found:
        state.skip(
            where,
            f"'{item}': no imported layer has an option or sub-folder of that name; not translated",
        )
    return found


def _rule(if_layer: str, values: list[str], then_layer: str, excluded: list[str]) -> dict[str, Any]:
    return {
        "if": {"trait_type": if_layer, "value": list(dict.fromkeys(values))},
        "then": {"trait_type": then_layer, "excluded_values": list(dict.fromkeys(excluded))},
    }


def _forced_combinations(state: _Import, key: str, value: Any) -> None:
    """One line per forced pair: Genecator cannot force them yet."""
    state.covered.add(key)
    if isinstance(value, dict):
        entries: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list):
        entries = list(enumerate(value))
    else:
        state.skip(key, f"{_shown(value)}: not translated yet (no forced combinations here)")
        return
    for item, required in entries:
        state.untranslated.append(
            f"{LABEL}: {key}: '{item}' → {_shown(required)}: not translated yet (Genecator has "
            "no forced combinations; these items are drawn independently)"
        )


def _trait_value_overrides(state: _Import, key: str, value: Any) -> None:
    """nftchef shows another value for the options of a clean name."""
    state.covered.add(key)
    if not isinstance(value, dict):
        state.skip(key, f"{_shown(value)} is not an object of names; not translated")
        return
    for raw, shown in value.items():
        where = _key_path(key, raw)
        matched = [o for _, o in state.options() if _choices(o)[-1] == nfc(raw)]
        if not isinstance(shown, str) or not shown:
            state.skip(where, f"{_shown(shown)} is not a value to show; not translated")
            continue
        for option in matched:
            option["display_name"] = shown
        if not matched:
            state.note(where, f"no option is named '{raw}'; nothing to override")


def _start_index(state: _Import, key: str, value: Any) -> None:
    if value != 1 and not isinstance(value, Unsupported):
        state.skip(key, f"{_shown(value)}: not translated; Genecator numbers tokens from 1")


def _use_root_trait_type(state: _Import, key: str, value: Any) -> None:
    """false names a nested trait after its weighted sub-folder, which Genecator cannot."""
    renamed = {state.layer_of_folder[nfc(f)] for _, f, e in state.entries if "trait" in e}
    nested = sorted({layer for layer, o in state.options() if len(_choices(o)) > 1} - renamed)
    if value is False and nested:
        state.skip(
            key,
            f"false: not translated; Genecator names the traits of {', '.join(nested)} "
            "after their layer, not after their sub-folders",
        )


def _extra_attributes(state: _Import, key: str, value: Any) -> None:
    """A function run per token; an empty one (nftchef's default) does nothing."""
    state.covered.add(key)
    source = value.source if isinstance(value, Unsupported) else ""
    if re.sub(r"\s+", "", JS_COMMENT.sub("", source)) not in ("()=>[]", "()=>([])"):
        state.skip(
            key,
            "attributes computed per token are not translated; put fixed fields in metadata.extra",
        )


def _network(state: _Import, key: str, value: Any) -> None:
    if not _is_solana(value):
        state.covered.add(key)
        return
    state.skip(
        key,
        "Solana: not translated; Genecator writes OpenSea metadata with ids from 1 "
        "(Solana metadata is for the chain exporters of a later version)",
    )


def _solana_metadata(state: _Import, key: str, value: Any) -> None:
    state.covered.add(key)
    message = (
        "symbol, seller fee and creators are for the chain exporters of a later version; keep them"
    )
    if _is_solana(state.exports.get("network")):
        state.skip(key, f"not translated: {message}")
    else:
        state.note(key, f"unused with network eth; {message}")


def _is_solana(network: Any) -> bool:
    source = network.source if isinstance(network, Unsupported) else str(network)
    return source in ("NETWORK.sol", "sol")


def _flag_untranslated(what: str) -> Handler:
    """A setting that changes the output when on (or true), listed when it is."""

    def handler(state: _Import, key: str, value: Any) -> None:
        state.covered.add(key)
        on = value.get("export", value.get("only")) if isinstance(value, dict) else value
        on = on if key != "shuffleLayerConfigurations" else on and _several_sets(state)
        if on:
            state.skip(key, f"not translated: {what}")

    return handler


def _several_sets(state: _Import) -> bool:
    configurations = state.exports.get("layerConfigurations")
    return isinstance(configurations, list) and len(configurations) > 1


def _tip(message: str, when_on: bool = False) -> Handler:
    """A setting for tools around the engine: a notice says what Genecator offers instead."""

    def handler(state: _Import, key: str, value: Any) -> None:
        state.covered.add(key)
        if value or not when_on:
            state.note(key, message)

    return handler


def _layers_dir(state: _Import, key: str, value: Any) -> None:
    """The import reads PROJECT/layers; say so when config.js points elsewhere."""
    source = value.source if isinstance(value, Unsupported) else str(value)
    state.covered.add(key)
    if not re.search(r"""["'`]/?layers/?["'`]\s*\)?\s*$""", source):
        state.skip(
            key, f"{_shown(value)}: not translated; the layers were read from {state.layers_dir}"
        )


_HANDLERS: dict[str, Handler] = {
    "layerConfigurations": _nothing,
    "rarityDelimiter": _read_by_scan,
    "emptyLayerName": _read_by_scan,
    "format": _format,
    "description": _description,
    "namePrefix": _name_prefix,
    "baseUri": _base_uri,
    "baseExternalUrl": _base_external_url,
    "background": _background,
    "extraMetadata": _extra_metadata,
    "incompatible": _incompatible,
    "forcedCombinations": _forced_combinations,
    "traitValueOverrides": _trait_value_overrides,
    "startIndex": _start_index,
    "useRootTraitType": _use_root_trait_type,
    "extraAttributes": _extra_attributes,
    "network": _network,
    "solanaMetadata": _solana_metadata,
    "gif": _flag_untranslated("the engine's GIF of each token's layers being drawn"),
    "text": _flag_untranslated("text.only draws layer names instead of images"),
    "shuffleLayerConfigurations": _flag_untranslated("the sets' tokens are not shuffled"),
    "outputJPEG": _tip("generate with --format jpg", when_on=True),
    "hashImages": _tip(
        "run `genecator provenance` after generating for each image's hash and the provenance hash",
        when_on=True,
    ),
    "debugLogs": _tip("use --log-level debug", when_on=True),
    "preview": _tip("`genecator preview` (or generate --preview) makes a contact sheet"),
    "preview_gif": _tip("no animated preview is made; `genecator preview` makes a contact sheet"),
    "pixelFormat": _tip("read by the engine's pixelate utility; Genecator has none"),
    "uniqueDnaTorrance": _tip(
        "not needed: Genecator counts the possible tokens before rendering (see --dry-run)"
    ),
    "buildDir": _tip("Genecator writes the collection to --output (default output/)"),
    "layersDir": _layers_dir,
}


# ---------------------------------------------------------------------------------------------
# Checks of the result


def _root_file_notices(state: _Import) -> None:
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


def _weight_source(state: _Import, name: str) -> str | None:
    """Where a root file's weight comes from as the scan reads it; None for NONE files."""
    none_names = frozenset({_empty_name(state)}) if state.kind == NFTCHEF else frozenset()
    try:
        entry = parse_entry_name(
            name, is_file=True, delimiter=_delimiter(state), none_names=none_names
        )
    except EntryNameError:
        return None  # the scan reported it
    return None if entry.is_none else entry.weight_source


def _check_documents(state: _Import) -> None:
    """The import must produce documents Genecator accepts; anything else is a bug here."""
    problems = schema_problems(state.config, "config.schema.json", "imported config")
    problems += schema_problems({"rules": state.rules}, "ruler.schema.json", "imported rules")
    if problems:
        raise ConfigError(*problems)


# ---------------------------------------------------------------------------------------------
# Small helpers


def _choices(option: dict[str, Any]) -> list[str]:
    """The choices that lead to an option ('Shirt/Red'), as nftchef's clean names."""
    return [nfc(choice) for choice in option["name"].split("/")]


def _is_covered(entry: str, covered: set[str]) -> bool:
    """Whether a js_config "path: description" entry lies under an explained path."""
    return any(
        entry.startswith(path) and entry[len(path) : len(path) + 1] in (":", ".", "[")
        for path in covered
    )


def _key_path(path: str, key: str) -> str:
    """A key appended to a path, as js_config writes paths (`a.b`, `a["b c"]`)."""
    if IDENTIFIER.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _literal(text: str) -> str:
    """`text` inside a name template, its braces escaped."""
    return text.replace("{", "{{").replace("}", "}}")


def _shown(value: Any) -> str:
    """A value as config.js wrote it."""
    if isinstance(value, Unsupported):
        return value.source or value.description
    return json.dumps(value, ensure_ascii=False)
