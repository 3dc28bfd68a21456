"""Many tokens at once for models without priority layers, a similarity limit or floor, whose
rules never leave a layer without an option or require one: the same combinations, redraw
counts and RNG state as Planner's draws one by one, because numpy computes Python's own
random() stream in bulk."""

import math
import random

import numpy as np
import numpy.typing as npt

from modules.constants import MAX_RARITY
from modules.plan.selection import ABSENT, SelectionModel
from modules.plan.trait_tracker import TraitTracker

CHUNK_TOKENS = 1 << 13  # candidates per numpy pass: under 1 MB of doubles at 8 layers
_TWO_26, _TWO_53 = 67108864.0, 9007199254740992.0
Doubles = npt.NDArray[np.float64]


def bulk_drawable(model: SelectionModel) -> bool:
    """Whether every draw is one pass over the layers in trait order whose length only the
    presence draws decide: rules may narrow a layer's options but never empty them (some
    option no earlier value blocks) nor require a layer (that redraws its absence)."""
    if model.priority or model.similar_limit is not None or model.min_difference > 1:
        return False
    for layer, blockers in enumerate(model.blockers):
        earlier = [options for (other, _), options in blockers.items() if other < layer]
        if any(ABSENT in options for options in blockers.values()):
            return False
        if set().union(*earlier) >= set(range(len(model.weights[layer]))):
            return False
    return True


def _generator(rng: random.Random) -> np.random.MT19937:
    """numpy's Mersenne Twister in the state of `rng` (both keep the reference layout)."""
    _, words, _ = rng.getstate()
    generator = np.random.MT19937()
    key = np.array(words[:-1], dtype=np.uint32)
    generator.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": words[-1]}}
    return generator


def next_doubles(rng: random.Random, count: int) -> Doubles:
    """The next `count` values of rng.random(), leaving `rng` where it was."""
    words = _generator(rng).random_raw(2 * count).reshape(-1, 2)
    return ((words[:, 0] >> 5) * _TWO_26 + (words[:, 1] >> 6)) / _TWO_53


def skip_doubles(rng: random.Random, count: int) -> None:
    """Advance `rng` as `count` calls of rng.random() would."""
    generator = _generator(rng)
    generator.random_raw(2 * count)
    state = generator.state["state"]
    version, _, gauss = rng.getstate()
    rng.setstate((version, (*map(int, state["key"]), int(state["pos"])), gauss))


class BulkDraws:
    """Plans tokens of one bulk-drawable model a chunk of candidates at a time."""

    def __init__(self, model: SelectionModel, max_attempts: int) -> None:
        self.max_attempts = max_attempts
        # per layer: presence in fifths (None when always present), running sums without the
        # total as an array, and the total; a draw bisects like draw_values does
        self._layers = [
            (presence, np.array(bounds, dtype=np.float64), total)
            for _, presence, bounds, total, _, _ in model.rest_steps
        ]
        self._weights = [np.array(weights, dtype=np.float64) for weights in model.weights]
        # per layer, the earlier (layer, value) pairs that block some of its options, and which
        self._blockers = [
            [
                (other, value, _mask(options, len(model.weights[layer])))
                for (other, value), options in sorted(blockers.items())
                if other < layer
            ]
            for layer, blockers in enumerate(model.blockers)
        ]
        self._mean_length = sum(
            1 if presence is None else 1 + presence / MAX_RARITY for presence, _, _ in self._layers
        )

    def plan(self, rng: random.Random, tracker: TraitTracker, count: int) -> tuple[int, int]:
        """Add up to `count` new tokens to `tracker`; (tokens added, duplicate redraws). Stops
        before a token whose `max_attempts` draws are all taken: the planner's search picks it."""
        added = redraws = 0
        while added < count:
            draws = min(count - added, CHUNK_TOKENS)
            # a little over the expected length, so one buffer seldom falls short of `draws`
            doubles = next_doubles(rng, math.ceil(draws * self._mean_length * 1.05) + 64)
            records, ends = self._candidates(doubles)
            new, skipped, used = self._take(tracker, records, ends, count - added)
            if not new:
                break
            skip_doubles(rng, used)
            added, redraws = added + new, redraws + skipped
        return added, redraws

    def _candidates(self, doubles: Doubles) -> tuple[bytes, list[int]]:
        """The draws that follow each other from the buffer's start, as packed records, and
        where each ends; a draw that would run past the buffer is left for the next one."""
        starts = self._starts(doubles)
        position = starts.copy()
        columns: list[npt.NDArray[np.int64]] = []
        for layer, (presence, bounds, total) in enumerate(self._layers):
            present = np.ones(len(starts), dtype=bool)
            if presence is not None:
                present = doubles[position] * MAX_RARITY < presence
                position += 1
            column = np.full(len(starts), ABSENT, dtype=np.int64)
            drawn = doubles[position[present]]
            blocked = self._blocked(layer, columns, present)
            if blocked is None:
                column[present] = np.searchsorted(bounds, drawn * total, side="right")
            else:
                column[present] = _weighted_among(self._weights[layer], ~blocked, drawn)
            columns.append(column)
            position += present
        values = np.stack(columns, axis=1).astype("<i2")
        return values.tobytes(), position.tolist()

    def _blocked(
        self, layer: int, columns: list[npt.NDArray[np.int64]], present: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.bool_] | None:
        """Per present draw, the options of `layer` the earlier values block; None when no
        rule touches the layer (the plain bisection then)."""
        if not self._blockers[layer]:
            return None
        blocked = np.zeros((int(present.sum()), len(self._weights[layer])), dtype=bool)
        for other, value, options in self._blockers[layer]:
            blocked[columns[other][present] == value] |= options
        return blocked

    def _starts(self, doubles: Doubles) -> npt.NDArray[np.int64]:
        """Where each draw begins: every layer-count doubles when no layer is optional, else
        the chain of draw ends, from each position's own draw length."""
        size = len(doubles)
        if all(presence is None for presence, _, _ in self._layers):
            length = len(self._layers)
            return np.arange(0, size - length + 1, length, dtype=np.int64)
        end = np.arange(size, dtype=np.int64)
        for presence, _, _ in self._layers:
            if presence is not None:
                end += doubles[np.minimum(end, size - 1)] * MAX_RARITY < presence
            end += 1
        ends, starts, at = end.tolist(), [], 0
        while at < size and ends[at] <= size:
            starts.append(at)
            at = ends[at]
        return np.array(starts, dtype=np.int64)

    def _take(
        self, tracker: TraitTracker, records: bytes, ends: list[int], wanted: int
    ) -> tuple[int, int, int]:
        """Add the new draws in order, up to `wanted`; (added, duplicates skipped before the
        last one added, doubles used through it). Duplicates after it are drawn again."""
        size = len(records) // len(ends) if ends else 1
        draws = [records[i : i + size] for i in range(0, len(records), size)]
        first_at = dict(zip(reversed(draws), range(len(draws) - 1, -1, -1), strict=True))
        for record in tracker.taken_among(first_at):
            del first_at[record]
        new = np.sort(np.fromiter(first_at.values(), dtype=np.int64, count=len(first_at)))
        misses = np.diff(new, prepend=-1) - 1  # duplicates drawn before each new draw
        stuck = np.flatnonzero(misses >= self.max_attempts)
        count = min(wanted, int(stuck[0]) if stuck.size else len(new))
        if not count:
            return 0, 0, 0
        last = int(new[count - 1])
        tracker.extend_records([draws[i] for i in new[:count].tolist()], len(self._layers))
        return count, last + 1 - count, ends[last]


def _mask(options: frozenset[int], count: int) -> npt.NDArray[np.bool_]:
    mask = np.zeros(count, dtype=bool)
    mask[sorted(options)] = True
    return mask


def _weighted_among(
    weights: Doubles, allowed: npt.NDArray[np.bool_], drawn: Doubles
) -> npt.NDArray[np.int64]:
    """Per row, an option by weight among the allowed ones, as weighted_index picks it from
    the running sums of the allowed weights: blocked options add exact zeros to the sums, so
    the first sum above the draw is an allowed option's; one rounding up to the total takes
    the last allowed option."""
    sums = np.cumsum(weights * allowed, axis=1)
    chosen = (sums <= (drawn * sums[:, -1])[:, None]).sum(axis=1)
    last = allowed.shape[1] - 1 - np.argmax(allowed[:, ::-1], axis=1)
    return np.minimum(chosen, last)
