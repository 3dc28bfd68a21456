"""Fast PNG writing: rows 'Up'-filtered with numpy and compressed with libdeflate, the same
pixels as Pillow's PNG at about the same size in a fraction of the CPU time (see bench/).
Without those wheels, Pillow's own encoder is used."""

import io
import os
import struct
import zlib
from types import ModuleType

from PIL import Image

# numpy's OpenBLAS would start a thread per core, which busy-waits and is never used here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Each optional wheel is its module, or None without it (tests set them to None too).
deflate: ModuleType | None
isal_zlib: ModuleType | None
zlib_ng: ModuleType | None
try:
    import deflate
    import numpy as np
except ImportError:  # a platform without the wheels: slower, same pixels
    deflate = None
try:
    from isal import isal_zlib
except ImportError:  # optional: only makes "fast" (and the checksum) faster
    isal_zlib = None
try:
    from zlib_ng import zlib_ng
except ImportError:  # optional: only makes "fast" faster on flat art
    zlib_ng = None
crc32 = isal_zlib.crc32 if isal_zlib is not None else zlib.crc32  # same values, 4x faster

# --png-compression -> libdeflate level (and Pillow's compress_level for the fallback).
# Measured with bench/: level 1 is within 0.4 % (painted art) and 3.3 % (flat art) of
# Pillow's level-6 size at 6x less CPU; 6 and 12 trade time for a few % on flat art.
LIBDEFLATE_LEVELS = {"fast": 1, "balanced": 6, "small": 12}
PILLOW_LEVELS = {"fast": 1, "balanced": 6, "small": 9}
# Grainy (painted, photographic) pixels barely compress, and there ISA-L's level 1 is as small
# as libdeflate's at a quarter of the time; flat art compresses well, and ISA-L's small window
# would leave it twice as large. So "fast" keeps ISA-L's result only above this ratio, and
# otherwise uses zlib-ng's level 2: on flat art 0.84x Pillow's level-6 size at a tenth of
# libdeflate's time, on the sample art 1.06x at about the same time (bench/).
ISAL_ENOUGH_RATIO = 0.5
ZLIB_NG_FAST_LEVEL = 2
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
UP_FILTER = 2
COLOUR_TYPES = {"RGB": 2, "RGBA": 6}


def encode_png(image: Image.Image, compression: str, mode: str | None = None) -> bytes:
    """An RGB or RGBA image as PNG bytes in `mode` (default: its own; "RGB" drops the alpha
    channel of an opaque image); deterministic for a given compression."""
    mode = mode or image.mode
    if deflate is None or mode not in COLOUR_TYPES:
        buffer = io.BytesIO()
        image.convert(mode).save(buffer, "PNG", compress_level=PILLOW_LEVELS[compression])
        return buffer.getvalue()
    # Pillow packs the wanted channels straight into bytes: cheaper than convert() + asarray.
    rows = np.frombuffer(image.tobytes("raw", mode), np.uint8).reshape(image.height, -1)
    filtered = np.empty((image.height, rows.shape[1] + 1), dtype=np.uint8)
    filtered[:, 0] = UP_FILTER
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # uint8 wraps: PNG's mod 256
    header = struct.pack(">IIBBBBB", image.width, image.height, 8, COLOUR_TYPES[mode], 0, 0, 0)
    pixels = _compress(filtered.data, compression)  # .data: memoryview(filtered), typed
    # One join: the compressed data is most of the file, so it is copied once.
    return b"".join(
        [PNG_SIGNATURE, *_chunk(b"IHDR", header), *_chunk(b"IDAT", pixels), *_chunk(b"IEND", b"")]
    )


def _compress(raw: memoryview, compression: str) -> bytes | bytearray:
    if compression == "fast" and isal_zlib is not None:
        packed = isal_zlib.compress(raw, 1)
        if len(packed) > ISAL_ENOUGH_RATIO * raw.nbytes:
            return packed
        if zlib_ng is not None:
            return zlib_ng.compress(raw, ZLIB_NG_FAST_LEVEL)
    if deflate is None:  # encode_png only calls this when libdeflate is installed
        raise RuntimeError("libdeflate is not installed")
    return deflate.zlib_compress(raw, LIBDEFLATE_LEVELS[compression])


def _chunk(kind: bytes, data: bytes | bytearray) -> tuple[bytes, bytes, bytes | bytearray, bytes]:
    crc = crc32(data, crc32(kind))
    return struct.pack(">I", len(data)), kind, data, struct.pack(">I", crc)
