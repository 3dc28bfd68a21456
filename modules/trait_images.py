"""Opening and checking trait image files: one implementation for scan, preflight and render.
Animated GIF, APNG and WebP traits are read frame by frame; a one-frame file is static."""

import hashlib
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from modules.errors import TraitFileError

# Modes that convert to RGBA without changing colours; others (CMYK, 16-bit, float) are refused.
SUPPORTED_MODES = frozenset({"RGBA", "RGB", "P", "PA", "L", "LA", "1"})
# What Pillow raises on damaged data (truncated GIF frames raise struct.error or IndexError).
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)
# Browsers show a frame of 0 ms (or none given) for 100 ms; so do we.
DEFAULT_FRAME_MS = 100
MAX_TRAIT_FRAMES = 600


@dataclass(frozen=True)
class TraitImageInfo:
    """What preflight needs to know about one decoded trait file."""

    size: tuple[int, int]
    mode: str
    durations: tuple[int, ...]  # one per frame, in ms
    loop: int | None  # GIF/WebP loop count (0 = forever); None = not given
    alpha_range: tuple[int, int] = (255, 255)  # lowest and highest alpha over all frames
    colour_profile: bool = False
    sixteen_bit: bool = False

    @property
    def frames(self) -> int:
        return len(self.durations)


@dataclass(frozen=True)
class DecodedLayer:
    """A trait's RGBA frames (one for a still image) with their durations in ms."""

    frames: tuple[Image.Image, ...]
    durations: tuple[int, ...]
    loop: int | None

    @property
    def animated(self) -> bool:
        return len(self.frames) > 1

    @property
    def nbytes(self) -> int:
        return sum(frame.width * frame.height * 4 for frame in self.frames)


def inspect_trait_image(path: Path) -> TraitImageInfo:
    """Fully decode every frame of `path` (so truncation is caught) and describe it."""
    with _opened(path) as image:
        sixteen_bit = any(";16" in str(tile.args) for tile in getattr(image, "tile", []))
        durations, alphas = [], []
        for frame in _loaded_frames(image):
            durations.append(_duration(frame))
            alphas += frame.convert("RGBA").getchannel("A").getextrema()
        return TraitImageInfo(
            size=image.size,
            mode=image.mode,
            durations=tuple(durations),
            loop=image.info.get("loop"),
            alpha_range=(min(alphas), max(alphas)),
            colour_profile=bool(image.info.get("icc_profile")),
            sixteen_bit=sixteen_bit or image.mode.startswith("I;16"),
        )


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
    if info.frames > MAX_TRAIT_FRAMES:
        problems.append(
            f"{path}: {info.frames} frames is more than {MAX_TRAIT_FRAMES}; shorten the animation"
        )
    return problems


def info_warnings(path: Path, info: TraitImageInfo, bottom: bool) -> list[str]:
    """Things that are allowed but usually mistakes: colours that will shift, or a layer that
    hides everything under it or draws nothing."""
    warnings = []
    if info.colour_profile:
        warnings.append(
            f"{path}: has an embedded colour profile, which compositing ignores, so colours "
            "may shift; convert it to sRGB and save it without the profile"
        )
    if info.sixteen_bit:
        warnings.append(f"{path}: 16 bits per channel are cut to 8; save it as 8-bit")
    if not bottom and info.alpha_range[0] == 255:
        warnings.append(
            f"{path}: fully opaque, so it hides every layer below it; "
            "give it a transparent background or move its layer to the bottom"
        )
    if info.alpha_range[1] == 0:
        warnings.append(
            f"{path}: fully transparent, so it draws nothing (fine for a 'none' option)"
        )
    return warnings


def decode_layer(path: Path) -> DecodedLayer:
    """Decode a trait file into RGBA frames (a still image gives one frame)."""
    with _opened(path) as image:
        frames, durations = [], []
        for frame in _loaded_frames(image):
            frames.append(frame.convert("RGBA"))
            durations.append(_duration(frame))
        return DecodedLayer(tuple(frames), tuple(durations), image.info.get("loop"))


@contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    """Open an image, turning every way a file can be unusable into one TraitFileError."""
    try:
        if path.stat().st_size == 0:
            raise TraitFileError(f"{path}: file is empty (0 bytes); re-export it")
        with Image.open(path) as image:
            yield image
    except FileNotFoundError:
        msg = f"{path}: file not found (removed or renamed after it was checked?)"
        raise TraitFileError(msg) from None
    except UnidentifiedImageError:
        raise TraitFileError(f"{path}: not an image Pillow can read; re-export it as PNG") from None
    except Image.DecompressionBombError as exc:
        raise TraitFileError(f"{path}: refused as a decompression bomb ({exc})") from None
    except DECODE_ERRORS as exc:
        raise TraitFileError(f"{path}: cannot decode it ({exc}); re-export it") from None


def _loaded_frames(image: Image.Image) -> Iterator[Image.Image]:
    for frame in ImageSequence.Iterator(image):
        frame.load()
        yield frame


def _duration(frame: Image.Image) -> int:
    return int(frame.info.get("duration") or DEFAULT_FRAME_MS)


def visible_share(path: Path) -> float:
    """Fraction of pixels that are not fully transparent (first frame)."""
    image = decode_layer(path).frames[0]
    transparent = image.getchannel("A").histogram()[0]
    return 1 - transparent / (image.width * image.height)


def file_digest(path: Path) -> str:
    """SHA-256 of a trait file's bytes ('' when it cannot be read; preflight reports why)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
