"""Plan a collection with exact trait counts: draw every token from what each count has left
(sampling without replacement, so the counted values spread over ids by the seed), then repair
tokens that break a rule, repeat a combination or pass a limit by moves that keep every count."""

import random
from collections import Counter
from collections.abc import Sequence
from itertools import combinations

from modules.plan.capacity import Budget, BudgetExceeded
from modules.plan.quotas import Quotas
from modules.plan.search import find_combo
from modules.plan.selection import ABSENT, Combo, SelectionModel

# Planning memory per token of a counted plan, above the 1,010-1,030 bytes tracemalloc
# measures for 8 layers (python -m bench.bench_planning --memory): each token's values, its
# places in the holder lists and its counters, besides the tracker's packed record.
COUNTED_PLAN_BYTES_PER_TOKEN = 1280
REDRAWS = 20  # fresh draws of a token that repeats a combination before repair takes it
MOVES = 40  # moves tried on one token per visit of the repair loop
VISITS_PER_TOKEN = 30  # repair visits allowed per initially bad token, plus a floor of visits
MIN_VISITS = 2_000
SEARCH_BUDGET_NODES = 20_000  # per token whose random draws all failed


class CountedPlanner:
    """All `tokens` combinations at once: `plan()` returns them in id order and leaves in
    `unmet` the tokens still breaking a rule or limit (none when the counts are met)."""

    def __init__(
        self,
        models: Sequence[SelectionModel],
        quotas: Quotas,
        rng: random.Random,
        reserved: frozenset[Combo] = frozenset(),
    ) -> None:
        # one model per token: its layer set's (they differ only in which layers are left out)
        self.model, tokens = models[0], len(models)
        self.quotas, self.rng, self.tokens, self.reserved = quotas, rng, tokens, reserved
        kinds = {id(model): model for model in models}
        self.models = list(models)
        self.share = {
            key: [self._shares(m, layer) for layer in range(m.layer_count)]
            for key, m in kinds.items()
        }
        model = self.model
        layers = range(model.layer_count)
        self.left = {layer: dict(quotas.counts.get(layer, {})) for layer in layers}
        self.pool = {
            layer: quotas.remainder(layer, tokens) if layer in quotas.counts else None
            for layer in layers
        }
        self.caps = {layer: dict(quotas.caps.get(layer, {})) for layer in layers}
        self.combos: list[list[int]] = []
        self.seen: Counter[Combo] = Counter()
        self.similar: Counter[Combo] = Counter()
        span = model.layer_count - model.min_difference + 1
        self.subsets = list(combinations(layers, span)) if model.min_difference > 1 else []
        self.close: list[Counter[Combo]] = [Counter() for _ in self.subsets]
        self.holders: dict[tuple[int, int], list[int]] = {}
        self.spot: list[dict[int, int]] = []  # per token, its place in each holders list
        self.unmet: list[int] = []
        self._bad: list[int] = []  # tokens the repair still has to visit, and its visits left
        self._visits = 0

    def _shares(self, model: SelectionModel, layer: int) -> dict[int, float]:
        """Configured chances of the layer's uncounted values, normalised among them."""
        counted = self.quotas.counts.get(layer, {})
        present = model.presence[layer] / 5
        weights = model.weights[layer]
        raw = {
            value: (1 - present) if value == ABSENT else present * weights[value] / sum(weights)
            for value in model.domain(layer)
            if value not in counted
        }
        total = sum(raw.values())
        return {value: weight / total for value, weight in raw.items()} if total else {}

    # -- drawing ---------------------------------------------------------------------------

    def plan(self, visits: int | None = None) -> list[Combo]:
        """Draw every token, then repair: all the visits its budget allows, or at most
        `visits` of them (repair() goes on with the rest, exactly as if never paused)."""
        for model in self.models:
            self._place(self._draw_token(model))
        self._bad = [token for token in range(self.tokens) if self.is_bad(token)]
        self._visits = MIN_VISITS + VISITS_PER_TOKEN * len(self._bad)
        self.repair(visits)
        return [tuple(combo) for combo in self.combos]

    def _draw_token(self, model: SelectionModel) -> list[int]:
        values: list[int] = []
        for _ in range(REDRAWS):
            values = self._draw_values(model)
            if self._fits(values):
                return values
        return self._searched(model) or values

    def _searched(self, model: SelectionModel) -> list[int] | None:
        """A token that fits now with every value's count not yet used up, found by the
        complete search within a small budget; None past it (repair takes over then)."""
        shares = self.share[id(model)]

        def wanted(combo: Combo) -> bool:
            values = list(combo)
            has_room = all(self._weight(k, v, shares[k]) > 0 for k, v in enumerate(values))
            return has_room and self._fits(values)

        try:
            found = find_combo(model, self.rng, wanted, budget=Budget(SEARCH_BUDGET_NODES))
        except BudgetExceeded:
            return None
        return None if found is None else list(found)

    def _fits(self, values: list[int]) -> bool:
        """Whether a new token with these values repeats nothing and passes every limit."""
        combo = tuple(values)
        if self.seen[combo] or combo in self.reserved:
            return False
        limit = self.model.similar_limit
        if limit is not None and self.similar[self._key(values)] >= limit:
            return False
        return not any(
            seen[tuple(values[layer] for layer in subset)]
            for subset, seen in zip(self.subsets, self.close, strict=True)
        )

    def _key(self, values: Sequence[int]) -> Combo:
        return tuple(values[layer] for layer in self.model.priority)

    def _draw_values(self, model: SelectionModel) -> list[int]:
        values = [ABSENT] * model.layer_count
        chosen: dict[int, int] = {}
        for layer in model.draw_order:
            value = self._pick(model, layer, chosen, strict=True)
            if value is None:  # the rules leave nothing with room: repair fixes it later
                value = self._pick(model, layer, {}, strict=False)
            assert value is not None
            chosen[layer] = values[layer] = value
        return values

    def _pick(
        self, model: SelectionModel, layer: int, chosen: dict[int, int], strict: bool
    ) -> int | None:
        candidates, sums, running = [], [], 0.0
        shares = self.share[id(model)][layer]
        for value in model.domain(layer):
            if strict and not model.compatible(layer, value, chosen):
                continue
            weight = self._weight(layer, value, shares)
            if weight > 0:
                running += weight
                candidates.append(value)
                sums.append(running)
        if not candidates:
            return None
        point = self.rng.random() * running
        return next((v for v, s in zip(candidates, sums, strict=True) if point < s), candidates[-1])

    def _weight(self, layer: int, value: int, shares: dict[int, float]) -> float:
        """Drawing weight: what a count has left, or the value's share of what the layer's
        uncounted values have left; 0 at a cap."""
        left = self.left[layer]
        if value in left:
            return left[value]
        if self.caps[layer].get(value, 1) <= 0:
            return 0.0
        pool = self.pool[layer]
        share = shares.get(value, 0.0)
        return share if pool is None else pool * share

    # -- bookkeeping -----------------------------------------------------------------------

    def _place(self, values: list[int]) -> None:
        token = len(self.combos)
        self.combos.append(values)
        self.spot.append({})
        for layer, value in enumerate(values):
            self._take(layer, value)
            self._hold(token, layer, value)
        self._count(values, 1)

    def _take(self, layer: int, value: int, step: int = 1) -> None:
        if value in self.left[layer]:
            self.left[layer][value] -= step
        else:
            pool = self.pool[layer]
            if pool is not None:
                self.pool[layer] = pool - step
            if value in self.caps[layer]:
                self.caps[layer][value] -= step

    def _hold(self, token: int, layer: int, value: int) -> None:
        holders = self.holders.setdefault((layer, value), [])
        self.spot[token][layer] = len(holders)
        holders.append(token)

    def _unhold(self, token: int, layer: int, value: int) -> None:
        holders = self.holders[(layer, value)]
        place, last = self.spot[token][layer], holders[-1]
        holders[place] = last
        self.spot[last][layer] = place
        holders.pop()

    def _count(self, values: Sequence[int], step: int) -> None:
        combo = tuple(values)
        self.seen[combo] += step
        if self.model.similar_limit is not None:
            self.similar[self._key(values)] += step
        for subset, seen in zip(self.subsets, self.close, strict=True):
            seen[tuple(values[layer] for layer in subset)] += step

    # -- checking --------------------------------------------------------------------------

    def broken_layers(self, token: int) -> list[int]:
        """Layers of the token whose value breaks a rule with another of its values."""
        values, model = self.combos[token], self.model
        chosen = dict(enumerate(values))
        return [
            layer
            for layer, value in enumerate(values)
            if not model.compatible(layer, value, {k: v for k, v in chosen.items() if k != layer})
        ]

    def _close_layers(self, token: int) -> list[int]:
        """The layers a move should change: those of a floor subset the token shares with
        another token, else (a repeat or a limit) every layer."""
        values = self.combos[token]
        for subset, seen in zip(self.subsets, self.close, strict=True):
            if seen[tuple(values[layer] for layer in subset)] > 1:
                return list(subset)
        return list(range(self.model.layer_count))

    def is_bad(self, token: int) -> bool:
        values = self.combos[token]
        combo = tuple(values)
        if self.seen[combo] > 1 or combo in self.reserved or self.broken_layers(token):
            return True
        limit = self.model.similar_limit
        if limit is not None and self.similar[self._key(values)] > limit:
            return True
        return any(
            seen[tuple(values[layer] for layer in subset)] > 1
            for subset, seen in zip(self.subsets, self.close, strict=True)
        )

    # -- repair ----------------------------------------------------------------------------

    def repair(self, visits: int | None = None) -> None:
        """Up to `visits` more repair visits (by default every one left); `unmet` then lists
        the tokens still bad."""
        bad = self._bad
        stop = 0 if visits is None else max(0, self._visits - visits)
        while bad and self._visits > stop:
            self._visits -= 1
            token = bad.pop(int(self.rng.random() * len(bad)))
            if not self.is_bad(token):
                continue
            partners = self._mend(token)
            if partners is None:
                bad.append(token)
            else:
                bad += [partner for partner in partners if self.is_bad(partner)]
        self.unmet = sorted({token for token in bad if self.is_bad(token)})

    def _mend(self, token: int) -> list[int] | None:
        """Try moves on the token until one leaves it good without spoiling a good partner:
        the partners it swapped values with, or None when nothing helped. A move changes up to
        min_difference layers at once, since a token too close to another must change that many."""
        layers = self.broken_layers(token) or self._close_layers(token)
        for attempt in range(MOVES):
            undo: list[tuple[int, int, int]] = []  # (token, layer, value before), in order
            partners: dict[int, bool] = {}  # partner -> whether it was bad before
            for _ in range(1 + attempt % self.model.min_difference):
                layer = layers[int(self.rng.random() * len(layers))]
                self._step(token, layer, undo, partners)
            spoiled = any(not was_bad and self.is_bad(p) for p, was_bad in partners.items())
            if undo and not self.is_bad(token) and not spoiled:
                return list(partners)
            for moved, layer, value in reversed(undo):
                self._set(moved, layer, value)
        return None

    def _step(
        self, token: int, layer: int, undo: list[tuple[int, int, int]], partners: dict[int, bool]
    ) -> None:
        """One change of the token's value in `layer` that keeps every count: another uncounted
        value, or a swap with a token holding a value the rules allow here."""
        old = self.combos[token][layer]
        counted = layer in self.quotas.counts
        if not counted or (old not in self.left[layer] and self.rng.random() < 0.5):
            value = self._other_value(token, layer, old)
            if value is not None:
                undo.append((token, layer, old))
                self._set(token, layer, value)
                return
        partner = self._swap_partner(token, layer, old) if counted else None
        if partner is not None:
            partners.setdefault(partner, self.is_bad(partner))
            undo += [(token, layer, old), (partner, layer, self.combos[partner][layer])]
            self._swap(token, partner, layer)

    def _other_value(self, token: int, layer: int, old: int) -> int | None:
        """Another uncounted value with room, compatible with the token's other layers."""
        candidates = [
            value
            for value in self._alternatives(token, layer, old)
            if value not in self.left[layer] and self.caps[layer].get(value, 1) > 0
        ]
        if not candidates:
            return None
        return candidates[int(self.rng.random() * len(candidates))]

    def _alternatives(self, token: int, layer: int, old: int) -> list[int]:
        """The token's other values for `layer` that the rules allow next to its others."""
        chosen = {k: v for k, v in enumerate(self.combos[token]) if k != layer}
        return [
            value
            for value in self.models[token].domain(layer)
            if value != old and self.model.compatible(layer, value, chosen)
        ]

    def _set(self, token: int, layer: int, value: int) -> None:
        values = self.combos[token]
        old = values[layer]
        self._count(values, -1)
        self._unhold(token, layer, old)
        self._take(layer, old, -1)
        values[layer] = value
        self._take(layer, value)
        self._hold(token, layer, value)
        self._count(values, 1)

    def _swap_partner(self, token: int, layer: int, old: int) -> int | None:
        """A random token holding another value of `layer` that the rules allow next to this
        token's other values, and whose layer set may take `old`."""
        targets = [v for v in self._alternatives(token, layer, old) if self.holders.get((layer, v))]
        if not targets:
            return None
        value = targets[int(self.rng.random() * len(targets))]
        holders = self.holders[(layer, value)]
        partner = holders[int(self.rng.random() * len(holders))]
        return partner if old in self.models[partner].domain(layer) else None

    def _swap(self, token: int, partner: int, layer: int) -> None:
        mine, theirs = self.combos[token][layer], self.combos[partner][layer]
        self._set(token, layer, theirs)
        self._set(partner, layer, mine)
