"""The contact sheet (preview.png) and the self-contained report.html, including a check in
headless Chromium (skipped only when no chromium binary is installed)."""

import base64
import io
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from modules.analysis.collection_reader import read_tokens
from modules.analysis.html_report import THUMB_SIZE
from modules.analysis.preview import GAP, choose_tokens, write_contact_sheet, write_preview
from modules.analysis.rarity import rank_rarity
from modules.errors import CollectionError
from tests.analysis_helpers import build_collection, copy_collection, invoke, stderr_of

COUNT = 15
TRAIT_TYPES = 3  # Background, Body, Hat
SHARE_ROWS = 3 + 2 + 3  # values per trait type, absent Hat included


class Tags(HTMLParser):
    """Start tags and their attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_collection(tmp_path_factory.mktemp("project"), COUNT)


@pytest.fixture
def collection(generated: Path, tmp_path: Path) -> Path:
    return copy_collection(generated, tmp_path / "output")


def test_choose_first_rarest_and_seeded_random(collection: Path) -> None:
    tokens = read_tokens(collection / "metadata")

    first = choose_tokens(tokens, "first", 4)
    rarest = choose_tokens(tokens, "rarest", 4)
    random_a = choose_tokens(tokens, "random", 5, seed=3)

    assert [t.token_id for t in first] == [1, 2, 3, 4]
    assert [t.token_id for t in rarest] == [r.token_id for r in rank_rarity(tokens).tokens[:4]]
    assert random_a == choose_tokens(tokens, "random", 5, seed=3)
    assert [t.token_id for t in random_a] == sorted(t.token_id for t in random_a)
    assert len(choose_tokens(tokens, "random", 99)) == COUNT


def test_contact_sheet_has_a_labelled_cell_per_token(collection: Path) -> None:
    size = 32

    path = write_contact_sheet(collection, count=5, how="first", size=size)

    with Image.open(path) as sheet:
        assert sheet.width == 3 * (size + GAP) + GAP  # ceil(sqrt(5)) = 3 columns, 2 rows
        cell_h = (sheet.height - GAP) // 2
        rgb = sheet.convert("RGB")
        for index in range(5):
            x, y = GAP + index % 3 * (size + GAP), GAP + index // 3 * cell_h
            label = rgb.crop((x, y + size, x + size, y + cell_h - GAP))
            darkest = min(low for low, _ in label.getextrema())
            assert darkest < 100, f"no id drawn under token {index + 1}"
        empty = rgb.crop((GAP + 2 * (size + GAP), GAP + cell_h, sheet.width - GAP, sheet.height))
        assert empty.getextrema() == ((255, 255),) * 3  # the sixth cell stays blank


def test_report_is_self_contained_with_charts_thumbnails_and_stats(collection: Path) -> None:
    sheet, report = write_preview(collection, count=4, size=32, top=5)

    text = report.read_text(encoding="utf-8")
    tags = Tags()
    tags.feed(text)
    assert sheet == collection / "preview.png"
    assert sheet.is_file()
    assert len(tags.named("svg")) == TRAIT_TYPES
    assert len(tags.named("rect")) == 2 * SHARE_ROWS  # configured and achieved per value
    images = tags.named("img")
    assert len(images) == 5
    for attrs in images:
        source = attrs["src"] or ""
        assert source.startswith("data:image/jpeg;base64,")
        with Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))) as thumb:
            assert thumb.size == (THUMB_SIZE, THUMB_SIZE)
    assert "http:" not in text
    assert "https:" not in text
    references = [v for _, attrs in tags.tags for k, v in attrs.items() if k in ("src", "href")]
    assert all((value or "").startswith("data:") for value in references)
    assert not tags.named("script")
    assert not tags.named("link")
    assert "<th>Tokens</th><td>15</td>" in text
    assert "<th>Seed</th><td>7</td>" in text
    assert "<th>Capacity</th><td>exactly 18 distinct tokens</td>" in text


def test_report_needs_the_rarity_report(collection: Path) -> None:
    (collection / "rarity_report.csv").unlink()

    with pytest.raises(CollectionError, match="rarity_report.csv: not found"):
        write_preview(collection)


def test_preview_cli(collection: Path) -> None:
    args = ["-d", str(collection), "--select", "random", "--seed", "1", "-n", "4", "--size", "32"]

    result = invoke("preview", *args)
    missing = invoke("preview", "-d", str(collection / "nowhere"))

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {collection / 'preview.png'} and ")
    assert missing.exit_code == 1
    assert "no such folder" in stderr_of(missing)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium binary installed")
def test_report_renders_in_headless_chromium(collection: Path, tmp_path: Path) -> None:
    _, report = write_preview(collection, count=4, size=32, top=5)
    command = [
        str(shutil.which("chromium")),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--dump-dom",
        report.resolve().as_uri(),
    ]

    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 0, result.stderr
    tags = Tags()
    tags.feed(result.stdout)
    assert len(tags.named("svg")) == TRAIT_TYPES
    assert len(tags.named("rect")) == 2 * SHARE_ROWS
    assert len(tags.named("img")) == 5
    assert "Collection report" in result.stdout
