"""Resolve ruler.json from names to pairwise Rules over layer/option indices (ABSENT standing
for a left-out optional layer), with did-you-mean hints for every unknown name."""

from collections.abc import Sequence
from typing import Any

from modules.load.spec import ABSENT, Layer, Rule
from modules.load.validation import did_you_mean, nfc

WILDCARD = "*"
CONSEQUENCES = ("excluded_values", "required_values", "presence")
Resolved = tuple[list[Rule], list[str]]


def resolve_rules(
    ruler: dict[str, Any], layers: Sequence[Layer], label: str
) -> tuple[tuple[Rule, ...], list[str]]:
    """Turn a schema-valid ruler document into Rules; return them with every problem found."""
    rules: list[Rule] = []
    problems: list[str] = []
    for index, document in enumerate(ruler.get("rules", [])):
        where = f"{label}: $.rules[{index}]"
        if "always_with" in document:
            found, found_problems = _always_with(document["always_with"], layers, where)
        else:
            found, found_problems = _if_then(document, layers, where)
        rules += found
        problems += found_problems
    for index, document in enumerate(ruler.get("groups", [])):
        found, found_problems = _group(document, layers, f"{label}: $.groups[{index}]")
        rules += found
        problems += found_problems
    return tuple(rules), problems


def _if_then(document: dict[str, Any], layers: Sequence[Layer], where: str) -> Resolved:
    condition, consequence = document["if"], document["then"]
    if_layer, if_problem = _find_layer(condition["trait_type"], layers, f"{where}.if.trait_type")
    then_layer, then_problem = _find_layer(
        consequence["trait_type"], layers, f"{where}.then.trait_type"
    )
    kinds = [key for key in CONSEQUENCES if key in consequence]
    problems = [p for p in (if_problem, then_problem) if p] + _kind_problems(kinds, where)
    if problems or if_layer is None or then_layer is None:
        return [], problems
    if if_layer == then_layer:
        return [], [f"{where}: 'if' and 'then' name the same layer; a rule links two layers"]
    if_options, if_problems = _option_set(layers[if_layer], condition["value"], f"{where}.if.value")
    excluded, then_problems = _excluded(layers[then_layer], consequence, kinds[0], where)
    if if_problems or then_problems:
        return [], if_problems + then_problems
    return _rules(Rule(if_layer, if_options, then_layer, excluded, where)), []


def _kind_problems(kinds: list[str], where: str) -> list[str]:
    if len(kinds) == 1:
        return []
    given = "none" if not kinds else " and ".join(kinds)
    return [f"{where}.then: give exactly one of {', '.join(CONSEQUENCES)} (found {given})"]


def _excluded(
    layer: Layer, consequence: dict[str, Any], kind: str, where: str
) -> tuple[frozenset[int], list[str]]:
    """The values of the 'then' layer that the 'if' values rule out."""
    if kind == "excluded_values":
        return _option_set(layer, consequence[kind], f"{where}.then.{kind}")
    if kind == "required_values":
        allowed, problems = _option_set(layer, consequence[kind], f"{where}.then.{kind}")
        return frozenset(domain(layer)) - allowed, problems
    if consequence[kind] == "absent":
        return frozenset(range(len(layer.options))), []
    if not layer.optional:
        return frozenset(), [
            f"{where}.then.presence: layer '{layer.name}' is always present, so 'present' "
            "always holds; remove the rule, or give the layer a rarity or presence in config.json"
        ]
    return frozenset({ABSENT}), []


def _always_with(members: list[dict[str, Any]], layers: Sequence[Layer], where: str) -> Resolved:
    """Each ordered pair (x, y): x's value rules out every value of y's layer but y's own."""
    found: list[tuple[int, frozenset[int]]] = []
    problems: list[str] = []
    for index, member in enumerate(members):
        at = f"{where}.always_with[{index}]"
        layer, problem = _find_layer(member["trait_type"], layers, f"{at}.trait_type")
        if layer is None:
            problems.append(str(problem))
        elif layer in [seen for seen, _ in found]:
            problems.append(
                f"{at}.trait_type: layer '{member['trait_type']}' is named twice; "
                "always_with links options of different layers"
            )
        else:
            values, value_problems = _option_set(
                layers[layer], [member["value"]], f"{at}.value", indexed=False
            )
            found.append((layer, values))
            problems += value_problems
    if problems:
        return [], problems
    rules = [
        Rule(x, x_values, y, frozenset(domain(layers[y])) - y_values, where)
        for x, x_values in found
        for y, y_values in found
        if x != y
    ]
    return [rule for rule in rules if rule.excluded], []


def _group(document: dict[str, Any], layers: Sequence[Layer], where: str) -> Resolved:
    """distinct_tag / same_tag over every pair of the group's layers."""
    members, problems = _group_layers(document["trait_types"], layers, f"{where}.trait_types")
    kinds = [key for key in ("distinct_tag", "same_tag") if key in document]
    if not kinds:
        problems.append(f"{where}: give distinct_tag or same_tag")
    if not problems:
        group = [layers[i] for i in members]
        found = [_tag_problem(group, document[kind], f"{where}.{kind}") for kind in kinds]
        problems = [problem for problem in found if problem]
    if problems:
        return [], problems
    rules = []
    for kind in kinds:
        pair_rules = _distinct_rules if kind == "distinct_tag" else _same_rules
        for first, a in enumerate(members):
            for b in members[first + 1 :]:
                rules += pair_rules(layers, a, b, document[kind], where)
    return rules, []


def _group_layers(
    names: list[str], layers: Sequence[Layer], where: str
) -> tuple[list[int], list[str]]:
    members, problems = [], []
    for index, name in enumerate(names):
        layer, problem = _find_layer(name, layers, f"{where}[{index}]")
        if problem is None and layer is not None:
            members.append(layer)
        else:
            problems.append(str(problem))
    return members, problems


def _tag_problem(group: list[Layer], category: str, where: str) -> str:
    categories = sorted({key for layer in group for o in layer.options for key, _ in o.tags})
    if category in categories:
        return ""
    names = ", ".join(layer.name for layer in group)
    hint = did_you_mean(category, categories) or (
        f'; tag options in config.json ("tags": {{"{category}": "..."}})'
    )
    return f"{where}: no option of {names} has a '{category}' tag{hint}"


def _tagged(layer: Layer, category: str) -> dict[str, frozenset[int]]:
    """The layer's options by their value of `category` (options without it are left out)."""
    found: dict[str, set[int]] = {}
    for index, option in enumerate(layer.options):
        value = dict(option.tags).get(category)
        if value is not None:
            found.setdefault(value, set()).add(index)
    return {value: frozenset(options) for value, options in sorted(found.items())}


def _distinct_rules(
    layers: Sequence[Layer], a: int, b: int, category: str, where: str
) -> list[Rule]:
    """Options of a and b with the same value never meet."""
    tagged_a, tagged_b = _tagged(layers[a], category), _tagged(layers[b], category)
    return [
        Rule(a, options, b, tagged_b[value], where)
        for value, options in tagged_a.items()
        if value in tagged_b
    ]


def _same_rules(layers: Sequence[Layer], a: int, b: int, category: str, where: str) -> list[Rule]:
    """Options of a never meet options of b tagged with another value."""
    tagged_a, tagged_b = _tagged(layers[a], category), _tagged(layers[b], category)
    rules = []
    for value, options in tagged_a.items():
        others = frozenset().union(*(o for v, o in tagged_b.items() if v != value))
        if others:
            rules.append(Rule(a, options, b, others, where))
    return rules


def _rules(rule: Rule) -> list[Rule]:
    """The rule, unless it excludes nothing (required_values listing every option)."""
    return [rule] if rule.if_options and rule.excluded else []


def domain(layer: Layer) -> list[int]:
    """Every value a layer takes in a token: its options, and ABSENT when it is optional."""
    values = list(range(len(layer.options)))
    return values + [ABSENT] if layer.optional else values


def _find_layer(name: str, layers: Sequence[Layer], where: str) -> tuple[int | None, str | None]:
    names = [nfc(layer.name) for layer in layers]
    if nfc(name) in names:
        return names.index(nfc(name)), None
    return None, f"{where}: no layer '{name}'" + did_you_mean(name, [x.name for x in layers])


def _option_set(
    layer: Layer, values: Sequence[str], where: str, indexed: bool = True
) -> tuple[frozenset[int], list[str]]:
    """The options `values` name; a problem is at where[i], or at where when not `indexed`."""
    if WILDCARD in values:
        return frozenset(range(len(layer.options))), []
    lookup = option_lookup(layer)
    found, problems = set(), []
    for index, value in enumerate(values):
        option = lookup.get(nfc(value), lookup.get(_loose(value)))
        if option is None:
            names = [option.name for option in layer.options]
            hint = did_you_mean(value, names)
            at = f"{where}[{index}]" if indexed else where
            problems.append(f"{at}: layer '{layer.name}' has no option '{value}'{hint}")
        else:
            found.add(option)
    return frozenset(found), problems


def option_lookup(layer: Layer) -> dict[str, int]:
    """Names a rule may use for an option: its name, else its file stem; '_' matches ' ' and
    Unicode normalization is ignored (keys are NFC)."""
    numbered = list(enumerate(layer.options))[::-1]  # reversed, so the first option wins a tie
    by_stem = {key: i for i, o in numbered for key in (nfc(o.file.stem), _loose(o.file.stem))}
    by_name = {key: i for i, o in numbered for key in (nfc(o.name), _loose(o.name))}
    return by_stem | by_name


def _loose(name: str) -> str:
    return nfc(name).replace("_", " ")
