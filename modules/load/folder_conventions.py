"""What a trait file or folder name says under the conventions of HashLips Art Engine, nftchef's
art-engine, HashLips Art Engine 2 (AE2) and Genecator itself: name, weight, z position.

Pure functions of one name; nothing here reads the disk.

How one name is read, in this order:

1. A file's extension comes off (`.png`; a purely numeric tail such as `.5` is not one).
2. A leading nftchef z-prefix `z-1,` / `z2,` gives `z`.
3. AE2 parameters `__w10`, `__z-2`, `__x5`, `__y5`, `__tTrait__vValue` come off the end, but
   only when every `__` part is one (so `Laser__Eyes` stays a name).
4. The rarity delimiter (HashLips/nftchef `#`, or the configured `rarityDelimiter`): the text
   after its last occurrence is the weight.
5. Only a file without a weight from 3 or 4 may end in a Genecator suffix (`_Rare`, `_1` …).

An explicit number wins over a Genecator word: `Laser_Rare#20.png` is option `Laser_Rare` with
weight 20, the name HashLips itself shows, and it cannot collide with a `Laser#50.png` beside it.
Folders never take Genecator suffixes: in nftchef an unweighted folder is "required", and reading
`Hair_2` as weight 2 would silently turn it into a weighted choice.
"""

import math
import re
from dataclasses import dataclass

from modules.constants import RARITY_DIGITS, RARITY_WORDS

WEIGHT_SOURCES = ("delimiter", "ae2", "suffix", "none")
DEFAULT_NONE_NAMES = frozenset({"none"})

# An extension has at least one letter, so the '.5' of 'Name#0.5' (no extension) is kept.
_EXTENSION = re.compile(r"\.(?=[0-9]*[A-Za-z])[0-9A-Za-z]+$")
_Z_PREFIX = re.compile(r"z(-?[0-9]+),")
_Z_WITHOUT_NUMBER = re.compile(r"z-?,")
# Decimal numbers as JavaScript's Number() reads them; float() alone would also take 'nan',
# 'inf' and '1_0', which no engine treats as a weight.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER_START = re.compile(r"[+-]?\.?[0-9]")
_AE2_NUMERIC = re.compile(r"[wxyz][+-]?\.?[0-9]")
_AE2_TEXT = re.compile(r"[tv].+", re.DOTALL)
_NUMBERED_FOLDER = re.compile(r"([0-9]+)[-_.\s]+(.+)", re.DOTALL)
# Characters that ordinary names contain: a delimiter made of them ('_', '_w', '-') only
# counts when a number follows it, so 'Snow_white' is not a bad weight for delimiter '_w'.
_NAME_CHARACTERS = frozenset("_-. ")


class EntryNameError(ValueError):
    """A name that gives an unusable weight or position; `kind` says which problem it is
    (e.g. "zero", which nftchef uses for items that appear only through forcedCombinations)."""

    def __init__(self, entry: str, kind: str, message: str) -> None:
        self.entry = entry
        self.kind = kind
        super().__init__(f'"{entry}": {message}')


@dataclass(frozen=True)
class EntryName:
    """What one file or folder name says. `z` is the number as written: absolute and
    inherited by children in nftchef, relative to the layer folder's own `__z` in AE2."""

    display: str
    weight: float | None
    z: int | None
    is_none: bool
    weight_source: str
    offset: tuple[int, int] | None = None  # AE2 __x/__y: where the image is drawn
    edge_case: tuple[str, str] | None = None  # AE2 __t/__v: the trait and value it is for


@dataclass
class _Reading:
    """The parts of a name while it is taken apart, outside in."""

    entry: str
    stem: str
    extension: str
    weight: float | None = None
    weight_source: str = "none"
    weight_text: str = ""
    z: int | None = None
    offset: tuple[int, int] | None = None
    edge_case: tuple[str, str] | None = None


def parse_entry_name(
    name: str,
    *,
    is_file: bool,
    delimiter: str = "#",
    none_names: frozenset[str] = DEFAULT_NONE_NAMES,
) -> EntryName:
    """Read one file or folder name (see the module docstring for the order); raises
    EntryNameError (a ValueError) naming the entry and what to write instead."""
    if not delimiter:
        raise ValueError("the rarity delimiter must not be empty")
    match = _EXTENSION.search(name) if is_file else None
    extension = match.group() if match and match.start() > 0 else ""
    reading = _Reading(name, name[: len(name) - len(extension)].strip(), extension)
    _take_z_prefix(reading)
    _take_ae2_parameters(reading)
    _take_delimiter_weight(reading, delimiter)
    if is_file and reading.weight is None:
        _take_genecator_suffix(reading)
    display = reading.stem.strip()
    if not display:
        example = f"Blue{delimiter}50{extension}"
        raise EntryNameError(
            name, "empty-name", f'no name is left; name the trait, e.g. "{example}"'
        )
    folded = {none_name.casefold() for none_name in none_names}
    return EntryName(
        display=display,
        weight=reading.weight,
        z=reading.z,
        is_none=display.casefold() in folded,
        weight_source=reading.weight_source,
        offset=reading.offset,
        edge_case=reading.edge_case,
    )


def parse_layer_folder(name: str) -> tuple[int | None, str]:
    """The order number and name of a layer folder: '01_Body' -> (1, 'Body'). The number must
    be followed by '-', '_', '.' or whitespace and a name with a letter ('3D Glasses' and
    '2024-2025' are names)."""
    stripped = name.strip()
    match = _NUMBERED_FOLDER.fullmatch(stripped)
    if match is None or not any(char.isalpha() for char in match.group(2)):
        return None, stripped
    return int(match.group(1)), match.group(2).strip()


def readable_name(name: str) -> str:
    """A display name from a file name: underscores become spaces and runs of whitespace one
    space; case and hyphens stay ('T-Shirt', 'X-Ray'). A name of only separators is kept."""
    readable = re.sub(r"\s+", " ", name.replace("_", " ")).strip()
    return readable or name


def _take_z_prefix(reading: _Reading) -> None:
    """nftchef's `z2,` / `z-1,` at the start of the name."""
    match = _Z_PREFIX.match(reading.stem)
    if match:
        reading.z = int(match.group(1))
        reading.stem = reading.stem[match.end() :]
    elif _Z_WITHOUT_NUMBER.match(reading.stem):
        # nftchef itself crashes on 'z,'; the creator clearly meant a position.
        rest = reading.stem.split(",", 1)[1] + reading.extension
        message = f'the z-prefix has no number; write e.g. "z1,{rest}" or "z-1,{rest}"'
        raise EntryNameError(reading.entry, "z", message)


def _take_ae2_parameters(reading: _Reading) -> None:
    """AE2's `Name__w10__z-2…`, when every part after the first `__` is a parameter."""
    head, *parts = reading.stem.split("__")
    if not parts or not all(_is_ae2_part(part) for part in parts):
        return
    params = {part[0]: part[1:] for part in parts}
    if ("t" in params) != ("v" in params):
        return  # an edge case needs both; 'Hat__tall' is just a name
    reading.stem = head
    if "w" in params:
        reading.weight = _weight(reading, params["w"], "__w")
        reading.weight_source = "ae2"
        reading.weight_text = f"__w{params['w']}"
    if "z" in params:
        reading.z = _ae2_integer(reading, "z", params["z"])
    if "x" in params or "y" in params:
        x, y = (_ae2_integer(reading, key, params.get(key, "0")) for key in ("x", "y"))
        reading.offset = (x, y)
    if "t" in params:
        reading.edge_case = (params["t"], params["v"])


def _is_ae2_part(part: str) -> bool:
    return bool(_AE2_NUMERIC.match(part) or _AE2_TEXT.fullmatch(part))


def _ae2_integer(reading: _Reading, key: str, text: str) -> int:
    if not _INTEGER.fullmatch(text):
        message = f'"__{key}{text}" needs a whole number; write e.g. "__{key}1"'
        raise EntryNameError(reading.entry, "offset", message)
    if key == "z" and reading.z is not None:
        message = f'two z positions ("z{reading.z}," and "__z{text}"); keep one of them'
        raise EntryNameError(reading.entry, "conflict", message)
    return int(text)


def _take_delimiter_weight(reading: _Reading, delimiter: str) -> None:
    """HashLips/nftchef `Name#70`: the text after the last delimiter is the weight."""
    head, found, tail = reading.stem.rpartition(delimiter)
    tail = tail.strip()
    if not found or not _is_weight_attempt(delimiter, tail):
        return
    if reading.weight is not None:
        message = f'two weights ("{delimiter}{tail}" and "{reading.weight_text}"); keep one of them'
        raise EntryNameError(reading.entry, "conflict", message)
    reading.stem = head
    reading.weight = _weight(reading, tail, delimiter)
    reading.weight_source = "delimiter"


def _is_weight_attempt(delimiter: str, tail: str) -> bool:
    """Whether the text after a delimiter was meant as a weight (see _NAME_CHARACTERS)."""
    if _NUMBER_START.match(tail):
        return True
    return not any(char.isalnum() or char in _NAME_CHARACTERS for char in delimiter)


def _weight(reading: _Reading, text: str, marker: str) -> float:
    """A positive finite weight from the text after `marker`, or an error saying what to write."""
    fix = "write a positive weight such as"
    name = reading.stem.strip() or "Name"

    def example(weight: str) -> str:
        return f'"{name}{marker}{weight}{reading.extension}"'

    if not text:
        message = f'nothing follows "{marker}"; {fix} {example("10")}, or take "{marker}" out'
        raise EntryNameError(reading.entry, "empty", message)
    if not _NUMBER.fullmatch(text):
        message = f'"{text}" after "{marker}" is not a number; {fix} {example("10")}'
        raise EntryNameError(reading.entry, "not-a-number", f'{message}, or take "{marker}" out')
    weight = float(text)
    if not math.isfinite(weight):
        message = f"weight {text} is not a finite number; {fix} {example('10')}"
        raise EntryNameError(reading.entry, "not-finite", message)
    if weight < 0:
        message = f"weight {text} is negative; {fix} {example(text.lstrip('-'))}"
        raise EntryNameError(reading.entry, "negative", message)
    if weight == 0:
        message = f"weight {text} means it is never drawn; {fix} {example('1')}, or remove it"
        raise EntryNameError(reading.entry, "zero", message)
    return weight


def _take_genecator_suffix(reading: _Reading) -> None:
    """Genecator's `_Rare` / `_1` … as the last `_` part (DESIGN.md §3), as trait_scan reads it."""
    head, separator, tail = reading.stem.rpartition("_")
    rarity = RARITY_WORDS.get(tail.lower()) or RARITY_DIGITS.get(tail)
    if separator and head.strip() and rarity is not None:
        reading.stem = head
        reading.weight = float(rarity)
        reading.weight_source = "suffix"
