"""Process-wide allocator tuning for the processes that render."""

import ctypes
import sys

M_TOP_PAD = -2  # glibc's mallopt parameter numbers
M_MMAP_THRESHOLD = -3
# Bytes kept per canvas pixel: a token allocates and frees a few canvases plus its encoded
# file, so this covers one token's buffers with room to spare (16 MiB at 512 x 512), up to a
# cap that keeps a worker's memory within --max-memory plus a constant.
PAD_BYTES_PER_PIXEL = 64
MAX_PAD_BYTES = 64 * 1024 * 1024
# glibc's largest mmap threshold on 64-bit: buffers up to it come from the heap, whose freed
# memory is kept, instead of being mapped and unmapped (and faulted in) on every token.
MAX_MMAP_THRESHOLD = 32 * 1024 * 1024


def keep_freed_buffers(image_size: tuple[int, int]) -> None:
    """Let glibc keep a token's worth of freed memory instead of returning it to the kernel
    at once: faulting those pages back in cost ~1.2 ms a token (bench/), 4 ms in a Dask worker
    thread. No-op elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # absent on musl
    if mallopt is not None:
        pad = PAD_BYTES_PER_PIXEL * image_size[0] * image_size[1]
        mallopt(M_TOP_PAD, min(pad, MAX_PAD_BYTES))
        # Setting any threshold turns off glibc's own raising of this one, which in a
        # thread's arena left every canvas mapped afresh (1,650 page faults a token at 512 px).
        mallopt(M_MMAP_THRESHOLD, min(pad, MAX_MMAP_THRESHOLD))
