"""Rules that contradict each other, found before planning: options no valid token can hold
(errors) and pairs of choices that together leave a layer no value (warnings). Pure."""

from collections.abc import Iterable, Sequence
from itertools import combinations

from modules.load.spec import ABSENT, CollectionSpec
from modules.plan.capacity import Budget, BudgetExceeded, assignments
from modules.plan.selection import SelectionModel, model_from_spec

# Search nodes one option, and the whole check, may cost (under a second in all); past them
# an option is not proven impossible and is skipped.
RULE_CHECK_NODES = 10_000
RULE_CHECK_TOTAL_NODES = 300_000
MAX_DEAD_ENDS = 5  # warning lines about dead ends before "and N more"
Choice = tuple[int, int]  # (layer, value), the value possibly ABSENT


def rule_problems(spec: CollectionSpec) -> tuple[list[str], list[str]]:
    """(errors, warnings): options that can appear in no valid token, naming the rules that
    forbid them, and pairs of possible choices that leave a layer without any value."""
    if not spec.rules:
        return [], []
    model = model_from_spec(spec)
    links = _links(model)
    errors, dead, left = [], set(), Budget(RULE_CHECK_TOTAL_NODES)
    for layer in sorted(links):
        for option in range(len(spec.layers[layer].options)):
            problem = _impossible(spec, model, links, (layer, option), left)
            if problem is not None:
                errors.append(problem)
                dead.add((layer, option))
    return errors, _dead_end_warnings(spec, model, dead)


def _links(model: SelectionModel) -> dict[int, set[int]]:
    """Layer -> the layers a rule links it to (only layers some rule names)."""
    links: dict[int, set[int]] = {}
    for (layer, _), table in model.conflicts.items():
        links.setdefault(layer, set()).update(table)
    return links


def _impossible(
    spec: CollectionSpec,
    model: SelectionModel,
    links: dict[int, set[int]],
    choice: Choice,
    left: Budget,
) -> str | None:
    """Why `choice` can be in no valid token, or None (also when the search is too big);
    the search spends from `left`."""
    where = _choice_name(spec, choice)
    emptied = _emptied(model, choice)
    if emptied is not None:
        rules = _rules_between(spec, [choice], emptied)
        verb = "excludes" if len(rules) == 1 else "exclude"
        return (
            f"{where} can never appear: {_sources(spec, rules)} {verb} "
            f"{_every_value(spec, emptied)}; {_fix(rules)}"
        )
    allotted = min(RULE_CHECK_NODES, left.nodes)
    budget = Budget(allotted)
    try:
        failed = _unsatisfiable(model, links, choice, budget)
    except BudgetExceeded:
        return None
    finally:
        left.nodes -= allotted - max(budget.nodes, 0)
    if failed is None:
        return None
    layers = [spec.layers[i].name for i in failed]
    rules = _rules_within(spec, {choice[0], *failed})
    return (
        f"{where} can never appear: with it, no choice of {', '.join(layers)} satisfies "
        f"{_sources(spec, rules)}; {_fix(rules)}"
    )


def _emptied(model: SelectionModel, choice: Choice) -> int | None:
    """A layer every value of which `choice` forbids on its own, or None."""
    forbidden = model.conflicts.get(choice, {})
    emptied = [layer for layer in sorted(forbidden) if forbidden[layer] >= set(model.domain(layer))]
    return emptied[0] if emptied else None


def _unsatisfiable(
    model: SelectionModel, links: dict[int, set[int]], choice: Choice, budget: Budget
) -> list[int] | None:
    """The rule-linked layers that have no valid values together with `choice`, or None."""
    for group in _groups(links, _reachable(links, choice[0]) - {choice[0]}):
        if next(assignments(model, group, dict([choice]), budget), None) is None:
            return group
    return None


def _reachable(links: dict[int, set[int]], start: int) -> set[int]:
    found, stack = set(), [start]
    while stack:
        layer = stack.pop()
        if layer not in found:
            found.add(layer)
            stack.extend(links.get(layer, set()) - found)
    return found


def _groups(links: dict[int, set[int]], layers: set[int]) -> list[list[int]]:
    """`layers` split into the sets rules link among themselves, each in layer order."""
    inner = {layer: links.get(layer, set()) & layers for layer in layers}
    groups, seen = [], set()
    for layer in sorted(layers):
        if layer not in seen:
            group = _reachable(inner, layer)
            seen |= group
            groups.append(sorted(group))
    return groups


def _dead_end_warnings(spec: CollectionSpec, model: SelectionModel, dead: set[Choice]) -> list[str]:
    """Pairs of possible, compatible choices that together forbid every value of a layer."""
    lines = []
    for layer in range(len(spec.layers)):
        for first, second in _dead_end_pairs(model, layer, dead):
            rules = _rules_between(spec, [first, second], layer)
            lines.append(
                f"{_choice_name(spec, first)} and {_choice_name(spec, second)} together "
                f"exclude {_every_value(spec, layer)}: {_sources(spec, rules)}; the planner "
                "routes around this dead end (relax one rule if such tokens should exist)"
            )
    if len(lines) > MAX_DEAD_ENDS:
        more = len(lines) - MAX_DEAD_ENDS
        lines = lines[:MAX_DEAD_ENDS] + [f"and {more} more such {_pairs(more)} of choices"]
    return lines


def _pairs(count: int) -> str:
    return "pair" if count == 1 else "pairs"


def _dead_end_pairs(
    model: SelectionModel, layer: int, dead: set[Choice]
) -> Iterable[tuple[Choice, Choice]]:
    domain = set(model.domain(layer))
    blockers = sorted(
        (choice, values)
        for choice, table in model.conflicts.items()
        if (values := table.get(layer)) and choice not in dead
    )
    for (first, a), (second, b) in combinations(blockers, 2):
        if (
            first[0] != second[0]
            and not a.issuperset(domain)
            and not b.issuperset(domain)
            and (a | b).issuperset(domain)
            and second[1] not in model.conflicts.get(first, {}).get(second[0], ())
        ):
            yield first, second


def _choice_name(spec: CollectionSpec, choice: Choice) -> str:
    layer = spec.layers[choice[0]]
    if choice[1] == ABSENT:
        return f"{layer.name} absent"
    return f"{layer.name} '{layer.options[choice[1]].name}'"


def _every_value(spec: CollectionSpec, layer: int) -> str:
    target = spec.layers[layer]
    state = "and its absence" if target.optional else "(always present)"
    return f"every option of {target.name} {state}"


def _fix(rules: list[int]) -> str:
    return "remove or relax it" if len(rules) == 1 else "remove or relax one of them"


def _rules_between(spec: CollectionSpec, choices: Sequence[Choice], other: int) -> list[int]:
    """Rules that forbid some value of layer `other` next to one of `choices`, in ruler order."""
    found = []
    for index, rule in enumerate(spec.rules):
        for layer, value in choices:
            forward = rule.if_layer == layer and value in rule.if_options
            backward = rule.then_layer == layer and value in rule.excluded
            if (forward and rule.then_layer == other) or (backward and rule.if_layer == other):
                found.append(index)
                break
    return _unique_sources(spec, found)


def _rules_within(spec: CollectionSpec, layers: set[int]) -> list[int]:
    found = [
        index
        for index, rule in enumerate(spec.rules)
        if rule.if_layer in layers and rule.then_layer in layers
    ]
    return _unique_sources(spec, found)


def _unique_sources(spec: CollectionSpec, rules: list[int]) -> list[int]:
    """One rule per source (a group or always_with compiles to several)."""
    by_source = {_source(spec, index): index for index in reversed(rules)}
    return sorted(by_source.values())


def _source(spec: CollectionSpec, index: int) -> str:
    return spec.rules[index].source or f"rule {index}"


def _sources(spec: CollectionSpec, rules: list[int]) -> str:
    """'ruler.json: $.rules[2] and $.rules[5]': the file named once per run of its rules."""
    shown, last_file = [], None
    for index in rules:
        source = _source(spec, index)
        file, _, path = source.rpartition(": ")
        shown.append(path if file and file == last_file else source)
        last_file = file
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]
