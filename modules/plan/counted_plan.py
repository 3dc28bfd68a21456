"""The plan of a counted collection, or the reason it cannot be made: the repairing planner
first, then for small collections the exact search, which settles what the repair left."""

import random
from collections.abc import Sequence

from modules.errors import CapacityError
from modules.load.spec import CollectionSpec
from modules.plan.capacity import Budget, BudgetExceeded
from modules.plan.counted import CountedPlanner
from modules.plan.exact_counts import MAX_TOKENS, exact_counted
from modules.plan.quotas import Quotas, value_name
from modules.plan.selection import Combo, SelectionModel

SHORT_REPAIR_VISITS = 200  # repair visits before a small collection goes to the exact search


def plan_counted(
    spec: CollectionSpec,
    models: Sequence[SelectionModel],
    quotas: Quotas,
    rng: random.Random,
    reserved: frozenset[Combo] = frozenset(),
) -> list[Combo]:
    """Every generated token's combination with the counts exact, or CapacityError naming what
    the repair could not resolve."""
    planner = CountedPlanner(models, quotas, rng, reserved)
    single = len({id(model) for model in models}) == 1
    # A small collection the repair does not settle soon goes to the exact search, which
    # settles it in well under a second, instead of after the repair's seconds of visits.
    small = single and len(models) <= MAX_TOKENS
    combos = planner.plan(SHORT_REPAIR_VISITS if small else None)
    if not planner.unmet:
        return combos
    if single:  # one layer set: settle it exactly if it is small enough
        try:
            exact = exact_counted(models[0], quotas, len(models), rng, reserved, Budget())
        except BudgetExceeded:
            exact = []
        if exact:
            return exact
        if exact is None:
            msg = (
                f"no {len(models)} distinct tokens meet these counts together with the rules "
                "and limits (searched exhaustively); relax the counts or rules, or change -n"
            )
            raise CapacityError(msg)
        planner.repair()  # too many candidates to search: the repair's other visits
        if not planner.unmet:
            return [tuple(combo) for combo in planner.combos]
    msg = (
        f"the counts could not be met together with the rules and limits: "
        f"{len(planner.unmet)} of {len(combos)} generated tokens still conflict, e.g. "
        f"{unmet_reason(spec, planner, planner.unmet[0])} (not proven impossible: the repair "
        "gave up); relax those counts, rules or min_trait_difference, or lower -n"
    )
    raise CapacityError(msg)


def unmet_reason(spec: CollectionSpec, planner: CountedPlanner, token: int) -> str:
    """What is wrong with one token the repair left, in the spec's names."""
    values = planner.combos[token]
    broken = planner.broken_layers(token)
    if broken:
        layer = broken[0]
        chosen = {k: v for k, v in enumerate(values) if k != layer}
        other = next(
            k
            for k, v in chosen.items()
            if not planner.model.compatible(layer, values[layer], {k: v})
        )
        pair = value_name(spec, layer, values[layer]), value_name(spec, other, values[other])
        return f"{pair[0]} with {pair[1]} breaks a rule"
    if planner.seen[tuple(values)] > 1 or tuple(values) in planner.reserved:
        return "a combination another token (or a 1-of-1) already has"
    if planner.model.min_difference > 1:
        return f"a token closer than min_trait_difference {planner.model.min_difference}"
    return "more tokens share the priority traits than max_similar_combinations"
