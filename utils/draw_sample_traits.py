"""Regenerate the bundled sample trait art (round "critters") in traits/ using Pillow only."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import click
from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageFilter

SIZE = 512
SCALE = 2
W = SIZE * SCALE  # everything is drawn at 2x and downscaled, which anti-aliases the edges

INK = "#2d2438"
WHITE = "#ffffff"
SHADOW = "#1c1530"
OUTLINE = 7

BODY_CX, BODY_CY, BODY_RX, BODY_RY = 512, 650, 290, 270
EYE_Y, EYE_DX, EYE_RX, EYE_RY = 560, 105, 50, 60
MOUTH_Y = 680
ARM_Y, ARM_DX = 740, 300

Point = tuple[float, float]
Box = tuple[float, float, float, float]
Fill = str | Image.Image


# ---------------------------------------------------------------- mask and paint helpers


def canvas() -> Image.Image:
    return Image.new("RGBA", (W, W), (0, 0, 0, 0))


def blank() -> Image.Image:
    return Image.new("L", (W, W), 0)


def box(cx: float, cy: float, rx: float, ry: float) -> Box:
    return (cx - rx, cy - ry, cx + rx, cy + ry)


def ellipse(bounds: Box) -> Image.Image:
    mask = blank()
    ImageDraw.Draw(mask).ellipse(bounds, fill=255)
    return mask


def polygon(points: Sequence[Point]) -> Image.Image:
    mask = blank()
    ImageDraw.Draw(mask).polygon(list(points), fill=255)
    return mask


def rounded(bounds: Box, radius: float) -> Image.Image:
    mask = blank()
    ImageDraw.Draw(mask).rounded_rectangle(bounds, radius=radius, fill=255)
    return mask


def rect(bounds: Box) -> Image.Image:
    mask = blank()
    ImageDraw.Draw(mask).rectangle(bounds, fill=255)
    return mask


def stroke(points: Sequence[Point], width: float) -> Image.Image:
    """A polyline with round joints and round caps."""
    mask = blank()
    draw = ImageDraw.Draw(mask)
    draw.line(list(points), fill=255, width=round(width), joint="curve")
    for x, y in (points[0], points[-1]):
        draw.ellipse(box(x, y, width / 2, width / 2), fill=255)
    return mask


def union(*masks: Image.Image) -> Image.Image:
    out = masks[0]
    for mask in masks[1:]:
        out = ImageChops.lighter(out, mask)
    return out


def clip(mask: Image.Image, to: Image.Image) -> Image.Image:
    return ImageChops.multiply(mask, to)


def cut(mask: Image.Image, hole: Image.Image) -> Image.Image:
    return ImageChops.subtract(mask, hole)


def shift(mask: Image.Image, dx: int, dy: int) -> Image.Image:
    out = blank()
    out.paste(mask, (dx, dy))
    return out


def blur(mask: Image.Image, radius: float) -> Image.Image:
    return mask.filter(ImageFilter.GaussianBlur(radius))


def dilate(mask: Image.Image, px: int) -> Image.Image:
    bbox = mask.getbbox()
    if bbox is None:
        return mask.copy()
    # MaxFilter is slow on the full canvas, so only filter the shape's neighbourhood.
    pad = px + 2
    left, top = max(0, bbox[0] - pad), max(0, bbox[1] - pad)
    right, bottom = min(W, bbox[2] + pad), min(W, bbox[3] + pad)
    region = mask.crop((left, top, right, bottom)).filter(ImageFilter.MaxFilter(2 * px + 1))
    out = blank()
    out.paste(region, (left, top))
    return out


def paint(layer: Image.Image, mask: Image.Image, fill: Fill, opacity: float = 1.0) -> None:
    """Composite a colour (or a same-sized image) onto layer through mask."""
    src = fill.copy() if isinstance(fill, Image.Image) else Image.new("RGBA", (W, W), fill)
    alpha = mask if opacity >= 1 else mask.point(lambda v: round(v * opacity))
    src.putalpha(ImageChops.multiply(src.getchannel("A"), alpha))
    layer.alpha_composite(src)


def outlined(layer: Image.Image, mask: Image.Image, fill: Fill, width: int = OUTLINE) -> None:
    paint(layer, dilate(mask, width), INK)
    paint(layer, mask, fill)


def shade(
    layer: Image.Image,
    mask: Image.Image,
    color: str,
    offset: tuple[int, int] = (30, 36),
    radius: float = 16,
    opacity: float = 0.6,
) -> None:
    """Darken the lower-right rim of a shape, as if lit from the upper left."""
    rim = cut(mask, shift(mask, -offset[0], -offset[1]))
    paint(layer, clip(blur(rim, radius), mask), color, opacity)


def glow(
    layer: Image.Image, mask: Image.Image, bounds: Box, color: str, radius: float, opacity: float
) -> None:
    """A soft light spot, clipped to the shape so it never spills over the outline."""
    paint(layer, clip(blur(ellipse(bounds), radius), mask), color, opacity)


def arc_points(
    cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = 40
) -> list[Point]:
    angles = (math.radians(start + (end - start) * i / steps) for i in range(steps + 1))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def bezier(p0: Point, p1: Point, p2: Point, steps: int = 32) -> list[Point]:
    """Points on a quadratic Bezier curve from p0 to p2, pulled towards p1."""
    points = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t**2
        points.append((a * p0[0] + b * p1[0] + c * p2[0], a * p0[1] + b * p1[1] + c * p2[1]))
    return points


def ellipse_points(
    cx: float, cy: float, rx: float, ry: float, angle: float = 0, steps: int = 72
) -> list[Point]:
    cos_a, sin_a = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    points = []
    for x, y in arc_points(0, 0, rx, ry, 0, 360, steps)[:-1]:
        points.append((cx + x * cos_a - y * sin_a, cy + x * sin_a + y * cos_a))
    return points


def star_points(cx: float, cy: float, outer: float, inner: float, tips: int = 5) -> list[Point]:
    points = []
    for i in range(tips * 2):
        r = outer if i % 2 == 0 else inner
        a = math.radians(-90 + 180 * i / tips)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return points


def vertical_gradient(top: str, bottom: str, y0: int = 0, y1: int = W) -> Image.Image:
    strip = Image.new("RGBA", (1, W))
    top_rgb, bottom_rgb = ImageColor.getrgb(top), ImageColor.getrgb(bottom)
    for y in range(W):
        t = min(1.0, max(0.0, (y - y0) / (y1 - y0)))
        rgb = (round(a + (b - a) * t) for a, b in zip(top_rgb, bottom_rgb, strict=True))
        strip.putpixel((0, y), (*rgb, 255))
    return strip.resize((W, W), Image.Resampling.NEAREST)


def eye_xs() -> tuple[int, int]:
    return (BODY_CX - EYE_DX, BODY_CX + EYE_DX)


# ---------------------------------------------------------------- backgrounds


def polka(base: str, dot: str, spacing: int, radius: int) -> Image.Image:
    layer = Image.new("RGBA", (W, W), base)
    draw = ImageDraw.Draw(layer)
    for row, y in enumerate(range(-spacing, W + spacing, spacing // 2)):
        offset = spacing // 2 if row % 2 else 0
        for x in range(-spacing + offset, W + spacing, spacing):
            draw.ellipse(box(x, y, radius, radius), fill=dot)
    return layer


def cloud(layer: Image.Image, cx: float, cy: float, scale: float) -> None:
    puffs = [(-70, 10, 45), (-25, -20, 60), (35, -10, 55), (80, 15, 40), (0, 20, 50)]
    mask = union(
        *(
            ellipse(box(cx + dx * scale, cy + dy * scale, r * scale, r * scale))
            for dx, dy, r in puffs
        )
    )
    mask = clip(mask, rect((0, 0, W, cy + 28 * scale)))
    paint(layer, blur(mask, 3), WHITE, 0.7)


def bg_sky_blue() -> Image.Image:
    layer = vertical_gradient("#8fd0fb", "#e4f5ff")
    cloud(layer, 190, 230, 1.1)
    cloud(layer, 860, 140, 0.8)
    return layer


def bg_mint() -> Image.Image:
    return polka("#c9eed7", "#d9f5e3", 112, 14)


def bg_peach() -> Image.Image:
    layer = Image.new("RGBA", (W, W), "#ffd6c0")
    for x in range(-W, W, 128):
        paint(layer, polygon([(x, W), (x + 56, W), (x + 56 + W, 0), (x + W, 0)]), "#ffe1d0")
    return layer


def bg_lavender() -> Image.Image:
    layer = Image.new("RGBA", (W, W), "#dcd2f4")
    sparkles = blank()
    draw = ImageDraw.Draw(sparkles)
    for row, y in enumerate(range(64, W, 128)):
        for x in range(64 + (row % 2) * 64, W, 128):
            draw.polygon(star_points(x, y, 18, 5, tips=4), fill=255)
    paint(layer, sparkles, "#ebe5fb")
    return layer


def bg_sunset() -> Image.Image:
    layer = vertical_gradient("#ffb25e", "#ff82ae")
    paint(layer, blur(ellipse(box(230, 250, 170, 170)), 40), "#ffe9a8", 0.6)
    paint(layer, ellipse(box(230, 250, 120, 120)), "#ffe6a0", 0.85)
    return layer


def bg_starry_night() -> Image.Image:
    layer = vertical_gradient("#0b1433", "#2b3a72")
    rng = random.Random(1337)
    dots = blank()
    draw = ImageDraw.Draw(dots)
    for _ in range(110):
        x, y, r = rng.uniform(0, W), rng.uniform(0, W), rng.uniform(1.5, 4.0)
        draw.ellipse(box(x, y, r, r), fill=rng.randint(120, 255))
    paint(layer, dots, "#fff8e0")
    for _ in range(9):
        x, y, r = rng.uniform(40, W - 40), rng.uniform(40, W - 40), rng.uniform(10, 20)
        paint(layer, blur(ellipse(box(x, y, r * 1.4, r * 1.4)), 8), "#fff3c4", 0.5)
        paint(layer, polygon(star_points(x, y, r, r * 0.22, tips=4)), "#fffbe8")
    moon = cut(ellipse(box(170, 170, 70, 70)), ellipse(box(200, 150, 64, 64)))
    paint(layer, blur(ellipse(box(170, 170, 100, 100)), 30), "#fff3c4", 0.35)
    paint(layer, moon, "#fff2c2")
    return layer


# ---------------------------------------------------------------- bodies


@dataclass(frozen=True)
class Palette:
    base: str
    dark: str
    light: str


@cache
def body_mask() -> Image.Image:
    """The shared gumdrop silhouette; every other layer is placed relative to it."""
    points = []
    for i in range(720):
        t = 2 * math.pi * i / 720
        c, s = math.cos(t), math.sin(t)
        exponent = 3.0 if s > 0 else 2.4  # flatter bottom, rounder head
        rx = BODY_RX * (1 - 0.06 * max(0.0, -s))
        x = BODY_CX + rx * math.copysign(abs(c) ** (2 / exponent), c)
        y = BODY_CY + BODY_RY * math.copysign(abs(s) ** (2 / exponent), s)
        points.append((x, y))
    return polygon(points)


def head_top(x: float) -> int:
    """First y (from the top) where the body covers column x."""
    column = body_mask().crop((round(x), 0, round(x) + 1, W)).getbbox()
    return column[1] if column else BODY_CY


def half_width(y: float) -> int:
    row = body_mask().crop((0, round(y), W, round(y) + 1)).getbbox()
    return (row[2] - row[0]) // 2 if row else 0


def limbs() -> list[Image.Image]:
    feet = [ellipse(box(BODY_CX + dx, 908, 72, 40)) for dx in (-130, 130)]
    arms = [
        polygon(ellipse_points(BODY_CX + side * ARM_DX, ARM_Y, 52, 34, angle=-side * 25))
        for side in (-1, 1)
    ]
    return feet + arms


def critter(palette: Palette, fill: Fill | None = None, blush: bool = True) -> Image.Image:
    layer = canvas()
    body_fill = fill or palette.base
    paint(layer, blur(ellipse((200, 920, 824, 972)), 12), SHADOW, 0.3)
    for limb in limbs():
        outlined(layer, limb, body_fill)
        shade(layer, limb, palette.dark, (10, 12), 6, 0.7)
    body = body_mask()
    outlined(layer, body, body_fill)
    shade(layer, body, palette.dark, (46, 52), 26, 0.65)
    glow(layer, body, (300, 400, 560, 560), palette.light, 40, 0.75)
    paint(layer, polygon(ellipse_points(372, 458, 34, 18, angle=-35)), WHITE, 0.8)
    paint(layer, ellipse(box(412, 430, 9, 9)), WHITE, 0.8)
    if blush:
        for cx in (BODY_CX - 178, BODY_CX + 178):
            paint(layer, blur(ellipse(box(cx, 658, 44, 24)), 8), "#ff7f9e", 0.45)
    return layer


def body_lime() -> Image.Image:
    return critter(Palette("#a9dc6c", "#6fae43", "#ddf7b0"))


def body_coral() -> Image.Image:
    return critter(Palette("#ff8c7a", "#db5a56", "#ffc9bd"))


def body_sky() -> Image.Image:
    return critter(Palette("#7fc9f3", "#4d97cf", "#cdeeff"))


def body_grape() -> Image.Image:
    return critter(Palette("#ab8ce3", "#7a5cbf", "#ddd0fa"))


def cow_spot(rng: random.Random, cx: float, cy: float, r: float) -> Image.Image:
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    points = []
    for i in range(60):
        a = 2 * math.pi * i / 60
        wobble = 1 + 0.12 * sum(math.sin((k + 2) * a + p) for k, p in enumerate(phases))
        points.append((cx + r * wobble * math.cos(a), cy + r * 0.85 * wobble * math.sin(a)))
    return polygon(points)


def body_spotted_cow() -> Image.Image:
    layer = critter(Palette("#fbfaf6", "#c9c3d6", WHITE))
    rng = random.Random(7)
    spots = [(318, 470, 62), (700, 452, 48), (640, 838, 72), (360, 800, 50), (790, 700, 42)]
    mask = union(*(cow_spot(rng, x, y, r) for x, y, r in spots))
    paint(layer, clip(mask, body_mask()), "#3b3344")
    paint(layer, clip(dilate(mask, 3), cut(body_mask(), mask)), "#3b3344", 0.25)
    return layer


def body_robot() -> Image.Image:
    metal = vertical_gradient("#e3e9ef", "#8e9aa8", 380, 920)
    layer = canvas()
    antenna_base = (590, head_top(590) + 12)
    outlined(layer, stroke([antenna_base, (655, 292)], 14), "#6f7b88")
    ball = ellipse(box(660, 284, 24, 24))
    paint(layer, blur(ellipse(box(660, 284, 44, 44)), 12), "#ff5a5a", 0.5)
    outlined(layer, ball, "#ff5a5a")
    paint(layer, ellipse(box(652, 276, 8, 8)), WHITE, 0.9)
    layer.alpha_composite(critter(Palette("#b9c3cd", "#6d7a89", "#f4f8fb"), metal, blush=False))
    body = body_mask()
    seams = union(
        stroke(arc_points(BODY_CX, 360, 330, 115, 20, 160), 5),
        stroke([(BODY_CX, 790), (BODY_CX, 940)], 5),
    )
    paint(layer, clip(seams, body), "#5d6876", 0.8)
    for a in range(30, 151, 20):
        x, y = arc_points(BODY_CX, 360, 330, 115, a, a)[0]
        rivet = clip(ellipse(box(x, y + 20, 8, 8)), body)
        paint(layer, rivet, "#6d7a89")
        paint(layer, clip(ellipse(box(x - 2, y + 18, 3, 3)), body), WHITE, 0.8)
    for cx in (BODY_CX - 178, BODY_CX + 178):
        outlined(layer, ellipse(box(cx, 660, 14, 14)), "#ffb347", 4)
    return layer


def body_golden() -> Image.Image:
    gold = vertical_gradient("#ffe27a", "#e0a526", 380, 920)
    layer = critter(Palette("#f5c542", "#c0841a", "#fff6c8"), gold)
    for x, y, r in ((700, 470, 26), (752, 540, 14), (300, 760, 18)):
        paint(layer, polygon(star_points(x, y, r, r * 0.25, tips=4)), WHITE, 0.9)
    return layer


# ---------------------------------------------------------------- eyes


def round_eye(layer: Image.Image, cx: float) -> None:
    white = ellipse(box(cx, EYE_Y, EYE_RX, EYE_RY))
    outlined(layer, white, WHITE)
    shade(layer, white, "#c9cfe0", (10, 14), 8, 0.8)
    inward = 8 if cx < BODY_CX else -8
    paint(layer, ellipse(box(cx + inward, EYE_Y + 12, 30, 36)), INK)
    paint(layer, ellipse(box(cx + inward - 10, EYE_Y - 2, 11, 12)), WHITE)
    paint(layer, ellipse(box(cx + inward + 10, EYE_Y + 28, 5, 5)), WHITE)


def eyes_round() -> Image.Image:
    layer = canvas()
    for cx in eye_xs():
        round_eye(layer, cx)
    return layer


def eyes_sleepy() -> Image.Image:
    layer = canvas()
    lid_y = EYE_Y + 6
    for cx in eye_xs():
        lower = clip(ellipse(box(cx, EYE_Y, EYE_RX, EYE_RY)), rect((0, lid_y, W, W)))
        outlined(layer, lower, WHITE)
        paint(layer, clip(ellipse(box(cx, EYE_Y + 22, 28, 32)), lower), INK)
        paint(layer, clip(ellipse(box(cx - 9, lid_y + 12, 7, 6)), lower), WHITE)
        outer = 1 if cx > BODY_CX else -1  # lids droop towards the outside of the face
        lid = [(cx - outer * (EYE_RX + 10), lid_y - 2), (cx + outer * (EYE_RX + 10), lid_y + 10)]
        paint(layer, stroke(lid, 16), INK)
    return layer


def eyes_happy() -> Image.Image:
    layer = canvas()
    arcs = [stroke(arc_points(cx, EYE_Y + 22, 42, 40, 195, 345), 17) for cx in eye_xs()]
    paint(layer, union(*arcs), INK)
    return layer


def eyes_wink() -> Image.Image:
    layer = canvas()
    left, right = eye_xs()
    round_eye(layer, left)
    wink = stroke([(right + 36, EYE_Y - 30), (right - 32, EYE_Y + 2), (right + 36, EYE_Y + 34)], 17)
    paint(layer, wink, INK)
    return layer


def laser_beam(layer: Image.Image, cx: float, direction: int) -> None:
    edge = 0 if direction < 0 else W
    beam = polygon([(cx, EYE_Y - 12), (edge, EYE_Y - 30), (edge, EYE_Y + 30), (cx, EYE_Y + 12)])
    core = polygon([(cx, EYE_Y - 4), (edge, EYE_Y - 10), (edge, EYE_Y + 10), (cx, EYE_Y + 4)])
    paint(layer, blur(dilate(beam, 10), 14), "#ff2a2a", 0.7)
    paint(layer, beam, "#ff4040", 0.9)
    paint(layer, blur(core, 2), "#fff0f0")


def eyes_laser() -> Image.Image:
    layer = canvas()
    for cx, direction in zip(eye_xs(), (-1, 1), strict=True):
        laser_beam(layer, cx, direction)
    for cx in eye_xs():
        eye = ellipse(box(cx, EYE_Y, EYE_RX, EYE_RY))
        paint(layer, blur(ellipse(box(cx, EYE_Y, EYE_RX + 30, EYE_RY + 30)), 18), "#ff3030", 0.7)
        outlined(layer, eye, "#e3262f")
        glow(layer, eye, box(cx, EYE_Y, 34, 40), "#ff9a8a", 10, 1.0)
        paint(layer, blur(ellipse(box(cx, EYE_Y, 16, 18)), 4), "#fff4f0")
    return layer


def eyes_sunglasses() -> Image.Image:
    layer = canvas()
    left, right = eye_xs()
    top, bottom = EYE_Y - 50, EYE_Y + 48
    temples = union(
        stroke([(left - 70, top + 20), (BODY_CX - half_width(top + 20) + 4, top + 12)], 14),
        stroke([(right + 70, top + 20), (BODY_CX + half_width(top + 20) - 4, top + 12)], 14),
    )
    outlined(layer, temples, "#26212f", 5)
    lenses = union(
        rounded((left - 80, top, left + 70, bottom), 44),
        rounded((right - 70, top, right + 80, bottom), 44),
    )
    bridge = stroke(arc_points(BODY_CX, top + 30, 40, 16, 200, 340), 14)
    outlined(layer, union(lenses, bridge), "#1e1a28")
    paint(layer, lenses, vertical_gradient("#1e1a28", "#4a3f66", top, bottom))
    for cx in (left, right):
        shine = polygon(
            [(cx - 50, top + 60), (cx - 10, top + 8), (cx + 12, top + 8), (cx - 28, top + 60)]
        )
        paint(layer, clip(shine, lenses), WHITE, 0.35)
    return layer


# ---------------------------------------------------------------- mouths


def smile_arc(cx: float = BODY_CX, rx: float = 58) -> Image.Image:
    return stroke(arc_points(cx, MOUTH_Y - 36, rx, 42, 25, 155), 15)


def mouth_smile() -> Image.Image:
    layer = canvas()
    paint(layer, smile_arc(), INK)
    return layer


def d_mouth(left: float, right: float, top: float, bottom: float) -> Image.Image:
    """A mouth with a flat top edge and a round bottom, like a D on its side."""
    return clip(ellipse((left, 2 * top - bottom, right, bottom)), rect((0, top, W, W)))


def mouth_open() -> Image.Image:
    layer = canvas()
    mouth = d_mouth(452, 572, MOUTH_Y - 14, MOUTH_Y + 62)
    outlined(layer, mouth, "#7a2335")
    paint(layer, clip(ellipse(box(BODY_CX + 8, MOUTH_Y + 60, 42, 32)), mouth), "#ff7d95")
    return layer


def mouth_grin() -> Image.Image:
    layer = canvas()
    mouth = d_mouth(432, 592, MOUTH_Y - 18, MOUTH_Y + 52)
    outlined(layer, mouth, WHITE)
    shade(layer, mouth, "#c9cfe0", (0, 12), 6, 0.8)
    lines = union(
        rect((0, MOUTH_Y + 8, W, MOUTH_Y + 13)),
        *(rect((x - 2, 0, x + 3, W)) for x in (474, 512, 550)),
    )
    paint(layer, clip(lines, mouth), INK)
    return layer


def mouth_tongue_out() -> Image.Image:
    layer = canvas()
    tongue = rounded((500, MOUTH_Y - 20, 570, MOUTH_Y + 72), 35)
    outlined(layer, tongue, "#ff7d95")
    shade(layer, tongue, "#e0506f", (10, 10), 6, 0.7)
    paint(layer, stroke([(535, MOUTH_Y + 12), (535, MOUTH_Y + 40)], 6), "#d6466a")
    paint(layer, smile_arc(), INK)
    return layer


def mouth_surprised() -> Image.Image:
    layer = canvas()
    mouth = ellipse(box(BODY_CX, MOUTH_Y + 4, 24, 30))
    outlined(layer, mouth, "#7a2335")
    paint(layer, clip(ellipse(box(BODY_CX, MOUTH_Y + 30, 16, 12)), mouth), "#ff7d95")
    return layer


def mouth_pipe() -> Image.Image:
    layer = canvas()
    rng = random.Random(3)
    for i, (x, y, r) in enumerate(((736, 560, 16), (754, 515, 21), (738, 462, 26), (762, 404, 30))):
        puff = ellipse(box(x + rng.uniform(-4, 4), y, r, r))
        opacity = 0.9 - 0.15 * i
        paint(layer, blur(dilate(puff, 4), 2), "#9c93b0", opacity * 0.5)
        paint(layer, blur(puff, 2), "#f7f5fc", opacity)
    smirk = arc_points(BODY_CX - 14, MOUTH_Y - 34, 44, 40, 30, 160)
    paint(layer, stroke(smirk, 15), INK)
    stem = stroke([smirk[0], (700, MOUTH_Y + 36)], 16)
    bowl = rounded((688, 600, 752, 700), 26)
    outlined(layer, union(stem, bowl), "#8b5a3c")
    shade(layer, bowl, "#5b3a29", (12, 12), 6, 0.8)
    glow(layer, bowl, box(700, 630, 14, 30), "#c48a63", 6, 0.8)
    ember = ellipse(box(720, 606, 24, 8))
    paint(layer, ember, "#3b2418")
    paint(layer, blur(ellipse(box(720, 604, 12, 4)), 2), "#ff9f43")
    return layer


# ---------------------------------------------------------------- headwear


def pompom(layer: Image.Image, cx: float, cy: float, r: float, color: str, dark: str) -> None:
    tufts = [(0, 0, 1.0)] + [
        (math.cos(a) * r * 0.55, math.sin(a) * r * 0.55, 0.55)
        for a in (math.radians(d) for d in range(0, 360, 45))
    ]
    mask = union(*(ellipse(box(cx + dx, cy + dy, r * s, r * s)) for dx, dy, s in tufts))
    outlined(layer, mask, color)
    shade(layer, mask, dark, (10, 10), 6, 0.7)


def hat_beanie() -> Image.Image:
    layer = canvas()
    dome = clip(ellipse((300, 230, 724, 640)), rect((0, 0, W, 440)))
    outlined(layer, dome, "#3fb6a8")
    ribs = union(*(rect((x - 3, 0, x + 3, W)) for x in range(332, 700, 36)))
    paint(layer, clip(blur(ribs, 2), dome), "#2d8f85", 0.5)
    shade(layer, dome, "#23786f", (26, 30), 16, 0.6)
    glow(layer, dome, (350, 260, 480, 360), "#a8ece2", 20, 0.7)
    cuff = rounded((268, 398, 756, 482), 38)
    outlined(layer, cuff, "#2f9c90")
    cuff_ribs = union(*(rect((x - 4, 0, x + 4, W)) for x in range(296, 740, 30)))
    paint(layer, clip(cuff_ribs, cuff), "#23786f", 0.45)
    shade(layer, cuff, "#1d5f58", (14, 16), 8, 0.6)
    pompom(layer, BODY_CX, 226, 50, "#fff4de", "#e2c9a6")
    return layer


def hat_cap() -> Image.Image:
    layer = canvas()
    dome = clip(ellipse((298, 250, 726, 660)), rect((0, 0, W, 458)))
    outlined(layer, dome, "#e8505b")
    seams = union(
        stroke(bezier((BODY_CX - 6, 258), (410, 300), (392, 460)), 5),
        stroke(bezier((BODY_CX + 6, 258), (614, 300), (632, 460)), 5),
    )
    paint(layer, clip(seams, dome), "#a8303a", 0.7)
    shade(layer, dome, "#a8303a", (26, 30), 16, 0.6)
    glow(layer, dome, (350, 275, 470, 360), "#ffb0b5", 18, 0.7)
    patch = ellipse(box(BODY_CX, 372, 44, 44))
    outlined(layer, patch, WHITE, 5)
    paint(layer, polygon(star_points(BODY_CX, 376, 30, 13)), "#f5c542")
    brim = ellipse((292, 406, 752, 508))
    outlined(layer, brim, "#c93f4a")
    glow(layer, brim, (340, 470, 700, 520), "#e8505b", 10, 0.9)
    outlined(layer, ellipse(box(BODY_CX, 250, 18, 12)), "#c93f4a", 5)
    return layer


def hat_party() -> Image.Image:
    layer = canvas()
    tip = (548, 150)
    cone = polygon([(420, 412), tip, (612, 400)] + arc_points(516, 392, 96, 26, 5, 175))
    outlined(layer, cone, "#ffd166")
    stripes = union(
        *(
            polygon([(300, y), (800, y - 120), (800, y - 80), (300, y + 40)])
            for y in (310, 430, 550)
        )
    )
    paint(layer, clip(stripes, cone), "#ef476f")
    shade(layer, cone, "#d98e1e", (22, 12), 12, 0.55)
    frill = union(*(ellipse(box(x, 406 - (x - 420) * 0.06, 20, 18)) for x in range(424, 612, 30)))
    outlined(layer, frill, WHITE, 5)
    pompom(layer, *tip, 34, "#4cc9c0", "#2a938b")
    return layer


def hat_headphones() -> Image.Image:
    layer = canvas()
    cup_y = 520
    reach = half_width(cup_y)
    band = stroke(arc_points(BODY_CX, cup_y, reach + 4, 160, 182, 358), 34)
    outlined(layer, band, "#4a4560")
    paint(layer, stroke(arc_points(BODY_CX, cup_y - 8, reach - 4, 154, 200, 340), 8), "#7b7494")
    for side in (-1, 1):
        x = BODY_CX + side * reach
        cushion = rounded((x - 22, cup_y - 66, x + 22, cup_y + 66), 20)
        outlined(layer, cushion, "#3a3548")
        shell_x = x + side * 36
        shell = rounded((shell_x - 30, cup_y - 82, shell_x + 30, cup_y + 82), 30)
        outlined(layer, shell, "#ff7a8a")
        shade(layer, shell, "#d94d68", (12, 16), 8, 0.7)
        glow(layer, shell, box(shell_x - 8, cup_y - 40, 10, 26), "#ffc2cb", 6, 0.9)
    return layer


def hat_crown() -> Image.Image:
    layer = canvas()
    xs, bottom = [382, 447, 512, 577, 642], 430
    tips = list(zip(xs, (292, 262, 236, 262, 292), strict=True))
    valleys = [((a + b) / 2, 352) for a, b in pairwise(xs)]
    outline: list[Point] = [(xs[0], bottom), tips[0]]
    for valley, tip in zip(valleys, tips[1:], strict=True):
        outline += [valley, tip]
    outline += arc_points(BODY_CX, bottom - 40, 130, 40, 0, 180)
    crown = polygon(outline)
    balls = union(*(ellipse(box(x, y, 14, 14)) for x, y in tips))
    gold = vertical_gradient("#ffe68a", "#e3a624", 236, bottom)
    outlined(layer, union(crown, balls), gold)
    shade(layer, crown, "#b87a12", (22, 20), 12, 0.6)
    band = clip(rect((0, 372, W, W)), crown)
    paint(layer, clip(stroke([(370, 372), (660, 372)], 6), crown), "#b87a12", 0.8)
    for x, color, r in ((430, "#4d9de0", 16), (512, "#e84a5f", 22), (594, "#3fbf7f", 16)):
        gem = ellipse(box(x, 402, r, r * 0.85))
        outlined(layer, clip(gem, band), color, 4)
        paint(layer, ellipse(box(x - r * 0.35, 402 - r * 0.35, r * 0.3, r * 0.25)), WHITE, 0.9)
    return layer


def hat_halo() -> Image.Image:
    layer = canvas()
    ring = cut(ellipse(box(BODY_CX, 300, 150, 40)), ellipse(box(BODY_CX, 300, 118, 22)))
    paint(layer, blur(dilate(ring, 14), 20), "#fff0a0", 0.8)
    outlined(layer, ring, vertical_gradient("#fff3a8", "#eab32e", 260, 340), 5)
    glow(layer, ring, box(430, 268, 50, 10), WHITE, 6, 0.8)
    return layer


# ---------------------------------------------------------------- accessories


def acc_bow_tie() -> Image.Image:
    layer = canvas()
    cx, cy = BODY_CX, 800
    wings = union(
        polygon(
            [(cx, cy - 6), (cx - 86, cy - 46), (cx - 96, cy), (cx - 86, cy + 46), (cx, cy + 6)]
        ),
        polygon(
            [(cx, cy - 6), (cx + 86, cy - 46), (cx + 96, cy), (cx + 86, cy + 46), (cx, cy + 6)]
        ),
    )
    outlined(layer, wings, "#3a7bd5")
    dots = union(
        *(ellipse(box(x, y, 8, 8)) for x in range(cx - 92, cx + 96, 30) for y in (cy - 20, cy + 20))
    )
    paint(layer, clip(dots, wings), "#d4e6ff")
    shade(layer, wings, "#24569e", (14, 16), 8, 0.6)
    knot = rounded((cx - 22, cy - 26, cx + 22, cy + 26), 14)
    outlined(layer, knot, "#3068b8")
    return layer


def scarf_band(top: float, depth: float, thickness: float) -> Image.Image:
    xs = range(150, 875, 10)
    upper = [(x, top + depth * (1 - ((x - BODY_CX) / 300) ** 2)) for x in xs]
    lower = [(x, y + thickness) for x, y in reversed(upper)]
    return clip(polygon(upper + lower), dilate(body_mask(), 14))


def acc_scarf() -> Image.Image:
    layer = canvas()
    tail = polygon([(572, 800), (640, 796), (676, 936), (606, 944)])
    outlined(layer, tail, "#e84a5f")
    tail_stripes = union(
        *(polygon([(500, y), (760, y - 4), (760, y + 14), (500, y + 18)]) for y in (850, 896))
    )
    paint(layer, clip(tail_stripes, tail), "#fff1d6")
    fringe = union(
        *(stroke([(614 + i * 15, 944 - i * 2), (617 + i * 15, 968 - i * 2)], 8) for i in range(5))
    )
    outlined(layer, fringe, "#e84a5f", 4)
    band = scarf_band(752, 34, 66)
    outlined(layer, band, "#e84a5f")
    stripes = union(*(rect((x, 0, x + 20, W)) for x in range(190, 860, 70)))
    paint(layer, clip(stripes, band), "#fff1d6")
    shade(layer, band, "#a8303a", (0, 18), 10, 0.5)
    knot = ellipse(box(600, 806, 40, 36))
    outlined(layer, knot, "#e84a5f")
    shade(layer, knot, "#a8303a", (10, 12), 6, 0.6)
    return layer


def chain_path() -> list[Point]:
    reach = half_width(730) - 8
    return [
        (BODY_CX + dx, 728 + 104 * (1 - (dx / reach) ** 2)) for dx in range(-reach, reach + 1, 2)
    ]


def acc_gold_chain() -> Image.Image:
    layer = canvas()
    path, travelled = chain_path(), 0.0
    links: list[Image.Image] = []
    for (x0, y0), (x1, y1) in pairwise(path):
        travelled += math.dist((x0, y0), (x1, y1))
        if travelled >= 26:
            travelled = 0.0
            angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
            ring = polygon(ellipse_points(x1, y1, 17, 11, angle))
            if len(links) % 2 == 0:
                ring = cut(ring, polygon(ellipse_points(x1, y1, 9, 4, angle)))
            links.append(ring)
    outlined(layer, union(*links), "#f2c14e", 4)
    medal = ellipse(box(BODY_CX, 868, 42, 42))
    outlined(layer, union(medal, ellipse(box(BODY_CX, 824, 12, 12))), "#f7cf5a")
    shade(layer, medal, "#c08a1e", (10, 12), 6, 0.7)
    paint(layer, polygon(star_points(BODY_CX, 870, 24, 10)), "#d9a227")
    paint(layer, ellipse(box(BODY_CX - 16, 852, 8, 5)), WHITE, 0.8)
    return layer


def acc_flower() -> Image.Image:
    layer = canvas()
    cx, cy = 340, 772
    leaves = union(
        polygon(ellipse_points(cx - 34, cy + 52, 38, 16, 130)),
        polygon(ellipse_points(cx + 36, cy + 54, 38, 16, 50)),
    )
    outlined(layer, leaves, "#6bbf59")
    paint(layer, stroke([(cx - 8, cy + 30), (cx - 58, cy + 78)], 4), "#3f8a38")
    petals = union(
        *(
            ellipse(box(cx + 36 * math.cos(a), cy + 36 * math.sin(a), 28, 28))
            for a in (math.radians(d) for d in range(-90, 270, 60))
        )
    )
    outlined(layer, petals, "#ff8fb8")
    shade(layer, petals, "#e0608f", (12, 14), 8, 0.6)
    centre = ellipse(box(cx, cy, 22, 22))
    outlined(layer, centre, "#ffd25a", 5)
    paint(layer, ellipse(box(cx - 7, cy - 7, 6, 6)), WHITE, 0.8)
    return layer


def acc_balloon() -> Image.Image:
    layer = canvas()
    bx, by = 858, 250
    hand = (BODY_CX + ARM_DX + 18, ARM_Y - 14)
    string = [
        (
            bx + (hand[0] - bx) * t + 12 * math.sin(t * 3 * math.pi),
            by + 118 + (hand[1] - by - 118) * t,
        )
        for t in (i / 40 for i in range(41))
    ]
    paint(layer, stroke(string, 5), INK)
    knot = polygon([(bx, by + 104), (bx - 14, by + 126), (bx + 14, by + 126)])
    balloon = ellipse(box(bx, by, 92, 110))
    outlined(layer, union(balloon, knot), "#ff5c7a")
    shade(layer, balloon, "#c8325a", (28, 32), 18, 0.6)
    paint(layer, polygon(ellipse_points(bx - 42, by - 52, 22, 12, -55)), WHITE, 0.75)
    paint(layer, ellipse(box(bx - 58, by - 12, 6, 6)), WHITE, 0.6)
    return layer


# ---------------------------------------------------------------- catalogue and CLI


TRAITS: dict[str, dict[str, Callable[[], Image.Image]]] = {
    "Background": {
        "Sky_Blue_Common": bg_sky_blue,
        "Mint_4": bg_mint,
        "Peach_4": bg_peach,
        "Lavender_3": bg_lavender,
        "Sunset_Uncommon": bg_sunset,
        "Starry_Night_Rare": bg_starry_night,
    },
    "Body": {
        "Lime_Common": body_lime,
        "Coral_Common": body_coral,
        "Sky_4": body_sky,
        "Grape_3": body_grape,
        "Spotted_Cow_2": body_spotted_cow,
        "Robot_Rare": body_robot,
        "Golden_Legendary": body_golden,
    },
    "Eyes": {
        "Round_Common": eyes_round,
        "Sleepy_4": eyes_sleepy,
        "Happy_4": eyes_happy,
        "Wink_3": eyes_wink,
        "Laser_Rare": eyes_laser,
        "Sunglasses_2": eyes_sunglasses,
    },
    "Mouth": {
        "Smile_Common": mouth_smile,
        "Open_4": mouth_open,
        "Grin_3": mouth_grin,
        "Tongue_Out_3": mouth_tongue_out,
        "Surprised_2": mouth_surprised,
        "Pipe_Rare": mouth_pipe,
    },
    "Headwear": {
        "Beanie_Common": hat_beanie,
        "Cap_4": hat_cap,
        "Party_Hat_3": hat_party,
        "Headphones_3": hat_headphones,
        "Crown_Rare": hat_crown,
        "Halo_Legendary": hat_halo,
    },
    "Accessory": {
        "Bow_Tie_4": acc_bow_tie,
        "Scarf_3": acc_scarf,
        "Gold_Chain_2": acc_gold_chain,
        "Flower_3": acc_flower,
        "Balloon_Uncommon": acc_balloon,
    },
}


# Animated traits: frame drawers and their durations in ms. Saved as APNG, which keeps the
# soft alpha edges that a GIF's one-bit transparency would lose.
ANIMATED: dict[str, dict[str, tuple[tuple[Callable[[], Image.Image], ...], tuple[int, ...]]]] = {
    "Eyes": {
        "Blink_2": ((eyes_round, eyes_sleepy, eyes_happy, eyes_sleepy), (1600, 70, 110, 70)),
    },
}


def planned_files(out: Path) -> Iterable[tuple[Path, Callable[[], Image.Image]]]:
    for layer, traits in TRAITS.items():
        for name, draw in traits.items():
            yield out / layer / f"{name}.png", draw


def planned_animations(
    out: Path,
) -> Iterable[tuple[Path, tuple[Callable[[], Image.Image], ...], tuple[int, ...]]]:
    for layer, traits in ANIMATED.items():
        for name, (drawers, durations) in traits.items():
            yield out / layer / f"{name}.png", drawers, durations


def render(draw: Callable[[], Image.Image]) -> Image.Image:
    return draw().resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def write_traits(out: Path) -> list[Path]:
    """Draw every trait into out/<Layer>/<Name>.png, replacing only those files."""
    plan = list(planned_files(out))
    animations = list(planned_animations(out))
    for path in [path for path, _ in plan] + [path for path, _, _ in animations]:
        path.unlink(missing_ok=True)
    for path, draw in plan:
        path.parent.mkdir(parents=True, exist_ok=True)
        render(draw).save(path, format="PNG", optimize=True)
    for path, drawers, durations in animations:
        frames = [render(draw) for draw in drawers]
        frames[0].save(
            path,
            format="PNG",
            save_all=True,
            append_images=frames[1:],
            duration=list(durations),
            loop=0,
        )
    return [path for path, _ in plan] + [path for path, _, _ in animations]


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(__file__).resolve().parent.parent / "traits",
    show_default="<repo>/traits",
    help="Folder to write the layer sub-folders into.",
)
def main(out: Path) -> None:
    """Regenerate the sample critter traits (deterministic, byte-identical on every run)."""
    for path in write_traits(out):
        click.echo(f"{path.stat().st_size:>8}  {path}")


if __name__ == "__main__":
    main()
