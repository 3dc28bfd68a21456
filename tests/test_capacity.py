"""capacity() against a brute-force count over the full product (DESIGN.md §3)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from modules.plan.capacity import (
    Budget,
    assignments,
    capacity,
    count_completions,
    count_completions_upto,
)
from modules.plan.selection import ABSENT, model_from_spec
from tests.plan_helpers import (
    full_product,
    make_model,
    make_spec,
    reference_capacity,
    rule,
    specs,
    valid_combos,
)


@settings(max_examples=300, deadline=None)
@given(spec=specs())
def test_capacity_equals_brute_force(spec):
    result = capacity(model_from_spec(spec))
    assert result.exact
    assert result.count == reference_capacity(spec)


@settings(max_examples=100, deadline=None)
@given(spec=specs())
def test_tiny_budget_gives_an_upper_bound(spec):
    result = capacity(model_from_spec(spec), Budget(nodes=1))
    assert not result.exact
    assert result.count >= reference_capacity(spec)
    assert result.count <= len(full_product(spec))


def test_budget_is_shared_and_spent():
    model = make_model([[1] * 4] * 3, rules=[rule(0, [0], 1, [0]), rule(1, [1], 2, [1])])
    budget = Budget(nodes=10_000)
    assert capacity(model, budget).exact
    assert 0 < budget.nodes < 10_000


def test_upper_bound_respects_the_priority_limit():
    # 2 priority values x max_similar 3 = 6, far below the 2 * 50 full product
    spec = make_spec([[1, 1], [1] * 50], priority=[0], max_similar=3)
    assert reference_capacity(spec) == 6
    assert capacity(model_from_spec(spec)).count == 6
    bound = capacity(model_from_spec(spec), Budget(nodes=1))
    assert not bound.exact
    assert 6 <= bound.count <= 100


def test_unsatisfiable_model_has_zero_capacity():
    # every option of a required layer excludes every option of another required layer
    spec = make_spec([[1, 1], [1, 1, 1]], rules=[rule(0, [0, 1], 1, [0, 1, 2])])
    assert reference_capacity(spec) == 0
    assert capacity(model_from_spec(spec)).count == 0


def test_optional_layer_turns_a_dead_end_into_absent():
    spec = make_spec([[1, 1], [1, 1, 1]], presence=[5, 2], rules=[rule(0, [0, 1], 1, [0, 1, 2])])
    assert capacity(model_from_spec(spec)).count == reference_capacity(spec) == 2


def test_count_completions_multiplies_independent_components():
    # layers {0, 1} and {2, 3} are linked by rules; the two groups share none
    spec = make_spec(
        [[1, 1, 1], [1, 1], [1, 1, 1, 1], [1, 1, 1]],
        presence=[5, 3, 5, 5],
        rules=[rule(0, [0], 1, [0, 1]), rule(2, [1, 2], 3, [0])],
    )
    model = model_from_spec(spec)
    valid = valid_combos(spec)
    left = {c[:2] for c in valid}
    right = {c[2:] for c in valid}
    assert len(valid) == len(left) * len(right)
    assert count_completions(model, {}, range(4), Budget()) == len(valid)
    assert count_completions(model, {}, [0, 1], Budget()) == len(left)
    assert count_completions(model, {}, [2, 3], Budget()) == len(right)


def test_count_completions_counts_components_separately_within_the_budget():
    # 6 unlinked layers of 8 options: 8**6 assignments, but only 6 * 8 nodes to visit
    model = make_model([[1] * 8] * 6)
    budget = Budget(nodes=100)
    assert count_completions(model, {}, range(6), budget) == 8**6
    assert budget.nodes == 100 - 6 * 8


@settings(max_examples=100, deadline=None)
@given(spec=specs(with_priority=False))
def test_count_completions_with_fixed_values(spec):
    model = model_from_spec(spec)
    valid = valid_combos(spec)
    layers = range(1, len(spec.layers))
    for value in range(len(spec.layers[0].options)):
        expected = sum(1 for c in valid if c[0] == value)
        assert count_completions(model, {0: value}, layers, Budget()) == expected


@settings(max_examples=100, deadline=None)
@given(spec=specs(with_priority=False))
def test_assignments_enumerate_exactly_the_valid_combos(spec):
    model = model_from_spec(spec)
    order = range(len(spec.layers))
    found = [tuple(a[i] for i in order) for a in assignments(model, order, {}, Budget())]
    assert len(found) == len(set(found))
    assert sorted(found) == sorted(valid_combos(spec))


def test_brute_force_reference_sanity():
    # the reference itself, on a case small enough to count by hand:
    # A in {0, 1}, B in {0, 1, absent}; rule A=0 excludes B=1 -> 6 - 1 = 5 combos
    spec = make_spec([[1, 1], [1, 1]], presence=[5, 3], rules=[rule(0, [0], 1, [1])])
    assert sorted(valid_combos(spec)) == [(0, ABSENT), (0, 0), (1, ABSENT), (1, 0), (1, 1)]
    assert reference_capacity(spec) == 5
    limited = make_spec([[1, 1], [1, 1]], presence=[5, 3], priority=[0], max_similar=2)
    assert reference_capacity(limited) == 4
    assert len(full_product(limited)) == 2 * 3


@settings(max_examples=100, deadline=None)
@given(spec=specs(with_priority=False), cap=st.integers(1, 20))
def test_count_completions_upto_is_the_count_capped(spec, cap):
    model = model_from_spec(spec)
    layers = range(model.layer_count)
    exact = count_completions(model, {}, layers, Budget())
    assert count_completions_upto(model, {}, layers, cap, Budget()) == min(exact, cap)
