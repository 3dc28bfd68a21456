"""Contradicting rules: options no valid token can hold are errors naming the rules; pairs of
choices that leave a layer no value are capped warnings; generate and validate use both."""

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from modules.cli.generate import generate_command
from modules.cli.validate import validate_command
from modules.load.rules import resolve_rules
from modules.load.spec import CollectionSpec, Layer, Part, TraitOption
from modules.plan import rule_check
from modules.plan.rule_check import rule_problems
from tests.conftest import BASIC_LAYERS
from tests.plan_helpers import METADATA

Project = Callable[..., Path]


def layer(name: str, options: str, presence: float = 5) -> Layer:
    found = tuple(TraitOption(o, (Part(Path(f"{o}.png")),), 3) for o in options.split())
    return Layer(name, found, presence)


LAYERS = (
    layer("Background", "Red Blue"),
    layer("Eyes", "Laser Sleepy"),
    layer("Hat", "Cap Crown"),  # always present
    layer("Mouth", "Open Smile"),
    layer("Robe", "Plain Royal", presence=3),
)


def spec_with(rules: list[dict[str, Any]], layers: tuple[Layer, ...] = LAYERS) -> CollectionSpec:
    resolved, problems = resolve_rules({"rules": rules}, layers, "ruler.json")
    assert problems == []
    return CollectionSpec(layers, resolved, (), 1, (8, 8), METADATA)


def excludes(a: str, values: list[str], b: str, excluded: list[str]) -> dict[str, Any]:
    return {
        "if": {"trait_type": a, "value": values},
        "then": {"trait_type": b, "excluded_values": excluded},
    }


def requires(a: str, values: list[str], b: str, then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"trait_type": a, "value": values}, "then": {"trait_type": b, **then}}


FILLER = excludes("Background", ["Red"], "Mouth", ["Open"])  # harmless on its own


def test_no_rules_no_problems() -> None:
    assert rule_problems(spec_with([])) == ([], [])


def test_two_rules_emptying_an_always_present_layer() -> None:
    rules = [FILLER, FILLER, excludes("Eyes", ["Laser"], "Hat", ["Cap"]), FILLER, FILLER]
    rules.append(excludes("Hat", ["Crown"], "Eyes", ["Laser"]))

    assert rule_problems(spec_with(rules)) == (
        [
            "Eyes 'Laser' can never appear: ruler.json: $.rules[2] and $.rules[5] exclude "
            "every option of Hat (always present); remove or relax one of them"
        ],
        [],
    )


def test_one_wildcard_rule_emptying_a_layer() -> None:
    errors, _ = rule_problems(spec_with([excludes("Eyes", ["Sleepy"], "Hat", ["*"])]))

    assert errors == [
        "Eyes 'Sleepy' can never appear: ruler.json: $.rules[0] excludes every option of Hat "
        "(always present); remove or relax it"
    ]


def test_an_optional_layer_is_emptied_only_when_its_absence_is_excluded_too() -> None:
    rules = [requires("Hat", ["Crown"], "Robe", {"required_values": ["Royal"]})]
    assert rule_problems(spec_with(rules)) == ([], [])

    rules.append(requires("Hat", ["Crown"], "Robe", {"presence": "absent"}))
    assert rule_problems(spec_with(rules))[0] == [
        "Hat 'Crown' can never appear: ruler.json: $.rules[0] and $.rules[1] exclude every "
        "option of Robe and its absence; remove or relax one of them"
    ]


CHAIN = [
    requires("Eyes", ["Laser"], "Hat", {"required_values": ["Crown"]}),
    requires("Eyes", ["Laser"], "Mouth", {"required_values": ["Open"]}),
    excludes("Hat", ["Crown"], "Mouth", ["Open"]),
]


def test_rules_that_only_together_leave_no_token() -> None:
    assert rule_problems(spec_with(CHAIN)) == (
        [
            "Eyes 'Laser' can never appear: with it, no choice of Hat, Mouth satisfies "
            "ruler.json: $.rules[0], $.rules[1] and $.rules[2]; remove or relax one of them"
        ],
        [],
    )


def test_a_search_over_budget_proves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_check, "RULE_CHECK_NODES", 1)

    assert rule_problems(spec_with(CHAIN))[0] == []


def dead_end(first: str, second: str, emptied: str, rules: str) -> str:
    return (
        f"{first} and {second} together exclude every option of {emptied} (always present): "
        f"ruler.json: {rules}; the planner routes around this dead end (relax one rule if such "
        "tokens should exist)"
    )


def tagged(name: str, options: str) -> Layer:
    """Options tagged c=<their digit>: a1 and b1 share c=1."""
    found = [TraitOption(o, (Part(Path(o)),), 3, tags=(("c", o[1]),)) for o in options.split()]
    return Layer(name, tuple(found))


def test_a_group_is_named_once_however_many_rules_it_compiles_to() -> None:
    layers = (tagged("A", "a1 a2"), tagged("B", "b1 b2 b3"), tagged("C", "c1 c2 c3"))
    groups = [{"trait_types": ["A", "B", "C"], "distinct_tag": "c"}]
    resolved, _ = resolve_rules({"groups": groups}, layers, "ruler.json")

    assert rule_problems(CollectionSpec(layers, resolved, (), 1, (8, 8), METADATA)) == (
        [],
        [
            dead_end("B 'b1'", "C 'c2'", "A", "$.groups[0]"),
            dead_end("B 'b2'", "C 'c1'", "A", "$.groups[0]"),
        ],
    )


def test_dead_end_warnings_are_capped() -> None:
    layers = (layer("P", "p1 p2 p3 p4"), layer("Q", "q1 q2 q3 q4"), layer("Mouth", "Open Smile"))
    rules = [
        excludes("P", ["p1", "p2", "p3"], "Mouth", ["Open"]),
        excludes("Q", ["q1", "q2", "q3"], "Mouth", ["Smile"]),
    ]

    errors, warnings = rule_problems(spec_with(rules, layers))

    assert errors == []
    assert warnings == [
        dead_end("P 'p1'", "Q 'q1'", "Mouth", "$.rules[0] and $.rules[1]"),
        dead_end("P 'p1'", "Q 'q2'", "Mouth", "$.rules[0] and $.rules[1]"),
        dead_end("P 'p1'", "Q 'q3'", "Mouth", "$.rules[0] and $.rules[1]"),
        dead_end("P 'p2'", "Q 'q1'", "Mouth", "$.rules[0] and $.rules[1]"),
        dead_end("P 'p2'", "Q 'q2'", "Mouth", "$.rules[0] and $.rules[1]"),
        "and 4 more such pairs of choices",
    ]


def test_dead_ends_are_warnings_naming_the_rules() -> None:
    rules = [excludes("Background", ["Red"], "Hat", ["Cap"]), FILLER]
    rules.append(excludes("Eyes", ["Laser"], "Hat", ["Crown"]))

    assert rule_problems(spec_with(rules)) == (
        [],
        [
            "Background 'Red' and Eyes 'Laser' together exclude every option of Hat (always "
            "present): ruler.json: $.rules[0] and $.rules[2]; the planner routes around this "
            "dead end (relax one rule if such tokens should exist)"
        ],
    )


# --- generate and validate ------------------------------------------------------------------

IMPOSSIBLE = [excludes("Body", ["Grey"], "Hat", ["*"])]
IMPOSSIBLE_LINE = (
    "Error: Body 'Grey' can never appear: ruler.json: $.rules[0] excludes every option of Hat "
    "(always present); remove or relax it"
)
DEAD_END = [
    excludes("Background", ["Red"], "Hat", ["Cap"]),
    excludes("Body", ["Grey"], "Hat", ["Crown"]),
]
DEAD_END_LINE = (
    "Background 'Red' and Body 'Grey' together exclude every option of Hat (always present): "
    "ruler.json: $.rules[0] and $.rules[1]; the planner routes around this dead end (relax "
    "one rule if such tokens should exist)"
)


def invoke(root: Path, monkeypatch: pytest.MonkeyPatch, command: Any, *args: str) -> Result:
    monkeypatch.chdir(root)
    return CliRunner().invoke(command, list(args))


def test_generate_warns_about_an_impossible_option_and_still_runs(
    make_project: Project, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """ruler.json has always been allowed to shut an option out, so the run goes on, after
    saying which rules do it."""
    root = make_project(BASIC_LAYERS, rules=IMPOSSIBLE)

    with caplog.at_level(logging.WARNING):
        result = invoke(root, monkeypatch, generate_command, "-n", "2", "--workers", "1")

    assert result.exit_code == 0, result.output
    assert caplog.messages.count(IMPOSSIBLE_LINE.removeprefix("Error: ")) == 1


def test_generate_warns_about_a_dead_end_and_still_runs(
    make_project: Project, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(BASIC_LAYERS, rules=DEAD_END)

    with caplog.at_level(logging.WARNING):
        result = invoke(root, monkeypatch, generate_command, "-n", "7", "--seed", "1")

    assert result.exit_code == 0, result.output
    assert caplog.messages.count(DEAD_END_LINE) == 1


def test_validate_reports_both(make_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    impossible = invoke(make_project(BASIC_LAYERS, rules=IMPOSSIBLE), monkeypatch, validate_command)
    dead_end = invoke(make_project(BASIC_LAYERS, rules=DEAD_END), monkeypatch, validate_command)

    assert (impossible.exit_code, dead_end.exit_code) == (1, 1)
    assert IMPOSSIBLE_LINE.replace("Error: ", "Warning: ") in impossible.stderr
    assert f"Warning: {DEAD_END_LINE}" in dead_end.stderr
    assert "7 distinct tokens possible; 1 warnings" in dead_end.output
