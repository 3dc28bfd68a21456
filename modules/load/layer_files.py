"""Find every option's image files in its layer folder: its `file`, its `parts`, or its name
plus an image extension. Case and Unicode normalization are ignored; nothing may lie outside
the traits folder. Parts inherit z, blend and opacity from their option and layer."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.constants import DEFAULT_OPTION_RARITY, TRAIT_IMAGE_EXTENSIONS
from modules.load.spec import BlendMode, Part, TraitOption
from modules.load.validation import did_you_mean, is_plain_name, nfc


@dataclass(frozen=True)
class LayerFolder:
    """One layer's folder and its entries by folded name."""

    traits_dir: Path
    path: Path
    listing: dict[str, Path]

    @classmethod
    def find(cls, traits_dir: Path, name: str) -> "LayerFolder":
        """The folder `name` in `traits_dir`; a name differing only in Unicode normalization
        matches. A missing folder has no listing (its problem is reported by the caller)."""
        path = traits_dir / name
        if not path.is_dir():
            wanted = nfc(name)
            path = next((p for p in listing(traits_dir) if nfc(p.name) == wanted), path)
        return cls(traits_dir, path, {folded(p.name): p for p in listing(path)})

    @property
    def exists(self) -> bool:
        return self.path.is_dir()


def listing(folder: Path) -> list[Path]:
    """A folder's entries, sorted; none when it is missing or cannot be listed (the missing
    folder or file is reported where it is needed)."""
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def folded(name: str) -> str:
    return nfc(name).lower()


def is_plain_path(name: str) -> bool:
    """A relative path of plain names ('Hat.png', 'Long#20/back.png'): it stays in its folder."""
    return all(is_plain_name(part) for part in name.split("/"))


def layer_options(
    folder: LayerFolder, layer: dict[str, Any], where_layer: str
) -> tuple[list[TraitOption], list[Path], list[str]]:
    """The layer's options (kept even when a file is missing, so rules naming them are not
    reported twice), the files found, and the problems."""
    options: list[TraitOption] = []
    found: list[Path] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(layer["options"]):
        where = f"{where_layer}.options[{index}]"
        name = entry["name"]
        if nfc(name) in seen:
            problems.append(
                f"{where}.name: duplicate option '{name}' (see options[{seen[nfc(name)]}])"
            )
            continue
        seen[nfc(name)] = index
        parts: list[Part] = []
        for file_names, part, part_where in _part_entries(entry, where):
            path, problem = _part_file(folder, file_names, part_where)
            if problem is None:
                found.append(path)
            elif folder.exists:
                problems.append(problem)
            parts.append(_part(path, (part, entry, layer)))
        weight = entry.get("weight", entry.get("rarity", DEFAULT_OPTION_RARITY))
        options.append(TraitOption(name, tuple(parts), weight, entry.get("display_name")))
    return options, found, problems


def _part_entries(entry: dict[str, Any], where: str) -> list[tuple[list[str], dict[str, Any], str]]:
    """(candidate file names, the part's own settings, where) of each part of an option."""
    if "parts" in entry:
        return [([p["file"]], p, f"{where}.parts[{i}]") for i, p in enumerate(entry["parts"])]
    if "file" in entry:
        return [([entry["file"]], {}, where)]
    return [([entry["name"] + ext for ext in TRAIT_IMAGE_EXTENSIONS], {}, where)]


def _part(path: Path, sources: tuple[dict[str, Any], ...]) -> Part:
    """A part drawn as its own settings say, else its option's, else its layer's; opacities
    multiply."""
    z = next((source["z"] for source in sources if "z" in source), 0)
    blend: BlendMode = next((s["blend"] for s in sources if "blend" in s), "normal")
    opacity = 1.0
    for source in sources:
        opacity *= source.get("opacity", 1.0)
    return Part(path, z=z, blend=blend, opacity=opacity)


def _part_file(folder: LayerFolder, names: list[str], where: str) -> tuple[Path, str | None]:
    """The image file of a part; with a problem, the path returned is only the expected one."""
    expected = folder.path / names[0]
    unsafe = [name for name in names if not is_plain_path(name)]
    if unsafe:
        return expected, f"{where}.file: '{unsafe[0]}' must be a file name inside {folder.path}"
    for name in names:
        path = folder.path / name
        if not _present(path) and "/" not in name:
            path = folder.listing.get(folded(name), path)
        if not _present(path):
            continue
        if not path.is_file():
            return path, (
                f"{where}.file: {path} is not a regular file (a folder, pipe, device or "
                "broken link); put the image file there"
            )
        return path, _outside_problem(folder.traits_dir, path, where)
    hint = did_you_mean(names[0], [path.name for path in folder.listing.values()])
    wanted = names[0] if len(names) == 1 else f"{names[0]} (or {', '.join(names[1:])})"
    return expected, f"{where}: no file {wanted} in {folder.path}{hint}"


def _present(path: Path) -> bool:
    """Whether something is at `path`, a broken link included (it is reported as one)."""
    return path.exists() or path.is_symlink()


def _outside_problem(traits_dir: Path, path: Path, where: str) -> str | None:
    if path.resolve().is_relative_to(traits_dir.resolve()):
        return None
    return f"{where}.file: {path} links outside {traits_dir}; copy the image into it"
