"""Opening and checking trait image files: one implementation for scan, preflight and render.
Animated GIF, APNG and WebP traits are read frame by frame; a one-frame file is static."""

import io
import os
import stat
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageSequence, UnidentifiedImageError

from modules.digests import file_sha256, sha256_hex
from modules.errors import TraitChangedError, TraitFileError
from modules.load.identical_art import pixel_digest

# Modes that convert to RGBA without changing colours; others (CMYK, 16-bit, float) are refused.
SUPPORTED_MODES = frozenset({"RGBA", "RGB", "P", "PA", "L", "LA", "1"})
REFUSED_MODE_NAMES = {"I;16": "16-bit grayscale", "I": "32-bit integer", "F": "32-bit float"}
# Only these decoders ever see a trait file: a .png that is really an EPS or a PSD must not
# reach Pillow's other plugins (EPS even runs Ghostscript).
TRAIT_FORMATS = ("PNG", "GIF", "WEBP", "JPEG")
# Formats creators export by mistake, named in the refusal so they know what to re-export.
OTHER_SIGNATURES = (
    (b"8BPS", "a Photoshop (PSD)"),
    (b"II*\x00", "a TIFF"),
    (b"MM\x00*", "a TIFF"),
    (b"BM", "a BMP"),
    (b"%PDF", "a PDF"),
    (b"%!PS", "a PostScript"),
)
# EXIF orientation -> the transpose that shows the image as viewers do (ImageOps.exif_transpose).
ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SWAPPING = frozenset({5, 6, 7, 8})  # orientations that exchange width and height
# What Pillow raises on damaged data (truncated GIF frames raise struct.error or IndexError).
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)
# Browsers show a frame of 0 ms (or none given) for 100 ms; so do we.
DEFAULT_FRAME_MS = 100
MAX_TRAIT_FRAMES = 600
# Larger files are refused before they are opened: Pillow reads a PNG's unknown chunks whole,
# so a 2 GiB file costs 2 GiB. Real trait art, even long animations, stays far below this.
MAX_TRAIT_FILE_BYTES = 256 * 1024 * 1024
# Pillow warns about images above its pixel limit while opening them; every caller checks the
# header size itself and refuses in one line, so the warning is only noise. Set once for the
# process: warnings.catch_warnings is not thread-safe, and preflight opens files in threads.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


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
    pixels: str = ""  # digest of the decoded pixels: equal for files that look the same

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


def inspect_trait_image(path: Path, expected_size: tuple[int, int] | None = None) -> TraitImageInfo:
    """Fully decode every frame of `path` (so truncation is caught) and describe it; a file
    whose header is not `expected_size` (either way round) is refused before decoding."""
    with _opened(path, expected_size) as image:
        sixteen_bit = any(";16" in str(tile.args) for tile in getattr(image, "tile", []))
        header, orientation = image.size, 1
        durations: list[int] = []
        alphas: list[int] = []
        frame_pixels: list[str] = []  # one digest per frame: frames are not all held at once
        for frame in _loaded_frames(path, image):
            orientation = orientation if durations else _orientation(image)
            durations.append(_duration(frame))
            rgba = frame.convert("RGBA")
            alphas += alpha_extrema(rgba)
            frame_pixels.append(pixel_digest([(rgba.size, rgba.tobytes())]))
        return TraitImageInfo(
            size=header[::-1] if orientation in SWAPPING else header,
            mode=image.mode,
            durations=tuple(durations),
            loop=image.info.get("loop"),
            alpha_range=(min(alphas), max(alphas)),
            colour_profile=bool(image.info.get("icc_profile")),
            sixteen_bit=sixteen_bit or image.mode.startswith("I;16"),
            pixels=sha256_hex(" ".join(frame_pixels).encode()),
        )


def check_trait_image(
    path: Path, expected_size: tuple[int, int] | None
) -> tuple[TraitImageInfo | None, list[str]]:
    """The file's description (None when it cannot be read) and every reason it cannot be a
    trait layer of `expected_size` (empty when fine)."""
    try:
        info = inspect_trait_image(path, expected_size)
    except TraitFileError as exc:
        return None, list(exc.problems)
    return info, info_problems(path, info, expected_size)


def info_problems(
    path: Path, info: TraitImageInfo, expected_size: tuple[int, int] | None
) -> list[str]:
    """Reasons an image with `info` cannot be a trait layer of `expected_size`."""
    problems = []
    if expected_size is not None and info.size != expected_size:
        problems.append(size_problem(path, info.size, expected_size))
    if info.mode not in SUPPORTED_MODES:
        name = REFUSED_MODE_NAMES.get(info.mode)
        described = f" ({name})" if name else ""
        problems.append(
            f"{path}: colour mode {info.mode}{described} is not supported; "
            "save it as an 8-bit RGBA PNG"
        )
    if info.frames > MAX_TRAIT_FRAMES:
        problems.append(
            f"{path}: {info.frames} frames is more than {MAX_TRAIT_FRAMES}; shorten the animation"
        )
    return problems


def size_problem(path: Path, size: tuple[int, int], expected_size: tuple[int, int]) -> str:
    """The refusal of an image whose size is not the configured one."""
    return (
        f"{path}: image is {size[0]}x{size[1]} but image_size is "
        f"{expected_size[0]}x{expected_size[1]}; resize it or fix image_size"
    )


def header_size(path: Path) -> tuple[int, int]:
    """Width and height from the file's header, without decoding any pixels."""
    with _opened(path, None) as image:
        return image.size


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


def decode_layer(
    path: Path, expected_size: tuple[int, int] | None = None, digest: str = ""
) -> DecodedLayer:
    """Decode a trait file into RGBA frames as viewers show them (EXIF orientation applied;
    a still image gives one frame); a header that is not `expected_size` is refused first,
    and so are bytes whose SHA-256 is not `digest` (when given)."""
    with _opened(path, expected_size, digest) as image:
        frames: list[Image.Image] = []
        durations: list[int] = []
        orientation = 1
        for frame in _loaded_frames(path, image):
            orientation = orientation if frames else _orientation(image)
            rgba = frame.convert("RGBA")
            method = ORIENTATIONS.get(orientation)
            frames.append(rgba.transpose(method) if method is not None else rgba)
            durations.append(_duration(frame))
        return DecodedLayer(tuple(frames), tuple(durations), image.info.get("loop"))


@contextmanager
def _opened(
    path: Path, expected_size: tuple[int, int] | None, digest: str = ""
) -> Iterator[Image.Image]:
    """Open an image (from exactly the bytes of `digest`, when given), turning every way a
    file can be unusable into one TraitFileError."""
    try:
        _check_file(path)
        source = io.BytesIO(_checked_bytes(path, digest)) if digest else path
        # The size check below bounds memory by image_size; Pillow's own limit stays as the
        # second line (DecompressionBombError above twice its pixel limit).
        with Image.open(source, formats=TRAIT_FORMATS) as image:
            _check_header(path, image.size, expected_size)
            yield image
    except FileNotFoundError:
        msg = (
            f"{path}: broken link (its target is missing); put the image file there"
            if path.is_symlink()
            else f"{path}: file not found (removed or renamed after it was checked?)"
        )
        raise TraitFileError(msg) from None
    except UnidentifiedImageError:
        raise TraitFileError(_unidentified(path)) from None
    except Image.DecompressionBombError as exc:
        raise TraitFileError(f"{path}: refused as a decompression bomb ({exc})") from None
    except OSError as exc:
        if exc.errno is None:  # Pillow's decoders raise OSError without an errno
            raise TraitFileError(f"{path}: cannot decode it ({exc}); re-export it") from None
        msg = f"{path}: cannot read it ({exc.strerror}); check the file and its permissions"
        raise TraitFileError(msg) from None
    except DECODE_ERRORS as exc:
        raise TraitFileError(f"{path}: cannot decode it ({exc}); re-export it") from None


def _check_file(path: Path) -> None:
    """Only a regular, non-empty file may be opened: a pipe would block, a device never end."""
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        msg = f"{path}: not a regular file (a folder, pipe or device); put the image file there"
        raise TraitFileError(msg)
    if status.st_size == 0:
        raise TraitFileError(f"{path}: file is empty (0 bytes); re-export it")
    if status.st_size > MAX_TRAIT_FILE_BYTES:
        msg = (
            f"{path}: {status.st_size / 2**20:.0f} MiB is more than the "
            f"{MAX_TRAIT_FILE_BYTES >> 20} MiB a trait file may be; re-export it smaller "
            "(fewer frames, no embedded data)"
        )
        raise TraitFileError(msg)


def _checked_bytes(path: Path, digest: str) -> bytes:
    """The file's bytes, refused unless they are the ones the run was planned with: a file
    replaced mid-run would otherwise put new art into some tokens."""
    with open(path, "rb") as handle:
        # read(n) allocates n bytes first: ask for the file's size, capped, plus one.
        size = min(os.fstat(handle.fileno()).st_size, MAX_TRAIT_FILE_BYTES)
        data = handle.read(size + 1)
    if sha256_hex(data) != digest:
        raise TraitChangedError(
            f"{path}: changed after this run checked it; put the original back and run "
            "again with --resume (or start over with --force to use the new art)"
        )
    return data


def _check_header(path: Path, size: tuple[int, int], expected_size: tuple[int, int] | None) -> None:
    # Either way round: EXIF orientation (read after decoding) may swap width and height.
    if expected_size is not None and size not in (expected_size, expected_size[::-1]):
        raise TraitFileError(size_problem(path, size, expected_size))


def _unidentified(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            start = handle.read(8)
    except OSError:
        start = b""
    for signature, kind in OTHER_SIGNATURES:
        if start.startswith(signature):
            return f"{path}: is {kind} file, not PNG, GIF, WebP or JPEG; re-export it as PNG"
    return f"{path}: not an image Pillow can read; re-export it as PNG"


def _loaded_frames(path: Path, image: Image.Image) -> Iterator[Image.Image]:
    """Each frame decoded in turn, refusing before decoding a frame that would exceed the
    header's size or the frame limit."""
    size = image.size
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index == MAX_TRAIT_FRAMES:
            msg = f"{path}: more than {MAX_TRAIT_FRAMES} frames; shorten the animation"
            raise TraitFileError(msg)
        if frame.size != size:
            msg = (
                f"{path}: frame {index + 1} is {frame.size[0]}x{frame.size[1]}, not the "
                f"image's {size[0]}x{size[1]}; re-export it"
            )
            raise TraitFileError(msg)
        frame.load()
        yield frame


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation tag (1 = as stored); read after the first frame is loaded,
    since a PNG may keep its EXIF after the pixel data."""
    orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    return orientation if isinstance(orientation, int) else 1


def _duration(frame: Image.Image) -> int:
    return int(frame.info.get("duration") or DEFAULT_FRAME_MS)


def alpha_extrema(image: Image.Image) -> tuple[int, int]:
    """The lowest and highest alpha of an image with an 8-bit alpha band (Pillow's types
    allow floats, for 32-bit bands)."""
    low, high = image.getchannel("A").getextrema()
    if not isinstance(low, int) or not isinstance(high, int):
        raise TypeError(f"alpha band extrema {low!r}, {high!r} are not 8-bit values")
    return low, high


def visible_share(path: Path) -> float:
    """Fraction of pixels that are not fully transparent (first frame)."""
    image = decode_layer(path).frames[0]
    transparent = image.getchannel("A").histogram()[0]
    return 1 - transparent / (image.width * image.height)


def file_digest(path: Path) -> str:
    """SHA-256 of a trait file's bytes ('' when it cannot be read; preflight reports why)."""
    try:
        return file_sha256(path)
    except OSError:
        return ""
