"""What the import's translators share: the state of one import, the names lines use and small
helpers for paths and values as config.js wrote them.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.load.js.values import Unsupported
from modules.load.validation import nfc

LABEL = "src/config.js"  # how lines name the file: as the project's own docs do
HASHLIPS, NFTCHEF = "hashlips", "nftchef"
DEFAULT_EMPTY_LAYER_NAME = "NONE"  # nftchef's emptyLayerName when config.js has none
FIRST_SET = "layerConfigurations[0]"
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


@dataclass
class ImportState:
    """The state of one import while the settings are translated one by one."""

    kind: str
    exports: dict[str, Any]
    layers_dir: Path
    config: dict[str, Any] = field(default_factory=dict)
    layer_of_folder: dict[str, str] = field(default_factory=dict)  # NFC folder name → layer
    entries: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)  # paths whose Unsupported values are explained

    def note(self, path: str, message: str) -> None:
        self.notices.append(f"{LABEL}: {path}: {message}")

    def skip(self, path: str, message: str) -> None:
        """One untranslated line for `path`; its Unsupported values need no line of their own."""
        self.untranslated.append(f"{LABEL}: {path}: {message}")
        self.covered.add(path)

    @property
    def traits(self) -> dict[str, Any]:
        return self.config["traits"]

    @property
    def metadata(self) -> dict[str, Any]:
        return self.config.setdefault("metadata", {})

    def options(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for layer, document in self.traits.items():
            for option in document["options"]:
                yield layer, option


Handler = Callable[[ImportState, str, Any], None]


def rarity_delimiter(state: ImportState) -> str:
    delimiter = state.exports.get("rarityDelimiter", "#")
    return delimiter if isinstance(delimiter, str) and delimiter else "#"


def empty_layer_name(state: ImportState) -> str:
    empty = state.exports.get("emptyLayerName", DEFAULT_EMPTY_LAYER_NAME)
    return empty if isinstance(empty, str) and empty else DEFAULT_EMPTY_LAYER_NAME


def option_choices(option: dict[str, Any]) -> list[str]:
    """The choices that lead to an option ('Shirt/Red'), as nftchef's clean names."""
    return [nfc(choice) for choice in option["name"].split("/")]


def key_path(path: str, key: str) -> str:
    """A key appended to a path, as the js reader writes paths (`a.b`, `a["b c"]`)."""
    if IDENTIFIER.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def template_literal(text: str) -> str:
    """`text` inside a name template, its braces escaped."""
    return text.replace("{", "{{").replace("}", "}}")


def as_written(value: Any) -> str:
    """A value as config.js wrote it."""
    if isinstance(value, Unsupported):
        return value.source or value.description
    return json.dumps(value, ensure_ascii=False)
