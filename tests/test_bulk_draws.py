"""Bulk planning (modules/plan/bulk_draws.py): numpy's copy of Python's random() stream, and
plans, redraw counts and RNG states identical to the planner's draws one by one."""

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modules.plan.bulk_draws import bulk_drawable, next_doubles, skip_doubles
from modules.plan.capacity import capacity
from modules.plan.layout import LayoutPlanner, TokenLayout
from modules.plan.one_of_ones import marker
from modules.plan.selection import ABSENT
from modules.plan.trait_tracker import TraitTracker, value_counts
from tests.plan_helpers import make_model, rule


@given(st.integers(0, 2**32), st.integers(0, 700), st.integers(1, 2000))
@settings(max_examples=30, deadline=None)
def test_the_doubles_are_the_ones_random_gives(seed, used, count):
    rng = random.Random(seed)
    for _ in range(used):  # any position within the twister's 624-word block
        rng.random()
    before = rng.getstate()
    doubles = next_doubles(rng, count)
    assert rng.getstate() == before
    assert doubles.tolist() == [rng.random() for _ in range(count)]
    reference = rng.getstate()
    rng.setstate(before)
    skip_doubles(rng, count)
    assert rng.getstate() == reference


def _plans(model, layout, seed, count, attempts):
    """The same plan twice: by extend (bulk where it can) and by next_combo one by one."""
    results = []
    for bulk in (True, False):
        tracker = TraitTracker(model.priority, model.similar_limit, model.min_difference)
        rng = random.Random(seed)
        planner = LayoutPlanner([model], layout, rng, tracker, attempts)
        if bulk:
            planner.extend(count)
        else:
            for _ in range(count):
                planner.next_combo()
        results.append((list(tracker.combos), rng.getstate(), dict(planner.failures)))
    return results


layer_shapes = st.lists(
    st.tuples(st.lists(st.integers(1, 5), min_size=1, max_size=5), st.integers(1, 5)),
    min_size=1,
    max_size=4,
)


@given(layer_shapes, st.integers(0, 99), st.data())
@settings(max_examples=40, deadline=None)
def test_bulk_plans_are_the_plans_drawn_one_by_one(shapes, seed, data):
    model = make_model([w for w, _ in shapes], [p for _, p in shapes])
    assert bulk_drawable(model)
    total = capacity(model).count
    count = data.draw(st.integers(0, total), label="count")
    ones = data.draw(st.sets(st.integers(1, max(count, 1)), max_size=3), label="1-of-1 ids")
    layout = TokenLayout(one_of_ones={token_id: i for i, token_id in enumerate(sorted(ones))})
    attempts = (data.draw(st.integers(1, 60), label="max_attempts"), 10)
    bulk, one_by_one = _plans(model, layout, seed, min(count + len(ones), total), attempts)
    assert bulk == one_by_one


@st.composite
def ruled_models(draw):
    """2-4 layers of 2-4 options with 1-3 rules that each exclude one option for one other."""
    count = draw(st.integers(2, 4))
    weights = [draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)) for _ in range(count)]
    presence = [draw(st.sampled_from([2, 3, 5, 5])) for _ in range(count)]
    rules = []
    for _ in range(draw(st.integers(1, 3))):
        a, b = draw(st.permutations(range(count)))[:2]
        option, excluded = (draw(st.integers(0, len(weights[i]) - 1)) for i in (a, b))
        rules.append(rule(a, [option], b, [excluded]))
    return make_model(weights, presence, rules)


@given(ruled_models(), st.integers(0, 99), st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
def test_bulk_plans_with_rules_are_the_plans_drawn_one_by_one(model, seed, data):
    assume(bulk_drawable(model))
    count = data.draw(st.integers(0, capacity(model).count), label="count")
    attempts = (data.draw(st.integers(1, 60), label="max_attempts"), 10)
    bulk, one_by_one = _plans(model, TokenLayout(), seed, count, attempts)
    assert bulk == one_by_one


def test_rules_that_can_empty_a_layer_or_require_one_leave_it_to_the_planner():
    weights = [[1, 1], [1, 1]]
    assert bulk_drawable(make_model(weights, rules=[rule(0, [0], 1, [1])]))
    assert not bulk_drawable(make_model(weights, rules=[rule(0, [0], 1, [0, 1])]))
    assert not bulk_drawable(make_model(weights, [5, 3], rules=[rule(0, [0], 1, [ABSENT])]))


@pytest.mark.parametrize("presence", [5, 3])
def test_a_large_plan_over_many_chunks_is_the_one_drawn_one_by_one(presence):
    model = make_model([[1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]] * 6, [5, presence] * 3)
    bulk, one_by_one = _plans(model, TokenLayout(), 11, 30_000, (100, 10))
    assert bulk == one_by_one
    assert bulk[2]["duplicate"] > 0  # the run met duplicates, so the redraw count is checked


def test_a_model_with_priority_layers_is_not_bulk_drawable():
    assert not bulk_drawable(make_model([[1, 1], [1, 1]], priority=[0], max_similar=2))


def test_value_counts_count_every_value_of_every_layer():
    model = make_model([[1, 2, 3], [5, 1]], [5, 2])
    tracker = TraitTracker((), None)
    LayoutPlanner([model], TokenLayout(), random.Random(4), tracker, (50, 10)).extend(8)
    combos = [*tracker.combos, marker(0, 2)]
    expected = [Counter(combo[layer] for combo in combos) for layer in range(2)]
    assert value_counts(combos, 2) == expected
    assert value_counts([], 2) == value_counts(TraitTracker((), None).combos, 2) == [Counter()] * 2
    assert value_counts(tracker.combos, 2) == [
        Counter(combo[layer] for combo in tracker.combos) for layer in range(2)
    ]
