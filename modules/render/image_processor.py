"""Decoded-layer LRU cache and compositing in drawing order, for still and animated tokens;
encoding lives in modules/render/encoding.py, blend modes in modules/render/blending.py."""

import time
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from modules.load.spec import BlendMode
from modules.load.trait_images import DecodedLayer, decode_layer
from modules.render.animation import effective_timing, token_timeline
from modules.render.blending import effect_onto
from modules.render.encoding import encode_animation, encode_still
from modules.settings import EncodeOptions


@dataclass(frozen=True)
class Overlay:
    """The visible part of one frame, placed at `offset`. Pillow's alpha_composite leaves the
    canvas unchanged under fully transparent pixels, so compositing just this part gives the
    same pixels as the whole frame, in time proportional to what the trait draws."""

    offset: tuple[int, int]
    piece: Image.Image | None  # None: the frame draws nothing
    opaque: bool = False  # covers the whole canvas, so every composite over it is opaque

    @classmethod
    def of(cls, frame: Image.Image) -> "Overlay":
        alpha = frame.getchannel("A")
        box = alpha.getbbox()
        if box is None:
            return cls((0, 0), None)
        if box != (0, 0, *frame.size):
            return cls(box[:2], frame.crop(box))
        return cls((0, 0), frame, opaque=alpha.getextrema()[0] == 255)

    @property
    def nbytes(self) -> int:
        return self.piece.width * self.piece.height * 4 if self.piece else 0

    def onto(self, canvas: Image.Image) -> Image.Image:
        """A new image of this overlay composited onto `canvas` (left unchanged), or
        `canvas` itself when the overlay draws nothing."""
        if self.piece is None:
            return canvas
        if self.opaque:
            # Over anything, an opaque full-canvas frame composites to itself (Pillow's integer
            # blend is exact at alpha 255): no composite onto the empty canvas. Callers never
            # modify a composite, so the cached frame can be the result.
            return self.piece
        if self.piece.size == canvas.size:
            return Image.alpha_composite(canvas, self.piece)
        result = canvas.copy()
        result.alpha_composite(self.piece, dest=self.offset)
        return result


Effect = tuple[BlendMode, float]  # how a part is drawn when not by plain alpha compositing
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Stroke:
    """One frame of a part as it is drawn onto the canvas: plainly, or with an effect."""

    overlay: Overlay
    effect: Effect | None = None

    def onto(self, canvas: Image.Image) -> Image.Image:
        if self.effect is None or self.overlay.piece is None:
            return self.overlay.onto(canvas)
        return effect_onto(canvas, self.overlay.piece, self.overlay.offset, *self.effect)


@dataclass(frozen=True)
class CachedLayer:
    """A decoded trait as the cache holds it: each frame's overlay, durations in ms, loop."""

    overlays: tuple[Overlay, ...]
    durations: tuple[int, ...]
    loop: int | None

    @classmethod
    def of(cls, decoded: DecodedLayer) -> "CachedLayer":
        return cls(tuple(map(Overlay.of, decoded.frames)), decoded.durations, decoded.loop)

    @property
    def animated(self) -> bool:
        return len(self.overlays) > 1

    @property
    def nbytes(self) -> int:
        return sum(overlay.nbytes for overlay in self.overlays)


class ImageProcessor:
    """Renders a token from its layer files; each decoded layer (all its frames) is kept in
    an LRU cache bounded by bytes (`max_memory_mb`) and entries (`cache_size`)."""

    def __init__(self, max_memory_mb: int, cache_size: int) -> None:
        self.max_bytes = max_memory_mb * 1024 * 1024
        self.max_entries = cache_size
        self._cache: OrderedDict[Path, CachedLayer] = OrderedDict()
        self._bytes = 0
        self._hits = self._misses = self._evictions = 0
        self.prefixes = PrefixComposites()
        # Seconds per stage: decode, composite, encode.
        self.stage_seconds: defaultdict[str, float] = defaultdict(float)

    def running_totals(self) -> dict[str, float]:
        """Everything this processor has counted so far, for the run's statistics."""
        return {
            **{f"{stage}_s": seconds for stage, seconds in self.stage_seconds.items()},
            "composites_done": self.prefixes.done,
            "composites_reused": self.prefixes.reused,
            "cache_hits": self._hits,
            "cache_misses": self._misses,
            "cache_evictions": self._evictions,
            "cache_bytes": self._bytes,
        }

    def layer(
        self, path: Path, size: tuple[int, int] | None = None, digest: str = ""
    ) -> CachedLayer:
        """The decoded layer (refused unless it is `size` and, when given, has the SHA-256
        `digest`); callers must not modify it."""
        decoded = self._cache.get(path)
        if decoded is not None:
            self._hits += 1
            self._cache.move_to_end(path)
            return decoded
        self._misses += 1
        started = time.perf_counter()
        decoded = CachedLayer.of(decode_layer(path, size, digest))
        self.stage_seconds["decode"] += time.perf_counter() - started
        self._remember(path, decoded)
        return decoded

    def _remember(self, path: Path, decoded: CachedLayer) -> None:
        size = decoded.nbytes
        if size > self.max_bytes or self.max_entries < 1:
            return
        while self._cache and (
            self._bytes + size > self.max_bytes or len(self._cache) >= self.max_entries
        ):
            _, evicted = self._cache.popitem(last=False)
            self._bytes -= evicted.nbytes
            self._evictions += 1
        self._cache[path] = decoded
        self._bytes += size

    def composite(self, layer_files: Sequence[Path], size: tuple[int, int]) -> Image.Image:
        """Alpha-composite the layers' first frames bottom first onto a transparent canvas."""
        return _stack([Stroke(self.layer(path, size).overlays[0]) for path in layer_files], size)

    def render(
        self,
        layer_files: Sequence[Path],
        size: tuple[int, int],
        options: EncodeOptions,
        effects: Sequence[Effect | None] = (),
        background: RGB | None = None,
        digests: Sequence[str] = (),
    ) -> bytes:
        """The encoded image file of one token, its parts drawn in the order given (each with
        its effect, if any) over `background`: animated when any part is. With `digests`,
        each file must still hold the bytes the run checked."""
        expected = digests or [""] * len(layer_files)
        layers = [
            self.layer(path, size, digest)
            for path, digest in zip(layer_files, expected, strict=True)
        ]
        drawn = effects or [None] * len(layers)
        base = [] if background is None else [Stroke(_solid(background, size))]
        moving = [i for i, layer in enumerate(layers) if layer.animated]
        if not moving:
            strokes = base + [
                Stroke(lay.overlays[0], e) for lay, e in zip(layers, drawn, strict=True)
            ]
            keys: list[Hashable] = [("background", background)] if base else []
            keys += [
                path if e is None else (path, e) for path, e in zip(layer_files, drawn, strict=True)
            ]
            with self._timed("composite"):
                image = self.prefixes.composite(keys, strokes, size)
            with self._timed("encode"):
                opaque = bool(strokes) and strokes[0].effect is None and strokes[0].overlay.opaque
                return encode_still(image, options, known_opaque=opaque)
        timeline = token_timeline(
            [effective_timing(layers[i].durations, options.gif_duration) for i in moving]
        )
        frames = []
        for indices in timeline.layer_frames:
            shown = [0] * len(layers)
            for position, index in zip(moving, indices, strict=True):
                shown[position] = index
            strokes = [
                Stroke(lay.overlays[i], e) for lay, i, e in zip(layers, shown, drawn, strict=True)
            ]
            frames.append(_stack(base + strokes, size))
        loop = _loop([layers[i] for i in moving], options)
        with self._timed("encode"):
            return encode_animation(frames, timeline.durations, loop, options)

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stage_seconds[stage] += time.perf_counter() - started


class PrefixComposites:
    """The previous still token's composites after each of its layers. Tokens are rendered
    in an order where neighbours share their bottom layers, so most tokens start from a
    shared prefix instead of compositing every layer (same operations, same pixels)."""

    def __init__(self) -> None:
        self._keys: list[Hashable] = []
        self._images: list[Image.Image] = []
        self.done = 0
        self.reused = 0

    def composite(
        self, keys: Sequence[Hashable], strokes: Sequence[Stroke], size: tuple[int, int]
    ) -> Image.Image:
        """The composite of `strokes`, bottom first; `keys` tell which strokes are the same
        as the previous token's (a layer file, with its effect if any). Do not modify it."""
        shared = 0
        for mine, theirs in zip(self._keys, keys, strict=False):
            if mine != theirs:
                break
            shared += 1
        del self._keys[shared:], self._images[shared:]
        for key, stroke in zip(keys[shared:], strokes[shared:], strict=True):
            below = self._images[-1] if self._images else Image.new("RGBA", size)
            self._keys.append(key)
            self._images.append(stroke.onto(below))
        self.reused += shared
        self.done += len(keys) - shared
        return self._images[-1] if self._images else Image.new("RGBA", size)


def _stack(strokes: Sequence[Stroke], size: tuple[int, int]) -> Image.Image:
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    for stroke in strokes:
        canvas = stroke.onto(canvas)
    return canvas


def _solid(colour: RGB, size: tuple[int, int]) -> Overlay:
    """A generated background: one opaque colour over the whole canvas."""
    return Overlay((0, 0), Image.new("RGBA", size, (*colour, 255)), opaque=True)


def _loop(animated: Sequence[CachedLayer], options: EncodeOptions) -> int:
    """--gif-loop, else the traits' loop count when they agree, else forever (0)."""
    if options.gif_loop is not None:
        return options.gif_loop
    loops = {layer.loop for layer in animated}
    loop = loops.pop() if len(loops) == 1 else None
    return loop if loop is not None else 0
