"""The bad-input corpus (issue #7): a healthy project with a finished collection, one thing
broken per case, run through the real CLI. Every case must exit non-zero with one clear
`Error:` line naming the file or field and the fix, raise nothing uncaught, leave every file
of the project (output/ included) byte-identical and leave no temporary file behind."""

import errno
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from PIL import Image

from modules import atomic_io
from modules.cli.generate import generate_command
from modules.cli.get_traits import get_traits_command
from modules.cli.validate import validate_command
from modules.publish import output_folder
from tests.conftest import BASIC_LAYERS, REPO, config_for, write_json, write_traits

HEALTHY_RULES = [
    {
        "if": {"trait_type": "Body", "value": ["Grey"]},
        "then": {"trait_type": "Hat", "excluded_values": ["Cap"]},
    }
]
TOKENS = "6"  # the healthy collection; the rule leaves 9 possible
GENERATE = ("-n", TOKENS, "--seed", "7", "--workers", "1")


# --- running and checking -------------------------------------------------------------------


def invoke(command: click.Command, args: list[str]) -> Result:
    return CliRunner().invoke(command, args)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every regular file under `root` with its bytes (pipes and broken links are skipped)."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def temp_files(root: Path) -> list[Path]:
    return sorted(root.rglob(".tmp-*"))


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """traits/, config.json, ruler.json and a finished 6-token collection in output/."""
    root = tmp_path_factory.mktemp("healthy")
    write_traits(root / "traits", BASIC_LAYERS)
    write_json(root / "config.json", config_for(BASIC_LAYERS))
    write_json(root / "ruler.json", {"rules": HEALTHY_RULES})
    cwd = Path.cwd()
    os.chdir(root)
    try:
        result = invoke(generate_command, list(GENERATE))
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def project(healthy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the healthy project, made the working directory."""
    root = tmp_path / "project"
    shutil.copytree(healthy, root, symlinks=True)
    monkeypatch.chdir(root)
    return root


# --- breaking things ------------------------------------------------------------------------


def edit_config(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    config = json.loads((root / "config.json").read_text(encoding="utf-8"))
    change(config)
    write_json(root / "config.json", config)


def edit_rules(root: Path, change: Callable[[list[dict[str, Any]]], None]) -> None:
    document = json.loads((root / "ruler.json").read_text(encoding="utf-8"))
    change(document["rules"])
    write_json(root / "ruler.json", document)


def image_bytes(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def noise_png() -> bytes:
    return image_bytes(Image.frombytes("RGBA", (8, 8), bytes(range(256))))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height over a few bytes of pixel data: decoding it
    would allocate the full size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def text_bomb_png() -> bytes:
    """A valid 8x8 PNG carrying a compressed text chunk that inflates past Pillow's 1 MB
    text limit."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    png = image_bytes(Image.new("RGBA", (8, 8)))
    bomb = chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * 4_000_000, 9))
    return png[:33] + bomb + png[33:]  # after the signature and IHDR


def long_gif(frames: int) -> bytes:
    images = [Image.new("RGBA", (8, 8), (255 * (i % 2), 0, 0, 255)) for i in range(frames)]
    return image_bytes(images[0], "GIF", save_all=True, append_images=images[1:], duration=20)


GREY = "traits/Body/Grey.png"
CAP = "traits/Hat/Cap.png"


def put(relative: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    """Overwrite `relative` with `data` (or what `data()` makes, for slow-to-make bytes)."""

    def breaker(root: Path) -> None:
        (root / relative).write_bytes(data() if callable(data) else data)

    return breaker


def put_image(relative: str, image: Image.Image, fmt: str = "PNG") -> Callable[[Path], None]:
    return put(relative, image_bytes(image, fmt))


def config_text(text: str | bytes) -> Callable[[Path], None]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return put("config.json", data)


def config_change(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return lambda root: edit_config(root, change)


def rules_change(change: Callable[[list[dict[str, Any]]], None]) -> Callable[[Path], None]:
    return lambda root: edit_rules(root, change)


def option(layer: str, index: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config["traits"][layer]["options"][index].update(values)

    return change


def setting(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config[key] = value

    return change


def add_layer(name: str, entry: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        config["trait_order"].append(name)
        config["traits"][name] = entry

    return change


def unchanged(root: Path) -> None:
    """No break: the case is in its command-line arguments."""


def replace_with_fifo(relative: str) -> Callable[[Path], None]:
    def breaker(root: Path) -> None:
        (root / relative).unlink()
        os.mkfifo(root / relative)

    return breaker


def replace_with_folder(relative: str) -> Callable[[Path], None]:
    def breaker(root: Path) -> None:
        (root / relative).unlink()
        (root / relative).mkdir()

    return breaker


def link(relative: str, target: str) -> Callable[[Path], None]:
    """Replace `relative` by a symlink to `target` (relative to the project)."""

    def breaker(root: Path) -> None:
        path = root / relative
        if path.is_dir():
            shutil.copytree(path, root / "elsewhere")
            shutil.rmtree(path)
        else:
            shutil.copy(path, root / "outside.png")
            path.unlink()
        path.symlink_to(root / target)

    return breaker


def remove(relative: str) -> Callable[[Path], None]:
    def breaker(root: Path) -> None:
        path = root / relative
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    return breaker


def empty_traits(root: Path) -> None:
    shutil.rmtree(root / "traits")
    (root / "traits").mkdir()


def add_trait_file(layer: str, name: str | bytes) -> Callable[[Path], None]:
    """Add an 8x8 image to traits/<layer>; a bytes name is a raw (maybe non-UTF-8) name."""

    def breaker(root: Path) -> None:
        raw = name if isinstance(name, bytes) else os.fsencode(name)
        path = Path(os.fsdecode(bytes(root / "traits" / layer) + b"/" + raw))
        path.write_bytes(image_bytes(Image.new("RGBA", (8, 8))))

    return breaker


def add_layer_folder(name: bytes) -> Callable[[Path], None]:
    def breaker(root: Path) -> None:
        folder = Path(os.fsdecode(bytes(root / "traits") + b"/" + name))
        folder.mkdir()
        (folder / "A.png").write_bytes(image_bytes(Image.new("RGBA", (8, 8))))

    return breaker


def both(*breakers: Callable[[Path], None]) -> Callable[[Path], None]:
    def breaker(root: Path) -> None:
        for each in breakers:
            each(root)

    return breaker


# --- the corpus -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One broken input: how to break the project, how to run, what the error must say."""

    id: str
    breaker: Callable[[Path], None]
    fragments: tuple[str, ...]  # each must appear in the (first) Error line
    args: tuple[str, ...] = ("--force",)  # --force: even then, nothing may be removed
    command: click.Command = generate_command
    exit_code: int = 1
    errors: int = 1  # Error lines expected


def gen(id: str, breaker, *fragments: str, **options: Any) -> Case:
    """A main.py case: generate the healthy collection's tokens, plus `args`."""
    options["args"] = (*GENERATE, *options.get("args", ("--force",)))
    return Case(id, breaker, fragments, **options)


def scan(id: str, breaker, *fragments: str, args: tuple[str, ...] = ("--force",), **kw) -> Case:
    # get_traits --force would overwrite config.json: a failed scan must leave it as it was.
    return Case(id, breaker, fragments, args=args, command=get_traits_command, **kw)


def usage(id: str, *args: str, fragment: str) -> Case:
    return gen(id, unchanged, fragment, args=args, exit_code=2)


SIZE_HINT = "resize it or fix image_size"
OUTSIDE = "links outside traits; copy"

CASES = [
    # trait files
    gen("zero-byte-png", put(GREY, b""), f"{GREY}: file is empty (0 bytes); re-export it"),
    gen("truncated-png", put(GREY, noise_png()[:60]), f"{GREY}: cannot decode it", "re-export it"),
    gen("text-named-png", put(GREY, b"hello"), f"{GREY}: not an image Pillow can read; re-export"),
    gen(
        "cmyk-jpeg-named-png",
        put_image(GREY, Image.new("CMYK", (8, 8)), "JPEG"),
        f"{GREY}: colour mode CMYK is not supported",
        "save it as an 8-bit RGBA PNG",
    ),
    gen("psd-named-png", put(GREY, b"8BPS" + bytes(40)), f"{GREY}: is a Photoshop (PSD) file"),
    gen(
        "wrong-size",
        put_image(GREY, Image.new("RGBA", (9, 8))),
        f"{GREY}: image is 9x8 but image_size is 8x8; {SIZE_HINT}",
    ),
    gen(
        "sixteen-bit-grayscale",
        put_image(GREY, Image.new("I;16", (8, 8), 300)),
        f"{GREY}: colour mode I;16 (16-bit grayscale) is not supported",
        "save it as an 8-bit RGBA PNG",
    ),
    gen(
        "huge-header-refused-unread",
        put(GREY, png_header_only(12000, 12000)),
        f"{GREY}: image is 12000x12000 but image_size is 8x8; {SIZE_HINT}",
    ),
    gen(
        "decompression-bomb",
        put(GREY, png_header_only(30000, 30000)),
        f"{GREY}: refused as a decompression bomb",
    ),
    gen(
        "text-chunk-bomb",
        put(GREY, text_bomb_png),
        f"{GREY}: cannot decode it (Decompressed data too large",
        "re-export it",
    ),
    gen(
        "too-many-frames",
        put(CAP, lambda: long_gif(601)),
        f"{CAP}: more than 600 frames; shorten the animation",
    ),
    gen("fifo-named-png", replace_with_fifo(GREY), f"{GREY} is not a regular file", "put the"),
    gen("folder-named-png", replace_with_folder(GREY), f"{GREY} is not a regular file"),
    gen(
        "broken-symlink",
        lambda root: (remove(GREY)(root), (root / GREY).symlink_to(root / "gone.png")),
        f"{GREY} is not a regular file",
        "broken link",
    ),
    gen("symlink-file-outside", link(GREY, "outside.png"), f"{GREY} {OUTSIDE}"),
    gen("symlink-layer-outside", link("traits/Hat", "elsewhere"), f"{CAP} {OUTSIDE}", errors=2),
    gen(
        "missing-file",
        remove(GREY),
        "config.json: $.traits.Body.options[0]: no file Grey.png in traits/Body",
    ),
    # config.json: syntax and encoding
    gen("malformed-json", config_text('{"trait_order": [}'), "config.json: invalid JSON at line 1"),
    gen("empty-config", config_text(""), "config.json: file is empty; it must hold a JSON object"),
    gen("latin-1-config", config_text(b'{"a": "caf\xe9"}'), "config.json: not UTF-8", "save it"),
    gen("nan", config_text('{"image_size": [NaN, 8]}'), "config.json: NaN is not a JSON number"),
    gen("infinity", config_text('{"a": -Infinity}'), "-Infinity is not a JSON number; use a"),
    gen("huge-float", config_text('{"a": 1e999}'), "config.json: 1e999 is too large for a number"),
    gen("huge-int", config_text('{"a": ' + "9" * 5000 + "}"), "config.json: a number has too"),
    gen(
        "duplicate-key",
        config_text('{"image_size": [8, 8], "image_size": [9, 9]}'),
        "config.json: key 'image_size' appears twice in one object; keep only one",
    ),
    gen("deep-nesting", config_text("[" * 50000 + "]" * 50000), "config.json: nested too deeply"),
    gen("not-an-object", config_text("[1, 2]"), "config.json: $: [1, 2] is not of type 'object'"),
    gen(
        "unpaired-surrogate",
        config_change(setting("metadata", {"name": "\ud800"})),
        "config.json: $.metadata.name: contains an unpaired UTF-16 surrogate",
        "remove it",
    ),
    # config.json: schema
    gen(
        "rarity-is-a-string",
        config_change(option("Hat", 0, rarity="3")),
        "config.json: $.traits.Hat.options[0].rarity: '3' is not of type 'integer'",
    ),
    gen(
        "image-size-float",
        config_change(setting("image_size", [8.0, 8])),
        "config.json: $.image_size[0]: 8.0 is not of type 'integer'",
    ),
    gen(
        "rarity-too-high",
        config_change(option("Hat", 1, rarity=7)),
        "$.traits.Hat.options[1].rarity: 7 is greater than the maximum of 5",
    ),
    gen(
        "negative-rarity",
        config_change(option("Hat", 1, rarity=-2)),
        "$.traits.Hat.options[1].rarity: -2 is less than the minimum of 1",
    ),
    gen(
        "image-size-zero",
        config_change(setting("image_size", [0, 8])),
        "config.json: $.image_size[0]: 0 is less than the minimum of 1",
    ),
    gen(
        "unknown-option-key",
        config_change(option("Hat", 0, rarty=2)),
        "$.traits.Hat.options[0]: unknown key 'rarty'; did you mean 'rarity'?",
    ),
    gen(
        "unknown-top-key",
        config_change(setting("max_similar_combination", 2)),
        "unknown key 'max_similar_combination'; did you mean 'max_similar_combinations'?",
    ),
    gen(
        "null-layer-rarity",
        config_change(lambda c: c["traits"]["Hat"].update(rarity=None)),
        "config.json: $.traits.Hat.rarity: null is not of type 'integer'",
    ),
    gen(
        "empty-layer",
        config_change(lambda c: c["traits"]["Hat"].update(options=[])),
        "config.json: $.traits.Hat.options: [] should be non-empty",
    ),
    gen(
        "empty-option-name",
        config_change(option("Hat", 0, name="")),
        "config.json: $.traits.Hat.options[0].name: '' should be non-empty",
    ),
    # config.json: references
    gen(
        "duplicate-option-names",
        config_change(option("Hat", 1, name="Cap")),
        "$.traits.Hat.options[1].name: duplicate option 'Cap' (see options[0])",
    ),
    gen(
        "unknown-layer-in-order",
        config_change(lambda c: c["trait_order"].__setitem__(2, "Hatt")),
        "$.trait_order[2]: layer 'Hatt' has no entry in $.traits; did you mean 'Hat'?",
        errors=2,
    ),
    gen(
        "unknown-priority-trait",
        config_change(setting("priority_traits", ["Bodyy"])),
        "config.json: $.priority_traits[0]: no layer 'Bodyy'; did you mean 'Body'?",
    ),
    gen(
        "bad-name-template",
        config_change(setting("metadata", {"name_template": "{nme} #{id}"})),
        "$.metadata.name_template: '{nme} #{id}' is not a valid template (unknown placeholder",
    ),
    gen(
        "huge-template-width",
        config_change(setting("metadata", {"name_template": "{name} #{id:>999999999}"})),
        "$.metadata.name_template: '{name} #{id:>999999999}' is not a valid template (format",
        "wider than 64); use {name} and {id}",
    ),
    gen(
        "template-type-mismatch",
        config_change(setting("metadata", {"name_template": "{name:d} #{id}"})),
        "$.metadata.name_template: '{name:d} #{id}' is not a valid template (Unknown format",
    ),
    # path safety in config.json
    gen(
        "layer-name-dotdot",
        config_change(add_layer("../etc", {"options": [{"name": "passwd"}]})),
        "config.json: $.trait_order[3]: '../etc' must be the name of a folder inside traits",
    ),
    gen(
        "layer-name-absolute",
        config_change(add_layer("/tmp", {"options": [{"name": "x"}]})),
        "$.trait_order[3]: '/tmp' must be the name of a folder inside traits; rename the layer",
    ),
    gen(
        "file-dotdot",
        config_change(option("Hat", 0, file="../Body/Grey.png")),
        "$.traits.Hat.options[0].file: '../Body/Grey.png' must be a file name inside traits/Hat",
    ),
    gen(
        "file-absolute",
        config_change(option("Hat", 0, file="/etc/passwd")),
        "$.traits.Hat.options[0].file: '/etc/passwd' must be a file name inside traits/Hat",
    ),
    gen(
        "file-nul-byte",
        config_change(option("Hat", 0, file="Cap\x00.png")),
        "$.traits.Hat.options[0].file: 'Cap\\x00.png' must be a file name inside traits/Hat",
    ),
    # inputs that are not there
    gen(
        "traits-missing",
        unchanged,
        "nowhere: traits folder not found; pass -t",
        args=("-t", "nowhere"),
    ),
    gen("traits-empty", empty_traits, "traits: holds none of the layer folders config.json names"),
    gen(
        "layer-folder-missing",
        remove("traits/Hat"),
        "traits/Hat: layer folder not found (config.json $.traits.Hat)",
    ),
    gen(
        "config-missing",
        unchanged,
        "missing.json: file not found; run `python get_traits.py`",
        args=("-c", "missing.json"),
    ),
    gen(
        "config-is-a-folder",
        unchanged,
        "traits: is a folder, not a file; give the path of the file",
        args=("-c", "traits"),
    ),
    # ruler.json
    gen(
        "rule-unknown-layer",
        rules_change(lambda rules: rules[0]["then"].update(trait_type="Hatt")),
        "ruler.json: $.rules[0].then.trait_type: no layer 'Hatt'; did you mean 'Hat'?",
    ),
    gen(
        "rule-unknown-value",
        rules_change(lambda rules: rules[0]["then"].update(excluded_values=["Capp"])),
        "$.rules[0].then.excluded_values[0]: layer 'Hat' has no option 'Capp'; did you mean 'Cap'?",
    ),
    gen(
        "rule-same-layer",
        rules_change(lambda rules: rules[0]["then"].update(trait_type="Body")),
        "ruler.json: $.rules[0]: 'if' and 'then' name the same layer",
    ),
    gen(
        "rules-not-a-list",
        put("ruler.json", b'{"rules": {}}'),
        "ruler.json: $.rules: {} is not of type 'array'",
    ),
    gen("ruler-malformed", put("ruler.json", b'{"rules": [,]}'), "ruler.json: invalid JSON at"),
    gen(
        "ruler-missing",
        unchanged,
        "none.json: file not found",
        args=("--force", "-r", "none.json"),
    ),
    # command line
    usage("n-zero", "-n", "0", fragment="Invalid value for '-n' / '--num-nfts': 0 is not in"),
    usage("n-negative", "-n", "-5", fragment="Invalid value for '-n' / '--num-nfts': -5 is not"),
    usage("n-not-a-number", "-n", "ten", fragment="'ten' is not a valid integer"),
    usage("checkpoint-every-zero", "--checkpoint-every", "0", fragment="'--checkpoint-every'"),
    usage("workers-zero", "--workers", "0", fragment="Invalid value for '--workers': 0 is not"),
    usage("quality-zero", "--quality", "0", fragment="Invalid value for '--quality': 0 is not"),
    usage("force-and-resume", "--force", "--resume", fragment="--force starts over and --resume"),
    gen(
        "more-than-capacity",
        unchanged,
        "-n 1000 is more than the 9 distinct tokens these traits and rules allow; lower -n",
        args=("-n", "1000", "--force"),
    ),
    # the output folder
    gen(
        "output-is-a-file",
        put("taken.txt", b"keep me"),
        "taken.txt: a file stands where this folder should be; choose another --output",
        args=("-o", "taken.txt"),
    ),
    gen(
        "output-under-a-file",
        put("taken.txt", b"keep me"),
        "taken.txt/out: a file stands where this folder should be; choose another --output",
        args=("-o", "taken.txt/out"),
    ),
    gen(
        "existing-collection",
        unchanged,
        "output: already holds a collection (",
        "pass --resume to finish or extend it, --force to replace it",
        args=(),
    ),
    gen(
        "resume-with-changed-weights",
        config_change(option("Hat", 0, rarity=1)),
        "output: cannot resume: config.json (layers, weights",
        "changed since this collection was started; restore them",
        args=("--resume",),
    ),
    # get_traits.py
    scan(
        "scan-traits-missing",
        unchanged,
        "nowhere: traits folder not found; create it",
        args=("--force", "-t", "nowhere"),
    ),
    scan("scan-traits-empty", empty_traits, "traits: no layer folders; add one sub-folder"),
    scan(
        "scan-layer-without-images",
        lambda root: (root / "traits" / "Eyes").mkdir(),
        "traits/Eyes: layer folder has no .png, .gif, .webp or .jpg images; add some or remove it",
    ),
    scan("scan-zero-byte", put(GREY, b""), f"{GREY}: file is empty (0 bytes); re-export it"),
    scan(
        "scan-odd-size",
        put_image(GREY, Image.new("RGBA", (9, 8))),
        f"{GREY}: image is 9x8 but image_size is 8x8; {SIZE_HINT}",
    ),
    scan(
        "scan-huge-header",
        put(GREY, png_header_only(12000, 12000)),
        f"{GREY}: image is 12000x12000 but image_size is 8x8",
    ),
    scan(
        "scan-non-utf8-file-name",
        add_trait_file("Hat", b"Caf\xe9.png"),
        "traits/Hat/Caf\\xe9.png: name is not valid UTF-8; rename it",
    ),
    scan(
        "scan-non-utf8-folder-name",
        add_layer_folder(b"Ey\xffes"),
        "traits/Ey\\xffes: name is not valid UTF-8; rename it",
    ),
    scan(
        "scan-control-character-name",
        add_trait_file("Hat", "Top\nHat.png"),
        "traits/Hat/Top\\nHat.png: name has control characters; rename it",
    ),
    scan(
        "scan-duplicate-after-suffix",
        add_trait_file("Hat", "Cap_Rare.png"),
        "option name 'Cap' is also used by",
        "rename one",
    ),
    scan(
        "scan-nfc-nfd-duplicate",
        both(
            add_trait_file("Hat", unicodedata.normalize("NFC", "Café.png")),
            add_trait_file("Hat", unicodedata.normalize("NFD", "Café.png")),
        ),
        "(the same name in another Unicode form); rename one",
    ),
    scan("scan-symlink-outside", link(GREY, "outside.png"), f"{GREY}: {OUTSIDE} it into traits"),
    scan(
        "scan-unknown-order",
        unchanged,
        "--order: no layer folder 'Hatt'; did you mean 'Hat'?",
        args=("--force", "--order", "Hatt"),
    ),
    scan(
        "scan-output-exists",
        unchanged,
        "config.json: already exists; pass --force to overwrite it",
        args=(),
    ),
    scan(
        "scan-output-is-a-folder",
        unchanged,
        "traits: cannot write it (Is a directory); choose another --output",
        args=("--force", "-o", "traits"),
    ),
    # validate_traits.py
    Case(
        "validate-wrong-size",
        put_image(GREY, Image.new("RGBA", (9, 8))),
        (f"{GREY}: image is 9x8",),
        args=(),
        command=validate_command,
    ),
    Case(
        "validate-nan",
        config_text('{"a": NaN}'),
        ("config.json: NaN is not a JSON number",),
        args=(),
        command=validate_command,
    ),
]


def test_the_corpus_is_large_and_unique() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_one_clear_error_and_changes_nothing(case: Case, project: Path) -> None:
    case.breaker(project)
    before = snapshot(project)

    result = invoke(case.command, list(case.args))

    assert result.exit_code == case.exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    errors = error_lines(result)
    assert len(errors) == case.errors, errors
    for fragment in case.fragments:
        assert fragment in errors[0], errors[0]
    assert snapshot(project) == before
    assert temp_files(project) == []


# --- a fallible disk: faults injected into the real atomic writer -----------------------------


class FailingWrite:
    """Stands in for `open` in the atomic writer: writing to the temp file of a final file
    named in `names` raises OSError(code), as the kernel does (no file name)."""

    def __init__(self, code: int, names: set[str]) -> None:
        self.code, self.names = code, names
        self.failed: list[str] = []

    def __call__(self, path: Path, mode: str, **options: Any) -> Any:
        handle = open(path, mode, **options)  # noqa: SIM115 - closed by the writer's `with`
        final = Path(path).name.split("-", 3)[-1]  # .tmp-genecator-<pid>-<name>
        return RefusedWrites(handle, self, final) if final in self.names else handle


class RefusedWrites:
    """A file handle whose writes fail with the owner's error code."""

    def __init__(self, handle: Any, owner: FailingWrite, final: str) -> None:
        self.handle, self.owner, self.final = handle, owner, final

    def write(self, _: bytes) -> int:
        self.owner.failed.append(self.final)
        raise OSError(self.owner.code, os.strerror(self.owner.code))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> "RefusedWrites":
        return self

    def __exit__(self, *_: object) -> None:
        self.handle.close()


def fail_write(monkeypatch: pytest.MonkeyPatch, code: int, *names: str) -> FailingWrite:
    failing = FailingWrite(code, set(names))
    monkeypatch.setattr(atomic_io, "open", failing, raising=False)
    return failing


CHECKPOINT_FILES = {"rng_state.json", "tracker_state.json", "runs.jsonl"}


def test_full_disk_while_extending_keeps_every_finished_file(project, monkeypatch) -> None:
    before = snapshot(project / "output")
    with monkeypatch.context() as patch:
        failing = fail_write(patch, errno.ENOSPC, "8.png")
        result = invoke(generate_command, ["-n", "9", "--resume", "--workers", "1"])

    assert result.exit_code == 1, result.output
    assert failing.failed == ["8.png"]
    stopped = [line for line in result.output.splitlines() if line.startswith("Stopped: ")]
    assert len(stopped) == 1
    assert "No space left on device. Free space or fix permissions" in stopped[0]
    assert "run the same command with --resume" in stopped[0]
    after = snapshot(project / "output")
    kept = {name: data for name, data in before.items() if Path(name).name not in CHECKPOINT_FILES}
    assert {name: after[name] for name in kept} == kept  # nothing finished is lost or changed
    assert "image/8.png" not in after  # no partial file at a final path
    assert temp_files(project) == []

    result = invoke(generate_command, ["-n", "9", "--resume", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert len(list((project / "output" / "image").iterdir())) == 9


def test_full_disk_while_saving_the_plan_is_one_error(project, monkeypatch) -> None:
    fail_write(monkeypatch, errno.ENOSPC, "tracker_state.json")
    result = invoke(generate_command, [*GENERATE, "-o", "fresh"])

    assert result.exit_code == 1
    assert error_lines(result) == [
        "Error: fresh: cannot write (No space left on device); free space or fix permissions, "
        "then run the same command with --resume"
    ]
    assert not (project / "fresh" / "tracker_state.json").exists()
    assert temp_files(project) == []


def test_read_only_disk_mid_run_stops_at_once(project, monkeypatch) -> None:
    failing = fail_write(monkeypatch, errno.EROFS, "1.png", "2.png", "3.png")
    result = invoke(generate_command, [*GENERATE, "-o", "fresh"])

    assert result.exit_code == 1
    assert len(failing.failed) == 1  # fatal: no retries, no further tokens
    assert "Read-only file system. Free space or fix permissions" in result.output
    assert not list((project / "fresh" / "image").iterdir())
    assert temp_files(project) == []


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES], ids=errno.errorcode.get)
def test_unwritable_output_is_refused_before_anything_changes(project, monkeypatch, code) -> None:
    # Running as root ignores permission bits, so the writability probe is made to fail.
    def refuse(path: Path) -> None:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(output_folder, "probe_write", refuse)
    before = snapshot(project)
    result = invoke(generate_command, ["-n", "9", "--resume", "--workers", "1"])

    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: output: cannot write there ({os.strerror(code)}); fix permissions or choose "
        "another --output"
    ]
    assert snapshot(project) == before


# --- through a real interpreter: no traceback unless asked for -------------------------------


def run_script(root: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / script), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("breaker", "script", "args", "expected"),
    [
        (put(GREY, b""), "main.py", GENERATE, f"Error: {GREY}: file is empty (0 bytes)"),
        (
            config_change(setting("metadata", {"name": "\ud800"})),
            "main.py",
            GENERATE,
            "Error: config.json: $.metadata.name: contains an unpaired UTF-16 surrogate",
        ),
        (
            add_trait_file("Hat", b"Caf\xe9.png"),
            "get_traits.py",
            ("--force",),
            "Error: traits/Hat/Caf\\xe9.png: name is not valid UTF-8; rename it",
        ),
        (put(GREY, png_header_only(30000, 30000)), "validate_traits.py", (), f"Error: {GREY}: "),
    ],
    ids=["zero-byte", "surrogate", "non-utf8-name", "bomb"],
)
def test_errors_show_a_traceback_only_at_debug(project, breaker, script, args, expected) -> None:
    breaker(project)
    before = snapshot(project)

    quiet = run_script(project, script, *args)
    debug = run_script(project, script, *args, "--log-level", "DEBUG")

    assert quiet.returncode == debug.returncode == 1
    assert [line for line in quiet.stderr.splitlines() if line.startswith("Error: ")] == [
        line for line in quiet.stderr.splitlines() if line.startswith(expected)
    ]
    assert expected in quiet.stderr
    assert "Traceback" not in quiet.stderr + quiet.stdout
    assert "Traceback" in debug.stderr
    assert snapshot(project) == before
