"""Generated backgrounds: one colour per token, a pure function of the seed and its id (not
of the plan's RNG, so turning backgrounds on never changes which traits a token gets)."""

import colorsys
import random

from modules.load.spec import Background

RGB = tuple[int, int, int]


def background_colour(background: Background, seed: int, token_id: int) -> RGB:
    """A fully saturated colour of the configured lightness with a hue drawn for this token."""
    # A string seed is hashed with SHA-512 by random.Random: stable across Python versions.
    hue = random.Random(f"genecator-background:{seed}:{token_id}").random()
    red, green, blue = colorsys.hls_to_rgb(hue, background.lightness, 1.0)
    return round(red * 255), round(green * 255), round(blue * 255)


def hex_colour(colour: RGB) -> str:
    """OpenSea's background_color: six hex digits without '#'."""
    return "".join(f"{channel:02x}" for channel in colour)
