"""Opening and checking trait image files: one implementation for scan, preflight and render."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from modules.errors import TraitFileError

# Modes that convert to RGBA without changing colours; others (CMYK, 16-bit, float) are refused.
SUPPORTED_MODES = frozenset({"RGBA", "RGB", "P", "PA", "L", "LA", "1"})


@dataclass(frozen=True)
class TraitImageInfo:
    """What preflight needs to know about one decoded trait file."""

    size: tuple[int, int]
    mode: str
    frames: int


def inspect_trait_image(path: Path) -> TraitImageInfo:
    """Fully decode `path` (so truncation is caught) and report its size, mode and frames."""
    try:
        if path.stat().st_size == 0:
            raise TraitFileError(f"{path}: file is empty (0 bytes); re-export it")
        with Image.open(path) as image:
            image.load()
            return TraitImageInfo(image.size, image.mode, getattr(image, "n_frames", 1))
    except FileNotFoundError:
        raise TraitFileError(f"{path}: file not found") from None
    except UnidentifiedImageError:
        raise TraitFileError(f"{path}: not an image Pillow can read; re-export it as PNG") from None
    except Image.DecompressionBombError as exc:
        raise TraitFileError(f"{path}: refused as a decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise TraitFileError(f"{path}: cannot decode it ({exc}); re-export it") from None


def trait_image_problems(path: Path, expected_size: tuple[int, int] | None) -> list[str]:
    """Reasons `path` cannot be used as a trait layer of `expected_size` (empty when fine)."""
    try:
        info = inspect_trait_image(path)
    except TraitFileError as exc:
        return list(exc.problems)
    return info_problems(path, info, expected_size)


def info_problems(
    path: Path, info: TraitImageInfo, expected_size: tuple[int, int] | None
) -> list[str]:
    """Reasons an image with `info` cannot be a trait layer of `expected_size`."""
    problems = []
    if expected_size is not None and info.size != expected_size:
        problems.append(
            f"{path}: image is {info.size[0]}x{info.size[1]} but image_size is "
            f"{expected_size[0]}x{expected_size[1]}; resize it or fix image_size"
        )
    if info.mode not in SUPPORTED_MODES:
        problems.append(f"{path}: colour mode {info.mode} is not supported; save it as RGBA PNG")
    if info.frames > 1:
        problems.append(
            f"{path}: animated images ({info.frames} frames) are not supported yet; "
            "use a still PNG or GIF"
        )
    return problems


def decode_layer(path: Path) -> Image.Image:
    """Decode a trait file as an RGBA image (first frame of a GIF)."""
    try:
        with Image.open(path) as image:
            image.load()
            return image.convert("RGBA")
    except FileNotFoundError:
        msg = f"{path}: file not found (removed or renamed after the run started?)"
        raise TraitFileError(msg) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise TraitFileError(f"{path}: cannot decode it ({exc}); re-export it") from None


def visible_share(path: Path) -> float:
    """Fraction of pixels that are not fully transparent (first frame)."""
    image = decode_layer(path)
    transparent = image.getchannel("A").histogram()[0]
    return 1 - transparent / (image.width * image.height)


def file_digest(path: Path) -> str:
    """SHA-256 of a trait file's bytes ('' when it cannot be read; preflight reports why)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
