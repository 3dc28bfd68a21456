"""What `get-traits` does: scan a traits folder (or import a HashLips/nftchef project), record
the folder in the config, write config.json (and ruler.json), and, when the layer order is
only a guess, a preview of one token stacked in that order so the guess can be checked."""

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.atomic_io import atomic_write_bytes, atomic_write_json
from modules.errors import ConfigError
from modules.load.importers.project import import_project
from modules.load.trait_scan import Scan, ScanOptions, scan_traits
from modules.render.image_processor import ImageProcessor

ORDER_PREVIEW = "layer_order_preview.png"


@dataclass(frozen=True)
class ScanRequest:
    """One get-traits call."""

    traits: Path
    project: Path | None  # a HashLips/nftchef project to import instead of `traits`
    output: Path
    ruler: Path
    force: bool = False
    order: tuple[str, ...] = ()
    delimiter: str = "#"
    none_names: frozenset[str] = frozenset({"none"})
    keep_names: bool = False


def write_scan(request: ScanRequest) -> list[str]:
    """Scan, write the files, and return the lines that tell the user what happened."""
    for path in (request.output, request.ruler if request.project else None):
        if path is not None and path.exists() and not request.force:
            msg = f"{path}: already exists; pass --force to overwrite it or --output another file"
            raise ConfigError(msg)
    scan, traits, rules, untranslated = _scan(request)
    config = {**scan.config, "traits_dir": relative_to(traits, request.output)}
    _write(atomic_write_json, request.output, config)
    lines = _summary(request.output, config)
    if rules is not None:
        _write(atomic_write_json, request.ruler, {"rules": rules})
        lines.append(f"Wrote {request.ruler}: {len(rules)} rules")
    if scan.order_guessed:
        preview = request.output.with_name(ORDER_PREVIEW)
        _write(atomic_write_bytes, preview, order_preview(config, traits))
        lines.append(
            "The layer order is a guess (no numbered folders, no config.js, no --order): check "
            f"{preview}, one token stacked in that order, and fix it with --order A,B,C"
        )
    lines += [f"Note: {notice}" for notice in scan.notices]
    return lines + [f"Not translated: {line}" for line in untranslated]


def _scan(request: ScanRequest) -> tuple[Scan, Path, list[dict[str, Any]] | None, list[str]]:
    """The scan, the traits folder it read, the imported rules and what was not translated."""
    options = ScanOptions(request.delimiter, request.none_names, request.keep_names, request.order)
    if request.project is None:
        return scan_traits(request.traits, options), request.traits, None, []
    imported = import_project(request.project, keep_names=request.keep_names)
    scan = Scan(imported.config, imported.notices, order_guessed=False)
    return scan, request.project / "layers", imported.rules, imported.untranslated


def _summary(output: Path, config: dict[str, Any]) -> list[str]:
    options = sum(len(layer["options"]) for layer in config["traits"].values())
    width, height = config["image_size"]
    return [
        f"Wrote {output}: {len(config['trait_order'])} layers, {options} options, "
        f"{width}x{height} images",
        f"Layer order (bottom first): {', '.join(config['trait_order'])}",
    ]


def _write(write: Callable[[Path, Any], None], path: Path, content: Any) -> None:
    try:
        write(path, content)
    except OSError as exc:
        msg = f"{path}: cannot write it ({exc.strerror or exc}); choose another --output"
        raise ConfigError(msg) from None


def relative_to(folder: Path, config: Path) -> str:
    """`folder` as the config records it: relative to the config file's folder."""
    return Path(os.path.relpath(folder.resolve(), config.resolve().parent)).as_posix()


def order_preview(config: dict[str, Any], traits: Path) -> bytes:
    """A PNG of the first option of every layer stacked in the config's order (by z)."""
    stacked = []
    for position, name in enumerate(config["trait_order"]):
        layer = config["traits"][name]
        option = layer["options"][0]
        parts = option.get("parts") or [{"file": option["file"]}]
        folder = traits / layer.get("folder", name)
        stacked += [(p.get("z", 0), position, folder / p["file"]) for p in parts]
    files = [path for _, _, path in sorted(stacked, key=lambda item: item[:2])]
    width, height = config["image_size"]
    image = ImageProcessor(256, 64).composite(files, (width, height))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
