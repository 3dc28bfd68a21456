"""Render processes keep freed buffers: a token's canvases reuse memory instead of faulting
fresh pages in (counted as minor page faults, not timed)."""

import ctypes
import subprocess
import sys

import pytest

from tests.conftest import REPO

TOKENS = """
import resource, sys
from PIL import Image
from modules.render.allocator import keep_freed_buffers
if sys.argv[1] == "keep":
    keep_freed_buffers((512, 512))
def token():
    canvas = Image.new("RGBA", (512, 512), (1, 2, 3, 255))
    return len(canvas.copy().tobytes("raw", "RGB"))
for _ in range(5):
    token()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    token()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def page_faults(mode: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", TOKENS, mode],
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
def test_kept_buffers_stop_per_token_page_faults() -> None:
    # 50 tokens x ~2 MB of buffers: thousands of faults by default, almost none when kept.
    assert page_faults("default") > 5000
    assert page_faults("keep") < 500
