"""The frozen, validated description of a collection that every later stage reads."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from modules.constants import MAX_RARITY
from modules.load.chain_settings import ChainSettings

ABSENT = -1  # the "value" of an optional layer left out of a token, in combos and rules

# How a part is drawn onto what lies below it (the W3C compositing blend modes by name).
BlendMode = Literal[
    "normal",
    "multiply",
    "screen",
    "overlay",
    "darken",
    "lighten",
    "difference",
    "soft-light",
    "hard-light",
]


@dataclass(frozen=True)
class Part:
    """One image of a trait: its file, the file's SHA-256 as loaded (so a checkpoint can tell
    when art changed), frame durations, and how it is stacked and drawn. Parts of a token are
    drawn by `z` (0 unless set), ties in trait order."""

    file: Path
    digest: str = ""
    durations: tuple[int, ...] = (0,)  # ms per frame; one entry for a still image
    z: int = 0
    blend: BlendMode = "normal"
    opacity: float = 1.0

    @property
    def animated(self) -> bool:
        return len(self.durations) > 1

    @property
    def plain(self) -> bool:
        """Drawn by plain alpha compositing (the fast, bit-exact path)."""
        return self.blend == "normal" and self.opacity == 1.0


@dataclass(frozen=True)
class TraitOption:
    """One trait value: its name (what rules use), the parts drawn together (one for most
    traits), its relative weight and the value metadata shows."""

    name: str
    parts: tuple[Part, ...]
    weight: float
    display_name: str | None = None
    count: int | None = None  # exactly this many tokens carry the option
    max_count: int | None = None  # at most this many tokens carry it
    tags: tuple[tuple[str, str], ...] = ()  # sorted (category, value) pairs, for group rules
    display_type: str | None = None  # OpenSea numeric trait ("number", "boost_number", …)
    max_value: float | None = None

    @property
    def file(self) -> Path:
        """The first part's file: the one rules and messages name."""
        return self.parts[0].file

    @property
    def animated(self) -> bool:
        return any(part.animated for part in self.parts)

    @property
    def label(self) -> str:
        return self.display_name or self.name


@dataclass(frozen=True)
class Layer:
    """One trait type. `presence` is its chance of being present in fifths: a layer rarity r
    is r, a `presence` p is 5p (so old configs draw exactly as before); 5 = always."""

    name: str
    options: tuple[TraitOption, ...]
    presence: float = MAX_RARITY
    display_name: str | None = None
    none_value: str | None = None  # the value metadata shows when the layer is absent
    absent_count: int | None = None  # exactly this many tokens lack the layer
    display_type: str | None = None  # its options' values are numbers shown this way
    max_value: float | None = None

    @property
    def optional(self) -> bool:
        return self.presence < MAX_RARITY

    @property
    def label(self) -> str:
        return self.display_name or self.name


@dataclass(frozen=True)
class Rule:
    """Options `if_options` of layer `if_layer` never appear with `excluded` of `then_layer`;
    either set may hold ABSENT. `source` names where it came from, for messages (two rules
    that forbid the same pairs are equal wherever they came from)."""

    if_layer: int
    if_options: frozenset[int]
    then_layer: int
    excluded: frozenset[int]
    source: str = field(default="", compare=False)


@dataclass(frozen=True)
class Background:
    """A generated background under the art: a colour per token from the seed and its id,
    `lightness` as in HSL (full saturation), recorded as background_color when asked."""

    lightness: float = 0.8
    in_metadata: bool = False


@dataclass(frozen=True)
class MetadataSettings:
    """Collection-level fields of the token metadata."""

    name: str
    description: str
    name_template: str
    external_url: str | None
    base_uri: str  # image URIs are base_uri + file name
    extra: dict[str, Any] = field(default_factory=dict)  # merged into every token
    extra_attributes: tuple[dict[str, Any], ...] = ()  # appended to every token's attributes
    animation_url: bool = False  # animated tokens name their animation in animation_url
    background_color: str | None = None  # every token's, unless a generated background's


@dataclass(frozen=True)
class LayerSet:
    """Token ids after the previous set's, up to `up_to` (the rest when None), draw and
    composite only the layers `order` (indices into CollectionSpec.layers, bottom first);
    `name_prefix` replaces the collection name in their metadata names."""

    order: tuple[int, ...]
    up_to: int | None = None
    name_prefix: str | None = None


@dataclass(frozen=True)
class OneOfOne:
    """A hand-made token (nftchef's ultraRares/: images/N.png + json/N.json): its file number,
    image (with its SHA-256), the json's attributes, name and description, and the token id it
    is pinned to (None: placed from the seed)."""

    number: int
    image: Path
    digest: str
    attributes: tuple[dict[str, Any], ...]
    name: str | None = None
    description: str | None = None
    token_id: int | None = None


@dataclass(frozen=True)
class CollectionSpec:
    """Layers in compositing order (bottom first) plus everything that shapes selection."""

    layers: tuple[Layer, ...]
    rules: tuple[Rule, ...]
    priority_layers: tuple[int, ...]
    max_similar: int
    image_size: tuple[int, int]
    metadata: MetadataSettings
    traits_dir: Path = Path("traits")
    background: Background | None = None
    allow_identical_art: bool = False  # identical-looking options and tokens are intended
    min_trait_difference: int = 1  # any two tokens differ in at least this many layers
    layer_sets: tuple[LayerSet, ...] = ()  # empty: every token draws every layer
    shuffle_layer_sets: bool = False  # ids take their set in a seeded order
    one_of_ones: tuple[OneOfOne, ...] = ()  # in file-number order
    one_of_ones_in_stats: bool = False  # count their traits in the per-trait statistics
    chains: ChainSettings = field(default_factory=ChainSettings)  # exported formats
    start_id: int = 1  # the first public token id (plan indices stay 1..N): token_id()
    image_hash: bool = False  # each token's metadata has its image's Keccak-256 (imageHash)
