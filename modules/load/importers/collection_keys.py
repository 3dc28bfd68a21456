"""The top-level keys of config.js, one handler per key (KEY_HANDLERS): the collection's format,
description, names, URIs, background and extra metadata, nftchef's token settings, the
network, and the flags and tips for settings Genecator does not translate.
"""

import re
from typing import Any

from modules.load.importers.rules import forced_combinations, incompatible, trait_value_overrides
from modules.load.importers.state import (
    DEFAULT_EMPTY_LAYER_NAME,
    NFTCHEF,
    Handler,
    ImportState,
    as_written,
    key_path,
    option_choices,
    template_literal,
)
from modules.load.ipfs_uri import base_uri_problem, cid_problem
from modules.load.js.values import Unsupported
from modules.load.validation import nfc

ENGINE_PLACEHOLDER_URI = "ipfs://NewUriToReplace"  # what both engines ship as baseUri
JS_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
STANDARD_FIELDS = frozenset({"name", "description", "image", "attributes", "external_url"})


def unknown_key(state: ImportState, key: str, value: Any) -> None:
    state.skip(key, "not a HashLips or nftchef setting this import knows; not translated")


def _read_by_scan(state: ImportState, key: str, value: Any) -> None:
    """rarityDelimiter and emptyLayerName were given to the scan; a bad value is listed."""
    if not isinstance(value, str) or not value:
        default = "#" if key == "rarityDelimiter" else DEFAULT_EMPTY_LAYER_NAME
        state.skip(key, f"{as_written(value)} is not a name; '{default}' is used")
    state.covered.add(key)


def _nothing(state: ImportState, key: str, value: Any) -> None:
    """Read elsewhere (layerConfigurations)."""


def _format(state: ImportState, key: str, value: Any) -> None:
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


def _description(state: ImportState, key: str, value: Any) -> None:
    if isinstance(value, str) and key not in state.covered:
        state.metadata["description"] = value
    elif not isinstance(value, str | Unsupported):
        state.skip(key, f"{as_written(value)} is not text; not translated")


def _name_prefix(state: ImportState, key: str, value: Any) -> None:
    """HashLips names tokens "{namePrefix} #{edition}"; nftchef reads the sets' prefixes."""
    if state.kind == NFTCHEF:
        state.note(key, "nftchef does not read it (it uses layerConfigurations[].namePrefix)")
    elif isinstance(value, str):
        state.metadata["name"] = value
        state.metadata["name_template"] = "{name} #{id}"
    elif not isinstance(value, Unsupported):
        state.skip(key, f"{as_written(value)} is not text; not translated")


def _base_uri(state: ImportState, key: str, value: Any) -> None:
    """The engine's placeholder keeps Genecator's; ipfs://CID becomes ipfs_cid."""
    if not isinstance(value, str):
        if not isinstance(value, Unsupported):
            state.skip(key, f"{as_written(value)} is not a URI; the placeholder CID is kept")
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


def _base_external_url(state: ImportState, key: str, value: Any) -> None:
    """nftchef appends the edition number to it."""
    if isinstance(value, str) and value:
        state.metadata["external_url"] = template_literal(value) + "{id}"
    elif not isinstance(value, str | Unsupported):
        state.skip(key, f"{as_written(value)} is not a URL; not translated")


def _background(state: ImportState, key: str, value: Any) -> None:
    """A generated colour per token, `brightness` the HSL lightness ("80%")."""
    if not isinstance(value, dict) or not value.get("generate"):
        return
    if value.get("static"):
        colour = as_written(value.get("default"))
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
        state.skip(
            f"{key}.brightness", f"{as_written(brightness)} is not a percentage; 80% is used"
        )
        lightness = 0.8
    state.config["background"] = {"lightness": lightness}


def _extra_metadata(state: ImportState, key: str, value: Any) -> None:
    """Fields merged into every token's metadata; Genecator's own fields win a clash."""
    if not isinstance(value, dict):
        if not isinstance(value, Unsupported):
            state.skip(key, f"{as_written(value)} is not an object; not translated")
        return
    extra = _json_only(state, key, value)
    if extra:
        state.metadata["extra"] = extra
    clashes = sorted(STANDARD_FIELDS & extra.keys())
    if clashes:
        state.note(key, f"{', '.join(clashes)}: Genecator writes these itself; its values win")


def _json_only(state: ImportState, path: str, value: Any) -> Any:
    """`value` without its Unsupported parts, each listed."""
    if isinstance(value, Unsupported):
        state.skip(path, f"{value.description}: only running config.js could give it; left out")
        return None
    if isinstance(value, dict):
        kept = {k: _json_only(state, key_path(path, k), v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if not isinstance(value[k], Unsupported)}
    if isinstance(value, list):
        items = [_json_only(state, f"{path}[{i}]", item) for i, item in enumerate(value)]
        return [
            item
            for item, kept in zip(items, value, strict=True)
            if not isinstance(kept, Unsupported)
        ]
    return value


def _start_index(state: ImportState, key: str, value: Any) -> None:
    if value != 1 and not isinstance(value, Unsupported):
        state.skip(key, f"{as_written(value)}: not translated; Genecator numbers tokens from 1")


def _use_root_trait_type(state: ImportState, key: str, value: Any) -> None:
    """false names a nested trait after its weighted sub-folder, which Genecator cannot."""
    renamed = {state.layer_of_folder[nfc(f)] for _, f, e in state.entries if "trait" in e}
    nested = sorted({layer for layer, o in state.options() if len(option_choices(o)) > 1} - renamed)
    if value is False and nested:
        state.skip(
            key,
            f"false: not translated; Genecator names the traits of {', '.join(nested)} "
            "after their layer, not after their sub-folders",
        )


def _extra_attributes(state: ImportState, key: str, value: Any) -> None:
    """A function run per token; an empty one (nftchef's default) does nothing."""
    state.covered.add(key)
    source = value.source if isinstance(value, Unsupported) else ""
    if re.sub(r"\s+", "", JS_COMMENT.sub("", source)) not in ("()=>[]", "()=>([])"):
        state.skip(
            key,
            "attributes computed per token are not translated; put fixed fields in metadata.extra",
        )


def _network(state: ImportState, key: str, value: Any) -> None:
    if not _is_solana(value):
        state.covered.add(key)
        return
    state.skip(
        key,
        "Solana: not translated; Genecator writes OpenSea metadata with ids from 1 "
        "(Solana metadata is for the chain exporters of a later version)",
    )


def _solana_metadata(state: ImportState, key: str, value: Any) -> None:
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

    def handler(state: ImportState, key: str, value: Any) -> None:
        state.covered.add(key)
        on = value.get("export", value.get("only")) if isinstance(value, dict) else value
        on = on if key != "shuffleLayerConfigurations" else on and _several_sets(state)
        if on:
            state.skip(key, f"not translated: {what}")

    return handler


def _several_sets(state: ImportState) -> bool:
    configurations = state.exports.get("layerConfigurations")
    return isinstance(configurations, list) and len(configurations) > 1


def _tip(message: str, when_on: bool = False) -> Handler:
    """A setting for tools around the engine: a notice says what Genecator offers instead."""

    def handler(state: ImportState, key: str, value: Any) -> None:
        state.covered.add(key)
        if value or not when_on:
            state.note(key, message)

    return handler


def _layers_dir(state: ImportState, key: str, value: Any) -> None:
    """The import reads PROJECT/layers; say so when config.js points elsewhere."""
    source = value.source if isinstance(value, Unsupported) else str(value)
    state.covered.add(key)
    if not re.search(r"""["'`]/?layers/?["'`]\s*\)?\s*$""", source):
        state.skip(
            key,
            f"{as_written(value)}: not translated; the layers were read from {state.layers_dir}",
        )


KEY_HANDLERS: dict[str, Handler] = {
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
    "incompatible": incompatible,
    "forcedCombinations": forced_combinations,
    "traitValueOverrides": trait_value_overrides,
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
