"""Render processes keep freed buffers: a token's canvases reuse memory instead of faulting
fresh pages in (counted as minor page faults, not timed), in the main thread as in a Dask
worker's task thread, whose arena glibc manages apart."""

import ctypes
import subprocess
import sys

import pytest

from tests.conftest import REPO

TOKENS = """
import resource, sys, threading
from PIL import Image
from modules.render.allocator import keep_freed_buffers
if sys.argv[1] == "keep":
    keep_freed_buffers((512, 512))
cache = []  # held layers, as the layer cache holds them, fill a thread's arena
def token(i):
    canvas = Image.new("RGBA", (512, 512), (1, 2, 3, 255))
    cache.append(Image.new("RGBA", (512, 512), (i % 255, 2, 3, 128)))
    if len(cache) > 40:
        cache.pop(0)
    return len(Image.alpha_composite(canvas, cache[-1]).tobytes("raw", "RGB"))
def tokens():
    for i in range(45):
        token(i)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for i in range(50):
        token(i)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
if sys.argv[2] == "thread":
    thread = threading.Thread(target=tokens)
    thread.start()
    thread.join()
else:
    tokens()
"""


def page_faults(mode: str, where: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", TOKENS, mode, where],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "mallopt"),
    reason="glibc only",
)
@pytest.mark.parametrize("where", ["main", "thread"])
def test_kept_buffers_stop_per_token_page_faults(where: str) -> None:
    # 50 tokens x ~3 MB of buffers: thousands of faults by default (23,000 in a thread when
    # only the top pad was set), almost none when kept.
    assert page_faults("default", where) > 1000
    assert page_faults("keep", where) < 500
