"""The frozen, validated description of a collection that every later stage reads."""

from dataclasses import dataclass
from pathlib import Path

from modules.constants import MAX_RARITY


@dataclass(frozen=True)
class TraitOption:
    """One trait value: its display name, image file, relative weight (1-5) and the
    SHA-256 of the file as loaded (so a checkpoint can tell when art changed)."""

    name: str
    file: Path
    weight: int
    digest: str = ""
    durations: tuple[int, ...] = (0,)  # ms per frame; one entry for a still image

    @property
    def animated(self) -> bool:
        return len(self.durations) > 1


@dataclass(frozen=True)
class Layer:
    """One trait type. `presence` is the layer rarity (present with chance presence x 20 %)."""

    name: str
    options: tuple[TraitOption, ...]
    presence: int = MAX_RARITY

    @property
    def optional(self) -> bool:
        return self.presence < MAX_RARITY


@dataclass(frozen=True)
class Rule:
    """Options `if_options` of layer `if_layer` never appear with `excluded` of `then_layer`."""

    if_layer: int
    if_options: frozenset[int]
    then_layer: int
    excluded: frozenset[int]


@dataclass(frozen=True)
class MetadataSettings:
    """Collection-level fields of the OpenSea metadata."""

    name: str
    description: str
    name_template: str
    external_url: str | None
    ipfs_cid: str


@dataclass(frozen=True)
class CollectionSpec:
    """Layers in compositing order (bottom first) plus everything that shapes selection."""

    layers: tuple[Layer, ...]
    rules: tuple[Rule, ...]
    priority_layers: tuple[int, ...]
    max_similar: int
    image_size: tuple[int, int]
    metadata: MetadataSettings
