"""Blend modes and opacity for parts that are not drawn by plain alpha compositing, after the
W3C Compositing and Blending spec: the part's colour becomes B(backdrop, source) where the
backdrop is opaque (mixed by the backdrop's alpha elsewhere), then it is alpha-composited with
its alpha times the opacity. numpy in float64 with one rounding, so bytes are deterministic."""

from collections.abc import Callable

import numpy as np
from PIL import Image

from modules.load.spec import BlendMode

Array = np.ndarray
BLENDS: dict[str, Callable[[Array, Array], Array]] = {}


def _blend(
    name: str,
) -> Callable[[Callable[[Array, Array], Array]], Callable[[Array, Array], Array]]:
    def register(function: Callable[[Array, Array], Array]) -> Callable[[Array, Array], Array]:
        BLENDS[name] = function
        return function

    return register


@_blend("multiply")
def _multiply(backdrop: Array, source: Array) -> Array:
    return backdrop * source


@_blend("screen")
def _screen(backdrop: Array, source: Array) -> Array:
    return backdrop + source - backdrop * source


@_blend("hard-light")
def _hard_light(backdrop: Array, source: Array) -> Array:
    return np.where(
        source <= 0.5, _multiply(backdrop, 2 * source), _screen(backdrop, 2 * source - 1)
    )


@_blend("overlay")
def _overlay(backdrop: Array, source: Array) -> Array:
    return _hard_light(source, backdrop)


@_blend("darken")
def _darken(backdrop: Array, source: Array) -> Array:
    return np.minimum(backdrop, source)


@_blend("lighten")
def _lighten(backdrop: Array, source: Array) -> Array:
    return np.maximum(backdrop, source)


@_blend("difference")
def _difference(backdrop: Array, source: Array) -> Array:
    return np.abs(backdrop - source)


@_blend("soft-light")
def _soft_light(backdrop: Array, source: Array) -> Array:
    dark = np.where(
        backdrop <= 0.25, ((16 * backdrop - 12) * backdrop + 4) * backdrop, np.sqrt(backdrop)
    )
    return np.where(
        source <= 0.5,
        backdrop - (1 - 2 * source) * backdrop * (1 - backdrop),
        backdrop + (2 * source - 1) * (dark - backdrop),
    )


def effect_onto(
    canvas: Image.Image,
    piece: Image.Image,
    offset: tuple[int, int],
    blend: BlendMode,
    opacity: float,
) -> Image.Image:
    """A new image: `piece` (RGBA, placed at `offset`) drawn onto `canvas` with `blend` and
    `opacity`; `canvas` is left unchanged."""
    box = (*offset, offset[0] + piece.width, offset[1] + piece.height)
    source = np.asarray(piece, dtype=np.float64) / 255
    if blend != "normal":
        backdrop = np.asarray(canvas.crop(box), dtype=np.float64) / 255
        mixed = BLENDS[blend](backdrop[..., :3], source[..., :3])
        backdrop_alpha = backdrop[..., 3:]
        source[..., :3] = (1 - backdrop_alpha) * source[..., :3] + backdrop_alpha * mixed
    source[..., 3] *= opacity
    drawn = Image.fromarray(np.rint(np.clip(source, 0, 1) * 255).astype(np.uint8), "RGBA")
    result = canvas.copy()
    result.alpha_composite(drawn, dest=offset)
    return result
