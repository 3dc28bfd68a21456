"""Honest distribution: the chi-squared p-value is exact to 1e-9, an unbiased plan is not
flagged, a pulled one is, with the value that strays most and a line a creator can act on."""

import bisect
import itertools
import math
import random
from collections import Counter
from collections.abc import Sequence

import pytest

from modules.plan.distribution import (
    Cell,
    LayerDrift,
    chi_square_p_value,
    drift_lines,
    drifted_layers,
    goodness_of_fit,
    regularized_upper_gamma,
)

RELATIVE = 1e-9

# (degrees of freedom, statistic, upper tail) computed independently with mpmath at 40 digits:
# mpmath.gammainc(dof / 2, statistic / 2, regularized=True).
MPMATH_VALUES = [
    (1, 1e-09, 0.999974768674784),
    (1, 0.5, 0.4795001221869535),
    (1, 3.841458820694124, 0.05000000000000006),
    (1, 10.827566170662733, 0.0009999999999999996),
    (1, 100, 1.523970604832105e-23),
    (1, 1000, 1.7958327848007262e-219),
    (1, 1370, 6.942937364643268e-300),
    (2, 0.001, 0.9995001249791693),
    (3, 7.814727903251178, 0.05000000000000004),
    (3, 16.26623619623813, 0.0010000000000000009),
    (3, 1300, 1.4717437106980104e-281),
    (4, 9.487729036781154, 0.05000000000000006),
    (5, 0.1, 0.9998376833880774),
    (5, 20.515005652432873, 0.0010000000000000026),
    (7, 3, 0.8850022316431506),
    (10, 10, 0.4404932850652124),
    (10, 29.58829844507442, 0.000999999999999999),
    (17, 40, 0.0012941985337428974),
    (25, 24, 0.5193735712784872),
    (50, 49, 0.5134950836412907),
    (50, 86.66082, 0.0009999988695732049),
    (64, 200, 6.515867561572111e-16),
    (99, 101, 0.4252386445229945),
    (100, 100, 0.48119168452795674),
    (100, 149.4493, 0.0009999913656598173),
    (101, 50, 0.9999951615276641),
    (150, 300, 4.539824381475649e-12),
    (200, 1000, 1.5008794119250894e-106),
    (250, 251, 0.470317444710165),
    (333, 999, 1.0177512284015113e-67),
    (400, 2000, 1.6065441803414137e-210),
    (499, 503.99, 0.4291574278148073),
    (499, 1497, 2.683539206031632e-100),
    (500, 0.001, 1.0),
    (500, 250, 1.0),
    (500, 500, 0.491589373031009),
    (500, 563.8516, 0.024999879434484153),
    (500, 2500, 1.7669032386530138e-262),
]


@pytest.mark.parametrize(("dof", "statistic", "expected"), MPMATH_VALUES)
def test_p_values_match_mpmath(dof, statistic, expected):
    assert chi_square_p_value(statistic, dof) == pytest.approx(expected, rel=RELATIVE)


def log_sum_exp(logs: list[float]) -> float:
    top = max(logs)
    return math.exp(top) * math.fsum(math.exp(v - top) for v in logs) if top > -math.inf else 0.0


def closed_form(dof: int, statistic: float) -> float:
    """Q(dof/2, x/2) by its finite sums: e^-x sum x^i / i! for even dof, erfc plus a sum for odd."""
    x = statistic / 2
    if dof % 2 == 0:
        return log_sum_exp([i * math.log(x) - x - math.lgamma(i + 1) for i in range(dof // 2)])
    logs = [(i - 0.5) * math.log(x) - x - math.lgamma(i + 0.5) for i in range(1, dof // 2 + 1)]
    return math.erfc(math.sqrt(x)) + (log_sum_exp(logs) if logs else 0.0)


@pytest.mark.parametrize("statistic", [0.01, 0.7, 3.0, 10.828, 42.0, 250.0, 1200.0])
def test_dof_two_is_exp_of_minus_half_the_statistic(statistic):
    assert chi_square_p_value(statistic, 2) == pytest.approx(math.exp(-statistic / 2), rel=RELATIVE)


def test_every_dof_up_to_500_matches_the_closed_form():
    for dof in range(1, 501):
        for factor in (0.2, 0.8, 1.0, 1.3, 2.5):
            statistic = factor * dof + (0.5 if dof < 10 else 0.0)
            expected = closed_form(dof, statistic)
            assert chi_square_p_value(statistic, dof) == pytest.approx(expected, rel=RELATIVE), (
                dof,
                statistic,
            )


def test_p_values_match_scipy_where_it_is_installed():
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(7)
    for _ in range(2000):
        dof = rng.randint(1, 500)
        statistic = rng.choice([rng.uniform(0, 3 * dof), rng.uniform(0, 1e6)])
        expected = float(stats.chi2.sf(statistic, dof))
        if expected > 1e-290:
            assert chi_square_p_value(statistic, dof) == pytest.approx(expected, rel=RELATIVE)


def test_gamma_edges():
    assert regularized_upper_gamma(3.0, 0.0) == 1.0
    assert regularized_upper_gamma(3.0, math.inf) == 0.0
    assert chi_square_p_value(1e6, 1) == 0.0  # below the smallest float, not an error
    assert chi_square_p_value(1e4, 20) == 0.0
    with pytest.raises(ValueError, match="a > 0"):
        regularized_upper_gamma(0.0, 1.0)
    with pytest.raises(ValueError, match="x >= 0"):
        regularized_upper_gamma(1.0, -1.0)


def test_chi_square_by_hand():
    # expected 25, 25, 50: (5^2 + 5^2) / 25 = 2 with 2 dof, so p = e^-1
    fit = goodness_of_fit([("A", 0.25, 30), ("B", 0.25, 20), ("C", 0.5, 50)])
    assert fit is not None
    assert (fit.statistic, fit.dof) == (2.0, 2)
    assert fit.p_value == pytest.approx(math.exp(-1), rel=RELATIVE)


def test_a_coin_by_hand_with_weights_instead_of_probabilities():
    # 60 of 100 heads: (10^2 / 50) * 2 = 4 with 1 dof, p = erfc(sqrt(2))
    fit = goodness_of_fit([("Heads", 3, 60), ("Tails", 3, 40)])
    assert fit is not None
    assert fit.statistic == pytest.approx(4.0)
    assert fit.p_value == pytest.approx(math.erfc(math.sqrt(2)), rel=RELATIVE)
    assert (fit.worst_value, fit.configured_percent, fit.planned_percent) == ("Heads", 50, 60)


def test_cells_expecting_under_five_are_pooled():
    # expected 40, 30, 20 and 4 + 3 + 3 = 10 pooled: (5^2 / 40) + (5^2 / 10) = 3.125, 3 dof
    cells = [("A", 0.4, 35), ("B", 0.3, 30), ("C", 0.2, 20), ("D", 0.04, 7), ("E", 0.03, 5)]
    fit = goodness_of_fit([*cells, ("F", 0.03, 3)])
    assert fit is not None
    assert (fit.statistic, fit.dof) == (pytest.approx(3.125), 3)
    assert fit.worst_value == "A"  # the deviation is judged on the values themselves


def test_a_pool_still_under_five_joins_the_smallest_large_cell():
    # expected 60, 30, 6 and 2 + 2: the pool (4) joins the 6: cells 10, 30, 60
    cells = [("A", 60, 50), ("B", 30, 30), ("C", 6, 12), ("D", 2, 4), ("E", 2, 4)]
    fit = goodness_of_fit(cells)
    assert fit is not None
    assert fit.dof == 2
    assert fit.statistic == pytest.approx(10**2 / 60 + 10**2 / 10)


@pytest.mark.parametrize(
    "cells",
    [
        [],
        [("Only", 1.0, 500)],  # one value: nothing can drift
        [("A", 0.5, 0), ("B", 0.5, 0)],  # no tokens
        [(f"V{i}", 1.0, 2) for i in range(10)],  # 20 tokens over 10 values: N too small
        [("A", 0.9, 90), *((f"V{i}", 0.1 / 6, 2) for i in range(6))],  # most cells under 5
        [("A", 3, 4), ("B", 1, 0)],  # every cell small: pooling leaves one
    ],
)
def test_nothing_to_judge(cells):
    assert goodness_of_fit(cells) is None


def test_an_unplanned_value_with_zero_probability_drops_out():
    cells: list[Cell] = [("A", 0.25, 30), ("B", 0.25, 20), ("C", 0.5, 50)]
    assert goodness_of_fit([*cells, ("Never", 0.0, 0)]) == goodness_of_fit(cells)


def test_a_planned_value_with_zero_probability_is_impossible_by_chance():
    fit = goodness_of_fit([("A", 0.5, 450), ("B", 0.5, 450), ("Never", 0.0, 100)])
    assert fit is not None
    assert (fit.p_value, fit.worst_value, fit.planned_percent) == (0.0, "Never", 10.0)
    assert fit.drifted


@pytest.mark.parametrize("cell", [("A", -0.1, 5), ("A", 0.5, -1), ("A", math.nan, 5)])
def test_negative_or_nan_input_is_refused(cell):
    with pytest.raises(ValueError, match="must be >= 0"):
        goodness_of_fit([cell, ("B", 0.5, 5)])


LAYERS: dict[str, list[tuple[str | None, float]]] = {
    "Background": [("Blue", 0.5), ("Red", 0.2), ("Green", 0.2), ("Gold", 0.1)],
    "Eyes": [(f"E{w}{i}", float(w)) for w in range(1, 6) for i in range(2)],
    "Hat": [("Cap", 0.3), ("Crown", 0.1), ("Beanie", 0.2), (None, 0.4)],
}


def sample(shares: Sequence[tuple[str | None, float]], n: int, rng: random.Random) -> list[Cell]:
    """n weighted draws (rng.random() and bisect, as the planner draws), as cells."""
    cumulative = list(itertools.accumulate(weight for _, weight in shares))
    counts = Counter(
        bisect.bisect_right(cumulative, rng.random() * cumulative[-1]) for _ in range(n)
    )
    return [(value, weight, counts[i]) for i, (value, weight) in enumerate(shares)]


def test_unbiased_plans_are_not_flagged_and_their_p_values_are_uniform():
    fits = []
    for seed in range(200):
        rng = random.Random(seed)
        layers = {name: sample(shares, 2000, rng) for name, shares in LAYERS.items()}
        assert drifted_layers(layers) == [], seed
        fits += [goodness_of_fit(cells) for cells in layers.values()]
    p_values = [fit.p_value for fit in fits if fit is not None]
    assert len(p_values) == 600
    # about 5 % of 600 should fall under 0.05 and 0.6 under 0.001, if the p-values are right
    assert 15 <= sum(p < 0.05 for p in p_values) <= 48
    assert sum(p < 0.001 for p in p_values) <= 4
    assert 0.45 <= sum(p < 0.5 for p in p_values) / 600 <= 0.55


def test_a_pulled_layer_is_flagged_with_its_worst_value():
    configured = [("Laser", 0.2), ("Blue", 0.4), ("Brown", 0.4)]
    pulled = [("Laser", 0.12), ("Blue", 0.44), ("Brown", 0.44)]
    rng = random.Random(1)
    planned = sample(pulled, 2000, rng)
    cells = [(v, p, count) for (v, p), (_, _, count) in zip(configured, planned, strict=True)]
    unbiased = sample(LAYERS["Background"], 2000, rng)
    [drift] = drifted_layers({"Background": unbiased, "Eyes": cells})
    assert (drift.layer, drift.worst_value, drift.configured_percent) == ("Eyes", "Laser", 20.0)
    assert drift.planned_percent == pytest.approx(12.0, abs=1.5)
    assert drift.p_value < 1e-9


def test_a_significant_but_tiny_deviation_at_large_n_is_not_flagged():
    cells: list[Cell] = [("A", 0.5, 510_000), ("B", 0.5, 490_000)]  # 1 point off, p ~ 1e-89
    fit = goodness_of_fit(cells)
    assert fit is not None
    assert fit.p_value < 1e-80
    assert not fit.drifted
    assert drifted_layers({"Eyes": cells}) == []


def test_a_large_but_unproven_deviation_at_small_n_is_not_flagged():
    cells: list[Cell] = [("A", 1, 25), ("B", 1, 15), ("C", 1, 10), ("D", 1, 10)]
    fit = goodness_of_fit(cells)  # chi2 = 10, 3 dof, p = 0.019; A is 16.7 points off
    assert fit is not None
    assert fit.statistic == pytest.approx(10.0)
    assert fit.deviation_points == pytest.approx(100 * 25 / 60 - 25)
    assert not fit.drifted


def test_an_absent_layer_can_be_the_worst_value():
    cells: list[Cell] = [("Cap", 0.3, 350), ("Crown", 0.3, 400), (None, 0.4, 250)]
    [drift] = drifted_layers({"Hat": cells})
    assert drift == LayerDrift("Hat", drift.p_value, None, 40.0, 25.0)


def test_an_option_named_none_is_not_the_absent_layer():
    cells: list[Cell] = [("None", 0.3, 350), ("Crown", 0.3, 400), (None, 0.4, 250)]
    [drift] = drifted_layers({"Hat": cells})
    assert drift.worst_value is None


def test_drift_lines_name_the_layer_the_value_and_the_fix():
    drifts = [
        LayerDrift("Eyes", 1e-12, "Laser", 20.0, 12.04),
        LayerDrift("Hat", 1e-5, None, 40.0, 25.0),
    ]
    assert drift_lines(drifts) == [
        "Eyes: planned shares differ from the configured ones by more than chance "
        "(p < 0.001); 'Laser' is on 12.0 % of tokens instead of 20.0 %. Uniqueness, rules or "
        "limits pull the draw away: add options, relax ruler.json, max_similar_combinations or "
        "min_trait_difference, or lower -n.",
        "Hat: planned shares differ from the configured ones by more than chance "
        "(p < 0.001); Hat is absent from 25.0 % of tokens instead of 40.0 %. Uniqueness, rules "
        "or limits pull the draw away: add options, relax ruler.json, max_similar_combinations "
        "or min_trait_difference, or lower -n.",
    ]
    assert drift_lines([]) == []
