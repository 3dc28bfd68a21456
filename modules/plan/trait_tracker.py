"""Uniqueness and similarity bookkeeping of planned tokens; serializable for checkpoints."""

from collections import Counter
from typing import Any

from modules.plan.selection import Combo


class TraitTracker:
    """Remembers every planned combination in token order (so its state is also the plan
    manifest) and how often each priority combination occurs."""

    def __init__(self, priority: tuple[int, ...], similar_limit: int | None) -> None:
        self.priority = priority
        self.similar_limit = similar_limit
        self._order: list[Combo] = []
        self._taken: set[Combo] = set()
        self._similar: Counter[Combo] = Counter()

    @property
    def combos(self) -> list[Combo]:
        """Every planned combination; index i is token id i + 1."""
        return list(self._order)

    def __len__(self) -> int:
        return len(self._taken)

    def priority_key(self, values: Combo | dict[int, int]) -> Combo:
        """The priority layers' values, the unit that `similar_limit` counts."""
        return tuple(map(values.__getitem__, self.priority))

    def is_taken(self, combo: Combo) -> bool:
        return combo in self._taken

    def similar_count(self, key: Combo) -> int:
        return self._similar[key]

    def can_add(self, combo: Combo) -> bool:
        """New, and its priority combination still below the limit."""
        return combo not in self._taken and self._has_room(self.priority_key(combo))

    def add(self, combo: Combo) -> None:
        key = self.priority_key(combo)
        if combo in self._taken or not self._has_room(key):
            msg = f"combination {combo} is taken or over the similarity limit"
            raise ValueError(msg)
        self._order.append(combo)
        self._taken.add(combo)
        self._similar[key] += 1

    def _has_room(self, key: Combo) -> bool:
        limit = self.similar_limit
        return limit is None or self._similar[key] < limit

    def to_state(self) -> dict[str, Any]:
        """JSON-ready state in token order; the lookups are derived from it on load."""
        return {"combinations": [list(combo) for combo in self._order]}

    def restore(self, state: dict[str, Any]) -> None:
        """Take back a to_state() document (into an empty tracker), as a checkpoint does."""
        for combo in state["combinations"]:
            self.add(tuple(combo))

    @classmethod
    def from_state(
        cls, state: dict[str, Any], priority: tuple[int, ...], similar_limit: int | None
    ) -> "TraitTracker":
        tracker = cls(priority, similar_limit)
        tracker.restore(state)
        return tracker
