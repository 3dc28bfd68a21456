"""Re-rolling one token of a plan: the sub-seed of each re-roll, the layers it keeps (named
with --keep, or held by an exact count), and its new combination, found by complete search
under every rule and limit planning obeys. Pure: no files, no PIL."""

import hashlib
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from modules.errors import CapacityError, ConfigError
from modules.load.spec import Layer
from modules.load.validation import did_you_mean
from modules.plan.capacity import Budget, BudgetExceeded
from modules.plan.quotas import Quotas, quotas_from_layers
from modules.plan.search import find_combo
from modules.plan.selection import ABSENT, Combo, SelectionModel
from modules.plan.trait_tracker import TraitTracker

# One re-roll as the checkpoint records it: the token id, the layers --keep named, and how
# many tokens the plan held then, so a rebuild from the seed replays it at the same point.
RerollEntry = tuple[int, tuple[str, ...], int]


def reroll_seed(seed: int, token_id: int, count: int) -> int:
    """The seed of the `count`-th re-roll (1 for the first) of `token_id`: its own RNG, so
    the planner's RNG, and with it any later extension, is untouched."""
    digest = hashlib.sha256(f"{seed}:{token_id}:{count}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def reroll_count(rerolls: Sequence[RerollEntry], token_id: int) -> int:
    """Which re-roll of `token_id` the next one is (1 for its first)."""
    return 1 + sum(1 for entry in rerolls if entry[0] == token_id)


def kept_layers(layers: Sequence[Layer], names: Sequence[str]) -> tuple[str, ...]:
    """The --keep layer names in trait order, each once; every unknown name is refused."""
    known = [layer.name for layer in layers]
    problems = [
        f"--keep {name}: no layer '{name}' in trait_order{did_you_mean(name, known)}"
        for name in names
        if name not in known
    ]
    if problems:
        raise ConfigError(*problems)
    return tuple(name for name in known if name in names)


@dataclass(frozen=True)
class Reroller:
    """Re-rolls tokens of one collection: its layers, the selection model of each token id
    (its layer set's) and the seed."""

    layers: tuple[Layer, ...]
    model_of: Callable[[int], SelectionModel]
    seed: int

    def reroll(
        self, tracker: TraitTracker, token_id: int, keep: tuple[str, ...], count: int
    ) -> Combo:
        """Give token `token_id` in `tracker` a new valid combination with the `keep` layers
        (and its counted values) unchanged; `count` says which re-roll of the token this is."""
        index, layers = token_id - 1, self.layers
        current = tracker.combos[index]
        if min(current) < ABSENT:
            raise ConfigError(f"token {token_id}: is a 1-of-1, so it cannot be re-rolled")
        quotas = quotas_from_layers(layers)
        names = [layer.name for layer in layers]
        fixed = {i: current[i] for i in range(len(layers)) if names[i] in keep}
        fixed |= {i: v for i, v in enumerate(current) if v in quotas.counts.get(i, {})}
        model = self.model_of(token_id)
        allowed = _count_check(model, quotas, _usage(tracker, index, quotas), fixed)
        rng = random.Random(reroll_seed(self.seed, token_id, count))
        try:
            combo = find_combo(
                model, rng, lambda c: tracker.can_replace(index, c), fixed, Budget(), allowed
            )
        except BudgetExceeded:
            msg = (
                f"token {token_id}: too many combinations to search for a new one; name more "
                "layers with --keep"
            )
            raise CapacityError(msg) from None
        if combo is None:
            raise CapacityError(_none_left(token_id, keep, [names[i] for i in sorted(fixed)]))
        tracker.replace(index, combo)
        return combo


def _usage(tracker: TraitTracker, index: int, quotas: Quotas) -> dict[int, Counter[int]]:
    """Per layer with a max_count, how many of the other tokens hold each of its values."""
    usage: dict[int, Counter[int]] = {layer: Counter() for layer in quotas.caps}
    for position, combo in enumerate(tracker.combos):
        if position != index:
            for layer, counter in usage.items():
                counter[combo[layer]] += 1
    return usage


def _count_check(
    model: SelectionModel,
    quotas: Quotas,
    usage: Mapping[int, Counter[int]],
    fixed: Mapping[int, int],
) -> Callable[[int, Mapping[int, int]], bool]:
    """The search's prefix check: a changed layer takes no counted value (its count is exact)
    and no option that max_count tokens already hold."""

    def allowed(depth: int, chosen: Mapping[int, int]) -> bool:
        layer = model.draw_order[depth]
        if layer in fixed:
            return True
        value = chosen[layer]
        limit = quotas.caps.get(layer, {}).get(value)
        counted = value in quotas.counts.get(layer, {})
        return not counted and (limit is None or usage[layer][value] < limit)

    return allowed


def _none_left(token_id: int, keep: Sequence[str], fixed: Sequence[str]) -> str:
    counted = [name for name in fixed if name not in keep]
    kept = [*keep, *(f"{name} (counted)" for name in counted)]
    if not kept:
        return (
            f"token {token_id}: no other valid unique combination exists; add options, or "
            "relax ruler.json, max_similar_combinations or min_trait_difference"
        )
    return (
        f"token {token_id}: no other valid unique combination keeps {', '.join(kept)}; keep "
        "fewer layers, add options, or relax ruler.json, max_similar_combinations or "
        "min_trait_difference"
    )


def replay_rerolls(
    rerolls: Sequence[RerollEntry],
    total: int,
    plan_until: Callable[[int], object],
    reroll: Callable[[int, tuple[str, ...], int], object],
) -> None:
    """Rebuild a plan of `total` tokens: plan up to each recorded re-roll's token count,
    re-roll it as then, and plan the rest."""
    counts: Counter[int] = Counter()
    for token_id, keep, planned in rerolls:
        plan_until(planned)
        counts[token_id] += 1
        reroll(token_id, keep, counts[token_id])
    plan_until(total)
