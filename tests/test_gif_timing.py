"""GIF frame delays are whole centiseconds: an animated token keeps its exact total length and
no frame shorter than 2 cs (which browsers stretch to 100 ms); WebP keeps milliseconds."""

import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from modules.render.animation import gif_timing, token_timeline
from modules.render.image_processor import ImageProcessor
from modules.settings import EncodeOptions

SIZE = (8, 8)


@given(st.lists(st.integers(1, 3000), min_size=1, max_size=60))
def test_the_total_is_exact_to_the_centisecond_and_no_frame_is_under_2_cs(durations) -> None:
    timing = gif_timing(durations)
    total = sum(durations)
    shown = [ms for _, ms in timing]
    assert all(ms % 10 == 0 for ms in shown)
    assert sum(shown) == max((total + 5) // 10 * 10, 20)
    assert all(ms >= 20 for ms in shown)
    indices = [index for index, _ in timing]
    assert indices == sorted(set(indices))  # frames kept in order, none twice


def test_whole_centisecond_frames_are_kept_as_they_are() -> None:
    assert gif_timing([1600, 70, 110, 70]) == [(0, 1600), (1, 70), (2, 110), (3, 70)]


def test_short_frames_merge_into_the_one_before() -> None:
    assert gif_timing([15, 15, 15, 15]) == [(0, 30), (2, 30)]
    assert gif_timing([5, 100]) == [(1, 110)]  # a too-short first frame gives way


def frames(path: Path, colours: list[tuple[int, int, int, int]], ms: int, fmt: str) -> Path:
    images = [Image.new("RGBA", SIZE, colour) for colour in colours]
    images[0].save(path, fmt, save_all=True, append_images=images[1:], duration=ms, loop=0)
    return path


def delays_of(data: bytes) -> list[int]:
    """Each frame's delay in ms (Pillow sets it once the frame is loaded)."""
    delays = []
    with Image.open(io.BytesIO(data)) as image:
        for index in range(image.n_frames):
            image.seek(index)
            image.load()
            delays.append(int(image.info["duration"]))
    return delays


def test_an_apng_of_2x35_ms_over_a_gif_of_2x100_ms_lasts_1400_ms(tmp_path: Path) -> None:
    gif = frames(tmp_path / "blink.gif", [(255, 0, 0, 255), (0, 0, 255, 255)], 100, "GIF")
    apng = frames(tmp_path / "spin.png", [(0, 0, 0, 0), (0, 255, 0, 128)], 35, "PNG")
    options = EncodeOptions("png", "gif", 90)

    data = ImageProcessor(16, 8).render([gif, apng], SIZE, options)

    delays = delays_of(data)
    assert sum(delays) == 1400
    assert min(delays) >= 20
    assert sum(token_timeline([(35, 35), (100, 100)]).durations) == 1400


def test_webp_keeps_the_exact_milliseconds(tmp_path: Path) -> None:
    gif = frames(tmp_path / "blink.gif", [(255, 0, 0, 255), (0, 0, 255, 255)], 100, "GIF")
    apng = frames(tmp_path / "spin.png", [(0, 0, 0, 0), (0, 255, 0, 128)], 35, "PNG")
    options = EncodeOptions("png", "webp", 90, webp_lossless=True)

    data = ImageProcessor(16, 8).render([gif, apng], SIZE, options)

    assert delays_of(data) == list(token_timeline([(35, 35), (100, 100)]).durations)
