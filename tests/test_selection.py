"""Selection primitives: weighted draws, rule blocking, conflicts, configured probabilities
(DESIGN.md §3); the planning modules' purity is checked in test_architecture.py."""

import math
import random
from collections import Counter
from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules.plan.selection import (
    ABSENT,
    combo_probability,
    draw_layer,
    model_from_spec,
    weighted_index,
)
from tests.plan_helpers import (
    broken_rules,
    domain,
    forbidden_pairs,
    full_product,
    make_model,
    rule,
    specs,
)


@pytest.mark.parametrize("weights", [[1, 2, 3, 4, 5], [5, 1], [1, 1, 1], [3], [1, 5, 1, 5, 2]])
def test_weighted_index_frequencies_follow_weights(weights):
    rng = random.Random(20240601)
    draws = 100_000
    counts = Counter(weighted_index(rng, list(accumulate(weights))) for _ in range(draws))
    assert set(counts) <= set(range(len(weights)))
    total = sum(weights)
    for i, w in enumerate(weights):
        p = w / total
        sd = math.sqrt(draws * p * (1 - p))
        assert abs(counts[i] - draws * p) <= 5 * sd + 1e-9, (i, counts[i], draws * p)


def test_weighted_index_at_the_edges_of_the_unit_interval():
    class Fixed(random.Random):
        def __init__(self, value):
            super().__init__(0)
            self.value = value

        def random(self):
            return self.value

    cumulative = [1, 3, 6]  # weights 1, 2, 3
    assert weighted_index(Fixed(0.0), cumulative) == 0
    assert weighted_index(Fixed(0.999999), cumulative) == 2
    assert weighted_index(Fixed(1 / 6 + 1e-9), cumulative) == 1
    assert weighted_index(Fixed(1.0), cumulative) == 2  # never out of range


@settings(max_examples=60, deadline=None)
@given(spec=specs(), data=st.data())
def test_draw_layer_never_returns_a_blocked_option(spec, data):
    model = model_from_spec(spec)
    layer = data.draw(st.integers(0, len(spec.layers) - 1), label="layer")
    others = [i for i in range(len(spec.layers)) if i != layer]
    chosen = {i: data.draw(st.sampled_from(domain(spec.layers[i]))) for i in others}
    # the partial assignment itself may break rules; only the drawn layer is under test
    already_broken = len(broken_rules(spec, chosen))
    allowed = [
        v
        for v in range(len(spec.layers[layer].options))
        if len(broken_rules(spec, {**chosen, layer: v})) == already_broken
    ]
    optional = spec.layers[layer].presence < 5
    rng = random.Random(data.draw(st.integers(0, 2**32), label="seed"))
    for _ in range(40):
        value = draw_layer(model, rng, layer, chosen)
        if value is None:
            assert not allowed
            assert not optional
        elif value == ABSENT:
            assert optional
        else:
            assert value in allowed


def test_draw_layer_all_blocked_optional_is_absent_required_is_none():
    whole_layer = [rule(0, [0], 1, [0, 1, 2])]
    optional = make_model([[1, 1], [1, 2, 3]], presence=[5, 3], rules=whole_layer)
    required = make_model([[1, 1], [1, 2, 3]], presence=[5, 5], rules=whole_layer)
    rng = random.Random(7)
    assert {draw_layer(optional, rng, 1, {0: 0}) for _ in range(200)} == {ABSENT}
    assert {draw_layer(required, rng, 1, {0: 0}) for _ in range(200)} == {None}
    # the rule applies in the other direction too: layer 1 drawn first blocks option 0
    assert {draw_layer(required, rng, 0, {1: 2}) for _ in range(200)} == {1}
    # and does not touch the other option
    assert {draw_layer(required, rng, 1, {0: 1}) for _ in range(200)} == {0, 1, 2}


def test_draw_layer_partially_blocked_keeps_relative_weights():
    model = make_model([[1], [1, 1, 2, 6]], rules=[rule(0, [0], 1, [3])])
    rng = random.Random(3)
    draws = 40_000
    counts = Counter(draw_layer(model, rng, 1, {0: 0}) for _ in range(draws))
    assert set(counts) == {0, 1, 2}
    for option, share in ((0, 0.25), (1, 0.25), (2, 0.5)):
        sd = math.sqrt(draws * share * (1 - share))
        assert abs(counts[option] - draws * share) <= 5 * sd


def test_draw_layer_presence_is_a_fifth_per_step():
    rng = random.Random(11)
    draws = 50_000
    for presence in (1, 2, 3, 4):
        model = make_model([[1], [1, 1]], presence=[5, presence])
        absent = sum(draw_layer(model, rng, 1, {}) == ABSENT for _ in range(draws))
        p_absent = 1 - presence / 5
        sd = math.sqrt(draws * p_absent * (1 - p_absent))
        assert abs(absent - draws * p_absent) <= 5 * sd, presence
    always = make_model([[1], [1, 1]])
    assert ABSENT not in {draw_layer(always, rng, 1, {}) for _ in range(2000)}


@settings(max_examples=80, deadline=None)
@given(spec=specs(with_priority=False))
def test_model_conflicts_are_exactly_the_rule_pairs_in_both_directions(spec):
    model = model_from_spec(spec)
    pairs = {
        (layer, option, other, value)
        for (layer, option), table in model.conflicts.items()
        for other, values in table.items()
        for value in values
    }
    assert pairs == forbidden_pairs(spec)
    assert all((c, d, a, b) in pairs for a, b, c, d in pairs)


def test_model_conflicts_symmetric_for_a_one_way_rule():
    model = make_model([[1, 1], [1, 1, 1]], rules=[rule(0, [1], 1, [0, 2])])
    assert model.conflicts[(0, 1)] == {1: frozenset({0, 2})}
    assert model.conflicts[(1, 0)] == {0: frozenset({1})}
    assert model.conflicts[(1, 2)] == {0: frozenset({1})}
    assert (0, 0) not in model.conflicts
    assert (1, 1) not in model.conflicts
    assert not model.compatible(1, 2, {0: 1})
    assert not model.compatible(0, 1, {1: 0})
    assert model.compatible(0, 1, {1: 1})


@settings(max_examples=60, deadline=None)
@given(spec=specs(with_rules=False, with_priority=False))
def test_combo_probability_sums_to_one_over_the_full_product(spec):
    model = model_from_spec(spec)
    probabilities = [combo_probability(model, c) for c in full_product(spec)]
    assert all(p > 0 for p in probabilities)
    assert math.isclose(sum(probabilities), 1.0, rel_tol=1e-9)


def test_combo_probability_is_presence_times_weight_share():
    model = make_model([[1, 3], [2, 2, 4]], presence=[5, 2])
    assert math.isclose(combo_probability(model, (1, 2)), (3 / 4) * (2 / 5) * (4 / 8))
    assert math.isclose(combo_probability(model, (0, ABSENT)), (1 / 4) * (3 / 5))
