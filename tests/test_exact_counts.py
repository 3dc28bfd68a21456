"""Exact counts: met exactly with rules and uniqueness, spread over ids, refused with reasons."""

import dataclasses
import random
from collections import Counter
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modules.errors import CapacityError
from modules.load.spec import CollectionSpec
from modules.plan.counted import CountedPlanner
from modules.plan.counted_plan import SHORT_REPAIR_VISITS, plan_counted
from modules.plan.quotas import quota_problems, quotas_from_spec
from modules.plan.selection import ABSENT, model_from_spec
from tests.plan_helpers import (
    broken_rules,
    make_planner,
    make_spec,
    priority_key,
    reference_capacity,
    rule,
    specs,
)


def with_counts(spec: CollectionSpec, counts: dict[tuple[int, int], int]) -> CollectionSpec:
    """The spec with `count` on (layer, option) and `absent_count` on (layer, ABSENT)."""
    layers = list(spec.layers)
    for (layer, value), count in counts.items():
        if value == ABSENT:
            layers[layer] = dataclasses.replace(layers[layer], absent_count=count)
            continue
        options = list(layers[layer].options)
        options[value] = dataclasses.replace(options[value], count=count)
        layers[layer] = dataclasses.replace(layers[layer], options=tuple(options))
    return dataclasses.replace(spec, layers=tuple(layers))


def plan(spec: CollectionSpec, tokens: int, seed: int = 0) -> list[tuple[int, ...]]:
    model = model_from_spec(spec)
    quotas = quotas_from_spec(spec)
    problems = quota_problems(spec, model, quotas, tokens)
    if problems:
        raise CapacityError(*problems)
    return plan_counted(spec, [model] * tokens, quotas, random.Random(seed))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), data=st.data())
def test_counts_taken_from_a_real_collection_are_met_exactly(spec, data):
    """Counts read off a valid collection are feasible by construction, so the planner must
    meet them exactly, with every rule and the priority limit kept and no combination twice."""
    capacity = reference_capacity(spec)
    if capacity == 0:
        return
    tokens = data.draw(st.integers(1, min(capacity, 40)))
    reference = make_planner(model_from_spec(spec), data.draw(st.integers(0, 99))).plan(tokens)
    held = Counter((layer, value) for combo in reference for layer, value in enumerate(combo))
    chosen = data.draw(st.sets(st.sampled_from(sorted(held)), max_size=4))
    counts = {key: held[key] for key in chosen}
    combos = plan(with_counts(spec, counts), tokens, data.draw(st.integers(0, 99)))
    assert len(combos) == len(set(combos)) == tokens
    got = Counter((layer, value) for combo in combos for layer, value in enumerate(combo))
    assert {key: got[key] for key in counts} == counts
    assert not [c for c in combos if broken_rules(spec, dict(enumerate(c)))]
    if spec.priority_layers:
        keys = Counter(priority_key(spec, combo) for combo in combos)
        assert max(keys.values()) <= spec.max_similar


def test_counts_spread_over_ids_by_the_seed():
    spec = with_counts(make_spec([[1] * 6] * 4, rules=[rule(0, [0], 1, [1, 2])]), {(0, 0): 100})
    combos = plan(spec, 1000, seed=3)
    ids = [i for i, combo in enumerate(combos) if combo[0] == 0]
    assert len(ids) == 100
    assert 35 <= sum(i < 500 for i in ids) <= 65  # not clustered at either end
    assert plan(spec, 1000, seed=3) == combos
    assert plan(spec, 1000, seed=4) != combos


def test_weighted_layers_mix_with_counted_ones():
    spec = with_counts(make_spec([[1, 1, 1], [5, 1], [1] * 6]), {(0, 2): 7, (0, 1): 3})
    combos = plan(spec, 20)
    assert Counter(c[0] for c in combos) == {2: 7, 1: 3, 0: 10}
    assert Counter(c[1] for c in combos)[0] > Counter(c[1] for c in combos)[1]


def test_counts_above_the_tokens_are_refused_by_how_much():
    spec = with_counts(make_spec([[1, 1], [1, 1, 1]]), {(0, 0): 5, (0, 1): 4})
    with pytest.raises(CapacityError) as error:
        plan(spec, 6)
    assert str(error.value) == (
        "L0: the counts add up to 9 but -n gives 6 generated tokens; lower them by 3 or raise "
        "-n to 9"
    )


def test_fully_counted_layer_short_of_the_tokens_is_refused():
    spec = with_counts(make_spec([[1, 1], [1, 1, 1]]), {(0, 0): 2, (0, 1): 1})
    with pytest.raises(CapacityError, match=r"L0: the counts add up to 3 of 5 .* add 2 to the"):
        plan(spec, 5)


def test_a_count_above_what_the_rules_leave_is_refused():
    spec = with_counts(make_spec([[1, 1], [1, 1, 1]], rules=[rule(0, [0], 1, [0, 1])]), {(0, 0): 2})
    with pytest.raises(CapacityError) as error:
        plan(spec, 4)
    assert str(error.value) == (
        "L0 'L0o0': count 2 but only 1 distinct tokens can carry it under the rules; lower it by 1"
    )


def test_a_count_its_partners_cannot_supply_is_refused_by_how_much():
    # L0o0 may only appear with L1o0, which is counted 3 times: 5 tokens cannot all have it
    spec = make_spec([[1, 1], [1, 1, 1], [1] * 6], rules=[rule(0, [0], 1, [1, 2])])
    spec = with_counts(spec, {(0, 0): 5, (1, 0): 3})
    with pytest.raises(CapacityError) as error:
        plan(spec, 12)
    assert str(error.value) == (
        "L0 'L0o0': count 5 but the rules let it appear only with 'L1o0' of L1, which 3 tokens "
        "can carry by their counts; 2 short: relax ruler.json or the counts"
    )


def test_infeasible_counts_the_checks_miss_are_proved_so_by_the_exact_search():
    # both tokens must be L0o1 (L0o0 is counted 0) and L1o1: one combination, twice; each
    # count alone fits, so only the search over whole collections can tell
    spec = with_counts(make_spec([[1, 1], [1, 1]]), {(0, 0): 0, (1, 0): 0, (1, 1): 2})
    with pytest.raises(CapacityError) as error:
        plan(spec, 2)
    assert str(error.value) == (
        "no 2 distinct tokens meet these counts together with the rules and limits (searched "
        "exhaustively); relax the counts or rules, or change -n"
    )


def test_a_rest_its_uncounted_values_cannot_carry_is_refused():
    # L0o1 and L0o2 are counted; the other 10 tokens all need L0o0, which only 6 tokens can carry
    spec = with_counts(make_spec([[1, 1, 1], [1, 1, 1, 1, 1, 1]]), {(0, 1): 5, (0, 2): 5})
    with pytest.raises(CapacityError) as error:
        plan(spec, 20)
    assert str(error.value) == (
        "L0: its counts leave 10 tokens to its other values, but only 6 distinct tokens can "
        "carry those under the rules; raise the counts by 4 or lower -n"
    )


def test_counts_hold_together_with_a_similarity_floor():
    spec = make_spec([[1] * 5, [1] * 5, [2, 1, 1, 1, 1], [1] * 4], rules=[rule(0, [0], 1, [1])])
    spec = dataclasses.replace(spec, min_trait_difference=2)
    spec = with_counts(spec, {(0, 0): 12, (2, 0): 10, (3, 3): 5})
    combos = plan(spec, 60, seed=2)
    got = Counter((layer, value) for combo in combos for layer, value in enumerate(combo))
    assert (got[(0, 0)], got[(2, 0)], got[(3, 3)]) == (12, 10, 5)
    for a, b in combinations(combos, 2):
        assert sum(x != y for x, y in zip(a, b, strict=True)) >= 2
    assert not [c for c in combos if broken_rules(spec, dict(enumerate(c)))]


def test_a_small_collection_the_repair_does_not_settle_soon_goes_to_the_exact_search(
    monkeypatch,
):
    """Here the repair cannot meet the counts; the exact search settles 10 tokens at once, so
    the repair must not spend its full budget (seconds) first."""
    rules = [rule(2, [2], 0, [0, 1, 2]), rule(1, [0], 0, [0, 1, 2])]
    counts = {(0, 1): 2, (1, 0): 3, (1, ABSENT): 7, (0, 2): 2}
    spec = with_counts(make_spec([[2, 2, 4], [2], [3, 4, 4]], [2, 3, 5], rules=rules), counts)
    visits = []
    mend = CountedPlanner._mend
    monkeypatch.setattr(
        CountedPlanner, "_mend", lambda self, token: visits.append(token) or mend(self, token)
    )
    combos = plan(spec, 10, seed=2)
    assert len(combos) == len(set(combos)) == 10
    got = Counter((layer, value) for combo in combos for layer, value in enumerate(combo))
    assert {key: got[key] for key in counts} == counts
    assert 0 < len(visits) <= SHORT_REPAIR_VISITS
