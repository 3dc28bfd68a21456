"""Load config.json + ruler.json + trait files into a frozen, validated CollectionSpec."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.constants import (
    DEFAULT_IPFS_CID,
    DEFAULT_NAME_TEMPLATE,
    DEFAULT_OPTION_RARITY,
    MAX_RARITY,
    TRAIT_IMAGE_EXTENSIONS,
)
from modules.errors import ConfigError
from modules.rules import resolve_rules
from modules.spec import CollectionSpec, Layer, MetadataSettings, TraitOption
from modules.trait_images import trait_image_problems
from modules.validation import did_you_mean, read_json, schema_problems

EMPTY_RULER: dict[str, Any] = {"rules": []}


@dataclass(frozen=True)
class ConfigManager:
    """Knows where the inputs are; `load()` reports every problem in them at once."""

    config_path: Path
    ruler_path: Path | None
    traits_dir: Path

    def load(self) -> CollectionSpec:
        """Validate everything and return the spec, or raise ConfigError listing all problems."""
        config = read_json(self.config_path)
        ruler = read_json(self.ruler_path) if self.ruler_path else EMPTY_RULER
        label, ruler_label = self.config_path.name, self._ruler_label()
        problems = schema_problems(config, "config.schema.json", label)
        problems += schema_problems(ruler, "ruler.schema.json", ruler_label)
        if problems:
            raise ConfigError(*problems)
        problems = layer_reference_problems(config, label)
        if problems:
            raise ConfigError(*problems)
        layers, problems = self._layers(config)
        rules, rule_problems = resolve_rules(ruler["rules"], layers, ruler_label)
        problems += rule_problems + metadata_problems(config, label)
        if problems:
            raise ConfigError(*problems)
        return _spec(config, layers, rules)

    def _ruler_label(self) -> str:
        return self.ruler_path.name if self.ruler_path else "ruler.json"

    def _layers(self, config: dict[str, Any]) -> tuple[tuple[Layer, ...], list[str]]:
        size = tuple(config["image_size"])
        layers, problems = [], []
        for name in config["trait_order"]:
            entry = config["traits"][name]
            options, option_problems = self._options(name, entry["options"])
            problems += option_problems
            problems += [p for o in options for p in trait_image_problems(o.file, size)]
            layers.append(Layer(name, tuple(options), entry.get("rarity", MAX_RARITY)))
        return tuple(layers), problems

    def _options(self, layer: str, entries: list[dict]) -> tuple[list[TraitOption], list[str]]:
        folder = self.traits_dir / layer
        if not folder.is_dir():
            return [], [f"{folder}: layer folder not found (config.json $.traits.{layer})"]
        listing = {path.name.lower(): path for path in sorted(folder.iterdir())}
        options, problems, seen = [], [], {}
        for index, entry in enumerate(entries):
            where = f"{self.config_path.name}: $.traits.{layer}.options[{index}]"
            name = entry["name"]
            if name in seen:
                problems.append(
                    f"{where}.name: duplicate option '{name}' (see options[{seen[name]}])"
                )
                continue
            seen[name] = index
            path, problem = self._option_file(folder, listing, entry, where)
            if problem:
                problems.append(problem)
            else:
                options.append(TraitOption(name, path, entry.get("rarity", DEFAULT_OPTION_RARITY)))
        return options, problems

    def _option_file(
        self, folder: Path, listing: dict[str, Path], entry: dict, where: str
    ) -> tuple[Path, str | None]:
        """The option's image: its `file`, else `{name}.png`/`.gif` (extension case ignored)."""
        names = (
            [entry["file"]]
            if "file" in entry
            else [entry["name"] + e for e in TRAIT_IMAGE_EXTENSIONS]
        )
        unsafe = [n for n in names if Path(n).is_absolute() or ".." in Path(n).parts]
        if unsafe:
            return folder, f"{where}.file: '{unsafe[0]}' must be a file name inside {folder}"
        for name in names:
            path = folder / name if (folder / name).is_file() else listing.get(name.lower())
            if path is not None and path.is_file():
                return path, self._outside_traits_problem(path, where)
        hint = did_you_mean(names[0], [path.name for path in listing.values()])
        return folder, f"{where}: no file {' or '.join(names)} in {folder}{hint}"

    def _outside_traits_problem(self, path: Path, where: str) -> str | None:
        if path.resolve().is_relative_to(self.traits_dir.resolve()):
            return None
        return f"{where}.file: {path} links outside {self.traits_dir}; copy the image into it"


def layer_reference_problems(config: dict[str, Any], label: str) -> list[str]:
    """trait_order, traits and priority_traits must name the same layers."""
    order, traits = config["trait_order"], config["traits"]
    problems = [
        f"{label}: $.trait_order[{i}]: layer '{name}' has no entry in $.traits"
        + did_you_mean(name, traits)
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
    """The name template may only use the {name} and {id} placeholders."""
    template = config.get("metadata", {}).get("name_template", DEFAULT_NAME_TEMPLATE)
    try:
        template.format(name="", id=1)
    except (KeyError, IndexError, ValueError) as exc:
        return [
            f"{label}: $.metadata.name_template: '{template}' is not a valid template ({exc!r}); "
            "use {name} and {id}, e.g. '{name} #{id}'"
        ]
    return []


def _spec(config: dict[str, Any], layers: tuple[Layer, ...], rules: tuple) -> CollectionSpec:
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
