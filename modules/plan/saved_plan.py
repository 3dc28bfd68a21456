"""Whether saved combinations are ones planning could have made with a model's layers,
rules, uniqueness and similarity limit: pure, for checking a checkpoint before trusting it."""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from modules.plan.selection import Combo, SelectionModel


@dataclass(frozen=True)
class SavedLayout:
    """What a plan with layer sets or 1-of-1s must hold: each id's model, the marker at each
    1-of-1 id and the combinations reserved for 1-of-1s."""

    model_of: Callable[[int], SelectionModel]
    markers: Mapping[int, Combo]
    reserved: tuple[Combo, ...]


def saved_plan_problem(
    combos: Sequence[Combo], model: SelectionModel, layout: SavedLayout | None = None
) -> str | None:
    """The first token planning could not have made, or None. Whole-plan checks come first
    (a million tokens in about a second); only a damaged plan is searched token by token.
    With a `layout`, each id is checked against its layer set's model and the 1-of-1 ids
    must hold exactly their markers (the plan is then searched token by token)."""
    if layout is None:
        return None if _plan_fits(combos, model) else _first_bad_token(combos, model)
    return _first_bad_token(combos, model, layout)


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


def _first_bad_token(
    combos: Sequence[Combo], model: SelectionModel, layout: SavedLayout | None = None
) -> str | None:
    layout = layout or SavedLayout(lambda _: model, {}, ())
    domains_of: dict[int, list[frozenset[int]]] = {}
    seen: set[Combo] = set(layout.reserved)
    similar: Counter[Combo] = Counter()
    markers = set(layout.markers.values())
    for token_id, combo in enumerate(combos, start=1):
        expected = layout.markers.get(token_id)
        if expected is not None or combo in markers:
            if combo != expected:
                return f"token {token_id} is not where the plan puts its 1-of-1"
            continue  # a 1-of-1 takes no part in the model's checks
        model = layout.model_of(token_id)
        domains = domains_of.setdefault(id(model), _domains(model))
        problem = _value_problem(token_id, combo, domains)
        if problem is not None:
            return problem
        if model.conflicts:
            chosen = dict(enumerate(combo))
            if not all(model.compatible(layer, value, chosen) for layer, value in chosen.items()):
                return f"token {token_id} breaks one of the rules"
        if combo in seen:
            if combo in layout.reserved:
                return f"token {token_id} has the traits of a 1-of-1"
            return f"token {token_id} repeats token {combos.index(combo) + 1}"
        seen.add(combo)
        problem = _similar_problem(token_id, combo, model, similar)
        if problem is not None:
            return problem
    return None


def _similar_problem(
    token_id: int, combo: Combo, model: SelectionModel, similar: Counter[Combo]
) -> str | None:
    """Whether the token is one too many with its priority trait values (counted in `similar`)."""
    if model.similar_limit is None:
        return None
    key = tuple(combo[layer] for layer in model.priority)
    similar[key] += 1
    if similar[key] <= model.similar_limit:
        return None
    return (
        f"token {token_id} shares its priority trait values with {model.similar_limit} "
        "earlier tokens, more than max_similar_combinations allows"
    )


def _domains(model: SelectionModel) -> list[frozenset[int]]:
    return [frozenset(model.domain(layer)) for layer in range(model.layer_count)]


def _value_problem(token_id: int, combo: Combo, domains: list[frozenset[int]]) -> str | None:
    if len(combo) != len(domains):
        return f"token {token_id} has {len(combo)} layer values, not {len(domains)}"
    for layer, value in enumerate(combo):
        if value not in domains[layer]:
            return f"token {token_id}: layer {layer + 1} cannot be {value}"
    return None
