"""Trait options with identical pixels: the digest ignores how a PNG is encoded and what a
fully transparent pixel holds, and sees every visible pixel, frame size and frame order."""

import random
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageSequence
from PIL.PngImagePlugin import PngInfo

from modules.load.identical_art import (
    IdenticalGroup,
    identical_art_problems,
    identical_groups,
    pixel_digest,
)

SIZE = (8, 8)


def art(seed: int = 1, size: tuple[int, int] = SIZE) -> Image.Image:
    """A noisy RGBA image with some fully transparent and some half transparent pixels."""
    rng = random.Random(seed)
    image = Image.new("RGBA", size)
    image.putdata(
        [
            (rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.choice([0, 128, 255]))
            for _ in range(size[0] * size[1])
        ]
    )
    return image


def saved(image: Image.Image, path: Path, **options: Any) -> Path:
    image.save(path, **options)
    return path


def file_digest(path: Path) -> str:
    """The digest of a file as the loader would take it: every frame decoded to RGBA."""
    with Image.open(path) as image:
        frames = [frame.convert("RGBA") for frame in ImageSequence.Iterator(image)]
    return pixel_digest([(frame.size, frame.tobytes()) for frame in frames])


def reference_normalised(rgba: bytes) -> bytes:
    """Fully transparent pixels zeroed, four bytes at a time in plain Python."""
    pixels = (rgba[i : i + 4] for i in range(0, len(rgba), 4))
    return b"".join(b"\0\0\0\0" if pixel[3] == 0 else pixel for pixel in pixels)


def test_compression_level_does_not_change_the_digest(tmp_path):
    fast = saved(art(), tmp_path / "fast.png", compress_level=0)
    small = saved(art(), tmp_path / "small.png", compress_level=9)
    assert fast.read_bytes() != small.read_bytes()
    assert file_digest(fast) == file_digest(small)


def test_metadata_chunks_do_not_change_the_digest(tmp_path):
    info = PngInfo()
    info.add_text("Software", "Photoshop")
    info.add_text("Comment", "exported twice")
    plain = saved(art(), tmp_path / "plain.png")
    tagged = saved(art(), tmp_path / "tagged.png", pnginfo=info)
    assert plain.read_bytes() != tagged.read_bytes()
    assert file_digest(plain) == file_digest(tagged)


def test_a_palette_file_matches_the_rgba_file_with_the_same_pixels(tmp_path):
    opaque = Image.new("RGBA", SIZE, (200, 10, 10, 255))
    opaque.putpixel((3, 3), (0, 0, 255, 255))
    rgba = saved(opaque, tmp_path / "rgba.png")
    indexed = opaque.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=2)
    palette = saved(indexed, tmp_path / "palette.png")
    with Image.open(palette) as reopened:
        assert reopened.mode == "P"
    assert file_digest(rgba) == file_digest(palette)


def test_one_changed_pixel_changes_the_digest(tmp_path):
    base = art()
    base.putpixel((5, 2), (0, 0, 0, 255))
    changed = base.copy()
    changed.putpixel((5, 2), (1, 0, 0, 255))
    assert file_digest(saved(base, tmp_path / "a.png")) != file_digest(
        saved(changed, tmp_path / "b.png")
    )


def test_alpha_alone_changes_the_digest(tmp_path):
    faint = Image.new("RGBA", SIZE, (10, 20, 30, 1))
    fainter = Image.new("RGBA", SIZE, (10, 20, 30, 2))
    assert file_digest(saved(faint, tmp_path / "a.png")) != file_digest(
        saved(fainter, tmp_path / "b.png")
    )


def test_the_colour_under_a_fully_transparent_pixel_does_not_matter(tmp_path):
    erased_red = Image.new("RGBA", SIZE, (255, 0, 0, 0))
    erased_blue = Image.new("RGBA", SIZE, (0, 0, 255, 0))
    for image in (erased_red, erased_blue):
        image.putpixel((1, 1), (9, 9, 9, 255))
    a = saved(erased_red, tmp_path / "a.png")
    b = saved(erased_blue, tmp_path / "b.png")
    assert file_digest(a) == file_digest(b)


def test_but_the_colour_under_an_almost_transparent_pixel_does(tmp_path):
    a = saved(Image.new("RGBA", SIZE, (255, 0, 0, 1)), tmp_path / "a.png")
    b = saved(Image.new("RGBA", SIZE, (0, 0, 255, 1)), tmp_path / "b.png")
    assert file_digest(a) != file_digest(b)


@pytest.mark.parametrize("seed", range(5))
def test_the_fast_normalisation_matches_a_plain_one(seed):
    rgba = art(seed, (17, 5)).tobytes()
    assert reference_normalised(rgba) != rgba  # the art has transparent pixels with colour
    assert pixel_digest([((17, 5), rgba)]) == pixel_digest([((17, 5), reference_normalised(rgba))])


def test_the_frame_size_is_part_of_the_digest():
    rgba = art(3, (2, 8)).tobytes()
    assert pixel_digest([((2, 8), rgba)]) != pixel_digest([((8, 2), rgba)])


def test_splitting_pixels_across_frames_changes_the_digest():
    rgba = Image.new("RGBA", (4, 4), (1, 2, 3, 255)).tobytes()
    half = rgba[: len(rgba) // 2]
    assert pixel_digest([((4, 4), rgba)]) != pixel_digest([((4, 2), half), ((4, 2), half)])


def test_a_wrong_byte_count_is_refused():
    with pytest.raises(ValueError, match="2x2 RGBA frame has 16 bytes, not 15"):
        pixel_digest([((2, 2), bytes(15))])


def animation(path: Path, colours: list[tuple[int, int, int, int]], **options: Any) -> Path:
    frames = [Image.new("RGBA", SIZE, colour) for colour in colours]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, **options)
    return path


def test_animated_frames_in_another_order_differ(tmp_path):
    red, blue = (255, 0, 0, 255), (0, 0, 255, 255)
    forward = animation(tmp_path / "forward.png", [red, blue])
    again = animation(tmp_path / "again.png", [red, blue], compress_level=0)
    backward = animation(tmp_path / "backward.png", [blue, red])
    assert file_digest(forward) == file_digest(again)
    assert file_digest(forward) != file_digest(backward)


def test_an_animation_differs_from_its_first_frame(tmp_path):
    red, blue = (255, 0, 0, 255), (0, 0, 255, 255)
    still = saved(Image.new("RGBA", SIZE, red), tmp_path / "still.png")
    moving = animation(tmp_path / "moving.png", [red, blue])
    assert file_digest(still) != file_digest(moving)


def test_a_1080_frame_digests_without_error():
    frame = Image.new("RGBA", (1080, 1080), (0, 0, 0, 0))
    frame.paste((5, 6, 7, 255), (100, 100, 900, 900))
    assert len(pixel_digest([(frame.size, frame.tobytes())])) == 64


def test_groups_hold_options_with_the_same_digest_within_one_layer():
    digests = {
        "Eyes": {"Blue copy": "d1", "Blue": "d1", "Red": "d2"},
        "Mouth": {"Smile": "d1", "Grin": "d3"},  # the same digest in another layer is fine
    }
    assert identical_groups(digests) == [IdenticalGroup("Eyes", ("Blue", "Blue copy"), "d1")]


def test_groups_are_sorted_whatever_the_input_order():
    digests = {
        "Mouth": {"Z": "m", "Y": "m"},
        "Eyes": {"c": "x", "b": "y", "a": "x", "d": "y", "e": "x"},
    }
    expected = [
        IdenticalGroup("Eyes", ("a", "c", "e"), "x"),
        IdenticalGroup("Eyes", ("b", "d"), "y"),
        IdenticalGroup("Mouth", ("Y", "Z"), "m"),
    ]
    assert identical_groups(digests) == expected
    reversed_input = {layer: dict(reversed(o.items())) for layer, o in reversed(digests.items())}
    assert identical_groups(reversed_input) == expected


def test_no_groups_when_every_option_differs():
    assert identical_groups({"Eyes": {"a": "1", "b": "2"}, "Empty": {}}) == []


def test_a_problem_names_the_layer_both_options_their_files_and_the_fix():
    groups = [IdenticalGroup("Eyes", ("Blue", "Blue copy"), "d")]
    files = {"Eyes": {"Blue": "Blue.png", "Blue copy": "Blue copy.png"}}
    assert identical_art_problems(groups, "config.json", files) == [
        "config.json: $.traits.Eyes: options 'Blue' (Blue.png) and 'Blue copy' (Blue copy.png) "
        "have identical pixels, so tokens with them would look alike; remove one, or set "
        '"allow_identical_art": true in config.json if that is intended'
    ]


def test_three_alike_options_and_options_keyed_by_file_name():
    groups = [IdenticalGroup("Hats", ("a.png", "b.png", "c.png"), "d")]
    assert identical_art_problems(groups, "my.json") == [
        "my.json: $.traits.Hats: options 'a.png', 'b.png' and 'c.png' have identical pixels, "
        "so tokens with them would look alike; remove all but one, or set "
        '"allow_identical_art": true in my.json if that is intended'
    ]


def test_from_png_files_to_problem_lines(tmp_path):
    blue = Image.new("RGBA", SIZE, (0, 0, 255, 255))
    info = PngInfo()
    info.add_text("Title", "copy")
    files = {
        "Blue.png": saved(blue, tmp_path / "Blue.png"),
        "Blue copy.png": saved(blue, tmp_path / "Blue copy.png", pnginfo=info, compress_level=1),
        "Red.png": saved(Image.new("RGBA", SIZE, (255, 0, 0, 255)), tmp_path / "Red.png"),
    }
    names = {Path(file).stem: file for file in files}
    digests = {"Eyes": {name: file_digest(files[file]) for name, file in names.items()}}
    problems = identical_art_problems(identical_groups(digests), "config.json", {"Eyes": names})
    assert len(problems) == 1
    assert (
        "options 'Blue' (Blue.png) and 'Blue copy' (Blue copy.png) have identical" in (problems[0])
    )
