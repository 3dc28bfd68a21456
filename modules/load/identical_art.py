"""Trait options of one layer whose art has identical pixels (DESIGN.md §3): the same image
exported under two names makes tokens that differ in metadata but look alike."""

import hashlib
import struct
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# One decoded frame: its (width, height) and its pixels as RGBA bytes, row by row
# (what Image.convert("RGBA").tobytes() gives).
Frame = tuple[tuple[int, int], bytes]
# Any pixel below this as a little-endian uint32 (R, G, B, A bytes) has alpha 0.
OPAQUE_BITS = 1 << 24


@dataclass(frozen=True)
class IdenticalGroup:
    """Two or more options of `layer` (sorted) whose frames decode to the same pixels."""

    layer: str
    options: tuple[str, ...]
    digest: str


def pixel_digest(frames: Sequence[Frame]) -> str:
    """Hex SHA-256 of the frame count, each frame's size and its RGBA pixels, so files that
    decode alike share it whatever their bytes (compression level, metadata chunks)."""
    digest = hashlib.sha256(struct.pack("<Q", len(frames)))
    for (width, height), rgba in frames:
        if len(rgba) != 4 * width * height:
            msg = f"a {width}x{height} RGBA frame has {4 * width * height} bytes, not {len(rgba)}"
            raise ValueError(msg)
        digest.update(struct.pack("<QQ", width, height))
        digest.update(_visible_pixels(rgba))
    return digest.hexdigest()


def _visible_pixels(rgba: bytes) -> bytes | memoryview:
    """The pixels with every fully transparent one set to (0, 0, 0, 0)."""
    # A pixel with alpha 0 shows nothing whatever its RGB, and editors and encoders keep
    # arbitrary colour there (Photoshop keeps the erased paint, optimisers zero it), so two
    # exports of the same art would otherwise get different digests.
    pixels = np.frombuffer(rgba, dtype="<u4")
    clear = pixels < OPAQUE_BITS
    if not clear.any():
        return rgba
    return np.where(clear, np.uint32(0), pixels).astype("<u4", copy=False).data


def identical_groups(digests: Mapping[str, Mapping[str, str]]) -> list[IdenticalGroup]:
    """Per layer (layer name -> {option -> pixel digest}), every set of two or more options
    sharing a digest; sorted by layer, then by the group's options."""
    found = []
    for layer, options in digests.items():
        by_digest: dict[str, list[str]] = defaultdict(list)
        for option, digest in options.items():
            by_digest[digest].append(option)
        found += [
            IdenticalGroup(layer, tuple(sorted(names)), digest)
            for digest, names in by_digest.items()
            if len(names) > 1
        ]
    return sorted(found, key=lambda group: (group.layer, group.options))


def identical_art_problems(
    groups: Sequence[IdenticalGroup],
    label: str,
    files: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """One problem line per group; `label` names the config file and `files` (layer ->
    option -> file name) the image of each option, shown when it differs from the name."""
    files = files or {}
    return [_problem(group, label, files.get(group.layer, {})) for group in groups]


def _problem(group: IdenticalGroup, label: str, files: Mapping[str, str]) -> str:
    named = [_option(option, files.get(option)) for option in group.options]
    listed = ", ".join(named[:-1]) + " and " + named[-1]
    keep = "remove one" if len(named) == 2 else "remove all but one"
    return (
        f"{label}: $.traits.{group.layer}: options {listed} have identical pixels, so tokens "
        f'with them would look alike; {keep}, or set "allow_identical_art": true in {label} '
        "if that is intended"
    )


def _option(option: str, file: str | None) -> str:
    return f"'{option}'" if file is None or file == option else f"'{option}' ({file})"
