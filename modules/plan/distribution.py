"""Whether a plan keeps the configured shares of each layer: a Pearson chi-squared test per
layer and the value that strays most, for the run report. Pure arithmetic."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# One value of a layer: its name (None when the layer is absent), its configured probability
# (or any non-negative weight: a layer's weights are normalised) and its planned count.
Cell = tuple[str | None, float, int]

# A layer is flagged only when chance is an unlikely explanation AND the shares are visibly off.
P_LIMIT = 0.001
MIN_DEVIATION_POINTS = 2.0
# Pearson's test needs expected counts of about five (Cochran's rule); smaller cells are pooled.
MIN_EXPECTED = 5.0
EPSILON = 1e-15
TINY = 1e-300
MAX_TERMS = 100_000


@dataclass(frozen=True)
class Fit:
    """Goodness of fit of one layer's planned counts, and the value furthest off in points."""

    statistic: float
    dof: int
    p_value: float
    worst_value: str | None  # None: the layer being absent
    configured_percent: float
    planned_percent: float

    @property
    def deviation_points(self) -> float:
        return abs(self.planned_percent - self.configured_percent)

    @property
    def drifted(self) -> bool:
        """p < 0.001 and 2 points off: at large N a 0.3-point wobble is significant yet harmless,
        and at small N a 5-point swing can be chance; only both together mean a real pull."""
        return self.p_value < P_LIMIT and self.deviation_points >= MIN_DEVIATION_POINTS


@dataclass(frozen=True)
class LayerDrift:
    """A layer whose planned shares stray from the configured ones, for the report."""

    layer: str
    p_value: float
    worst_value: str | None  # None: the layer being absent
    configured_percent: float
    planned_percent: float


def regularized_upper_gamma(a: float, x: float) -> float:
    """Q(a, x) = Gamma(a, x) / Gamma(a): a series below x = a + 1, a continued fraction above."""
    if a <= 0 or x < 0 or math.isnan(x):
        msg = f"Q(a, x) needs a > 0 and x >= 0, not a={a}, x={x}"
        raise ValueError(msg)
    if x == 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    log_prefactor = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        return 1.0 - _lower_series(a, x) * math.exp(log_prefactor)
    return _upper_fraction(a, x) * math.exp(log_prefactor)


def _lower_series(a: float, x: float) -> float:
    """sum x^n / (a (a+1) ... (a+n)), so that P(a, x) = x^a e^-x / Gamma(a) times it."""
    term = total = 1.0 / a
    for n in range(1, MAX_TERMS):
        term *= x / (a + n)
        total += term
        if term < total * EPSILON:
            return total
    msg = f"the gamma series did not converge for a={a}, x={x}"
    raise ArithmeticError(msg)


def _upper_fraction(a: float, x: float) -> float:
    """Legendre's continued fraction for Gamma(a, x) e^x x^-a, by the modified Lentz method."""
    b = x + 1.0 - a
    c = 1.0 / TINY
    d = 1.0 / b
    h = d
    for i in range(1, MAX_TERMS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = 1.0 / (d if abs(d) > TINY else TINY)
        c = b + an / c
        c = c if abs(c) > TINY else TINY
        h *= d * c
        if abs(d * c - 1.0) < EPSILON:
            return h
    msg = f"the gamma continued fraction did not converge for a={a}, x={x}"
    raise ArithmeticError(msg)


def chi_square_p_value(statistic: float, dof: int) -> float:
    """The chance that chi-squared with `dof` degrees of freedom is at least `statistic`."""
    return regularized_upper_gamma(dof / 2.0, statistic / 2.0)


def goodness_of_fit(cells: Sequence[Cell]) -> Fit | None:
    """Pearson's test of planned counts against configured shares; None when there is nothing
    to judge: no tokens, one value, or expected counts under 5 for most values (N too small)."""
    _check(cells)
    weight = sum(probability for _, probability, _ in cells)
    total = sum(count for _, _, count in cells)
    if total == 0 or weight == 0:
        return None
    expected = [total * probability / weight for _, probability, _ in cells]
    observed = [count for _, _, count in cells]
    if sum(e < MIN_EXPECTED for e in expected) * 2 > len(cells):
        return None
    worst = max(range(len(cells)), key=lambda i: abs(observed[i] - expected[i]))
    planned, configured = (100 * observed[worst] / total, 100 * expected[worst] / total)
    if any(e == 0 and o > 0 for e, o in zip(expected, observed, strict=True)):
        return Fit(math.inf, len(cells) - 1, 0.0, cells[worst][0], configured, planned)
    pooled = _pooled(expected, observed)
    if len(pooled) < 2:
        return None
    statistic = sum((o - e) ** 2 / e for e, o in pooled)
    p_value = chi_square_p_value(statistic, len(pooled) - 1)
    return Fit(statistic, len(pooled) - 1, p_value, cells[worst][0], configured, planned)


def _check(cells: Sequence[Cell]) -> None:
    for value, probability, count in cells:
        if not probability >= 0 or count < 0 or math.isinf(probability):
            msg = f"value {value!r}: probability {probability} and count {count} must be >= 0"
            raise ValueError(msg)


def _pooled(expected: list[float], observed: list[int]) -> list[tuple[float, int]]:
    """The cells expecting 5 or more, and one cell holding the rest; a rest still under 5 joins
    the smallest large cell. Empty cells (expected 0, observed 0) drop out."""
    large = sorted(
        ((e, o) for e, o in zip(expected, observed, strict=True) if e >= MIN_EXPECTED),
        key=lambda cell: cell[0],
    )
    rest = [(e, o) for e, o in zip(expected, observed, strict=True) if e < MIN_EXPECTED]
    rest_expected = sum(e for e, _ in rest)
    rest_observed = sum(o for _, o in rest)
    if rest_expected >= MIN_EXPECTED or not large:
        return [*large, (rest_expected, rest_observed)] if rest_expected > 0 else large
    smallest_expected, smallest_observed = large[0]
    return [(smallest_expected + rest_expected, smallest_observed + rest_observed), *large[1:]]


def drifted_layers(layers: Mapping[str, Sequence[Cell]]) -> list[LayerDrift]:
    """The layers (in the mapping's order) whose planned shares have drifted (Fit.drifted)."""
    drifts = []
    for layer, cells in layers.items():
        fit = goodness_of_fit(cells)
        if fit is not None and fit.drifted:
            drifts.append(
                LayerDrift(
                    layer, fit.p_value, fit.worst_value, fit.configured_percent, fit.planned_percent
                )
            )
    return drifts


def drift_lines(drifts: Sequence[LayerDrift]) -> list[str]:
    """One report line per drifted layer: what strays, by how much, and what would help."""
    return [_line(drift) for drift in drifts]


def _line(drift: LayerDrift) -> str:
    chance = "p < 0.001" if drift.p_value < P_LIMIT else f"p = {drift.p_value:.3f}"
    shares = f"{drift.planned_percent:.1f} % of tokens instead of {drift.configured_percent:.1f} %"
    if drift.worst_value is None:
        worst = f"{drift.layer} is absent from {shares}"
    else:
        worst = f"'{drift.worst_value}' is on {shares}"
    return (
        f"{drift.layer}: planned shares differ from the configured ones by more than chance "
        f"({chance}); {worst}. Uniqueness, rules or limits pull the draw away: add options, "
        "relax ruler.json, max_similar_combinations or min_trait_difference, or lower -n."
    )
