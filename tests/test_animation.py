"""Animated traits: timing alignment, compositing in trait order, GIF/WebP output, options,
mixed collections and preflight."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageSequence

from modules.cli.generate import generate_command as cli
from modules.render.animation import animation_problems, output_frame_count, token_timeline
from modules.render.encoding import EncodeOptions, encode_animation
from modules.render.image_processor import ImageProcessor
from tests.conftest import write_json

SIZE = (8, 8)
CLEAR = (0, 0, 0, 0)


def square(colour: tuple, corner: tuple[int, int], size: int = 4) -> Image.Image:
    """A transparent 8x8 canvas with one opaque square."""
    image = Image.new("RGBA", SIZE, CLEAR)
    image.paste(Image.new("RGBA", (size, size), colour), corner)
    return image


def save_animation(path: Path, frames: list[Image.Image], duration: int, loop: int = 0) -> None:
    frames[0].save(
        path, save_all=True, append_images=frames[1:], duration=duration, loop=loop, disposal=2
    )


BLINK = [square(c, (0, 0)) for c in [(255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)]]
SPIN = [square(c, (4, 4)) for c in [(255, 255, 0, 255), (0, 255, 255, 255)]]
BACKGROUND = Image.new("RGBA", SIZE, (20, 30, 40, 255))


def decoded_frames(path: Path) -> tuple[list[Image.Image], list[int], int | None]:
    with Image.open(path) as image:
        frames, durations = [], []
        for frame in ImageSequence.Iterator(image):
            frames.append(frame.convert("RGBA"))
            durations.append(frame.info.get("duration"))
        return frames, durations, image.info.get("loop")


def expected_frame(*layers: Image.Image) -> Image.Image:
    canvas = Image.new("RGBA", SIZE, CLEAR)
    for layer in layers:
        canvas.alpha_composite(layer)
    return canvas


# --- timing ----------------------------------------------------------------------------------


def test_equal_timings_keep_their_frames():
    timeline = token_timeline([(100, 100, 100)])
    assert timeline.durations == (100, 100, 100)
    assert timeline.layer_frames == ((0,), (1,), (2,))


def test_frame_counts_align_on_their_least_common_multiple():
    timeline = token_timeline([(100,) * 2, (100,) * 3])
    assert timeline.durations == (100,) * 6
    assert timeline.layer_frames == ((0, 0), (1, 1), (0, 2), (1, 0), (0, 1), (1, 2))


def test_different_durations_get_a_frame_wherever_a_layer_changes():
    timeline = token_timeline([(100, 100, 100), (150, 150)])
    assert timeline.durations == (100, 50, 50, 100)
    assert timeline.layer_frames == ((0, 0), (1, 0), (1, 1), (2, 1))
    assert sum(timeline.durations) == 300


def test_uneven_frame_durations_are_kept():
    timeline = token_timeline([(50, 250)])
    assert timeline.durations == (50, 250)


def test_output_frame_count_stops_past_the_limit():
    assert output_frame_count([(100,) * 4, (100,) * 6]) == 12
    assert output_frame_count([(1000,), (1001,)], limit=50) == 51


def test_preflight_names_traits_that_cannot_share_a_token():
    problems = animation_problems([{(100,) * 3: "a.gif"}, {(1000, 1001): "b.gif"}], None)
    assert len(problems) == 1
    assert problems[0].startswith("a.gif (3 frames, 300 ms) + b.gif (2 frames, 2001 ms)")
    assert "--gif-duration" in problems[0]
    # With one duration for every frame, only the frame counts matter: lcm(3, 2) = 6.
    assert animation_problems([{(100,) * 3: "a.gif"}, {(1000, 1001): "b.gif"}], 80) == []


def test_traits_in_the_same_layer_are_never_combined():
    assert animation_problems([{(1000,) * 3: "a.gif", (1001,) * 2: "b.gif"}], None) == []


# --- compositing -----------------------------------------------------------------------------


@pytest.fixture
def layer_files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        name: tmp_path / f"{name}.{ext}"
        for name, ext in [("bg", "png"), ("blink", "gif"), ("spin", "gif"), ("hat", "png")]
    }
    BACKGROUND.save(paths["bg"])
    save_animation(paths["blink"], BLINK, 100)
    save_animation(paths["spin"], SPIN, 150, loop=3)
    square((255, 255, 255, 255), (2, 2)).save(paths["hat"])  # static, over the animations
    return paths


@pytest.mark.parametrize("fmt", ["gif", "webp", "apng"])
def test_each_output_frame_is_the_composite_of_each_layers_frame(layer_files, tmp_path, fmt):
    options = EncodeOptions("png", fmt, 90, webp_lossless=True)
    order = [layer_files[n] for n in ("bg", "blink", "spin", "hat")]
    data = ImageProcessor(16, 8).render(order, SIZE, options)
    out = tmp_path / f"token.{fmt}"
    out.write_bytes(data)
    frames, durations, _ = decoded_frames(out)
    timeline = token_timeline([(100,) * 3, (150,) * 2])
    assert durations == list(timeline.durations)
    hat = Image.open(layer_files["hat"]).convert("RGBA")
    for frame, (blink, spin) in zip(frames, timeline.layer_frames, strict=True):
        # Few colours: the GIF palette holds them exactly, so no tolerance is needed.
        assert (
            frame.tobytes() == expected_frame(BACKGROUND, BLINK[blink], SPIN[spin], hat).tobytes()
        )


@pytest.mark.parametrize("position", [0, 1, 2])
def test_animated_layer_keeps_its_place_in_trait_order(layer_files, tmp_path, position):
    """An animated layer under a static one is covered by it, as the trait order says."""
    statics = [layer_files["bg"], layer_files["hat"]]
    order = [*statics[:position], layer_files["blink"], *statics[position:]]
    data = ImageProcessor(16, 8).render(order, SIZE, EncodeOptions("png", "gif", 90))
    frames, _, _ = decoded_frames(io.BytesIO(data))  # type: ignore[arg-type]
    hat = Image.open(layer_files["hat"]).convert("RGBA")
    layers = [BACKGROUND, hat]
    for index, frame in enumerate(frames):
        stack = [*layers[:position], BLINK[index], *layers[position:]]
        assert frame.tobytes() == expected_frame(*stack).tobytes()


def test_gif_keeps_transparency_where_nothing_is_drawn(layer_files):
    data = ImageProcessor(16, 8).render(
        [layer_files["blink"]], SIZE, EncodeOptions("png", "gif", 90)
    )
    frames, _, _ = decoded_frames(io.BytesIO(data))  # type: ignore[arg-type]
    assert frames[0].getpixel((7, 7))[3] == 0
    assert frames[0].getpixel((0, 0)) == (255, 0, 0, 255)


def test_opaque_black_is_not_mistaken_for_the_transparent_index(tmp_path):
    black = tmp_path / "black.gif"
    save_animation(black, [square((0, 0, 0, 255), (0, 0)), square((0, 0, 0, 255), (4, 4))], 100)
    data = ImageProcessor(16, 8).render([black], SIZE, EncodeOptions("png", "gif", 90))
    frames, _, _ = decoded_frames(io.BytesIO(data))  # type: ignore[arg-type]
    assert frames[0].getpixel((0, 0)) == (0, 0, 0, 255)
    assert frames[0].getpixel((7, 7))[3] == 0


def moving_square_frames(art: str) -> list[Image.Image]:
    """Four 96 px frames with a small square moving only within rows 40-48, over more colours
    than a palette holds: a smooth gradient (fast octree is coarse there, so the refined median
    cut is used) or four flat colours with grain (fast octree is close)."""
    y, x = np.mgrid[0:96, 0:96]
    if art == "gradient":
        rgb = np.stack([x * 0.6, y * 0.6, np.full_like(x, 128.0)], -1)
    else:
        flat = np.array([(200, 40, 40), (30, 160, 60), (20, 40, 200), (240, 220, 90)])
        rgb = flat[(x // 48) + 2 * (y // 48)] + np.random.default_rng(3).integers(0, 6, (96, 96, 3))
    base = np.concatenate([rgb, np.full((96, 96, 1), 255)], -1).astype(np.uint8)
    frames = []
    for step in range(4):
        pixels = base.copy()
        pixels[40:48, 10 + 12 * step : 18 + 12 * step] = (250, 20, 20, 255)
        frames.append(Image.fromarray(pixels, "RGBA"))
    return frames


@pytest.mark.parametrize("art", ["gradient", "grain"])
@pytest.mark.parametrize("dither", ["none", "floyd-steinberg"])
def test_gif_of_many_colours_keeps_a_small_error_and_still_rows_still(art, dither):
    frames = moving_square_frames(art)
    options = EncodeOptions(animated_fmt="gif", gif_dither=dither)
    with Image.open(io.BytesIO(encode_animation(frames, [100] * 4, 0, options))) as image:
        decoded = [np.asarray(f.convert("RGB"), np.int16) for f in ImageSequence.Iterator(image)]
    assert len(decoded) == 4
    exact = [np.asarray(f.convert("RGB"), np.int16) for f in frames]
    errors = [float(np.abs(d - e).mean()) for d, e in zip(decoded, exact, strict=True)]
    assert max(errors) < 2.0, errors  # levels of 255, per channel
    if dither == "none":  # one pass: rows no frame changes are the same in every frame
        for frame in decoded[1:]:
            assert (frame[:40] == decoded[0][:40]).all()
            assert (frame[48:] == decoded[0][48:]).all()
        assert all((f[40:48] != decoded[0][40:48]).any() for f in decoded[1:])  # it moves


def gif_error(data: bytes, frames: list[Image.Image]) -> float:
    """Mean absolute difference per RGB channel of the decoded GIF frames from `frames`."""
    with Image.open(io.BytesIO(data)) as image:
        decoded = [np.asarray(f.convert("RGB"), np.int16) for f in ImageSequence.Iterator(image)]
    exact = [np.asarray(f.convert("RGB"), np.int16) for f in frames]
    return float(np.mean([np.abs(d - e).mean() for d, e in zip(decoded, exact, strict=True)]))


def test_a_gif_of_noisy_art_is_as_close_as_median_cut_over_every_pixel():
    """Textured art defeats fast octree; the sampled, refined palette must not lose to the
    full median cut it replaces."""
    rng = np.random.default_rng(5)
    ys, xs = np.mgrid[0:256, 0:256]  # a gradient with grain, like painted art; 65,536 pixels
    rgb = np.stack([xs * 0.7 + 30, ys * 0.6 + 40, (xs + ys) * 0.3 + 20], -1)
    noise = np.clip(rgb + rng.normal(0, 14, (256, 256, 3)), 0, 255).astype(np.uint8)
    frames = []
    for step in range(4):
        pixels = noise.copy()
        pixels[120:140, 10 + 40 * step : 50 + 40 * step] = (250, 20, 20)
        frames.append(Image.fromarray(pixels, "RGB").convert("RGBA"))
    data = encode_animation(frames, [100] * 4, 0, EncodeOptions(animated_fmt="gif"))
    strip = Image.new("RGB", (256, 1024))
    for index, frame in enumerate(frames):
        strip.paste(frame.convert("RGB"), (0, 256 * index))
    palette = strip.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    full = [f.convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    buffer = io.BytesIO()
    full[0].save(buffer, "GIF", save_all=True, append_images=full[1:], duration=100, loop=0)
    assert gif_error(data, frames) <= gif_error(buffer.getvalue(), frames)


@pytest.mark.parametrize("dither", ["none", "floyd-steinberg"])
def test_a_gif_of_at_most_256_colours_is_exact(dither):
    levels = np.arange(250)
    colours = np.stack([levels, 255 - levels, (levels * 7) % 256], -1).astype(np.uint8)
    base = colours[np.arange(100 * 100) % 250].reshape(100, 100, 3)
    frames = [
        Image.fromarray(np.roll(base, step * 3, axis=1), "RGB").convert("RGBA") for step in range(4)
    ]
    options = EncodeOptions(animated_fmt="gif", gif_dither=dither)
    assert gif_error(encode_animation(frames, [100] * 4, 0, options), frames) == 0


def test_gif_duration_and_loop_options_take_effect(layer_files):
    options = EncodeOptions("png", "gif", 90, gif_duration=70, gif_loop=2)
    data = ImageProcessor(16, 8).render([layer_files["blink"], layer_files["spin"]], SIZE, options)
    frames, durations, loop = decoded_frames(io.BytesIO(data))  # type: ignore[arg-type]
    assert len(frames) == 6  # 3 and 2 frames of one length align after lcm(3, 2)
    assert durations == [70] * 6
    assert loop == 2


def test_loop_defaults_to_the_traits_own(layer_files):
    data = ImageProcessor(16, 8).render(
        [layer_files["spin"]], SIZE, EncodeOptions("png", "gif", 90)
    )
    assert decoded_frames(io.BytesIO(data))[2] == 3  # type: ignore[arg-type]


def test_dithering_choice_changes_the_gif(tmp_path):
    channels = (Image.linear_gradient("L"), Image.radial_gradient("L"))
    colourful = Image.merge("RGB", (*channels, channels[0].rotate(90))).resize((64, 64))
    gradient = [colourful.convert("RGBA"), colourful.convert("RGBA").rotate(90)]
    path = tmp_path / "g.png"  # an APNG trait: full colour, unlike a GIF
    save_animation(path, gradient, 100)
    plain = ImageProcessor(64, 8).render([path], (64, 64), EncodeOptions("png", "gif", 90))
    dithered = ImageProcessor(64, 8).render(
        [path], (64, 64), EncodeOptions("png", "gif", 90, gif_dither="floyd-steinberg")
    )
    assert plain != dithered


# --- whole runs ------------------------------------------------------------------------------


@pytest.fixture
def animated_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Background (static), Eyes (one animated option), Hat (optional, one animated option)."""
    traits = tmp_path / "traits"
    for layer in ("Background", "Eyes", "Hat"):
        (traits / layer).mkdir(parents=True)
    BACKGROUND.save(traits / "Background" / "Dark.png")
    Image.new("RGBA", SIZE, (200, 100, 50, 255)).save(traits / "Background" / "Warm.png")
    save_animation(traits / "Eyes" / "Blink.gif", BLINK, 100)
    square((9, 9, 9, 255), (0, 0)).save(traits / "Eyes" / "Still.png")
    save_animation(traits / "Hat" / "Spin.gif", SPIN, 150)
    square((250, 250, 250, 255), (4, 4)).save(traits / "Hat" / "Cap.png")
    config = {
        "trait_order": ["Background", "Eyes", "Hat"],
        "image_size": list(SIZE),
        "ipfs_cid": "bafybeihmephpamjr3jhyxqgkuffq4ryzwykk3r54yh4c4pazup3vo6tthy",
        "traits": {
            "Background": {
                "options": [
                    {"name": "Dark", "file": "Dark.png"},
                    {"name": "Warm", "file": "Warm.png"},
                ]
            },
            "Eyes": {
                "options": [
                    {"name": "Blink", "file": "Blink.gif"},
                    {"name": "Still", "file": "Still.png"},
                ]
            },
            "Hat": {
                "rarity": 3,
                "options": [
                    {"name": "Spin", "file": "Spin.gif"},
                    {"name": "Cap", "file": "Cap.png"},
                ],
            },
        },
    }
    write_json(tmp_path / "config.json", config)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, ["--workers", "1", "--seed", "5", *args])


def test_mixed_collection_names_each_token_by_its_kind(animated_project):
    result = run("-n", "12")
    assert result.exit_code == 0, result.output
    for token_id in range(1, 13):
        metadata = json.loads(
            (animated_project / "output" / "metadata" / f"{token_id}.json").read_text()
        )
        values = {a["value"] for a in metadata["attributes"]}
        animated = bool(values & {"Blink", "Spin"})
        name = f"{token_id}.{'gif' if animated else 'png'}"
        assert (
            metadata["image"]
            == f"ipfs://bafybeihmephpamjr3jhyxqgkuffq4ryzwykk3r54yh4c4pazup3vo6tthy/{name}"
        )
        assert (
            "animation_url" not in metadata
        )  # OpenSea's animation_url takes video/3D/HTML, not GIF
        assert (animated_project / "output" / "image" / name).is_file()
        with Image.open(animated_project / "output" / "image" / name) as image:
            assert (getattr(image, "n_frames", 1) > 1) == animated
            assert image.format == ("GIF" if animated else "PNG")


def test_webp_format_makes_animated_tokens_animated_webp(animated_project):
    assert run("-n", "12", "--format", "webp").exit_code == 0
    images = sorted(p.name for p in (animated_project / "output" / "image").iterdir())
    assert images
    assert all(name.endswith(".webp") for name in images)
    animated = [
        n
        for n in images
        if getattr(Image.open(animated_project / "output" / "image" / n), "n_frames", 1) > 1
    ]
    assert animated


def test_animated_format_option_overrides(animated_project):
    assert run("-n", "12", "--format", "jpg", "--animated-format", "webp").exit_code == 0
    suffixes = {p.suffix for p in (animated_project / "output" / "image").iterdir()}
    assert suffixes == {".jpg", ".webp"}


def test_apng_tokens_are_lossless_png_files_and_stills_stay_plain_png(animated_project):
    result = run("-n", "12", "--animated-format", "apng")
    assert result.exit_code == 0, result.output
    kinds = set()
    for path in sorted((animated_project / "output" / "image").iterdir()):
        assert path.suffix == ".png"
        metadata = json.loads(
            (animated_project / "output" / "metadata" / f"{path.stem}.json").read_text()
        )
        assert metadata["image"].endswith(f"/{path.name}")
        with Image.open(path) as image:
            animated = bool({a["value"] for a in metadata["attributes"]} & {"Blink", "Spin"})
            assert image.format == "PNG"
            assert (getattr(image, "n_frames", 1) > 1) == animated
            kinds.add(animated)
    assert kinds == {True, False}
    resumed = run("-n", "12", "--animated-format", "apng", "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "Wrote 0 tokens" in resumed.output, resumed.output  # the APNG files were complete


def test_animated_output_is_identical_for_any_worker_count(animated_project):
    assert run("-n", "12", "-o", "one").exit_code == 0
    assert (
        CliRunner()
        .invoke(cli, ["--workers", "2", "--seed", "5", "-n", "12", "-o", "two"])
        .exit_code
        == 0
    )
    one, two = animated_project / "one", animated_project / "two"
    files = sorted(
        p.relative_to(one) for p in one.rglob("*") if p.is_file() and p.name != "runs.jsonl"
    )
    assert files
    for path in files:
        assert (one / path).read_bytes() == (two / path).read_bytes(), path


def test_truncated_animation_is_refused_before_rendering(animated_project):
    blink = animated_project / "traits" / "Eyes" / "Blink.gif"
    blink.write_bytes(blink.read_bytes()[:-40])
    result = run("-n", "4")
    assert result.exit_code == 1
    assert f"{Path('traits') / 'Eyes' / 'Blink.gif'}: cannot decode it" in result.output
    assert not (animated_project / "output").exists()


def test_animations_that_cannot_align_are_refused_before_rendering(animated_project):
    save_animation(animated_project / "traits" / "Hat" / "Spin.gif", SPIN, 1001)
    save_animation(animated_project / "traits" / "Eyes" / "Blink.gif", BLINK, 999)
    result = run("-n", "4")
    assert result.exit_code == 1
    assert "together they need more than 600 output frames" in result.output
    assert not (animated_project / "output").exists()
    assert run("-n", "4", "--gif-duration", "100").exit_code == 0
