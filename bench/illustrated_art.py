"""Flat-colour illustrated characters for the speed bench: 8 layers x 8 options, deterministic.

Shapes are given in canvas fractions, drawn with thick dark outlines at twice the size and
downscaled with LANCZOS (anti-aliased like artists' exports); outside them a layer is fully
transparent, except the opaque background. One option is one Random seeded by its layer and
option, so any option can be redrawn alone.
"""

import math
import random
from collections.abc import Callable
from typing import NamedTuple

from PIL import Image, ImageDraw

LAYERS = ("Background", "Body", "Clothes", "Neck", "Eyes", "Mouth", "Headwear", "Accessory")
SCALE = 2
OUTLINE = 0.01  # outline width, in canvas fractions (about 11 px at 1080)
INK, WHITE, GOLD, RED = "#1f1a2e", "#ffffff", "#ffc23a", "#e63946"
SKY = ("#f6d6ad", "#b5e2fa", "#c9f2c7", "#f7c6d9", "#d9c8f5", "#fff1a8", "#a8e6cf", "#ffd3b6")
SKINS = ("#f4c7a1", "#8fd3f4", "#a5e887", "#f7a1c4", "#c3a6ff", "#ffd66b", "#9ee6d9", "#d9b38c")
CLOTH = ("#e4572e", "#2e86ab", "#29335c", "#f3a712", "#669bbc", "#8ac926", "#6a4c93", "#ff595e")
HEAD = (0.5, 0.44, 0.27, 0.25)  # centre x, y and radii of the head
EYE = (0.4, 0.42)  # the left eye; the right one is its mirror image
RAYS = [math.radians(60 * i) for i in range(6)]  # directions of a flower's petals


class Shape(NamedTuple):
    """One filled shape: an ellipse or box (x0, y0, x1, y1) or a polygon (x, y, x, y, ...)."""

    kind: str
    xy: tuple[float, ...]
    fill: str
    outline: bool = True
    radius: float = 0.0


def ell(cx: float, cy: float, rx: float, ry: float, fill: str, outline: bool = True) -> Shape:
    """An ellipse by centre and radii."""
    return Shape("ellipse", (cx - rx, cy - ry, cx + rx, cy + ry), fill, outline)


def box(xy: tuple[float, float, float, float], fill: str, r: float = 0, line: bool = True) -> Shape:
    """A rectangle with corners rounded by `r`."""
    return Shape("box", xy, fill, line, r)


def poly(points: list[float], fill: str, outline: bool = True) -> Shape:
    """A polygon through flat (x, y, x, y, ...) points."""
    return Shape("polygon", tuple(points), fill, outline)


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> list[float]:
    """Flat points on an ellipse from angle a0 to a1 (degrees, clockwise on screen)."""
    angles = [math.radians(a0 + (a1 - a0) * i / 24) for i in range(25)]
    return [v for a in angles for v in (cx + rx * math.cos(a), cy + ry * math.sin(a))]


def band(
    cx: float, cy: float, rx: float, ry: float, thick: float, a0: float, a1: float
) -> list[float]:
    """A curved strip `thick` wide along an ellipse arc, as polygon points."""
    inner = arc(cx, cy, rx - thick, ry - thick, a1, a0)
    return arc(cx, cy, rx, ry, a0, a1) + inner


def star(cx: float, cy: float, outer: float, inner: float) -> list[float]:
    """A five-pointed star, point up."""
    radii = [outer if i % 2 == 0 else inner for i in range(10)]
    angles = [math.radians(-90 + 36 * i) for i in range(10)]
    return [
        v
        for r, a in zip(radii, angles, strict=True)
        for v in (cx + r * math.cos(a), cy + r * math.sin(a))
    ]


def ray(degrees: float) -> list[float]:
    """A point well outside the canvas, in direction `degrees` from the centre of the head."""
    a = math.radians(degrees)
    return [0.5 + 1.5 * math.cos(a), 0.45 + 1.5 * math.sin(a)]


def mix(a: str, b: str, t: float) -> str:
    """The colour a fraction `t` of the way from `a` to `b`."""
    pairs = [(int(a[i : i + 2], 16), int(b[i : i + 2], 16)) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in pairs)


def mirrored(shapes: list[Shape]) -> list[Shape]:
    """The shapes and their mirror images about the vertical centre line."""
    out = list(shapes)
    for s in shapes:
        if s.kind == "polygon":
            xy = tuple(1 - v if i % 2 == 0 else v for i, v in enumerate(s.xy))
        else:
            xy = (1 - s.xy[2], s.xy[1], 1 - s.xy[0], s.xy[3])
        out.append(s._replace(xy=xy))
    return out


def background(rng: random.Random, option: int) -> list[Shape]:
    """Flat colour (options 0-2), a banded gradient, stripes, dots, a split or rays."""
    base, other = rng.sample(SKY, 2)
    designs = [
        [],
        [],
        [],
        [box((0, i / 8, 1, (i + 1) / 8), mix(base, other, i / 7), line=False) for i in range(8)],
        [box((0, i / 6, 1, i / 6 + 1 / 12), other, line=False) for i in range(6)],
        [
            ell((c + 0.5 * (r % 2)) / 5, r / 5, 0.035, 0.035, other, False)
            for r in range(6)
            for c in range(6)
        ],
        [poly([0, 1, 1, 0, 1, 1], other, False)],
        [poly([0.5, 0.45, *ray(a), *ray(a + 15)], other, False) for a in range(0, 360, 30)],
    ]
    return [box((0, 0, 1, 1), base, line=False), *designs[option]]


def body(rng: random.Random, option: int) -> list[Shape]:
    """A round head on a rounded torso, with a muzzle, a belly and one of 8 kinds of ears."""
    skin = rng.choice(SKINS)
    light = mix(skin, WHITE, 0.45)
    cx, cy, rx, ry = HEAD
    k = rng.uniform(-0.015, 0.015)
    ears = [
        [ell(0.29, 0.24, 0.08 + k, 0.08 + k, skin), ell(0.29, 0.24, 0.045, 0.045, light, False)],
        [poly([0.26, 0.36, 0.28 + k, 0.1, 0.44, 0.22], skin)],
        [poly([0.36, 0.23, 0.33 + k, 0.08, 0.42, 0.2], "#f1ede4")],
        [box((0.487, 0.08, 0.513, 0.2), INK, line=False), ell(0.5, 0.08, 0.035, 0.035, RED)],
        [ell(0.39, 0.13, 0.045, 0.13 + k, skin), ell(0.39, 0.14, 0.02, 0.09, light, False)],
        [ell(0.23, 0.45, 0.07, 0.08 + k, skin), ell(0.23, 0.45, 0.035, 0.045, light, False)],
        [],
        [poly([0.38, 0.22, 0.42 + k, 0.1, 0.47, 0.2], skin)],
    ]
    return [
        *mirrored(ears[option]),
        box((0.27, 0.64, 0.73, 1.1), skin, 0.14),
        ell(0.5, 0.88, 0.14 + k, 0.16, light, False),
        ell(cx, cy, rx + k, ry, skin),
        ell(cx, cy + 0.12, 0.13 + k, 0.08, light, False),
    ]


def clothes(rng: random.Random, option: int) -> list[Shape]:
    """A shirt over the torso: plain, hoodie, suit, striped, overalls, jersey, cape or vest."""
    c, accent = rng.sample(CLOTH, 2)
    dark = mix(c, INK, 0.35)
    shirt = box((0.22, 0.72, 0.78, 1.1), c, 0.12)
    designs = [
        [shirt, poly([0.42, 0.725, 0.5, 0.8, 0.58, 0.725], mix(c, WHITE, 0.3))],
        [
            shirt,
            box((0.36, 0.9, 0.64, 1.0), dark, 0.04),
            *mirrored([box((0.45, 0.74, 0.46, 0.84), WHITE, line=False)]),
        ],
        [
            shirt._replace(fill=dark),
            poly([0.4, 0.72, 0.6, 0.72, 0.5, 0.9], WHITE),
            poly([0.5, 0.76, 0.53, 0.8, 0.5, 0.92, 0.47, 0.8], RED),
        ],
        [shirt, *[box((0.235, y, 0.765, y + 0.04), accent, line=False) for y in (0.8, 0.88, 0.96)]],
        [
            shirt._replace(fill=accent),
            box((0.34, 0.82, 0.66, 1.1), c, 0.03),
            *mirrored([box((0.34, 0.72, 0.38, 0.84), c)]),
        ],
        [
            shirt,
            box((0.44, 0.8, 0.48, 0.95), WHITE, 0.01),
            box((0.52, 0.8, 0.56, 0.95), WHITE, 0.01),
        ],
        [poly([0.3, 0.7, 0.7, 0.7, 0.84, 1.05, 0.16, 1.05], c), ell(0.5, 0.72, 0.04, 0.04, GOLD)],
        [
            shirt._replace(fill=WHITE),
            *mirrored([poly([0.22, 0.8, 0.34, 0.72, 0.47, 0.72, 0.47, 1.1, 0.22, 1.1], c)]),
        ],
    ]
    return designs[option]


def neck(rng: random.Random, option: int) -> list[Shape]:
    """Bow tie, chain, scarf, medal, pearls, collar and bell, bandana or tie."""
    c = rng.choice(CLOTH)
    chain = arc(0.5, 0.66, 0.16, 0.1, 30, 150)
    pearls = list(zip(chain[::2], chain[1::2], strict=True))[::3]
    designs = [
        [
            *mirrored([poly([0.5, 0.72, 0.42, 0.68, 0.42, 0.77], c)]),
            ell(0.5, 0.725, 0.025, 0.025, c),
        ],
        [
            *[ell(x, y, 0.018, 0.012, GOLD) for x, y in pearls],
            ell(0.5, 0.8, 0.03, 0.03, GOLD),
        ],
        [box((0.3, 0.66, 0.7, 0.75), c, 0.04), box((0.56, 0.72, 0.64, 0.9), c, 0.02)],
        [poly([0.44, 0.7, 0.5, 0.8, 0.56, 0.7], c), ell(0.5, 0.84, 0.05, 0.05, GOLD)],
        [ell(x, y, 0.022, 0.022, WHITE) for x, y in pearls],
        [box((0.32, 0.67, 0.68, 0.72), c, 0.02), ell(0.5, 0.75, 0.035, 0.035, GOLD)],
        [poly([0.32, 0.68, 0.68, 0.68, 0.5, 0.84], c)],
        [poly([0.47, 0.7, 0.53, 0.7, 0.55, 0.93, 0.5, 0.98, 0.45, 0.93], c)],
    ]
    return designs[option]


def eyes(rng: random.Random, option: int) -> list[Shape]:
    """Round, dots, sleepy, angry, big irises, happy, stars or hearts (the left eye, mirrored)."""
    x, y = EYE
    r = 0.075 + rng.uniform(-0.008, 0.008)  # the eye's radius; every part is sized by it
    iris = rng.choice(CLOTH)
    pupil = [
        ell(x + 0.2 * r, y + 0.15 * r, 0.5 * r, 0.55 * r, INK, False),
        ell(x - 0.1 * r, y - 0.2 * r, 0.18 * r, 0.18 * r, WHITE, False),
    ]
    white = ell(x, y, r, 1.15 * r, WHITE)
    brow = [
        x - 1.3 * r,
        y - 1.6 * r,
        x + r,
        y - 0.9 * r,
        x + r,
        y - 0.6 * r,
        x - 1.3 * r,
        y - 1.2 * r,
    ]
    heart = [x - 0.9 * r, y, x + 0.9 * r, y, x, y + r]
    designs = [
        [white, *pupil],
        [ell(x, y, 0.45 * r, 0.55 * r, INK, False)],
        [white, *pupil, poly(arc(x, y, r, 1.15 * r, 180, 360), "#8a7fa0")],
        [white, *pupil, poly(brow, INK, False)],
        [
            ell(x, y, 1.2 * r, 1.3 * r, WHITE),
            ell(x + 0.1 * r, y + 0.15 * r, 0.8 * r, 0.85 * r, iris),
            *pupil,
        ],
        [poly(band(x, y + 0.5 * r, r, 0.9 * r, 0.4 * r, 190, 350), INK, False)],
        [poly(star(x, y, 1.2 * r, 0.5 * r), GOLD)],
        [
            *[
                ell(x + dx, y - 0.2 * r, 0.5 * r, 0.5 * r, RED, False)
                for dx in (-0.42 * r, 0.42 * r)
            ],
            poly(heart, RED, False),
        ],
    ]
    return mirrored(designs[option])


def mouth(rng: random.Random, option: int) -> list[Shape]:
    """Smile, O, grin, line, tongue out, buck teeth, beak or frown."""
    w = 0.085 + rng.uniform(-0.01, 0.01)
    y = 0.55
    smile = poly(arc(0.5, y, w, 0.05, 0, 180), "#7a2337")
    designs = [
        [smile, ell(0.5, y + 0.035, w * 0.45, 0.014, "#ff8fa3", False)],
        [ell(0.5, y + 0.02, 0.035, 0.045, "#7a2337")],
        [
            box((0.5 - w, y, 0.5 + w, y + 0.06), WHITE, 0.02),
            box((0.5 - w, y + 0.026, 0.5 + w, y + 0.034), INK, line=False),
        ],
        [box((0.5 - w * 0.8, y + 0.01, 0.5 + w * 0.8, y + 0.025), INK, 0.007, line=False)],
        [smile, ell(0.52, y + 0.06, 0.03, 0.035, "#ff8fa3")],
        [
            smile,
            box((0.47, y - 0.005, 0.5, y + 0.04), WHITE, 0.005),
            box((0.5, y - 0.005, 0.53, y + 0.04), WHITE, 0.005),
        ],
        [poly([0.43, y, 0.57, y, 0.5, y + 0.07], "#ff9f1c")],
        [poly(arc(0.5, y + 0.06, w * 0.8, 0.04, 180, 360), "#7a2337")],
    ]
    return designs[option]


def headwear(rng: random.Random, option: int) -> list[Shape]:
    """Cap, beanie, top hat, crown, cowboy hat, party hat, wizard hat or bucket hat."""
    c, accent = rng.sample(CLOTH, 2)
    k = rng.uniform(-0.015, 0.015)
    tips = [0.24, 0.3, 0.22, 0.02 + k, 0.37, 0.14, 0.5, k, 0.63, 0.14, 0.78, 0.02 + k, 0.76, 0.3]
    jewels = [ell(x, 0.24, 0.022, 0.022, RED) for x in (0.37, 0.5, 0.63)]
    designs = [
        [poly(arc(0.5, 0.32, 0.31 + k, 0.26, 180, 360), c), box((0.46, 0.27, 0.9, 0.34), c, 0.03)],
        [
            poly(arc(0.5, 0.32, 0.3, 0.26 + k, 180, 360), c),
            box((0.19, 0.25, 0.81, 0.35), accent, 0.03),
            ell(0.5, 0.06 - k, 0.055, 0.055, accent),
        ],
        [
            box((0.3, -0.04 + k, 0.7, 0.22), INK),
            box((0.16, 0.18, 0.84, 0.26), INK, 0.03),
            box((0.31, 0.13, 0.69, 0.18), accent, line=False),
        ],
        [poly(tips, GOLD), *jewels],
        [
            ell(0.5, 0.22, 0.42, 0.09 + k, "#9c6644"),
            box((0.29, 0.0, 0.71, 0.22), "#9c6644", 0.08),
            box((0.295, 0.15, 0.705, 0.19), INK, line=False),
        ],
        [
            poly([0.24, 0.28, 0.5, -0.04 + k, 0.76, 0.28], c),
            ell(0.5, -0.02 + k, 0.05, 0.05, accent),
            *[ell(0.5 + dx, 0.2, 0.025, 0.025, accent, False) for dx in (-0.1, 0.0, 0.1)],
        ],
        [
            poly([0.2, 0.27, 0.56, -0.08 + k, 0.8, 0.27], "#3d348b"),
            ell(0.5, 0.27, 0.38, 0.06, "#3d348b"),
            poly(star(0.52, 0.15, 0.06, 0.026), GOLD, False),
        ],
        [
            poly([0.28, 0.04 + k, 0.72, 0.04 + k, 0.8, 0.27, 0.2, 0.27], c),
            ell(0.5, 0.27, 0.39, 0.065, c),
        ],
    ]
    return designs[option]


def accessory(rng: random.Random, option: int) -> list[Shape]:
    """Earring, sunglasses, pipe, balloon, eye patch, flower, headphones or bubble gum."""
    c = rng.choice(CLOTH)
    k = rng.uniform(-0.01, 0.01)
    petals = [
        ell(0.2 + 0.045 * math.cos(a), 0.3 + 0.045 * math.sin(a), 0.03, 0.03, c) for a in RAYS
    ]
    designs = [
        [ell(0.24, 0.55, 0.02 + k, 0.02 + k, GOLD), ell(0.76, 0.55, 0.02 + k, 0.02 + k, GOLD)],
        [
            *mirrored([box((0.31, 0.36, 0.48, 0.47 + k), "#22223b", 0.03)]),
            box((0.47, 0.38, 0.53, 0.4), INK, line=False),
        ],
        [
            box((0.54, 0.585, 0.7, 0.605), "#6f4e37", 0.008),
            box((0.67, 0.51, 0.75, 0.61 + k), "#6f4e37", 0.02),
        ],
        [
            ell(0.86, 0.24, 0.09 + k, 0.11 + k, RED),
            poly([0.855, 0.35, 0.865, 0.35, 0.8, 0.92, 0.79, 0.92], INK, False),
        ],
        [
            ell(0.4, 0.42, 0.07 + k, 0.07, INK),
            poly([0.24, 0.3, 0.27, 0.28, 0.76, 0.5, 0.74, 0.53], INK, False),
        ],
        [*petals, ell(0.2, 0.3, 0.025, 0.025, GOLD)],
        [
            poly(band(0.5, 0.42, 0.31, 0.3, 0.035, 190, 350), INK),
            *mirrored([box((0.17, 0.37, 0.25, 0.53 + k), c, 0.03)]),
        ],
        [ell(0.5, 0.6, 0.07 + k, 0.06 + k, "#ff8fc7")],
    ]
    return designs[option]


DESIGNS: tuple[Callable[[random.Random, int], list[Shape]], ...] = (
    background, body, clothes, neck, eyes, mouth, headwear, accessory,
)  # fmt: skip


def render(shapes: list[Shape], size: int) -> Image.Image:
    """The shapes drawn at SCALE x `size` with outlines, then downscaled with LANCZOS."""
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    width = max(1, round(OUTLINE * big))
    for s in shapes:
        xy = [v * big for v in s.xy]
        line, w = (INK, width) if s.outline else (None, 0)
        if s.kind == "ellipse":
            draw.ellipse(xy, s.fill, line, w)
        elif s.kind == "box":
            draw.rounded_rectangle(xy, s.radius * big, s.fill, line, w)
        else:
            draw.polygon(xy, s.fill, line, w)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def illustrated_layer(layer: int, option: int, size: int) -> Image.Image:
    """Option `option` of layer `layer` (an index into LAYERS) at `size` x `size`."""
    rng = random.Random(f"illustrated/{layer}/{option}")
    return render(DESIGNS[layer](rng, option), size)
