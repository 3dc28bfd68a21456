"""Whether saved combinations are ones planning could have made with a model's layers,
rules, uniqueness and similarity limit: pure, for checking a checkpoint before trusting it."""

from collections import Counter
from collections.abc import Sequence
from operator import itemgetter

from modules.plan.selection import Combo, SelectionModel


def saved_plan_problem(combos: Sequence[Combo], model: SelectionModel) -> str | None:
    """The first token planning could not have made, or None. Whole-plan checks come first
    (a million tokens in about a second); only a damaged plan is searched token by token."""
    return None if _plan_fits(combos, model) else _first_bad_token(combos, model)


def _plan_fits(combos: Sequence[Combo], model: SelectionModel) -> bool:
    if set(map(len, combos)) - {model.layer_count}:
        return False
    if any(
        set(map(itemgetter(layer), combos)) - set(model.domain(layer))
        for layer in range(model.layer_count)
    ):
        return False
    if any(
        not pairs.isdisjoint(map(itemgetter(*layers), combos))
        for layers, pairs in _forbidden_pairs(model).items()
    ):
        return False
    if len(set(combos)) != len(combos):
        return False
    if model.similar_limit is None or not model.priority:
        return True
    similar = Counter(map(itemgetter(*model.priority), combos))
    return max(similar.values(), default=0) <= model.similar_limit


def _forbidden_pairs(model: SelectionModel) -> dict[tuple[int, int], set[tuple[int, int]]]:
    """Per two layers a rule links, the pairs of their values it forbids."""
    forbidden: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for (layer, value), table in model.conflicts.items():
        for other, options in table.items():
            if layer < other:  # rules hold both ways: one side of each pair is enough
                forbidden.setdefault((layer, other), set()).update((value, o) for o in options)
    return forbidden


def _first_bad_token(combos: Sequence[Combo], model: SelectionModel) -> str | None:
    domains = [frozenset(model.domain(layer)) for layer in range(model.layer_count)]
    seen: set[Combo] = set()
    similar: Counter[Combo] = Counter()
    for token_id, combo in enumerate(combos, start=1):
        if len(combo) != len(domains):
            return f"token {token_id} has {len(combo)} layer values, not {len(domains)}"
        for layer, value in enumerate(combo):
            if value not in domains[layer]:
                return f"token {token_id}: layer {layer + 1} cannot be {value}"
        if model.conflicts:
            chosen = dict(enumerate(combo))
            if not all(model.compatible(layer, value, chosen) for layer, value in chosen.items()):
                return f"token {token_id} breaks one of the rules"
        if combo in seen:
            return f"token {token_id} repeats token {combos.index(combo) + 1}"
        seen.add(combo)
        if model.similar_limit is not None:
            key = tuple(combo[layer] for layer in model.priority)
            similar[key] += 1
            if similar[key] > model.similar_limit:
                return (
                    f"token {token_id} shares its priority trait values with "
                    f"{model.similar_limit} earlier tokens, more than max_similar_combinations "
                    "allows"
                )
    return None
