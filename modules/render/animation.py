"""Timing of animated tokens: every animated layer keeps its own frame timing, and the token
loops over the least common multiple of their cycles, with a new output frame wherever any
layer changes frame. Pure: used by preflight (in the parent) and by rendering (in workers)."""

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, product

from modules.load.spec import CollectionSpec

MAX_OUTPUT_FRAMES = 600
GIF_TICK_MS = 10  # GIF frame delays are whole centiseconds
MIN_GIF_TICKS = 2  # browsers show a shorter frame for 100 ms
# Beyond this many combinations of distinct timings, check them all together (stricter).
MAX_CHECKED_CHOICES = 10_000

Timing = tuple[int, ...]  # frame durations in ms, one per frame


@dataclass(frozen=True)
class Timeline:
    """Output frames of one token: their durations, and which frame of each animated layer
    (in the order given) shows during each of them."""

    durations: tuple[int, ...]
    layer_frames: tuple[tuple[int, ...], ...]


def effective_timing(timing: Timing, frame_ms: int | None) -> Timing:
    """The layer's timing, or every frame `frame_ms` long when an override is set."""
    return timing if frame_ms is None else (frame_ms,) * len(timing)


def output_frame_count(timings: Sequence[Timing], limit: int = MAX_OUTPUT_FRAMES) -> int:
    """Frames the token needs; stops counting (returns limit + 1) once past `limit`."""
    cycle = math.lcm(*(sum(t) for t in timings))
    if sum(cycle // sum(t) * len(t) for t in timings) > 20 * limit:
        return limit + 1  # even after merging shared frame starts it cannot fit
    return min(len(_frame_starts(timings, cycle)), limit + 1)


def token_timeline(timings: Sequence[Timing]) -> Timeline:
    """The output frames for animated layers with these timings (at least one layer)."""
    cycle = math.lcm(*(sum(t) for t in timings))
    starts = _frame_starts(timings, cycle)
    ends = [*starts[1:], cycle]
    cumulative = [list(accumulate(t)) for t in timings]
    layer_frames = tuple(
        tuple(bisect_right(c, start % c[-1]) for c in cumulative) for start in starts
    )
    return Timeline(tuple(e - s for s, e in zip(starts, ends, strict=True)), layer_frames)


def gif_timing(durations: Sequence[int]) -> list[tuple[int, int]]:
    """(frame index, ms) of the frames a GIF shows for frames of `durations` ms: each frame
    ends at its exact time rounded to whole centiseconds, so the loop keeps its exact total
    (to the centisecond); a frame left shorter than 2 cs is merged into the one before it
    (the first into the one after it)."""
    shown: list[list[int]] = []  # [frame index, end in ticks]
    elapsed = 0
    for index, ms in enumerate(durations):
        elapsed += ms
        end = (elapsed + GIF_TICK_MS // 2) // GIF_TICK_MS  # round half up, exactly
        start = shown[-1][1] if shown else 0
        if shown and end - start < MIN_GIF_TICKS:
            shown[-1][1] = end
        else:
            shown.append([index, end])
    if len(shown) > 1 and shown[0][1] < MIN_GIF_TICKS:
        del shown[0]  # the next frame starts at 0 instead
    if len(shown) == 1:  # one very short frame
        shown[0][1] = max(shown[0][1], MIN_GIF_TICKS)
    starts = [0] + [end for _, end in shown[:-1]]
    return [
        (index, (end - start) * GIF_TICK_MS)
        for (index, end), start in zip(shown, starts, strict=True)
    ]


def _frame_starts(timings: Sequence[Timing], cycle: int) -> list[int]:
    starts: set[int] = set()
    for timing in timings:
        total = sum(timing)
        offsets = [0, *accumulate(timing)][:-1]
        starts.update(lap + offset for lap in range(0, cycle, total) for offset in offsets)
    return sorted(starts)


def animation_problems(
    timings_by_layer: Sequence[dict[Timing, str]], frame_ms: int | None
) -> list[str]:
    """Animated traits that cannot share a token within MAX_OUTPUT_FRAMES frames. Input: per
    layer, each distinct timing of its animated options with one file using it."""
    layers = [
        {effective_timing(t, frame_ms): name for t, name in layer.items()}
        for layer in timings_by_layer
        if layer
    ]
    if math.prod(len(layer) + 1 for layer in layers) > MAX_CHECKED_CHOICES:
        layers = [dict(item for layer in layers for item in layer.items())]  # all at once
        if len(layers[0]) > 1:
            return _too_long(list(layers[0].items()))
        return []
    problems = []
    for choice in product(*(list(layer.items()) + [None] for layer in layers)):
        picked = [item for item in choice if item is not None]
        if len(picked) < 2:
            continue
        problems += _too_long(picked)
    return problems


def _too_long(picked: list[tuple[Timing, str]]) -> list[str]:
    if output_frame_count([timing for timing, _ in picked]) <= MAX_OUTPUT_FRAMES:
        return []
    files = " + ".join(f"{name} ({len(t)} frames, {sum(t)} ms)" for t, name in picked)
    return [
        f"{files}: together they need more than {MAX_OUTPUT_FRAMES} output frames; "
        "give them the same timing or set --gif-duration"
    ]


def spec_animation_problems(spec: CollectionSpec, frame_ms: int | None) -> list[str]:
    """animation_problems for a collection: each layer's distinct animated timings."""
    timings = [
        {
            part.durations: str(part.file)
            for option in reversed(layer.options)
            for part in reversed(option.parts)
            if part.animated
        }
        for layer in spec.layers
    ]
    return animation_problems(timings, frame_ms)
