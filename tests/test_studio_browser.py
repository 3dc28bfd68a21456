"""The studio's web UI in a real headless Chromium against the real `genecator serve`: open the
sample trait folder, dry-run, generate, browse, filter, re-roll a token and read the ledger, by
keyboard where it matters (skipped when no chromium binary or playwright is installed)."""

import json
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pytest

from tests.conftest import REPO
from tests.studio_helpers import sample_workspace

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium binary installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LISTENING = re.compile(r"Genecator studio: (http://127\.0\.0\.1:\d+/)")
SHOTS = REPO / "artifacts" / "studio"
LAYERS = sorted(p.name for p in (REPO / "traits").iterdir() if p.is_dir())
IMAGES = len(list((REPO / "traits").glob("*/*.png")))
COUNT = 50
PER_PAGE = 48
# Chromium logs every 4xx answer, with the reason phrase of the server's Python version
REFUSED = "Failed to load resource: the server responded with a status of 422"


def pump(stream: IO[str], lines: "queue.Queue[str | None]") -> None:
    """Every stdout line of the server into `lines` (None at its end), so its pipe never fills."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def wait_for_url(process: subprocess.Popen[str], log: Path, timeout: float = 30) -> str:
    lines: queue.Queue[str | None] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=pump, args=(process.stdout, lines), daemon=True).start()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        if match := LISTENING.search(line):
            return match.group(1)
    pytest.fail(f"the studio did not report its address:\n{log.read_text()}")


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[str]:
    """The base URL of a real `genecator serve` over a workspace holding the sample traits,
    config and rules."""
    workspace = sample_workspace(tmp_path / "workspace")
    command = [sys.executable, "-m", "modules.cli", "serve"]
    command += ["--workspace", str(workspace), "--port", "0"]
    log = tmp_path / "server.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    try:
        yield wait_for_url(process, log)
    finally:
        stop(process)


@pytest.fixture
def page() -> Iterator["Page"]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        yield browser.new_page(viewport={"width": 1366, "height": 768})
        browser.close()


def shot(page: "Page", name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def is_focused(locator: Any) -> bool:
    return bool(locator.evaluate("node => node === document.activeElement"))


def open_folder_by_keyboard(page: "Page") -> None:
    """Tab from the top of the page to the Open button and press it."""
    expect(page.get_by_label("Trait folder")).to_have_value("traits")
    expect(page.get_by_label("Config")).to_have_value("config.sample.json")
    expect(page.locator("#ruler-select")).to_have_value("ruler.sample.json")
    open_button = page.get_by_role("button", name="Open", exact=True)
    for _ in range(10):
        page.keyboard.press("Tab")
        if is_focused(open_button):
            break
    assert is_focused(open_button), "Tab never reached the Open button"
    shot(page, "01-start")
    page.keyboard.press("Enter")


def check_layers(page: "Page") -> None:
    layers = page.locator("#layers fieldset")
    expect(layers).to_have_count(len(LAYERS))
    legends = sorted(text.split()[0] for text in page.locator("#layers legend").all_inner_texts())
    assert legends == LAYERS
    expect(page.locator("#layers img")).to_have_count(IMAGES)
    first = page.locator("#layers img").first
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=first.element_handle()
    )
    expect(page.locator("#collection-capacity")).to_have_text(
        re.compile(r"^(at most )?[\d,]+ distinct tokens possible$")
    )
    shot(page, "02-layers")


def edit_weights(page: "Page", base: str) -> None:
    """A zero weight is refused with its JSON path listed; a valid one is saved at the option's
    index in config.json and shown again from the returned collection."""
    weight = page.locator("#layers input[type=number]").nth(1)
    layer, index = weight.get_attribute("data-layer"), weight.get_attribute("data-index")
    weight.fill("0")
    page.get_by_role("button", name="Save weights").click()
    alert = page.locator("#layers-errors")
    expect(alert).to_contain_text(f"$.traits.{layer}.options[{index}].weight: ")
    shot(page, "03-weight-error")
    weight.fill("2.5")
    page.get_by_role("button", name="Save weights").click()
    expect(page.locator("#status")).to_have_text("Saved 1 weight.")
    expect(alert).to_be_hidden()
    expect(page.locator("#layers input[type=number]").nth(1)).to_have_value("2.5")
    config = page.request.get(f"{base}api/collections/{collection_id(page, base)}/config").json()
    option = config["traits"][layer]["options"][int(str(index))]
    assert option["weight"] == 2.5
    assert "rarity" not in option


def press_on_tabs(page: "Page", key: str, selected: str) -> None:
    page.keyboard.press(key)
    tab = page.get_by_role("tab", name=selected)
    expect(tab).to_have_attribute("aria-selected", "true")
    assert is_focused(tab)


def edit_rules(page: "Page") -> None:
    """Reached by the arrow keys from the Layers tab; a rule naming a missing layer is refused
    with its path and the server's did-you-mean hint."""
    page.get_by_role("tab", name="Layers").focus()
    press_on_tabs(page, "ArrowRight", "Rules")
    rules = page.get_by_label("Rules (ruler.json)")
    expect(rules).not_to_be_empty()
    # The studio opened the folder with the config and rules found beside it.
    assert json.loads(rules.input_value()) == json.loads((REPO / "ruler.sample.json").read_text())
    rule = {"if": {"trait_type": "Eyez", "value": ["Laser"]}}
    rule["then"] = {"trait_type": "Mouth", "excluded_values": ["Pipe"]}
    rules.fill(json.dumps({"rules": [rule]}))
    page.get_by_role("button", name="Save rules").click()
    expect(page.locator("#rules-errors")).to_contain_text(
        "$.rules[0].if.trait_type: no layer 'Eyez'; did you mean 'Eyes'?"
    )
    shot(page, "04-rule-error")
    page.get_by_role("tab", name="Rules").focus()
    press_on_tabs(page, "ArrowRight", "Dry run")


def dry_run(page: "Page") -> None:
    panel = page.get_by_role("tabpanel", name="Dry run")
    panel.get_by_label("Tokens").fill(str(COUNT))
    panel.get_by_role("button", name="Run dry run").click()
    expect(page.locator("#dryrun-capacity")).to_have_text(
        re.compile(rf"distinct tokens possible · {COUNT} tokens planned with seed \d+$")
    )
    rows = panel.locator("tbody tr")
    assert rows.count() >= IMAGES
    expect(rows.first.locator("td")).to_have_count(5)
    shot(page, "05-dry-run")


def generate(page: "Page") -> None:
    """50 tokens with seed 11, followed to the end; the same request again is answered from the
    cache and opens the gallery."""
    page.get_by_role("tab", name="Generate").click()
    panel = page.get_by_role("tabpanel", name="Generate")
    panel.get_by_label("Tokens").fill(str(COUNT))
    panel.get_by_label("Seed (optional)").fill("11")
    panel.get_by_role("button", name="Generate").click()
    page.wait_for_function(
        f"() => {{ const bar = document.getElementById('generate-progress');"
        f" return bar.max === {COUNT} && bar.value === {COUNT}; }}",
        timeout=90_000,
    )
    expect(page.locator("#generate-report")).to_be_visible(timeout=90_000)
    expect(page.locator("#report-lines")).not_to_be_empty()
    expect(page.locator("#generate-job")).to_contain_text("succeeded", timeout=30_000)
    expect(page.locator("#generate-progress-text")).to_have_text(
        re.compile(rf"^{COUNT} / {COUNT} · ")
    )
    shot(page, "06-generated")
    panel.get_by_role("button", name="Generate").click()
    expect(page.locator("#status")).to_contain_text("already generated with the same settings")
    expect(page.get_by_role("tab", name="Gallery")).to_have_attribute("aria-selected", "true")


def browse(page: "Page") -> None:
    """The gallery the cached answer to a second identical Generate opened."""
    cards = page.locator("#gallery-grid button")
    expect(cards).to_have_count(PER_PAGE)
    expect(page.locator("#gallery-page")).to_have_text("Page 1 of 2")
    expect(cards.first).to_contain_text(re.compile(r"rank \d+"))
    shot(page, "07-gallery")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#gallery-page")).to_have_text("Page 2 of 2")
    expect(cards).to_have_count(COUNT - PER_PAGE)
    page.get_by_role("button", name="Prev").click()
    expect(page.locator("#gallery-page")).to_have_text("Page 1 of 2")


def collection_id(page: "Page", base: str) -> int:
    (collection,) = page.request.get(f"{base}api/collections").json()["collections"]
    return int(collection["id"])


def token_url(page: "Page", base: str, card: Any) -> str:
    token_id = card.get_attribute("data-id")
    return f"{base}api/collections/{collection_id(page, base)}/tokens/{token_id}"


def filter_gallery(page: "Page", base: str) -> tuple[str, str]:
    """Filter by the first trait of the first token; every card shown then has that value."""
    cards = page.locator("#gallery-grid button")
    attribute = page.request.get(token_url(page, base, cards.first)).json()["attributes"][0]
    trait, value = attribute["trait_type"], attribute["value"]
    panel = page.get_by_role("tabpanel", name="Gallery")
    panel.get_by_label(trait, exact=True).select_option(value)
    info = page.locator("#gallery-info")
    expect(info).to_have_text(re.compile(r"^\d+ tokens match the filters$"))
    matching = int(info.inner_text().split()[0])
    assert 1 <= matching < COUNT
    expect(cards).to_have_count(min(matching, PER_PAGE))
    for card in cards.all():
        attributes = page.request.get(token_url(page, base, card)).json()["attributes"]
        assert {"trait_type": trait, "value": value} in attributes
    shot(page, "08-filtered")
    return trait, value


def attributes_shown(page: "Page") -> dict[str, str]:
    rows = page.locator("#token-attributes tr")
    return {
        row.locator("th").inner_text(): row.locator("td").first.inner_text() for row in rows.all()
    }


def reroll_keeping(page: "Page", trait: str, value: str) -> None:
    card = page.locator("#gallery-grid button").first
    token_id = card.get_attribute("data-id")
    card.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#token-rank")).to_have_text(re.compile(r"^Rank \d+ · score "))
    before, image = attributes_shown(page), page.locator("#token-image")
    old_src = image.get_attribute("src")
    dialog.get_by_label(f"Keep {trait}", exact=True).check()
    shot(page, "09-token")
    dialog.get_by_role("button", name="Re-roll").click()
    expect(image).to_have_attribute("src", re.compile(r"[?&]v=\d+$"))
    after = attributes_shown(page)
    assert after[trait] == value == before[trait]
    assert after != before
    new_src = image.get_attribute("src")
    assert new_src != old_src
    card = page.locator(f'#gallery-grid button[data-id="{token_id}"] img')
    expect(card).to_have_attribute("src", new_src)
    shot(page, "10-rerolled")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert is_focused(page.locator(f'#gallery-grid button[data-id="{token_id}"]'))


def check_ledger(page: "Page") -> None:
    page.get_by_role("tab", name="Ledger").click()
    summary = page.locator("#ledger-summary")
    expect(summary).to_have_text(re.compile(r"^(\d+ values? off target|Every value is on target)$"))
    rows = page.locator("#ledger-table tbody tr")
    assert rows.count() >= IMAGES
    flagged = page.locator("#ledger-table tbody tr", has_text="off target").count()
    plural = "" if flagged == 1 else "s"
    wanted = f"{flagged} value{plural} off target" if flagged else "Every value is on target"
    expect(summary).to_have_text(wanted)
    shot(page, "11-ledger")


def test_the_studio_from_folder_to_rerolled_token(studio: str, page: "Page") -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.goto(studio)

    open_folder_by_keyboard(page)
    check_layers(page)
    edit_weights(page, studio)
    edit_rules(page)
    dry_run(page)
    generate(page)
    browse(page)
    trait, value = filter_gallery(page, studio)
    reroll_keeping(page, trait, value)
    check_ledger(page)

    # the refused weight and rule are expected
    assert [re.sub(r" \(.*\)$", "", line) for line in console_errors] == [REFUSED, REFUSED]
