"""Resolve ruler.json rules from names to layer/option indices, with did-you-mean hints."""

from collections.abc import Sequence
from typing import Any

from modules.load.spec import Layer, Rule
from modules.load.validation import did_you_mean, nfc

WILDCARD = "*"


def resolve_rules(
    documents: Sequence[dict[str, Any]], layers: Sequence[Layer], label: str
) -> tuple[tuple[Rule, ...], list[str]]:
    """Turn rule documents into Rules; return them with every naming problem found."""
    rules, problems = [], []
    for index, document in enumerate(documents):
        rule, rule_problems = _resolve_rule(document, layers, f"{label}: $.rules[{index}]")
        problems += rule_problems
        if rule is not None:
            rules.append(rule)
    return tuple(rules), problems


def _resolve_rule(
    document: dict[str, Any], layers: Sequence[Layer], where: str
) -> tuple[Rule | None, list[str]]:
    condition, consequence = document["if"], document["then"]
    if_layer = _layer_index(condition["trait_type"], layers)
    then_layer = _layer_index(consequence["trait_type"], layers)
    problems = [
        f"{where}.{part}.trait_type: no layer '{name}'" + did_you_mean(name, _names(layers))
        for part, name, found in (
            ("if", condition["trait_type"], if_layer),
            ("then", consequence["trait_type"], then_layer),
        )
        if found is None
    ]
    if problems or if_layer is None or then_layer is None:
        return None, problems
    if if_layer == then_layer:
        return None, [f"{where}: 'if' and 'then' name the same layer; a rule links two layers"]
    if_options, if_problems = _option_set(layers[if_layer], condition["value"], f"{where}.if.value")
    excluded, then_problems = _option_set(
        layers[then_layer], consequence["excluded_values"], f"{where}.then.excluded_values"
    )
    if if_problems or then_problems:
        return None, if_problems + then_problems
    return Rule(if_layer, if_options, then_layer, excluded), []


def _names(layers: Sequence[Layer]) -> list[str]:
    return [layer.name for layer in layers]


def _layer_index(name: str, layers: Sequence[Layer]) -> int | None:
    names = [nfc(layer) for layer in _names(layers)]
    return names.index(nfc(name)) if nfc(name) in names else None


def _option_set(
    layer: Layer, values: Sequence[str], where: str
) -> tuple[frozenset[int], list[str]]:
    if WILDCARD in values:
        return frozenset(range(len(layer.options))), []
    lookup = option_lookup(layer)
    found, problems = set(), []
    for index, value in enumerate(values):
        option = lookup.get(nfc(value), lookup.get(_loose(value)))
        if option is None:
            names = [option.name for option in layer.options]
            hint = did_you_mean(value, names)
            problems.append(f"{where}[{index}]: layer '{layer.name}' has no option '{value}'{hint}")
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
