"""OpenSea token metadata and the collection files: combined metadata, stats, rarity report."""

import copy
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from modules.atomic_io import (
    atomic_write,
    atomic_write_bytes,
    atomic_write_json,
    write_json_array,
)
from modules.constants import (
    ABSENT_LABEL,
    COLLECTION_STATS,
    COMBINED_METADATA,
    IMAGE_DIR,
    MAX_RARITY,
    RARITY_REPORT,
)
from modules.load.attribute_display import attribute
from modules.load.spec import CollectionSpec, Layer
from modules.plan.backgrounds import background_colour, hex_colour
from modules.plan.distribution import Cell
from modules.plan.layout import TokenLayout
from modules.plan.one_of_ones import attribute_combo, marker_index
from modules.plan.selection import ABSENT, Combo
from modules.plan.trait_tracker import value_counts
from modules.publish.csv_files import csv_bytes
from modules.publish.one_of_one_metadata import one_of_one_document
from modules.publish.opensea_extras import with_extras
from modules.publish.token_ids import token_id
from modules.render.image_hash import file_keccak256, with_image_hash
from modules.settings import EncodeOptions


@dataclass(frozen=True)
class ShareRow:
    """One trait value's configured share (from the sampler's weights) and achieved share."""

    trait_type: str
    value: str
    configured_percent: float
    count: int
    achieved_percent: float
    absent: bool = False  # the row of an optional layer's absence, not of an option


RARITY_COLUMNS = ("trait_type", "value", "configured_percent", "achieved_percent", "count")


class MetadataManager:
    """Builds each token's metadata from its combination; writes the collection files."""

    def __init__(
        self, spec: CollectionSpec, options: EncodeOptions, layout: TokenLayout | None = None
    ) -> None:
        self.spec = spec
        self.options = options
        self.layout = layout or TokenLayout()

    def with_layout(self, layout: TokenLayout) -> "MetadataManager":
        """This manager (a copy, of the same class) for a plan whose ids have layer sets or
        1-of-1s (`layout`)."""
        if layout == self.layout:
            return self
        bound = copy.copy(self)
        bound.layout = layout
        return bound

    @cached_property
    def _animated_options(self) -> tuple[tuple[int, frozenset[int]], ...]:
        """The layers with animated options, and which: a still collection has none to test."""
        layers = (
            (index, frozenset(i for i, option in enumerate(layer.options) if option.animated))
            for index, layer in enumerate(self.spec.layers)
        )
        return tuple((index, options) for index, options in layers if options)

    @cached_property
    def _attributes(self) -> tuple[tuple[dict[str, Any], ...], ...]:
        """Per layer, each option's attribute, built once for every token's metadata."""
        return tuple(
            tuple(attribute(layer, option) for option in layer.options)
            for layer in self.spec.layers
        )

    def is_animated(self, combo: Combo) -> bool:
        # a 1-of-1 (a marker combination: every value below ABSENT) is a still image
        return any(combo[index] in options for index, options in self._animated_options)

    def public_id(self, index: int) -> int:
        """The public token id of plan index `index` (1..N): what names its files."""
        return token_id(self.spec.start_id, index)

    def image_file(self, index: int, combo: Combo) -> str:
        """The token's image file name: still and animated tokens have their own format."""
        return f"{self.public_id(index)}.{self.options.extension(self.is_animated(combo))}"

    def metadata_file(self, index: int) -> str:
        """The token's metadata file name in metadata/."""
        return f"{self.public_id(index)}.json"

    def token_metadata(self, index: int, combo: Combo, seed: int) -> dict[str, Any]:
        """OpenSea metadata of plan index `index`: the config's extra fields, then name,
        description, image URI and attributes in trait order (`seed` picks a generated
        background's colour, by index, so the image does not depend on the start id)."""
        settings = self.spec.metadata
        public = self.public_id(index)
        image = settings.base_uri + self.image_file(index, combo)
        one = marker_index(combo)
        if one is not None:
            return one_of_one_document(settings, self.spec.one_of_ones[one], public, image)
        name = self.layout.name_prefix(self.spec, index) or settings.name
        document: dict[str, Any] = {
            **settings.extra,
            "name": settings.name_template.format(name=name, id=public),
            "description": settings.description,
            "image": image,
            "attributes": self.attributes(combo, self.layout.order(self.spec, index)),
        }
        if settings.external_url:
            document["external_url"] = settings.external_url.format(id=public)
        background = self.spec.background
        if background is not None and background.in_metadata:
            document["background_color"] = hex_colour(background_colour(background, seed, index))
        return with_extras(document, settings, self.is_animated(combo))

    def attributes(self, combo: Combo, order: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """trait_type and value of each layer in trait order (or the layers `order` lists, a
        layer set's); an absent layer is left out, or shown as its none_value."""
        attributes = []
        layers = self.spec.layers
        order = range(len(layers)) if order is None else order
        for index in order:
            layer, value = layers[index], combo[index]
            if value != ABSENT:
                attributes.append(dict(self._attributes[index][value]))  # a copy each token
            elif layer.none_value is not None:
                attributes.append({"trait_type": layer.label, "value": layer.none_value})
        return attributes

    def share_rows(self, combos: Sequence[Combo]) -> list[ShareRow]:
        """Configured vs achieved share of every value, absent layers included."""
        rows = []
        combos, in_sets = self._counted(combos)
        total = max(len(combos), 1)
        layer_counts = value_counts(combos, len(self.spec.layers))
        for index, layer in enumerate(self.spec.layers):
            counts = layer_counts[index]
            present = layer.presence / MAX_RARITY * in_sets[index]
            weight_sum = sum(option.weight for option in layer.options)
            values = [
                (o.label, present * o.weight / weight_sum, i) for i, o in enumerate(layer.options)
            ]
            if layer.optional or in_sets[index] < 1:
                values.append((absence_label(layer), 1 - present, ABSENT))
            values = counted_shares(layer, values, total)
            rows += [
                ShareRow(
                    layer.label,
                    name,
                    100 * share,
                    counts[key],
                    100 * counts[key] / total,
                    absent=key == ABSENT,
                )
                for name, share, key in values
            ]
        return rows

    def _counted(self, combos: Sequence[Combo]) -> tuple[Sequence[Combo], list[float]]:
        """The combinations per-trait statistics count (1-of-1s only with in_trait_stats, as
        their attributes name them) and, per layer, the share of drawn tokens whose layer set
        has it (1.0 without sets)."""
        spec, layout = self.spec, self.layout
        in_sets = [1.0] * len(spec.layers)
        if not layout.one_of_ones and not layout.sets:
            return combos, in_sets
        drawn = [(i, c) for i, c in enumerate(combos, start=1) if i not in layout.one_of_ones]
        if layout.sets:
            sets = Counter(layout.sets[token_id - 1] for token_id, _ in drawn)
            for index in range(len(spec.layers)):
                has = sum(n for k, n in sets.items() if index in spec.layer_sets[k].order)
                in_sets[index] = has / max(len(drawn), 1)
        counted = [combo for _, combo in drawn]
        if spec.one_of_ones_in_stats:
            ones = [spec.one_of_ones[j] for i, j in layout.one_of_ones.items() if i <= len(combos)]
            counted += [attribute_combo(spec.layers, one)[0] for one in ones]
        return counted, in_sets

    def published_metadata(
        self, index: int, combo: Combo, seed: int, image_dir: Path
    ) -> dict[str, Any]:
        """The token's metadata as its file holds it: with image_hash, the Keccak-256 of its
        image in `image_dir` (read again, as only the worker that wrote it had the bytes)."""
        document = self.token_metadata(index, combo, seed)
        if not self.spec.image_hash:
            return document
        return with_image_hash(document, file_keccak256(image_dir / self.image_file(index, combo)))

    def write_collection_files(
        self,
        output_dir: Path,
        metadata_dir: Path,
        combos: Sequence[Combo],
        stats: dict[str, Any],
        seed: int,
    ) -> None:
        """combined_metadata.json (id order), collection_stats.json and rarity_report.csv."""
        image_dir = output_dir / IMAGE_DIR
        documents = (
            self.published_metadata(i, combo, seed, image_dir)
            for i, combo in enumerate(combos, start=1)
        )
        atomic_write(metadata_dir / COMBINED_METADATA, lambda f: write_json_array(f, documents))
        rows = self.share_rows(combos)
        traits: dict[str, dict[str, int]] = {}
        for row in rows:
            traits.setdefault(row.trait_type, {})[row.value] = row.count
        if self.spec.start_id != 1:  # only then: other collections' files stay as they were
            stats = {**stats, "start_id": self.spec.start_id}
        atomic_write_json(output_dir / COLLECTION_STATS, {**stats, "traits": traits})
        atomic_write_bytes(output_dir / RARITY_REPORT, rarity_csv(rows))


def counted_shares(
    layer: Layer, values: list[tuple[str, float, int]], total: int
) -> list[tuple[str, float, int]]:
    """Configured shares with exact counts: count / tokens for a counted value, and the rest of
    the tokens shared by the uncounted values as their weights share it (as planning does)."""
    counts = {i: o.count for i, o in enumerate(layer.options) if o.count is not None}
    if layer.absent_count is not None:
        counts[ABSENT] = layer.absent_count
    if not counts:
        return values
    free = sum(share for _, share, key in values if key not in counts)
    rest = max(0.0, 1 - sum(counts.values()) / total)
    return [
        (name, counts[key] / total if key in counts else rest * share / free if free else 0.0, key)
        for name, share, key in values
    ]


def absence_label(layer: Layer) -> str:
    """How reports show the layer's absence: its none_value, else absent_text."""
    if layer.none_value is not None:
        return layer.none_value
    return absent_text({option.label for option in layer.options})


def absent_text(labels: Collection[str]) -> str:
    """How a report shows an absent trait beside the values `labels`: "None", else — when a
    value is shown as "None" — "(absent)" (in more parentheses while taken), so an absence
    never merges with a value in a count."""
    if ABSENT_LABEL not in labels:
        return ABSENT_LABEL
    text = "(absent)"
    while text in labels:
        text = f"({text})"
    return text


def share_cells(rows: Sequence[ShareRow]) -> dict[str, list[Cell]]:
    """Share rows as the distribution check reads them: per layer, (value or None when
    absent, configured share, planned count)."""
    cells: dict[str, list[Cell]] = {}
    for row in rows:
        value = None if row.absent else row.value
        cells.setdefault(row.trait_type, []).append((value, row.configured_percent, row.count))
    return cells


def rarity_csv(rows: Sequence[ShareRow]) -> bytes:
    """The rarity report: one row per trait value, percentages with two decimals."""
    return csv_bytes(
        RARITY_COLUMNS,
        [
            (
                row.trait_type,
                row.value,
                f"{row.configured_percent:.2f}",
                f"{row.achieved_percent:.2f}",
                row.count,
            )
            for row in rows
        ],
    )
