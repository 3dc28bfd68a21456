"""OpenSea token metadata and the collection files: combined metadata, stats, rarity report."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
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
    MAX_RARITY,
    RARITY_REPORT,
)
from modules.load.spec import CollectionSpec, Layer
from modules.plan.backgrounds import background_colour, hex_colour
from modules.plan.distribution import Cell
from modules.plan.selection import ABSENT, Combo
from modules.publish.csv_files import csv_bytes
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

    def __init__(self, spec: CollectionSpec, options: EncodeOptions) -> None:
        self.spec = spec
        self.options = options

    def is_animated(self, combo: Combo) -> bool:
        return any(
            value != ABSENT and layer.options[value].animated
            for layer, value in zip(self.spec.layers, combo, strict=True)
        )

    def image_file(self, token_id: int, combo: Combo) -> str:
        """The token's image file name: still and animated tokens have their own format."""
        return f"{token_id}.{self.options.extension(self.is_animated(combo))}"

    def token_metadata(self, token_id: int, combo: Combo, seed: int) -> dict[str, Any]:
        """OpenSea metadata: the config's extra fields, then name, description, image URI
        and attributes in trait order (`seed` picks a generated background's colour)."""
        settings = self.spec.metadata
        document: dict[str, Any] = {
            **settings.extra,
            "name": settings.name_template.format(name=settings.name, id=token_id),
            "description": settings.description,
            "image": settings.base_uri + self.image_file(token_id, combo),
            "attributes": self.attributes(combo),
        }
        if settings.external_url:
            document["external_url"] = settings.external_url.format(id=token_id)
        background = self.spec.background
        if background is not None and background.in_metadata:
            document["background_color"] = hex_colour(background_colour(background, seed, token_id))
        return document

    def attributes(self, combo: Combo) -> list[dict[str, str]]:
        """trait_type and value of each layer in trait order; an absent layer is left out,
        or shown as its none_value."""
        attributes = []
        for layer, value in zip(self.spec.layers, combo, strict=True):
            if value != ABSENT:
                attributes.append({"trait_type": layer.label, "value": layer.options[value].label})
            elif layer.none_value is not None:
                attributes.append({"trait_type": layer.label, "value": layer.none_value})
        return attributes

    def share_rows(self, combos: Sequence[Combo]) -> list[ShareRow]:
        """Configured vs achieved share of every value, absent layers included."""
        rows = []
        total = max(len(combos), 1)
        for index, layer in enumerate(self.spec.layers):
            counts = Counter(combo[index] for combo in combos)
            present = layer.presence / MAX_RARITY
            weight_sum = sum(option.weight for option in layer.options)
            values = [
                (o.label, present * o.weight / weight_sum, i) for i, o in enumerate(layer.options)
            ]
            if layer.optional:
                values.append((absence_label(layer), 1 - present, ABSENT))
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

    def write_collection_files(
        self,
        output_dir: Path,
        metadata_dir: Path,
        combos: Sequence[Combo],
        stats: dict[str, Any],
        seed: int,
    ) -> None:
        """combined_metadata.json (id order), collection_stats.json and rarity_report.csv."""
        documents = (self.token_metadata(i, combo, seed) for i, combo in enumerate(combos, start=1))
        atomic_write(metadata_dir / COMBINED_METADATA, lambda f: write_json_array(f, documents))
        rows = self.share_rows(combos)
        traits: dict[str, dict[str, int]] = {}
        for row in rows:
            traits.setdefault(row.trait_type, {})[row.value] = row.count
        atomic_write_json(output_dir / COLLECTION_STATS, {**stats, "traits": traits})
        atomic_write_bytes(output_dir / RARITY_REPORT, rarity_csv(rows))


def absence_label(layer: Layer) -> str:
    """How reports show the layer's absence: its none_value, else "None", else — when an
    option is shown as "None" — "(absent)", so the two never merge in a count."""
    if layer.none_value is not None:
        return layer.none_value
    labels = {option.label for option in layer.options}
    return ABSENT_LABEL if ABSENT_LABEL not in labels else "(absent)"


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
