"""The studio's read side: gallery pages, token detail with rank, the rarity ledger and the
layer catalog, as JSON-ready dicts over a finished output folder and a loaded spec."""

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from modules.analysis.collection_reader import (
    Token,
    existing_image,
    read_collection,
    regular_file_at,
    trait_types,
)
from modules.analysis.html_report import read_share_rows
from modules.analysis.rarity import TokenRarity, rank_rarity
from modules.constants import COMBINED_METADATA, MAX_RARITY, METADATA_DIR, RARITY_REPORT
from modules.errors import ConfigError
from modules.load.spec import CollectionSpec, TraitOption
from modules.publish.metadata_manager import ShareRow

SIGMAS = 3  # how many standard deviations of chance a ledger count may stray
Item = TypeVar("Item")


def combined_file(output_dir: Path) -> Path:
    """Where a finished run leaves all its tokens: metadata/combined_metadata.json."""
    return output_dir / METADATA_DIR / COMBINED_METADATA


def view_key(output_dir: Path) -> tuple[str, int] | None:
    """(resolved folder, mtime_ns of its combined metadata), or None while unfinished; a run,
    re-roll or extension rewrites that file when it ends, so a new key means new contents."""
    path = combined_file(output_dir)
    if not regular_file_at(path, "combined metadata file"):
        return None
    return str(output_dir.resolve()), path.stat().st_mtime_ns


@dataclass(frozen=True)
class CollectionView:
    """A finished collection read and ranked once: its tokens in id order, each one's rarity,
    and every trait type's values (for the filter menus)."""

    output_dir: Path
    tokens: dict[int, Token]
    rarity: dict[int, TokenRarity]
    traits: dict[str, list[str]]

    @classmethod
    def load(cls, output_dir: Path) -> "CollectionView":
        """Read the combined metadata (the snapshot a finished run writes atomically) and rank
        it; ConfigError when the folder holds no finished collection."""
        path = combined_file(output_dir)
        if view_key(output_dir) is None:
            msg = (
                f"{output_dir}: holds no finished collection ({METADATA_DIR}/"
                f"{COMBINED_METADATA} is missing); generate it, or finish it with --resume"
            )
            raise ConfigError(msg)
        tokens = read_collection(output_dir, path)
        rarity = rank_rarity(tokens)
        values: dict[str, set[str]] = {name: set() for name in trait_types(tokens)}
        for token in tokens:
            for name, value in token.traits.items():
                values[name].add(value)
        return cls(
            output_dir,
            {token.token_id: token for token in tokens},
            {entry.token_id: entry for entry in rarity.tokens},
            {name: sorted(found) for name, found in values.items()},
        )

    def page(
        self,
        page: int,
        per_page: int,
        filters: Sequence[tuple[str, str]],
        image_url: Callable[[int], str],
    ) -> dict[str, Any]:
        """One gallery page of the tokens matching `filters` (AND across trait types, OR
        within one), in id order; a page past the end is empty."""
        if page < 1 or per_page < 1:
            msg = f"page ({page}) and per_page ({per_page}) must be at least 1"
            raise ValueError(msg)
        wanted: dict[str, set[str]] = {}
        for trait_type, value in filters:
            wanted.setdefault(trait_type, set()).add(value)
        matching = [token for token in self.tokens.values() if _matches(token, wanted)]
        shown = matching[(page - 1) * per_page : page * per_page]
        return {
            "tokens": [self._summary(token, image_url) for token in shown],
            "page": page,
            "per_page": per_page,
            "pages": math.ceil(len(matching) / per_page),
            "total": len(matching),
            "traits": {name: list(values) for name, values in self.traits.items()},
        }

    def token(self, token_id: int, image_url: Callable[[int], str]) -> dict[str, Any]:
        """One token's detail: rank, score, attributes and its whole metadata; KeyError when
        the collection has no such token."""
        token = self.tokens[token_id]
        metadata = copy.deepcopy(token.metadata)  # callers may edit it; the view stays as read
        return {
            **self._summary(token, image_url),
            "score": self.rarity[token_id].score,
            "attributes": metadata["attributes"],
            "metadata": metadata,
        }

    def image_file(self, token_id: int) -> Path:
        """The token's image file; KeyError when unknown, CollectionError when it is gone."""
        return existing_image(self.output_dir, self.tokens[token_id])

    def ledger(self) -> dict[str, Any]:
        """rarity_report.csv's rows, each flagged when chance cannot explain its count.
        Read on each call: the run writes the report after the combined metadata."""
        rows = read_share_rows(self.output_dir / RARITY_REPORT)
        totals: dict[str, int] = {}
        for row in rows:
            totals[row.trait_type] = totals.get(row.trait_type, 0) + row.count
        result = [_ledger_row(row, totals[row.trait_type]) for row in rows]
        return {"rows": result, "flagged": sum(row["flagged"] for row in result)}

    def _summary(self, token: Token, image_url: Callable[[int], str]) -> dict[str, Any]:
        return {
            "id": token.token_id,
            "name": str(token.metadata["name"]),
            "image_url": image_url(token.token_id),
            "rank": self.rarity[token.token_id].rank,
        }


def _matches(token: Token, wanted: dict[str, set[str]]) -> bool:
    traits = token.traits
    return all(traits.get(trait_type) in values for trait_type, values in wanted.items())


def _ledger_row(row: ShareRow, total: int) -> dict[str, Any]:
    return {
        "trait_type": row.trait_type,
        "value": row.value,
        "configured_percent": row.configured_percent,
        "achieved_percent": row.achieved_percent,
        "count": row.count,
        "flagged": off_share(row.count, row.configured_percent / 100, total),
    }


def off_share(count: int, share: float, total: int) -> bool:
    """Whether `count` of `total` tokens is more than chance explains for `share`."""
    # Flagged when |count - pN| > 3·sqrt(N·p·(1-p)) + 1 (the +1 absorbs rounding), or p = 0 < count.
    if share <= 0:
        return count > 0
    spread = math.sqrt(max(0.0, total * share * (1 - share)))
    return abs(count - share * total) > SIGMAS * spread + 1


def layer_catalog(
    spec: CollectionSpec, image_url: Callable[[int, int], str]
) -> list[dict[str, Any]]:
    """Every layer in compositing order (trait_order) with its options; presence is the
    layer's chance of appearing (0..1), image_url(layer index, option index)."""
    return [
        {
            "index": index,
            "name": layer.name,
            "presence": layer.presence / MAX_RARITY,
            "options": [
                _option_entry(position, option, image_url(index, position))
                for position, option in enumerate(layer.options)
            ],
        }
        for index, layer in enumerate(spec.layers)
    ]


def _option_entry(index: int, option: TraitOption, url: str) -> dict[str, Any]:
    return {
        "index": index,
        "name": option.name,
        "display_name": option.label,
        "weight": option.weight,
        "image_url": url,
    }


def option_image(spec: CollectionSpec, layer_index: int, option_index: int) -> Path:
    """The option's first part's file; IndexError (negative indices too) when out of range."""
    layer = _item(spec.layers, layer_index, "layer")
    return _item(layer.options, option_index, f"option of layer {layer.name!r}").file


def _item(items: Sequence[Item], index: int, what: str) -> Item:
    if not 0 <= index < len(items):
        raise IndexError(f"no {what} {index}: there are {len(items)} (0..{len(items) - 1})")
    return items[index]
