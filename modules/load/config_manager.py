"""Load config.json + ruler.json + trait files into a frozen, validated CollectionSpec."""

import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from string import Formatter
from typing import Any

from modules.constants import (
    DEFAULT_IPFS_CID,
    DEFAULT_NAME_TEMPLATE,
    DEFAULT_OPTION_RARITY,
    MAX_RARITY,
    TRAIT_IMAGE_EXTENSIONS,
)
from modules.errors import ConfigError, TraitFileError
from modules.load.rules import resolve_rules
from modules.load.spec import CollectionSpec, Layer, MetadataSettings, Rule, TraitOption
from modules.load.trait_images import TraitImageInfo, check_trait_image, file_digest, info_warnings
from modules.load.validation import did_you_mean, is_plain_name, nfc, read_json, schema_problems

logger = logging.getLogger(__name__)

EMPTY_RULER: dict[str, Any] = {"rules": []}
# Templates are formatted once per token: a spec like {id:>999999999} would build a
# gigabyte-long name, so widths and precisions are capped.
MAX_TEMPLATE_WIDTH = 64
TEMPLATE_SAMPLES: dict[str, Any] = {"name": "Collection", "id": 1}


@dataclass(frozen=True)
class ConfigManager:
    """Knows where the inputs are; `load()` reports every problem in them at once."""

    config_path: Path
    ruler_path: Path | None
    traits_dir: Path

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
        ruler = read_json(self.ruler_path) if self.ruler_path else EMPTY_RULER
        label, ruler_label = self.config_path.name, self._ruler_label()
        problems = schema_problems(config, "config.schema.json", label)
        problems += schema_problems(ruler, "ruler.schema.json", ruler_label)
        if problems:
            raise ConfigError(*problems)
        reference_problems = layer_name_problems(config, label, self.traits_dir)
        reference_problems += layer_reference_problems(config, label)
        self._check_traits_folder(config["trait_order"], label)
        layers, problems, warnings = self._layers(config)
        problems += reference_problems + metadata_problems(config, label)
        rules: tuple[Rule, ...] = ()
        if not reference_problems:  # rules refer to layers by position: needs a full order
            rules, rule_problems = resolve_rules(ruler["rules"], layers, ruler_label)
            problems += rule_problems
        if problems:
            raise ConfigError(*problems)
        return _spec(config, layers, rules), warnings

    def _ruler_label(self) -> str:
        return self.ruler_path.name if self.ruler_path else "ruler.json"

    def _check_traits_folder(self, order: list[str], label: str) -> None:
        """A wrong -t is one clear line, not one 'layer folder not found' per layer."""
        traits = self.traits_dir
        if not traits.is_dir():
            msg = f"{traits}: traits folder not found; pass -t with the folder of layer folders"
            raise TraitFileError(msg)
        names = [name for name in order if is_plain_name(name)]
        if names and not any(self._layer_folder(name) for name in names):
            msg = (
                f"{traits}: holds none of the layer folders {label} names "
                f"({', '.join(names)}); check -t, or run get_traits.py to make a matching config"
            )
            raise TraitFileError(msg)

    def _layer_folder(self, name: str) -> Path | None:
        """The layer's folder; a name differing only in Unicode normalization matches."""
        folder = self.traits_dir / name
        if folder.is_dir():
            return folder
        wanted = nfc(name)
        return next((p for p in _listing(self.traits_dir) if nfc(p.name) == wanted), None)

    def _layers(self, config: dict[str, Any]) -> tuple[tuple[Layer, ...], list[str], list[str]]:
        """Every layer named in both trait_order and traits, with its files' problems and
        warnings."""
        size = (config["image_size"][0], config["image_size"][1])
        names = [n for n in config["trait_order"] if n in config["traits"] and is_plain_name(n)]
        listed = [(name, *self._options(name, config["traits"][name]["options"])) for name in names]
        checks = _checked_files([file for _, _, found, _ in listed for file in found], size)
        layers, problems, warnings = [], [], []
        for position, (name, options, found, option_problems) in enumerate(listed):
            problems += option_problems
            checked = []
            for option in options:
                if option.file in found:  # else its problem is already reported
                    info, file_problems = checks[option.file]
                    problems += file_problems
                    if info is not None:
                        warnings += info_warnings(option.file, info, bottom=position == 0)
                        option = replace(option, durations=info.durations)
                checked.append(option)
            rarity = config["traits"][name].get("rarity", MAX_RARITY)
            layers.append(Layer(name, tuple(checked), rarity))
        return tuple(layers), problems, warnings

    def _options(
        self, layer: str, entries: list[dict]
    ) -> tuple[list[TraitOption], list[Path], list[str]]:
        """The layer's options (kept even when their file is missing, so rules naming them
        are not reported twice), the files found, and the problems."""
        folder = self._layer_folder(layer) or self.traits_dir / layer
        folder_found = folder.is_dir()
        listing = {_folded(p.name): p for p in _listing(folder)}
        options, found = [], []
        seen: dict[str, int] = {}
        where_layer = f"{self.config_path.name} $.traits.{layer}"
        problems = [] if folder_found else [f"{folder}: layer folder not found ({where_layer})"]
        for index, entry in enumerate(entries):
            where = f"{self.config_path.name}: $.traits.{layer}.options[{index}]"
            name = entry["name"]
            if nfc(name) in seen:
                problems.append(
                    f"{where}.name: duplicate option '{name}' (see options[{seen[nfc(name)]}])"
                )
                continue
            seen[nfc(name)] = index
            path, problem = self._option_file(folder, listing, entry, where)
            if problem and folder_found:
                problems.append(problem)
            elif not problem:
                found.append(path)
            weight = entry.get("rarity", DEFAULT_OPTION_RARITY)
            options.append(TraitOption(name, path, weight, "" if problem else file_digest(path)))
        return options, found, problems

    def _option_file(
        self, folder: Path, listing: dict[str, Path], entry: dict, where: str
    ) -> tuple[Path, str | None]:
        """The option's image: its `file`, else `{name}` + .png/.gif/.webp (case and Unicode
        normalization ignored). With a problem, the path returned is only the expected one."""
        names = (
            [entry["file"]]
            if "file" in entry
            else [entry["name"] + e for e in TRAIT_IMAGE_EXTENSIONS]
        )
        expected = folder / names[0]
        unsafe = [name for name in names if not is_plain_name(name)]
        if unsafe:
            return expected, f"{where}.file: '{unsafe[0]}' must be a file name inside {folder}"
        for name in names:
            path = folder / name if (folder / name).exists() else listing.get(_folded(name))
            if path is None:
                continue
            if not path.is_file():
                return path, (
                    f"{where}.file: {path} is not a regular file (a folder, pipe, device or "
                    "broken link); put the image file there"
                )
            return path, self._outside_traits_problem(path, where)
        hint = did_you_mean(names[0], [path.name for path in listing.values()])
        return expected, f"{where}: no file {' or '.join(names)} in {folder}{hint}"

    def _outside_traits_problem(self, path: Path, where: str) -> str | None:
        if path.resolve().is_relative_to(self.traits_dir.resolve()):
            return None
        return f"{where}.file: {path} links outside {self.traits_dir}; copy the image into it"


def _listing(folder: Path) -> list[Path]:
    """A folder's entries, sorted; none when it is missing or cannot be listed (the missing
    folder or file is reported where it is needed)."""
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _folded(name: str) -> str:
    return nfc(name).lower()


def layer_name_problems(config: dict[str, Any], label: str, traits_dir: Path) -> list[str]:
    """Layer names are folder names: one that is not (`../etc`, `a/b`) could leave traits/."""
    return [
        f"{label}: $.trait_order[{i}]: '{name}' must be the name of a folder inside "
        f"{traits_dir}; rename the layer (no '/', '.', '..' or control characters)"
        for i, name in enumerate(config["trait_order"])
        if not is_plain_name(name)
    ]


def layer_reference_problems(config: dict[str, Any], label: str) -> list[str]:
    """trait_order, traits and priority_traits must name the same layers."""
    order, traits = config["trait_order"], config["traits"]
    problems = [
        f"{label}: $.trait_order[{i}]: layer '{name}' has no entry in $.traits"
        + (did_you_mean(name, traits) or "; add it there or remove it from trait_order")
        for i, name in enumerate(order)
        if name not in traits
    ]
    problems += [
        f"{label}: $.traits.{name}: layer is not in $.trait_order; add it there or remove it"
        for name in traits
        if name not in order
    ]
    problems += [
        f"{label}: $.priority_traits[{i}]: no layer '{name}'" + did_you_mean(name, order)
        for i, name in enumerate(config.get("priority_traits", []))
        if name not in order
    ]
    return problems


def metadata_problems(config: dict[str, Any], label: str) -> list[str]:
    """name_template may use {name} and {id}; external_url only {id}."""
    metadata = config.get("metadata", {})
    fields = (
        ("name_template", metadata.get("name_template", DEFAULT_NAME_TEMPLATE), ("name", "id")),
        ("external_url", metadata.get("external_url"), ("id",)),
    )
    problems = []
    for field, template, allowed in fields:
        reason = template_problem(template, allowed) if template is not None else None
        if reason:
            placeholders = " and ".join(f"{{{name}}}" for name in allowed)
            problems.append(
                f"{label}: $.metadata.{field}: '{template}' is not a valid template ({reason}); "
                f"use {placeholders}"
            )
    return problems


def template_problem(template: str, allowed: tuple[str, ...]) -> str | None:
    """Why `template` cannot be formatted with just the `allowed` placeholders, or None."""
    try:
        parts = [(field, spec or "") for _, field, spec, _ in Formatter().parse(template) if field]
        unknown = [field for field, _ in parts if field not in allowed]
        if unknown:
            return f"unknown placeholder {{{unknown[0]}}}"
        wide = [spec for _, spec in parts if "{" in spec or _widest(spec) > MAX_TEMPLATE_WIDTH]
        if wide:
            return f"format spec '{wide[0]}' is nested or wider than {MAX_TEMPLATE_WIDTH}"
        # Sample values of the real types, so '{name:d}' fails here and not on token 1.
        template.format(**{key: TEMPLATE_SAMPLES[key] for key in allowed})
    except ValueError as exc:
        return str(exc)
    return None


def _widest(spec: str) -> int:
    return max((int(digits) for digits in re.findall(r"\d+", spec)), default=0)


def _spec(
    config: dict[str, Any], layers: tuple[Layer, ...], rules: tuple[Rule, ...]
) -> CollectionSpec:
    order = config["trait_order"]
    meta = config.get("metadata", {})
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
            ipfs_cid=config.get("ipfs_cid", DEFAULT_IPFS_CID),
        ),
    )


def _checked_files(
    files: list[Path], size: tuple[int, int]
) -> dict[Path, tuple[TraitImageInfo | None, list[str]]]:
    """check_trait_image of every file, decoded on every core (Pillow decodes without the
    GIL), one image at a time per thread."""
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        return dict(
            zip(files, pool.map(lambda file: check_trait_image(file, size), files), strict=True)
        )
