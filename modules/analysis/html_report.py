"""report.html: one self-contained page (inline SVG, inline thumbnails, no scripts, no external
URLs) with the collection stats, configured vs achieved share per trait, and the rarest tokens."""

import base64
import csv
import io
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from modules.analysis.collection_reader import (
    Token,
    existing_image,
    read_tokens,
    regular_file_at,
    trait_types,
)
from modules.analysis.rarity import Rarity, rank_rarity
from modules.analysis.thumbnails import thumbnail
from modules.constants import COLLECTION_STATS, METADATA_DIR, RARITY_REPORT
from modules.errors import CollectionError
from modules.load.validation import read_json
from modules.publish.csv_files import cell_text
from modules.publish.metadata_manager import ShareRow

DEFAULT_TOP = 12
MAX_TOP = 1000  # each is an inline JPEG of a few KB: the page stays a few MB at most
THUMB_SIZE = 96
LABEL_W, BAR_W, ROW_H, BAR_H = 150, 300, 30, 11
CONFIGURED, ACHIEVED = "#b8b2d6", "#4a3f8c"

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#2d2438;max-width:60em}
table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left}
.chart{margin:0 0 1.5em}.tokens{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0;text-align:center;font-size:.85em}.swatch{display:inline-block;width:1em;
height:.8em;margin:0 .3em 0 1em}
"""


def read_share_rows(path: Path) -> list[ShareRow]:
    """The rows of rarity_report.csv, or an error naming the file."""
    regular_file_at(path, "rarity report")
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return [
                ShareRow(
                    trait_type=cell_text(row["trait_type"]),
                    value=cell_text(row["value"]),
                    configured_percent=float(row["configured_percent"]),
                    count=int(row["count"]),
                    achieved_percent=float(row["achieved_percent"]),
                )
                for row in csv.DictReader(handle)
            ]
    except FileNotFoundError:
        msg = f"{path}: not found; it is written when every token of the collection exists"
        raise CollectionError(msg) from None
    except (KeyError, ValueError, TypeError) as exc:
        raise CollectionError(f"{path}: not a Genecator rarity report ({exc})") from None


def trait_chart(trait_type: str, rows: Sequence[ShareRow]) -> str:
    """An inline SVG bar chart: configured (light) and achieved (dark) % for each value."""
    top = max(
        [row.configured_percent for row in rows] + [row.achieved_percent for row in rows] + [1.0]
    )
    height = ROW_H * len(rows) + 4
    parts = [
        f'<svg width="{LABEL_W + BAR_W + 70}" '
        f'height="{height}" role="img" aria-label="{escape(trait_type)}: configured vs achieved">'
    ]
    for index, row in enumerate(rows):
        y = index * ROW_H + 4
        parts.append(f'<text x="0" y="{y + BAR_H + 4}" font-size="12">{escape(row.value)}</text>')
        for offset, share, colour in (
            (0, row.configured_percent, CONFIGURED),
            (BAR_H, row.achieved_percent, ACHIEVED),
        ):
            width = BAR_W * share / top
            parts.append(
                f'<rect x="{LABEL_W}" y="{y + offset}" width="{width:.1f}" height="{BAR_H - 1}" '
                f'fill="{colour}"><title>{share:.2f} %</title></rect>'
                f'<text x="{LABEL_W + width + 4:.1f}" y="{y + offset + BAR_H - 2}" '
                f'font-size="10">{share:.2f} %</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def charts_html(rows: Sequence[ShareRow]) -> str:
    """One titled chart per trait type, in the report's order."""
    by_type: dict[str, list[ShareRow]] = {}
    for row in rows:
        by_type.setdefault(row.trait_type, []).append(row)
    legend = (
        f'<p><span class="swatch" style="background:{CONFIGURED}"></span>configured'
        f'<span class="swatch" style="background:{ACHIEVED}"></span>achieved</p>'
    )
    charts = [
        f'<div class="chart"><h3>{escape(name)}</h3>{trait_chart(name, values)}</div>'
        for name, values in by_type.items()
    ]
    return legend + "".join(charts)


def image_data_uri(path: Path, size: int = THUMB_SIZE) -> str:
    """A small JPEG thumbnail as a data: URI, so the page needs no other file."""
    buffer = io.BytesIO()
    thumbnail(path, size).save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def rarest_html(output_dir: Path, tokens: Sequence[Token], rarity: Rarity, top: int) -> str:
    """The `top` rarest tokens as captioned thumbnails."""
    by_id = {token.token_id: token for token in tokens}
    figures = []
    for entry in rarity.tokens[:top]:
        source = image_data_uri(existing_image(output_dir, by_id[entry.token_id]))
        figures.append(
            f'<figure><img src="{source}" width="{THUMB_SIZE}" height="{THUMB_SIZE}" '
            f'alt="token {entry.token_id}"><figcaption>#{entry.token_id}<br>rank {entry.rank}, '
            f"score {entry.score:.3f}</figcaption></figure>"
        )
    return f'<div class="tokens">{"".join(figures)}</div>'


def stats_html(stats: dict[str, Any], tokens: Sequence[Token], rarity: Rarity) -> str:
    """The collection's key numbers as a small table."""
    capacity = stats.get("capacity", {})
    bound = "exactly" if capacity.get("exact") else "at most"
    redraws = ", ".join(f"{k} {v}" for k, v in sorted(stats.get("planning_redraws", {}).items()))
    cells = [
        ("Tokens", len(tokens)),
        ("Seed", stats.get("seed", "unknown")),
        ("Capacity", f"{bound} {capacity.get('count', 'unknown')} distinct tokens"),
        ("Trait types", len(trait_types(tokens))),
        ("Collection entropy", f"{rarity.collection_entropy:.3f} bits"),
        ("Planning redraws", redraws or "none"),
    ]
    identical = stats.get("identical_images", [])
    if identical:
        groups = "; ".join(", ".join(f"#{token}" for token in group) for group in identical)
        cells.append(("Identical images", groups))
    rows = "".join(
        f"<tr><th>{name}</th><td>{escape(str(value))}</td></tr>" for name, value in cells
    )
    return f"<table>{rows}</table>"


def report_html(output_dir: Path, top: int = DEFAULT_TOP) -> str:
    """The whole page for the collection in `output_dir`."""
    stats_path = output_dir / COLLECTION_STATS
    regular_file_at(stats_path, "collection stats file")
    stats = read_json(stats_path, CollectionError)
    if not isinstance(stats, dict):
        raise CollectionError(f"{stats_path}: expected a JSON object")
    shares = read_share_rows(output_dir / RARITY_REPORT)
    tokens = read_tokens(output_dir / METADATA_DIR)
    rarity = rank_rarity(tokens)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Collection report</title><style>{STYLE}</style></head><body>"
        f"<h1>Collection report</h1><h2>Stats</h2>{stats_html(stats, tokens, rarity)}"
        f"<h2>Configured vs achieved share</h2>{charts_html(shares)}"
        f"<h2>Rarest tokens</h2>{rarest_html(output_dir, tokens, rarity, top)}</body></html>\n"
    )
