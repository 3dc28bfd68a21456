"""A contact sheet of some tokens (preview.png), and the entry point that also writes the
HTML report, for `main.py --preview` and utils/preview.py."""

import io
import math
import random
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from modules.analysis.collection_reader import Token, existing_image, read_tokens
from modules.analysis.html_report import DEFAULT_TOP, write_html_report
from modules.analysis.rarity import rank_rarity
from modules.analysis.table_files import write_output
from modules.analysis.thumbnails import BACKGROUND, thumbnail
from modules.constants import METADATA_DIR
from modules.constants import PREVIEW_IMAGE as PREVIEW
from modules.errors import CollectionError

SELECTIONS = ("first", "rarest", "random")
DEFAULT_COUNT = 16
DEFAULT_THUMB = 128
GAP = 8
INK = (40, 36, 56)


def choose_tokens(tokens: Sequence[Token], how: str, count: int, seed: int = 0) -> list[Token]:
    """The first `count` tokens, the rarest (OpenRarity rank), or a seeded random sample."""
    if how == "first":
        return list(tokens[:count])
    if how == "rarest":
        by_id = {token.token_id: token for token in tokens}
        return [by_id[r.token_id] for r in rank_rarity(tokens).tokens[:count]]
    if how == "random":
        # Its own Random(seed): the same seed always previews the same tokens.
        picked = random.Random(seed).sample(list(tokens), min(count, len(tokens)))
        return sorted(picked, key=lambda token: token.token_id)
    msg = f"selection {how!r}: choose one of {', '.join(SELECTIONS)}"
    raise CollectionError(msg)


def contact_sheet(collection_dir: Path, tokens: Sequence[Token], size: int) -> Image.Image:
    """Thumbnails in a near-square grid, each with '#id' centred under it."""
    font = ImageFont.load_default(size=max(10, size // 9))
    label = int(font.size) + GAP if isinstance(font, ImageFont.FreeTypeFont) else 11 + GAP
    columns = math.ceil(math.sqrt(len(tokens)))
    rows = math.ceil(len(tokens) / columns)
    cell_w, cell_h = size + GAP, size + label + GAP
    sheet = Image.new("RGB", (columns * cell_w + GAP, rows * cell_h + GAP), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for index, token in enumerate(tokens):
        x = GAP + index % columns * cell_w
        y = GAP + index // columns * cell_h
        sheet.paste(thumbnail(existing_image(collection_dir, token), size), (x, y))
        text = f"#{token.token_id}"
        width = draw.textlength(text, font=font)
        draw.text((x + (size - width) / 2, y + size + GAP // 2), text, fill=INK, font=font)
    return sheet


def write_contact_sheet(
    output_dir: Path,
    count: int = DEFAULT_COUNT,
    how: str = "first",
    seed: int = 0,
    size: int = DEFAULT_THUMB,
) -> Path:
    """Write `output_dir`/preview.png of `count` tokens chosen by `how`; returns its path."""
    if count < 1 or size < 16:
        raise CollectionError("the preview needs at least 1 token and thumbnails of 16 px or more")
    tokens = choose_tokens(read_tokens(output_dir / METADATA_DIR), how, count, seed)
    buffer = io.BytesIO()
    contact_sheet(output_dir, tokens, size).save(buffer, format="PNG", optimize=True)
    path = output_dir / PREVIEW
    write_output(path, buffer.getvalue())
    return path


def write_preview(
    output_dir: Path,
    count: int = DEFAULT_COUNT,
    how: str = "first",
    seed: int = 0,
    size: int = DEFAULT_THUMB,
    top: int = DEFAULT_TOP,
) -> tuple[Path, Path]:
    """preview.png and report.html (with the `top` rarest tokens) of the collection in
    `output_dir`; returns both paths."""
    sheet = write_contact_sheet(output_dir, count, how, seed, size)
    return sheet, write_html_report(output_dir, top)
