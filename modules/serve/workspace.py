"""The studio's confinement: every path a user gives must stay inside the workspace folder."""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.constants import TRAIT_IMAGE_EXTENSIONS
from modules.errors import ConfigError

STATE_DIR = ".genecator-studio"
# Never offered as trait folders: the studio's own state and tool folders full of stray images.
SKIPPED_DIRS = frozenset({STATE_DIR, ".venv", "node_modules", "__pycache__"})
DRIVE = re.compile(r"[A-Za-z]:")


def _real(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def _shown(text: str) -> str:
    """The path as typed, quoted when it holds characters that would hide or break the line."""
    return text if text and text.isprintable() and text.strip() == text else repr(text)


def _path_problem(text: str) -> str | None:
    """Why a typed workspace-relative path is refused before looking at the disk, if it is."""
    if not text:
        return "empty path"
    if "\x00" in text:
        return "contains a NUL byte"
    if text.startswith(("/", "\\")) or DRIVE.match(text):
        return "is an absolute path"
    if ".." in re.split(r"[/\\]", text):
        return "has a '..' component"
    return None


def _children(folder: Path) -> list[Path]:
    """The folder's visible entries, sorted; an unreadable or missing folder has none."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError:
        return []
    return [folder / name for name in names if not name.startswith(".")]


def _subdirs(folder: Path) -> list[Path]:
    return [
        child for child in _children(folder) if child.is_dir() and child.name not in SKIPPED_DIRS
    ]


@dataclass(frozen=True)
class Workspace:
    """The folder the studio may read and write; `root` is stored resolved and absolute."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", _real(self.root))

    @property
    def state_dir(self) -> Path:
        """The studio's own folder (database, collections, uploads), hidden from users."""
        return self.root / STATE_DIR

    def ensure(self) -> None:
        """Create the state folder and its collections/ and uploads/ folders."""
        for folder in (self.state_dir / "collections", self.state_dir / "uploads"):
            folder.mkdir(parents=True, exist_ok=True)

    def inside(self, relative: str) -> Path:
        """The resolved path of a workspace-relative path, refused if it could leave the
        workspace or reach the state folder; it need not exist."""
        reason = _path_problem(relative)
        # realpath only once the text is safe: it refuses a NUL, and '..' would be resolved away
        resolved = self.root if reason else _real(self.root / relative)
        reason = reason or self._place_problem(resolved)
        if reason:
            msg = f"{_shown(relative)}: {reason}; it must be a folder inside the workspace"
            raise ConfigError(msg)
        return resolved

    def _place_problem(self, resolved: Path) -> str | None:
        if not resolved.is_relative_to(self.root):
            return "resolves outside the workspace through a symbolic link"
        if resolved.is_relative_to(_real(self.state_dir)):
            return "is inside the studio's own state folder"
        return None

    def trait_folder(self, relative: str) -> Path:
        """`inside()`, and the folder must hold at least one layer folder of images."""
        folder = self.inside(relative)
        if self._layer_counts(folder)[0] == 0:
            msg = (
                f"{_shown(relative)}: not a traits folder: it needs one sub-folder of PNG or "
                "GIF images per layer"
            )
            raise ConfigError(msg)
        return folder

    def relative(self, path: Path) -> str:
        """`path` as a POSIX path relative to the workspace root ('.' for the root)."""
        return path.relative_to(self.root).as_posix()

    def trait_folders(self, max_depth: int = 2) -> list[dict[str, Any]]:
        """Every folder up to `max_depth` below the root that looks like a traits folder,
        sorted by path, with its number of layer folders and images."""
        found = []
        for folder in self._walk(self.root, max_depth):
            layers, images = self._layer_counts(folder)
            if layers:
                found.append({"path": self.relative(folder), "layers": layers, "images": images})
        return sorted(found, key=lambda entry: entry["path"])

    def _walk(self, folder: Path, depth: int) -> Iterator[Path]:
        # Linked folders are not walked: a link may lead out of the root or round in a loop.
        yield folder
        if depth > 0:
            for child in _subdirs(folder):
                if not child.is_symlink():
                    yield from self._walk(child, depth - 1)

    def _contains(self, path: Path) -> bool:
        real = _real(path)
        return real.is_relative_to(self.root) and not real.is_relative_to(_real(self.state_dir))

    def _layer_counts(self, folder: Path) -> tuple[int, int]:
        """(sub-folders holding images, images in them); links leading out are not counted."""
        layers = images = 0
        for sub in _subdirs(folder):
            if not self._contains(sub):
                continue
            count = sum(1 for file in _children(sub) if self._is_image(file))
            layers += count > 0
            images += count
        return layers, images

    def _is_image(self, path: Path) -> bool:
        return (
            path.suffix.lower() in TRAIT_IMAGE_EXTENSIONS
            and path.is_file()
            and self._contains(path)
        )
