"""Uniqueness and similarity bookkeeping of planned tokens; serializable for checkpoints."""

import struct
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import combinations
from typing import overload

import numpy as np
import numpy.typing as npt

from modules.plan.selection import Combo

# Planning memory per token, an upper bound of what bench/bench_plan_memory.py measures for
# 8 layers (110-160 bytes, depending on where -n falls between two growths of the set, whose
# old and new tables briefly coexist): the packed record, its set slot and its place in
# token order.
PLAN_BYTES_PER_TOKEN = 192


class PlannedCombos(Sequence[Combo]):
    """The planned combinations in token order, unpacked on access from fixed-width records
    (index i is token id i + 1)."""

    def __init__(self, records: bytes, record: struct.Struct | None) -> None:
        self._records = records
        self._record = record

    def __len__(self) -> int:
        return 0 if self._record is None else len(self._records) // self._record.size

    @overload
    def __getitem__(self, index: int) -> Combo: ...
    @overload
    def __getitem__(self, index: slice) -> list[Combo]: ...
    def __getitem__(self, index: int | slice) -> Combo | list[Combo]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        count = len(self)
        if self._record is None or not -count <= index < count:
            raise IndexError(f"token index {index} out of range")
        return self._record.unpack_from(self._records, (index % count) * self._record.size)

    def __iter__(self) -> Iterator[Combo]:
        return iter(()) if self._record is None else self._record.iter_unpack(self._records)

    def as_array(self) -> npt.NDArray[np.int16]:
        """One row per token, one column per layer, without copying the records."""
        layers = 0 if self._record is None else self._record.size // 2
        return np.frombuffer(self._records, dtype="<i2").reshape(len(self), layers)


def value_counts(combos: Sequence[Combo], layer_count: int) -> list[Counter[int]]:
    """Per layer, how many of `combos` hold each value (ABSENT included)."""
    if not len(combos):
        return [Counter() for _ in range(layer_count)]
    if isinstance(combos, PlannedCombos):
        table = combos.as_array()
    else:
        table = np.array(combos, dtype=np.int16).reshape(len(combos), layer_count)
    counts = []
    for column in table.T:
        lowest = int(column.min(initial=0))  # ABSENT, or a 1-of-1's marker
        occurrences = np.bincount(column.astype(np.int64) - lowest)
        values = np.flatnonzero(occurrences)
        found = zip((values + lowest).tolist(), occurrences[values].tolist(), strict=True)
        counts.append(Counter(dict(found)))
    return counts


class TraitTracker:
    """Remembers every planned combination in token order (so its state is also the plan
    manifest), how often each priority combination occurs, and with a similarity floor the
    sub-combinations every token holds."""

    def __init__(
        self, priority: tuple[int, ...], similar_limit: int | None, min_difference: int = 1
    ) -> None:
        self.priority = priority
        self.similar_limit = similar_limit
        self.min_difference = min_difference
        # A combination is kept as one packed record (two bytes per layer: option indexes
        # stay below MAX_OUTCOMES), which costs a quarter of a tuple's memory.
        self._record: struct.Struct | None = None
        self._order = bytearray()
        self._taken: set[bytes] = set()
        self._similar: Counter[Combo] = Counter()
        # Two tokens agree on more than (layers - d) traits exactly when they share their values
        # on some (layers - d + 1) layers: one set of those projections per layer subset.
        self._floor: dict[tuple[int, ...], set[Combo]] = {}

    @property
    def combos(self) -> PlannedCombos:
        """Every planned combination; index i is token id i + 1."""
        return PlannedCombos(bytes(self._order), self._record)

    def __len__(self) -> int:
        return 0 if self._record is None else len(self._order) // self._record.size

    def priority_key(self, values: Combo | dict[int, int]) -> Combo:
        """The priority layers' values, the unit that `similar_limit` counts."""
        return tuple(map(values.__getitem__, self.priority))

    def is_taken(self, combo: Combo) -> bool:
        return self._record is not None and self._record.pack(*combo) in self._taken

    def taken_among(self, records: Iterable[bytes]) -> set[bytes]:
        """The packed combinations (as extend_records takes them) that are already taken."""
        return self._taken.intersection(records)

    def similar_count(self, key: Combo) -> int:
        return self._similar[key]

    def can_add(self, combo: Combo) -> bool:
        """New, its priority combination below the limit, and far enough from every token."""
        return (
            not self.is_taken(combo)
            and self._has_room(self.priority_key(combo))
            and not self._too_close(combo)
        )

    def floor_subsets(self, layer_count: int) -> tuple[tuple[int, ...], ...]:
        """The layer subsets whose values no two tokens may share (none without a floor)."""
        if self.min_difference <= 1:
            return ()
        return tuple(combinations(range(layer_count), layer_count - self.min_difference + 1))

    def add(self, combo: Combo) -> None:
        self._check_new(combo)
        assert self._record is not None
        self._order += self._record.pack(*combo)
        self._hold(combo)

    def extend_records(self, records: Sequence[bytes], layer_count: int) -> None:
        """Add packed combinations known to be new, for a tracker with no limit or floor (a
        bulk draw's): no per-combination checks."""
        if self.similar_limit is not None or self.min_difference > 1:
            raise ValueError("a tracker with a similarity limit or floor adds one by one")
        if self._record is None:
            self._record = struct.Struct(f"<{layer_count}h")
        self._order += b"".join(records)
        self._taken.update(records)

    def reserve(self, combo: Combo) -> None:
        """Mark a combination as taken without giving it a token (a 1-of-1's own traits)."""
        self._check_new(combo)
        assert self._record is not None
        self._taken.add(self._record.pack(*combo))

    def can_replace(self, index: int, combo: Combo) -> bool:
        """Whether token `index` (id - 1) could take `combo` instead of its combination."""
        old = self.combos[index]
        self._release(old)
        try:
            return combo != old and self.can_add(combo)
        finally:
            self._hold(old)

    def replace(self, index: int, combo: Combo) -> None:
        """Give token `index` (id - 1) a new combination, as a re-roll does."""
        old = self.combos[index]
        if not self.can_replace(index, combo):
            msg = f"token {index + 1} cannot take combination {combo}"
            raise ValueError(msg)
        assert self._record is not None
        self._release(old)
        self._record.pack_into(self._order, index * self._record.size, *combo)
        self._hold(combo)

    def _check_new(self, combo: Combo) -> None:
        if self._record is None:
            self._record = struct.Struct(f"<{len(combo)}h")
            self._floor = {subset: set() for subset in self.floor_subsets(len(combo))}
        if not self.can_add(combo):
            msg = f"combination {combo} is taken or over the similarity limit or floor"
            raise ValueError(msg)

    def _hold(self, combo: Combo) -> None:
        assert self._record is not None
        self._taken.add(self._record.pack(*combo))
        # Without a limit nothing reads the priority counts, so they are not kept.
        if self.similar_limit is not None:
            self._similar[self.priority_key(combo)] += 1
        for subset, seen in self._floor.items():
            seen.add(tuple(map(combo.__getitem__, subset)))

    def _release(self, combo: Combo) -> None:
        assert self._record is not None
        self._taken.discard(self._record.pack(*combo))
        if self.similar_limit is not None:
            self._similar[self.priority_key(combo)] -= 1
        for subset, seen in self._floor.items():
            seen.discard(tuple(map(combo.__getitem__, subset)))

    def _too_close(self, combo: Combo) -> bool:
        return any(tuple(map(combo.__getitem__, s)) in seen for s, seen in self._floor.items())

    def shares_projection(self, values: Mapping[int, int], subset: tuple[int, ...]) -> bool:
        """Whether a token already holds these values on the layers of `subset`."""
        seen = self._floor.get(subset)
        return seen is not None and tuple(map(values.__getitem__, subset)) in seen

    def _has_room(self, key: Combo) -> bool:
        limit = self.similar_limit
        return limit is None or self._similar[key] < limit

    def restore(self, combos: Sequence[Combo]) -> None:
        """Take back planned combinations (into an empty tracker), as a checkpoint does."""
        for combo in combos:
            self.add(tuple(combo))
