"""Load config.json + ruler.json + trait files into a frozen, validated CollectionSpec."""

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from modules.constants import DEFAULT_NAME_TEMPLATE, DEFAULT_TRAITS, MAX_RARITY
from modules.errors import ConfigError, TraitFileError
from modules.load.attribute_display import display_problems
from modules.load.chain_settings import chain_settings
from modules.load.config_checks import base_uri, document_problems, layer_folder_name
from modules.load.identical_art import identical_art_problems, identical_groups
from modules.load.layer_files import LayerFolder, layer_options, listing
from modules.load.layer_set_config import layer_set_problems, layer_sets
from modules.load.one_of_ones import load_one_of_ones
from modules.load.rules import resolve_rules
from modules.load.spec import (
    Background,
    CollectionSpec,
    Layer,
    MetadataSettings,
    OneOfOne,
    Part,
    Rule,
    TraitOption,
)
from modules.load.trait_images import TraitImageInfo, check_trait_image, file_digest, info_warnings
from modules.load.validation import is_plain_name, nfc, read_json, schema_problems

logger = logging.getLogger(__name__)

EMPTY_RULER: dict[str, Any] = {"rules": []}
FileChecks = dict[Path, tuple[TraitImageInfo | None, list[str]]]


@dataclass(frozen=True)
class ConfigManager:
    """Knows where the inputs are; `load()` reports every problem in them at once. Without a
    `traits_dir`, the config's own `traits_dir` (relative to it) is used, else traits/."""

    config_path: Path
    ruler_path: Path | None
    traits_dir: Path | None = None
    start_id: int | None = None  # --start-id, else the config's start_id, else 1

    @cached_property
    def spec(self) -> CollectionSpec:
        """The validated spec, loaded on first use (it decodes every trait file) and kept."""
        return self.load()

    def load(self) -> CollectionSpec:
        """Validate everything and return the spec, or raise ConfigError listing all problems;
        warnings are logged."""
        spec, warnings = self.load_with_warnings()
        for warning in warnings:
            logger.info("%s", warning)
        return spec

    def load_with_warnings(self) -> tuple[CollectionSpec, list[str]]:
        """The spec and the trait-file warnings (see trait_images.info_warnings)."""
        config = read_json(self.config_path)
        if self.start_id is not None:
            config["start_id"] = self.start_id
        ruler = read_json(self.ruler_path) if self.ruler_path else EMPTY_RULER
        label, ruler_label = self.config_path.name, self._ruler_label()
        problems = schema_problems(config, "config.schema.json", label)
        problems += schema_problems(ruler, "ruler.schema.json", ruler_label)
        if problems:
            raise ConfigError(*problems)
        traits = self.traits_folder(config)
        reference_problems = document_problems(config, label, traits)
        _check_traits_folder(config, traits, label)
        layers, problems, warnings = _layers(config, traits, label)
        problems += reference_problems + layer_set_problems(config, label)
        ones, one_problems = self._one_of_ones(config, label)
        problems += one_problems
        chains, chain_problems = chain_settings(config, label, self.config_path.parent)
        problems += chain_problems + display_problems(layers, label)
        rules: tuple[Rule, ...] = ()
        if not reference_problems:  # rules refer to layers by position: needs a full order
            rules, rule_problems = resolve_rules(ruler, layers, ruler_label)
            problems += rule_problems
        if problems:
            raise ConfigError(*problems)
        spec = replace(_spec(config, layers, rules, traits), chains=chains)
        return _with_sets_and_one_of_ones(spec, config, ones), warnings

    def _one_of_ones(
        self, config: dict[str, Any], label: str
    ) -> tuple[tuple[OneOfOne, ...], list[str]]:
        size = (config["image_size"][0], config["image_size"][1])
        return load_one_of_ones(config, self.config_path.parent, size, label)

    def traits_folder(self, config: dict[str, Any]) -> Path:
        """-t, else the config's traits_dir (relative to the config file), else traits/."""
        if self.traits_dir is not None:
            return self.traits_dir
        if "traits_dir" in config:
            return self.config_path.parent / config["traits_dir"]
        return Path(DEFAULT_TRAITS)

    def _ruler_label(self) -> str:
        return self.ruler_path.name if self.ruler_path else "ruler.json"


def _check_traits_folder(config: dict[str, Any], traits: Path, label: str) -> None:
    """A wrong -t is one clear line, not one 'layer folder not found' per layer."""
    if not traits.is_dir():
        msg = f"{traits}: traits folder not found; pass -t with the folder of layer folders"
        raise TraitFileError(msg)
    names = [layer_folder_name(config, name) for name in config["trait_order"]]
    names = [name for name in names if is_plain_name(name)]
    found = {nfc(path.name) for path in listing(traits) if path.is_dir()}
    if names and not any(nfc(name) in found for name in names):
        msg = (
            f"{traits}: holds none of the layer folders {label} names "
            f"({', '.join(names)}); check -t, or run get_traits.py to make a matching config"
        )
        raise TraitFileError(msg)


def _layers(
    config: dict[str, Any], traits: Path, label: str
) -> tuple[tuple[Layer, ...], list[str], list[str]]:
    """Every layer named in both trait_order and traits, with its files' problems and
    warnings."""
    size = (config["image_size"][0], config["image_size"][1])
    names = [n for n in config["trait_order"] if n in config["traits"]]
    names = [n for n in names if is_plain_name(layer_folder_name(config, n))]
    listed = [_listed(config, traits, name, label) for name in names]
    files = dict.fromkeys(file for _, _, found, _ in listed for file in found)
    checks = _checked_files(list(files), size)
    layers: list[Layer] = []
    problems: list[str] = []
    warnings: list[str] = []
    for position, (name, options, _, option_problems) in enumerate(listed):
        problems += option_problems
        checked = tuple(
            replace(option, parts=_checked_parts(option, checks, problems, warnings, position))
            for option in options
        )
        layers.append(_layer(config["traits"][name], name, checked))
    if not config.get("allow_identical_art", False):
        problems += _identical_art(layers, checks, label)
    return tuple(layers), problems, warnings


def _listed(
    config: dict[str, Any], traits: Path, name: str, label: str
) -> tuple[str, list[TraitOption], list[Path], list[str]]:
    document = config["traits"][name]
    folder = LayerFolder.find(traits, layer_folder_name(config, name))
    where = f"{label}: $.traits.{name}"
    options, found, problems = layer_options(folder, document, where)
    if not folder.exists:
        problems.insert(0, f"{folder.path}: layer folder not found ({label} $.traits.{name})")
    return name, options, found, problems


def _checked_parts(
    option: TraitOption,
    checks: FileChecks,
    problems: list[str],
    warnings: list[str],
    position: int,
) -> tuple[Part, ...]:
    """The parts with their digests and frame timing, collecting their files' problems and
    warnings (a file that was not found has its problem reported already)."""
    checked = []
    for part in option.parts:
        if part.file in checks:
            info, file_problems = checks[part.file]
            problems += file_problems
            if info is not None:
                warnings += info_warnings(part.file, info, bottom=position == 0)
                part = replace(part, digest=file_digest(part.file), durations=info.durations)
        checked.append(part)
    return tuple(checked)


def changed_trait_files(spec: CollectionSpec) -> list[Path]:
    """Trait files whose bytes are no longer the ones the spec was loaded from."""
    parts = {
        part.file: part.digest for layer in spec.layers for o in layer.options for part in o.parts
    }
    parts |= {one.image: one.digest for one in spec.one_of_ones}
    return [path for path, digest in parts.items() if file_digest(path) != digest]


def _identical_art(layers: list[Layer], checks: FileChecks, label: str) -> list[str]:
    """Options of one layer whose parts all have the same pixels as another option's."""
    digests: dict[str, dict[str, str]] = {}
    files: dict[str, dict[str, str]] = {}
    for layer in layers:
        for option in layer.options:
            infos = [checks.get(part.file, (None, []))[0] for part in option.parts]
            if all(info is not None for info in infos):
                pixels = [info.pixels for info in infos if info is not None]
                digests.setdefault(layer.name, {})[option.name] = " ".join(pixels)
                files.setdefault(layer.name, {})[option.name] = option.file.name
    return identical_art_problems(identical_groups(digests), label, files)


def _layer(document: dict[str, Any], name: str, options: tuple[TraitOption, ...]) -> Layer:
    presence = document.get("rarity", MAX_RARITY)
    if "presence" in document:  # a probability; Layer.presence counts in fifths
        presence = document["presence"] * MAX_RARITY
    entries = {nfc(entry["name"]): entry for entry in reversed(document["options"])}
    return Layer(
        name,
        tuple(_counted(option, entries[nfc(option.name)]) for option in options),
        presence,
        display_name=document.get("display_name"),
        none_value=document.get("none_value"),
        absent_count=document.get("absent_count"),
        display_type=document.get("display_type"),
        max_value=document.get("max_value"),
    )


def _counted(option: TraitOption, entry: dict[str, Any]) -> TraitOption:
    """The option with its count, max_count and tags from its config entry."""
    tags = tuple(sorted(entry.get("tags", {}).items()))
    return replace(
        option,
        count=entry.get("count"),
        max_count=entry.get("max_count"),
        tags=tags,
        display_type=entry.get("display_type"),
        max_value=entry.get("max_value"),
    )


def _with_sets_and_one_of_ones(
    spec: CollectionSpec, config: dict[str, Any], ones: tuple[OneOfOne, ...]
) -> CollectionSpec:
    if "layer_sets" not in config and not ones:
        return spec
    return replace(
        spec,
        layer_sets=layer_sets(config),
        shuffle_layer_sets=config.get("shuffle_layer_sets", False),
        one_of_ones=ones,
        one_of_ones_in_stats=config.get("one_of_ones", {}).get("in_trait_stats", False),
    )


def _spec(
    config: dict[str, Any], layers: tuple[Layer, ...], rules: tuple[Rule, ...], traits: Path
) -> CollectionSpec:
    order = config["trait_order"]
    meta = config.get("metadata", {})
    background = config.get("background")
    return CollectionSpec(
        layers=layers,
        rules=rules,
        priority_layers=tuple(order.index(name) for name in config.get("priority_traits", [])),
        max_similar=config.get("max_similar_combinations", 1),
        image_size=(config["image_size"][0], config["image_size"][1]),
        metadata=MetadataSettings(
            name=meta.get("name", "Genecator Collection"),
            description=meta.get("description", ""),
            name_template=meta.get("name_template", DEFAULT_NAME_TEMPLATE),
            external_url=meta.get("external_url"),
            base_uri=base_uri(config),
            extra=meta.get("extra", {}),
            extra_attributes=tuple(meta.get("extra_attributes", ())),
            animation_url=meta.get("animation_url", False),
            background_color=meta.get("background_color"),
        ),
        traits_dir=traits,
        background=None if background is None else Background(**background),
        allow_identical_art=config.get("allow_identical_art", False),
        min_trait_difference=config.get("min_trait_difference", 1),
        start_id=config.get("start_id", 1),
        image_hash=config.get("image_hash", False),
    )


def _checked_files(files: list[Path], size: tuple[int, int]) -> FileChecks:
    """check_trait_image of every file, decoded on every core (Pillow decodes without the
    GIL), one image at a time per thread."""
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        return dict(
            zip(files, pool.map(lambda file: check_trait_image(file, size), files), strict=True)
        )
