"""Uniqueness and similarity bookkeeping of planned tokens; serializable for checkpoints."""

import struct
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import overload

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


class TraitTracker:
    """Remembers every planned combination in token order (so its state is also the plan
    manifest) and how often each priority combination occurs."""

    def __init__(self, priority: tuple[int, ...], similar_limit: int | None) -> None:
        self.priority = priority
        self.similar_limit = similar_limit
        # A combination is kept as one packed record (two bytes per layer: option indexes
        # stay below MAX_OUTCOMES), which costs a quarter of a tuple's memory.
        self._record: struct.Struct | None = None
        self._order = bytearray()
        self._taken: set[bytes] = set()
        self._similar: Counter[Combo] = Counter()

    @property
    def combos(self) -> PlannedCombos:
        """Every planned combination; index i is token id i + 1."""
        return PlannedCombos(bytes(self._order), self._record)

    def __len__(self) -> int:
        return len(self._taken)

    def priority_key(self, values: Combo | dict[int, int]) -> Combo:
        """The priority layers' values, the unit that `similar_limit` counts."""
        return tuple(map(values.__getitem__, self.priority))

    def is_taken(self, combo: Combo) -> bool:
        return self._record is not None and self._record.pack(*combo) in self._taken

    def similar_count(self, key: Combo) -> int:
        return self._similar[key]

    def can_add(self, combo: Combo) -> bool:
        """New, and its priority combination still below the limit."""
        return not self.is_taken(combo) and self._has_room(self.priority_key(combo))

    def add(self, combo: Combo) -> None:
        if self._record is None:
            self._record = struct.Struct(f"<{len(combo)}h")
        packed = self._record.pack(*combo)
        # Without a limit nothing reads the priority counts, so they are not kept.
        key = None if self.similar_limit is None else self.priority_key(combo)
        if packed in self._taken or (key is not None and not self._has_room(key)):
            msg = f"combination {combo} is taken or over the similarity limit"
            raise ValueError(msg)
        self._order += packed
        self._taken.add(packed)
        if key is not None:
            self._similar[key] += 1

    def _has_room(self, key: Combo) -> bool:
        limit = self.similar_limit
        return limit is None or self._similar[key] < limit

    def restore(self, combos: Sequence[Combo]) -> None:
        """Take back planned combinations (into an empty tracker), as a checkpoint does."""
        for combo in combos:
            self.add(tuple(combo))
