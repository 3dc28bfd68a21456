"""A contact sheet of some tokens (preview.png), and the entry point that also writes the
HTML report, for `main.py --preview` and utils/preview.py."""

import io
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from modules.analysis.collection_reader import Token, existing_image, read_tokens
from modules.analysis.html_report import DEFAULT_TOP, report_html
from modules.analysis.rarity import rank_rarity
from modules.analysis.table_files import write_output
from modules.analysis.thumbnails import BACKGROUND, thumbnail
from modules.constants import HTML_REPORT, METADATA_DIR
from modules.constants import PREVIEW_IMAGE as PREVIEW
from modules.errors import CollectionError, ConfigError

SELECTIONS = ("first", "rarest", "random")
DEFAULT_COUNT = 16
DEFAULT_THUMB = 128
MIN_THUMB = 16
# An RGB sheet of 64 M pixels holds about 190 MB, far more than a screen shows.
MAX_SHEET_PIXELS = 64_000_000
LABEL_MIN = 11  # px: Pillow's bitmap font, used when FreeType is missing
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


def label_height(size: int) -> int:
    """Pixel height of the '#id' under a thumbnail: its font size, at least the bitmap font's."""
    return max(LABEL_MIN, size // 9)


def sheet_size(count: int, size: int) -> tuple[int, int]:
    """Width and height of a contact sheet of `count` thumbnails of `size` px."""
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    return columns * (size + GAP) + GAP, rows * (size + label_height(size) + 2 * GAP) + GAP


def check_sheet_size(count: int, size: int) -> None:
    """Refuse, before anything is allocated, a sheet of more than MAX_SHEET_PIXELS, naming
    the largest --size (or else --count) that fits."""
    width, height = sheet_size(count, size)
    if width * height <= MAX_SHEET_PIXELS:
        return
    fits = _largest(MIN_THUMB, size, lambda s: _fits(count, s))
    if fits is not None:
        advice = f"use --size {fits} or less, or a smaller --count"
    else:
        most = _largest(1, count, lambda n: _fits(n, MIN_THUMB))
        advice = f"use --count {most} or less (with --size {MIN_THUMB})"
    tokens = f"{count} token" + ("s" if count > 1 else "")
    msg = (
        f"--size {size}: a contact sheet of {tokens} would be {width}x{height} pixels, "
        f"more than its limit of {MAX_SHEET_PIXELS:,}; {advice}"
    )
    raise ConfigError(msg)


def _fits(count: int, size: int) -> bool:
    width, height = sheet_size(count, size)
    return width * height <= MAX_SHEET_PIXELS


def _largest(low: int, high: int, fits: Callable[[int], bool]) -> int | None:
    """The largest value in low..high that fits (fitting is monotonic), None if even `low`
    does not."""
    if not fits(low):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def contact_sheet(collection_dir: Path, tokens: Sequence[Token], size: int) -> Image.Image:
    """Thumbnails in a near-square grid, each with '#id' centred under it."""
    check_sheet_size(len(tokens), size)
    font = ImageFont.load_default(size=label_height(size))
    columns = math.ceil(math.sqrt(len(tokens)))
    cell_w, cell_h = size + GAP, size + label_height(size) + 2 * GAP
    sheet = Image.new("RGB", sheet_size(len(tokens), size), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for index, token in enumerate(tokens):
        x = GAP + index % columns * cell_w
        y = GAP + index // columns * cell_h
        sheet.paste(thumbnail(existing_image(collection_dir, token), size), (x, y))
        text = f"#{token.token_id}"
        width = draw.textlength(text, font=font)
        draw.text((x + (size - width) / 2, y + size + GAP // 2), text, fill=INK, font=font)
    return sheet


def contact_sheet_png(
    output_dir: Path,
    count: int = DEFAULT_COUNT,
    how: str = "first",
    seed: int = 0,
    size: int = DEFAULT_THUMB,
) -> bytes:
    """preview.png's bytes: `count` tokens chosen by `how`, as thumbnails of `size` px."""
    if count < 1 or size < MIN_THUMB:
        msg = f"the preview needs at least 1 token and thumbnails of {MIN_THUMB} px or more"
        raise CollectionError(msg)
    tokens = choose_tokens(read_tokens(output_dir / METADATA_DIR), how, count, seed)
    buffer = io.BytesIO()
    contact_sheet(output_dir, tokens, size).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_contact_sheet(
    output_dir: Path,
    count: int = DEFAULT_COUNT,
    how: str = "first",
    seed: int = 0,
    size: int = DEFAULT_THUMB,
) -> Path:
    """Write `output_dir`/preview.png of `count` tokens chosen by `how`; returns its path."""
    path = output_dir / PREVIEW
    write_output(path, contact_sheet_png(output_dir, count, how, seed, size))
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
    `output_dir`; returns both paths. Both are built before either is written, so a damaged
    collection leaves the previous pair as it was."""
    sheet = contact_sheet_png(output_dir, count, how, seed, size)
    report = report_html(output_dir, top).encode("utf-8")
    sheet_path, report_path = output_dir / PREVIEW, output_dir / HTML_REPORT
    write_output(sheet_path, sheet)
    write_output(report_path, report)
    return sheet_path, report_path
