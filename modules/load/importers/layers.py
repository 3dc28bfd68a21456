"""The layers of an import: every layersOrder's folders (the first set's, then the layers
only later sets draw), the first set's entries' settings (trait names, blend, opacity,
nftchef's sub-folder options), and the layerConfigurations (token names, other keys, several
sets as layer_sets, the size).
"""

import re
from collections.abc import Callable
from typing import Any

from modules.errors import ConfigError
from modules.load.importers.state import (
    FIRST_SET,
    LABEL,
    NFTCHEF,
    ImportState,
    as_written,
    key_path,
    option_choices,
    template_literal,
)
from modules.load.js.values import Unsupported
from modules.load.validation import nfc

# Canvas composite operations (the engines' blend modes) that Genecator draws the same way.
BLENDS = {
    "source-over": "normal",
    **{mode: mode for mode in ("multiply", "screen", "overlay", "darken", "lighten")},
    **{mode: mode for mode in ("difference", "soft-light", "hard-light")},
}
MODE_CONSTANT = re.compile(r"MODE\.([A-Za-z]+)")  # constants/blend_mode.js: MODE.colorBurn


# ---------------------------------------------------------------------------------------------
# The layersOrders: their layer folders, once each


def layer_folders(state: ImportState, configuration: dict[str, Any]) -> list[str]:
    """The layer folders of the first layersOrder, once each, in order, then those only later
    sets draw; the first set's unusable entries are listed as untranslated."""
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
    configurations = state.exports.get("layerConfigurations")
    for later in configurations[1:] if isinstance(configurations, list) else []:
        folders += [name for name in _set_folders(later) if name not in folders]
    return folders


def _set_folders(configuration: Any) -> list[str]:
    """The usable layer folder names of a later set's layersOrder, once each."""
    entries = configuration.get("layersOrder") if isinstance(configuration, dict) else None
    folders = [
        name
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and isinstance(name := entry.get("name"), str)
        if name.strip() and "/" not in name and "\\" not in name
    ]
    return list(dict.fromkeys(folders))


# ---------------------------------------------------------------------------------------------
# layersOrder entries: trait names, blend, opacity, nftchef's sub-folder options


def apply_layer_entries(state: ImportState) -> None:
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


def _entry_setting(state: ImportState, layer: str, path: str, key: str, value: Any) -> None:
    handler = _ENTRY_HANDLERS.get(key)
    if handler is None:
        state.skip(path, "not a layer option HashLips or nftchef reads; not translated")
    else:
        handler(state, layer, path, value)


def _trait_name(state: ImportState, layer: str, path: str, value: Any) -> None:
    if isinstance(value, str) and value.strip():
        state.traits[layer]["display_name"] = value
        state.covered.add(path)
    else:
        state.skip(path, f"{as_written(value)} is not a trait name; the layer keeps its own")


def _layer_blend(state: ImportState, layer: str, path: str, value: Any) -> None:
    blend = _blend(state, path, value)
    if blend is not None and blend != "normal":
        state.traits[layer]["blend"] = blend


def _layer_opacity(state: ImportState, layer: str, path: str, value: Any) -> None:
    opacity = _opacity(state, path, value)
    if opacity is not None and opacity != 1:
        state.traits[layer]["opacity"] = opacity


def _bypass_dna(state: ImportState, layer: str, path: str, value: Any) -> None:
    if value:
        state.skip(
            path,
            f"not translated: Genecator's uniqueness counts every layer, so tokens that differ "
            f"only in '{layer}' are distinct",
        )


def _display_type(state: ImportState, layer: str, path: str, value: Any) -> None:
    state.skip(path, f"{as_written(value)}: not translated; Genecator writes no display_type")


def _sublayer_options(state: ImportState, layer: str, path: str, value: Any) -> None:
    """nftchef's settings for a sub-folder apply to every option drawn through it."""
    if not isinstance(value, dict):
        state.skip(path, "not an object of sub-folder settings; not translated")
        return
    for folder, settings in value.items():
        where = key_path(path, folder)
        matched = [o for o in state.traits[layer]["options"] if nfc(folder) in option_choices(o)]
        if not matched or not isinstance(settings, dict):
            state.skip(
                where, f"layer '{layer}' has no weighted sub-folder '{folder}' to apply it to"
            )
            continue
        for key, setting in settings.items():
            _sublayer_setting(state, matched, key_path(where, key), key, setting)


def _sublayer_setting(
    state: ImportState, options: list[dict[str, Any]], path: str, key: str, value: Any
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


def _blend(state: ImportState, path: str, value: Any) -> str | None:
    """Genecator's blend for an engine's blend (MODE.x or a canvas operation), else a line."""
    operation = value if isinstance(value, str) else None
    if isinstance(value, Unsupported) and (match := MODE_CONSTANT.fullmatch(value.source)):
        operation = re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), match.group(1))
    blend = BLENDS.get(operation or "")
    state.covered.add(path)
    if blend is None:
        choices = ", ".join(sorted(set(BLENDS.values())))
        state.skip(
            path, f"{as_written(value)}: no Genecator blend draws it ({choices}); drawn normally"
        )
    return blend


def _opacity(state: ImportState, path: str, value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return value
    state.skip(path, f"{as_written(value)}: an opacity is a number from 0 to 1; drawn opaque")
    return None


_ENTRY_HANDLERS: dict[str, Callable[[ImportState, str, str, Any], None]] = {
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


def apply_configurations(state: ImportState, configurations: list[dict[str, Any]]) -> None:
    if state.kind == NFTCHEF:
        _name_tokens(state, configurations)
    for index, configuration in enumerate(configurations):
        _configuration_keys(state, index, configuration)
    if len(configurations) > 1:
        _layer_sets(state, configurations)
    size = configurations[-1].get("growEditionSizeTo")
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        state.notices.append(
            f"{LABEL}: layerConfigurations: growEditionSizeTo is {size}: generate with -n {size}"
        )


def _name_tokens(state: ImportState, configurations: list[dict[str, Any]]) -> None:
    """nftchef names tokens "{namePrefix} #{edition} {nameSuffix}" (the prefix optional; a
    later set's prefix is its layer set's name_prefix, which takes the place of {name})."""
    first = configurations[0]
    prefix, suffix = first.get("namePrefix"), first.get("nameSuffix")
    prefixes = [c.get("namePrefix") for c in configurations]
    named = any(isinstance(later, str) and later for later in prefixes)
    template = "{name} #{id}" if named else "#{id}"
    if isinstance(prefix, str) and prefix:
        state.metadata["name"] = prefix
    if isinstance(suffix, str) and suffix:
        # resetNameIndex adds the number within the set, which is the id in the first set
        template += (
            " " + template_literal(suffix) + (" #{id}" if first.get("resetNameIndex") else "")
        )
    state.metadata["name_template"] = template


def _configuration_keys(state: ImportState, index: int, configuration: dict[str, Any]) -> None:
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


def _description_overwrite(state: ImportState, path: str, value: str) -> None:
    if "{name}" in value:
        state.skip(path, "not translated: Genecator's description cannot name the token")
    else:
        state.metadata["description"] = value
        state.covered.add("description")  # the engine ignores the plain description then


def _layer_sets(state: ImportState, configurations: list[dict[str, Any]]) -> None:
    """Several configurations become layer_sets, each drawing its own layersOrder's layers
    (all of them imported into traits; trait_order lists them all)."""
    sets = []
    for index, configuration in enumerate(configurations):
        folders = _set_folders(configuration)
        order = [state.layer_of_folder[nfc(f)] for f in folders if nfc(f) in state.layer_of_folder]
        if len(order) < len(folders):  # the scan listed why (a missing or unusable folder)
            missing = [f for f in folders if nfc(f) not in state.layer_of_folder]
            state.note(
                f"layerConfigurations[{index}]",
                f"these layers were not imported, so the set draws without them: "
                f"{', '.join(missing)}",
            )
        sets.append(_layer_set(configuration, order))
    state.config["layer_sets"] = sets


def _layer_set(configuration: dict[str, Any], order: list[str]) -> dict[str, Any]:
    layer_set: dict[str, Any] = {"trait_order": order}
    prefix, size = configuration.get("namePrefix"), configuration.get("growEditionSizeTo")
    if isinstance(prefix, str):
        layer_set["name_prefix"] = prefix
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        layer_set["up_to"] = size
    return layer_set
