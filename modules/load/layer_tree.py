"""Read one layer folder as HashLips, nftchef, AE2 and Genecator users lay it out, into the
ways the layer can come out (its options) with their exact chances.

- Files directly in the layer folder are options: weighted by `#N`, `__wN` or a Genecator
  suffix, else equally (3, or 1 beside `#N` weights, as HashLips).
- Inside a sub-folder (nftchef nesting), weighted entries are one weighted draw (a weighted
  folder is a branch, drawn from recursively) and unweighted entries are required: an
  unweighted file is a part drawn with the rest, an unweighted folder is always entered.
  Chances multiply down the tree, so flattening the tree into options is exact.
- An entry named NONE (configurable; its file may be empty or transparent) draws nothing;
  the share of draws that come out empty is the layer's chance to be absent.
- `z<N>,` prefixes (and AE2 `__zN`) set a part's stacking height; a folder's z passes to
  what it holds unless they set their own (nftchef). A root layer folder's z is ignored.

The value metadata shows is the name of the deepest weighted choice (nftchef's value for a
nested trait); the option name, which rules use, is the path of choices ('Rare/Blue').
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from modules.constants import DEFAULT_OPTION_RARITY, TRAIT_IMAGE_EXTENSIONS
from modules.load.folder_conventions import EntryName, EntryNameError, parse_entry_name
from modules.load.validation import is_plain_name, nfc

HASHLIPS_DEFAULT_WEIGHT = 1.0
MAX_OUTCOMES = 10_000  # ways one layer can come out; more is a folder tree gone wrong
IGNORED_NAMES = frozenset({"__MACOSX", "Thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class Outcome:
    """One way a layer can come out: its parts (paths relative to the layer folder, with
    their z), the choices that led to it, and its chance."""

    parts: tuple[tuple[str, int | None], ...]
    choices: tuple[str, ...]
    chance: float

    @property
    def name(self) -> str:
        return "/".join(self.choices)

    @property
    def value(self) -> str:
        return self.choices[-1]


@dataclass
class ScannedLayer:
    """A layer folder read as outcomes weighted in the units of its top-level weights;
    `absent` is the weight of drawing nothing, `files` every image it uses, and
    `rarity_style` says all its options are plain files with Genecator rarities (1-5)."""

    outcomes: list[Outcome] = field(default_factory=list)
    absent: float = 0.0
    rarity_style: bool = False
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NameRules:
    """How entry names are read: the rarity delimiter and the names that mean "nothing";
    `boundary` is the traits folder, which no entry may link out of."""

    delimiter: str = "#"
    none_names: frozenset[str] = frozenset({"none"})
    boundary: Path | None = None


@dataclass(frozen=True)
class _Entry:
    path: Path
    name: EntryName

    @property
    def is_dir(self) -> bool:
        return self.path.is_dir()


Draw = tuple[float, tuple[tuple[str, int | None], ...], tuple[str, ...]]  # chance, parts, choices


class TooManyOutcomes(Exception):
    """Nested folders multiply into more outcomes than one layer can list."""


def scan_layer(folder: Path, rules: NameRules | None = None) -> ScannedLayer:
    """Read `folder` (one layer) into its outcomes; problems are collected, not raised."""
    rules = rules or NameRules()
    scanned = ScannedLayer()
    entries = _entries(folder, rules, scanned)
    delimited = any(e.name.weight_source == "delimiter" for e in entries)
    default = HASHLIPS_DEFAULT_WEIGHT if delimited else float(DEFAULT_OPTION_RARITY)
    weighted = [e for e in entries if e.name.weight is not None or not e.is_dir]
    required = [e for e in entries if e.name.weight is None and e.is_dir]
    scanned.rarity_style = not required and all(
        not e.is_dir and not e.name.is_none and e.name.weight_source in ("suffix", "none")
        for e in entries
    )
    try:
        # top-level weights stay as written, so a flat folder's options keep their rarities
        draws = _choose(folder, weighted, rules, scanned, default, None, normalise=False)
        for entry in required:
            draws = _combine(draws, _draws_inside(folder, entry, rules, scanned, None))
    except TooManyOutcomes:
        scanned.problems.append(
            f"{folder}: more than {MAX_OUTCOMES} ways to draw this layer from its nested "
            "folders; split it into several layers"
        )
        return scanned
    _collect(folder, draws, scanned)
    return scanned


def _entries(folder: Path, rules: NameRules, scanned: ScannedLayer) -> list[_Entry]:
    """The usable entries of a folder in natural name order; the others are noted."""
    entries = []
    for path in sorted(folder.iterdir(), key=lambda p: natural_key(p.name)):
        if path.name.startswith(".") or path.name in IGNORED_NAMES:
            continue
        if path.is_file() and path.suffix.lower() not in TRAIT_IMAGE_EXTENSIONS:
            scanned.notices.append(f"{path}: not a .png, .gif, .webp or .jpg image; ignored")
            continue
        problem = name_problem(path) or outside_problem(rules.boundary or folder, path)
        if problem is not None:
            scanned.problems.append(problem)
            continue
        try:
            name = parse_entry_name(
                nfc(path.name),
                is_file=path.is_file(),
                delimiter=rules.delimiter,
                none_names=rules.none_names,
            )
        except EntryNameError as exc:
            _refuse(path, exc, scanned)
            continue
        entries.append(_Entry(path, name))
    return entries


def _refuse(path: Path, error: EntryNameError, scanned: ScannedLayer) -> None:
    if error.kind == "zero":  # nftchef: reachable only through forcedCombinations
        scanned.notices.append(
            f"{path}: weight 0 (nftchef's 'only when forced'); left out, as forced "
            "combinations are not translated"
        )
    else:
        scanned.problems.append(f"{path}: {error}")


def _choose(
    root: Path,
    weighted: Sequence[_Entry],
    rules: NameRules,
    scanned: ScannedLayer,
    default: float,
    z: int | None,
    normalise: bool = True,
) -> list[Draw]:
    """One weighted draw among `weighted`: each entry's draws scaled by its share (or by
    its weight itself, unnormalised)."""
    if not weighted:
        return [(1.0, (), ())]
    total = sum(e.name.weight or default for e in weighted) if normalise else 1.0
    draws: list[Draw] = []
    for entry in weighted:
        share = (entry.name.weight or default) / total
        if entry.is_dir:
            inner = _draws_inside(root, entry, rules, scanned, z)
            draws += [(share * c, parts, (entry.name.display, *ch)) for c, parts, ch in inner]
        elif entry.name.is_none:
            draws.append((share, (), ()))
        else:
            scanned.files.append(entry.path)
            part = (entry.path.relative_to(root).as_posix(), _z(entry.name, z))
            draws.append((share, (part,), (entry.name.display,)))
    return draws


def _draws_inside(
    root: Path, entry: _Entry, rules: NameRules, scanned: ScannedLayer, z: int | None
) -> list[Draw]:
    """Entering a sub-folder: its required files always, its required folders always, one
    weighted draw among the rest (nftchef's nesting)."""
    z = _z(entry.name, z)
    inside = _entries(entry.path, rules, scanned)
    weighted = [e for e in inside if e.name.weight is not None or e.name.is_none]
    required = [e for e in inside if e not in weighted]
    base = _required_parts(root, [e for e in required if not e.is_dir], scanned, z)
    draws = _choose(root, weighted, rules, scanned, HASHLIPS_DEFAULT_WEIGHT, z)
    draws = [(c, base + parts, ch) for c, parts, ch in draws]
    for folder in (e for e in required if e.is_dir):
        draws = _combine(draws, _draws_inside(root, folder, rules, scanned, z))
    return draws


def _required_parts(
    root: Path, files: Sequence[_Entry], scanned: ScannedLayer, z: int | None
) -> tuple[tuple[str, int | None], ...]:
    """The parts drawn whenever their folder is entered."""
    scanned.files += [entry.path for entry in files]
    return tuple((e.path.relative_to(root).as_posix(), _z(e.name, z)) for e in files)


def _combine(first: list[Draw], second: list[Draw]) -> list[Draw]:
    """Two independent draws made together."""
    combined = [(c1 * c2, p1 + p2, ch1 + ch2) for c1, p1, ch1 in first for c2, p2, ch2 in second]
    if len(combined) > MAX_OUTCOMES:
        raise TooManyOutcomes
    return combined


def _z(name: EntryName, inherited: int | None) -> int | None:
    return name.z if name.z is not None else inherited


def _collect(folder: Path, draws: list[Draw], scanned: ScannedLayer) -> None:
    """Draws with parts become outcomes, empty ones the layer's absence; two outcomes may
    not share a name (rules and metadata could not tell them apart)."""
    named: dict[str, Outcome] = {}
    for chance, parts, choices in draws:
        if not parts:
            scanned.absent += chance
            continue
        outcome = Outcome(parts, choices or (Path(parts[0][0]).stem,), chance)
        other = named.get(outcome.name)
        if other is None:
            named[outcome.name] = outcome
            continue
        clash = ""
        if nfc(other.parts[0][0]) == nfc(parts[0][0]):
            clash = " (the same name in another Unicode form)"
        scanned.problems.append(
            f"{folder / parts[0][0]}: option name '{outcome.name}' is also used by "
            f"{Path(other.parts[0][0]).name}{clash}; rename one"
        )
    scanned.outcomes = list(named.values())


def name_problem(path: Path) -> str | None:
    """Names must survive JSON and terminals: valid UTF-8, no control characters."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        return f"{path}: name is not valid UTF-8; rename it"
    if not is_plain_name(path.name):
        return f"{path}: name has control characters; rename it"
    return None


def outside_problem(boundary: Path, path: Path) -> str | None:
    """A link leaving the traits folder would be refused by the generator; say so now."""
    if not path.exists() or path.resolve().is_relative_to(boundary.resolve()):
        return None
    return f"{path}: links outside {boundary}; copy it into {boundary}"


def natural_key(name: str) -> list[object]:
    """Sort key that puts '2_Body' before '10_Hat' and ignores case."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]
