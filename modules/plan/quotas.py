"""Exact trait counts: a spec's `count` / `max_count` / `absent_count` as indices, and proofs
that counts cannot be met, naming the counts, rules or limits and by how much."""

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from modules.load.spec import CollectionSpec, Layer
from modules.plan.capacity import Budget, BudgetExceeded, count_completions_upto
from modules.plan.selection import ABSENT, SelectionModel

# Nodes one count check may visit; past it the check proves nothing and is skipped.
CHECK_BUDGET_NODES = 100_000


@dataclass(frozen=True)
class Quotas:
    """Per layer: values (options, or ABSENT) with an exact count, and values with a cap."""

    counts: dict[int, dict[int, int]]
    caps: dict[int, dict[int, int]]

    def __bool__(self) -> bool:
        return bool(self.counts or self.caps)

    def remainder(self, layer: int, tokens: int) -> int:
        """Tokens of a counted layer left to its uncounted values."""
        return tokens - sum(self.counts.get(layer, {}).values())


def quotas_from_spec(spec: CollectionSpec) -> Quotas:
    return quotas_from_layers(spec.layers)


def quotas_from_layers(layers: Sequence[Layer]) -> Quotas:
    """The layers' counts and caps by layer and value index."""
    counts: dict[int, dict[int, int]] = {}
    caps: dict[int, dict[int, int]] = {}
    for index, layer in enumerate(layers):
        for value, option in enumerate(layer.options):
            if option.count is not None:
                counts.setdefault(index, {})[value] = option.count
            if option.max_count is not None:
                caps.setdefault(index, {})[value] = option.max_count
        if layer.absent_count is not None:
            counts.setdefault(index, {})[ABSENT] = layer.absent_count
    return Quotas(counts, caps)


def value_name(spec: CollectionSpec, layer: int, value: int) -> str:
    """How messages name a layer's value: `Eyes 'Laser'`, or `Eyes absent`."""
    name = spec.layers[layer].name
    return (
        f"{name} absent"
        if value == ABSENT
        else f"{name} '{spec.layers[layer].options[value].name}'"
    )


def quota_problems(
    spec: CollectionSpec, model: SelectionModel, quotas: Quotas, tokens: int
) -> list[str]:
    """Every reason the counts cannot hold in `tokens` generated tokens, or [] when none is
    proven (the planner may still fail on what these checks do not cover, and says so)."""
    problems = list(_layer_sums(spec, model, quotas, tokens))
    if problems:
        return problems
    problems += _value_capacity(spec, model, quotas, tokens)
    problems += _pair_supply(spec, model, quotas, tokens)
    return problems


def _layer_sums(
    spec: CollectionSpec, model: SelectionModel, quotas: Quotas, tokens: int
) -> Iterator[str]:
    for layer, counted in sorted(quotas.counts.items()):
        name, rest = spec.layers[layer].name, quotas.remainder(layer, tokens)
        total = sum(counted.values())
        if rest < 0:
            yield (
                f"{name}: the counts add up to {total} but -n gives {tokens} generated tokens; "
                f"lower them by {-rest} or raise -n to {total}"
            )
            continue
        free = [value for value in model.domain(layer) if value not in counted]
        room = _room(quotas, layer, free)
        if rest > room:
            what = "every value is counted" if not free else "the uncounted values' max_count"
            yield (
                f"{name}: the counts add up to {total} of {tokens} generated tokens and {what} "
                f"leaves room for {room} of the other {rest}; add {rest - room} to the counts, "
                f"lift a max_count, or use -n {total + room}"
            )


def _room(quotas: Quotas, layer: int, free: list[int]) -> float:
    caps = quotas.caps.get(layer, {})
    if any(value not in caps for value in free):
        return math.inf
    return sum(caps[value] for value in free)


def _value_capacity(
    spec: CollectionSpec, model: SelectionModel, quotas: Quotas, tokens: int
) -> Iterator[str]:
    """A count above the number of distinct valid tokens that can carry the value, or a
    counted layer's rest above what its uncounted values can carry together."""
    for layer, counted in sorted(quotas.counts.items()):
        for value, count in sorted(counted.items()):
            room = _carriers(model, layer, value, count) if count else None
            if room is not None and count > room:
                yield (
                    f"{value_name(spec, layer, value)}: count {count} but only {room} distinct "
                    f"tokens can carry it under the rules; lower it by {count - room}"
                )
        rest = quotas.remainder(layer, tokens)
        free = [_carriers(model, layer, v, rest) for v in model.domain(layer) if v not in counted]
        room = sum(n for n in free if n is not None)
        if rest > room and None not in free:
            yield (
                f"{spec.layers[layer].name}: its counts leave {rest} tokens to its other values, "
                f"but only {room} distinct tokens can carry those under the rules; raise the "
                f"counts by {rest - room} or lower -n"
            )


def _carriers(model: SelectionModel, layer: int, value: int, enough: int) -> int | None:
    """Distinct valid tokens with the value, counted up to `enough`; None when counting
    them costs too much."""
    rest = [other for other in range(model.layer_count) if other != layer]
    try:
        return count_completions_upto(
            model, {layer: value}, rest, enough, Budget(CHECK_BUDGET_NODES)
        )
    except BudgetExceeded:
        return None


def _pair_supply(
    spec: CollectionSpec, model: SelectionModel, quotas: Quotas, tokens: int
) -> Iterator[str]:
    """A counted value whose rules leave it fewer partners in another counted layer than its
    count: tokens with it must take their value there from what the rules allow."""
    for layer, counted in sorted(quotas.counts.items()):
        for value, count in sorted(counted.items()):
            for other in sorted(quotas.counts):
                if other == layer or count == 0:
                    continue
                allowed = [
                    v for v in model.domain(other) if model.compatible(other, v, {layer: value})
                ]
                supply = sum(_most(quotas, other, v, tokens) for v in allowed)
                if count > supply:
                    yield (
                        f"{value_name(spec, layer, value)}: count {count} but the rules let it "
                        f"appear only with {_listing(spec, other, allowed)} of "
                        f"{spec.layers[other].name}, which {supply} tokens can carry by their "
                        f"counts; {count - supply} short: {_sources(spec, layer, value, other)}"
                    )


def _most(quotas: Quotas, layer: int, value: int, tokens: int) -> float:
    """The most tokens a value of a counted layer can take."""
    counted = quotas.counts[layer]
    if value in counted:
        return counted[value]
    cap = quotas.caps.get(layer, {}).get(value, math.inf)
    return min(cap, quotas.remainder(layer, tokens))


def _listing(spec: CollectionSpec, layer: int, values: list[int]) -> str:
    if not values:
        return "no value"
    names = [value_name(spec, layer, v).split(" ", 1)[1] for v in values]
    return ", ".join(names)


def _sources(spec: CollectionSpec, layer: int, value: int, other: int) -> str:
    """The rules linking the value to the other layer, for the fix."""
    sources = sorted(
        {
            rule.source or "ruler.json"
            for rule in spec.rules
            if (rule.if_layer, rule.then_layer) in ((layer, other), (other, layer))
            and (value in rule.if_options or value in rule.excluded)
        }
    )
    return f"relax {', '.join(sources)} or the counts" if sources else "relax the counts"
