"""Capacity never lies: the planner's complete search plans up to the true capacity and refuses
one more with the true count; the similarity floor holds between every two tokens."""

import dataclasses
import random
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modules.errors import CapacityError
from modules.plan import planner as planner_module
from modules.plan.capacity import Budget, BudgetExceeded, assignments, capacity
from modules.plan.search import FullPrefixes, find_combo
from modules.plan.selection import ABSENT, model_from_spec
from tests.plan_helpers import (
    broken_rules,
    make_planner,
    make_spec,
    reference_capacity,
    rule,
    specs,
)


def no_listing(*args, **kwargs):
    raise BudgetExceeded


def plan_until_refused(planner, most: int) -> tuple[list, str]:
    """Tokens planned before the planner refuses (at most `most` tries), and its refusal."""
    combos = []
    for _ in range(most):
        try:
            combos.append(planner.next_combo())
        except CapacityError as error:
            return combos, str(error)
    return combos, ""


@pytest.fixture
def unlisted(monkeypatch):
    """Every fallback goes to the complete search, as it does when too many combinations
    remain to list them (the same for every example, so one patch serves them all)."""
    monkeypatch.setattr(planner_module, "available_combos", no_listing)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=specs())
def test_complete_search_plans_up_to_capacity_and_refuses_above(unlisted, spec):
    true_count = reference_capacity(spec)
    planner = make_planner(model_from_spec(spec), seed=1, max_attempts=1, max_trait_attempts=1)
    combos = planner.plan(true_count)
    assert len(set(combos)) == true_count
    assert not [c for c in combos if broken_rules(spec, dict(enumerate(c)))]
    with pytest.raises(CapacityError) as error:
        planner.next_combo()
    assert f"only {true_count} distinct tokens are possible" in str(error.value)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=specs(with_priority=False), floor=st.integers(2, 3))
def test_floor_keeps_every_two_tokens_that_many_layers_apart(unlisted, spec, floor):
    layers = len(spec.layers)
    spec = dataclasses.replace(spec, min_trait_difference=min(floor, layers))
    model = model_from_spec(spec)
    bound = capacity(model)
    planner = make_planner(model, seed=2, max_attempts=3, max_trait_attempts=1)
    combos, refusal = plan_until_refused(planner, reference_capacity(spec) + 1)
    assert "differs from each of the" in refusal
    assert not bound.exact
    assert len(combos) <= bound.count
    for a, b in combinations(combos, 2):
        assert sum(x != y for x, y in zip(a, b, strict=True)) >= model.min_difference
    assert not [c for c in combos if broken_rules(spec, dict(enumerate(c)))]


def test_floor_bound_is_the_smallest_layer_subset():
    # 3 layers of 4, 3 and 2 options, floor 2: tokens differ in 2 of 3 layers, so their values
    # on any 2 layers are distinct: at most 3 x 2 = 6 tokens
    spec = dataclasses.replace(make_spec([[1] * 4, [1] * 3, [1] * 2]), min_trait_difference=2)
    assert capacity(model_from_spec(spec)).count == 6


@settings(max_examples=100, deadline=None)
@given(spec=specs(with_priority=False), data=st.data())
def test_rules_on_absence_hold_in_draws_and_capacity(spec, data):
    """Rules whose value is ABSENT (required layers, 'then absent') are kept by the draws, and
    capacity counts exactly the combinations keeping them."""
    optional = [i for i, layer in enumerate(spec.layers) if layer.optional]
    if not optional:
        return
    then_layer = data.draw(st.sampled_from(optional))
    if_layer = data.draw(st.sampled_from([i for i in range(len(spec.layers)) if i != then_layer]))
    options = range(len(spec.layers[if_layer].options))
    forced = rule(
        if_layer, data.draw(st.sets(st.sampled_from(options), min_size=1)), then_layer, [ABSENT]
    )
    spec = dataclasses.replace(spec, rules=(*spec.rules, forced))
    model = model_from_spec(spec)
    true_count = reference_capacity(spec)
    assert capacity(model).count == true_count
    combos = make_planner(model, seed=data.draw(st.integers(0, 9))).plan(true_count)
    assert len(set(combos)) == true_count
    assert not [c for c in combos if broken_rules(spec, dict(enumerate(c)))]


@pytest.mark.parametrize("listing", [True, False], ids=["listed", "searched"])
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=specs(), floor=st.integers(1, 2), data=st.data())
def test_extending_a_plan_equals_planning_it_at_once(monkeypatch, listing, spec, floor, data):
    """Up to the tokens the seed can place: a plan made in two steps from the checkpointed RNG
    and tracker equals one made at once, also on the exhaustive path and with a floor."""
    if not listing:
        monkeypatch.setattr(planner_module, "available_combos", no_listing)
    spec = dataclasses.replace(spec, min_trait_difference=floor)
    model = model_from_spec(spec)
    seed, attempts = data.draw(st.integers(0, 99)), data.draw(st.integers(1, 5))
    direct, _ = plan_until_refused(make_planner(model, seed, attempts, 1), 40)
    first = data.draw(st.integers(0, len(direct)))
    planner = make_planner(model, seed, attempts, 1)
    head = planner.plan(first)
    resumed = make_planner(model, 0, attempts, 1)
    resumed.rng.setstate(planner.rng.getstate())
    resumed.failures = planner.failures.copy()  # the checkpoint keeps them, as make_plan does
    resumed.tracker.restore(head)
    tail, _ = plan_until_refused(resumed, len(direct) - first)
    assert head + tail == direct


@settings(max_examples=100, deadline=None)
@given(spec=specs(with_priority=False), data=st.data())
def test_a_search_finds_the_same_with_or_without_what_earlier_searches_proved(spec, data):
    """The memo of used-up subtrees only saves work: the combination found and the RNG state
    after the search are the same without it, so a resumed plan matches an uninterrupted one."""
    model = model_from_spec(spec)
    combos = [tuple(c[k] for k in range(len(spec.layers))) for c in valid_combos_of(model)]
    taken = set(data.draw(st.sets(st.sampled_from(combos)))) if combos else set()
    earlier, full = set(taken), FullPrefixes()
    find_combo(model, random.Random(0), lambda c: c not in earlier, full=full)
    taken |= set(data.draw(st.sets(st.sampled_from(combos)))) if combos else set()
    seed = data.draw(st.integers(0, 9))
    with_memo, fresh = random.Random(seed), random.Random(seed)
    found = find_combo(model, with_memo, lambda c: c not in taken, full=full)
    assert found == find_combo(model, fresh, lambda c: c not in taken)
    assert with_memo.getstate() == fresh.getstate()
    assert (found is None) == (set(combos) <= taken)


def valid_combos_of(model):
    return [dict(chosen) for chosen in assignments(model, range(model.layer_count), {}, Budget())]
