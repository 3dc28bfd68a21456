"""Builders for in-memory specs and models, plus brute-force references for the plan tests.

The references work from the CollectionSpec (its layers and rules), never from the
SelectionModel or modules.plan.capacity, so they check those modules rather than repeat them.
"""

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import product
from pathlib import Path

from hypothesis import strategies as st

from modules.load.spec import CollectionSpec, Layer, MetadataSettings, Part, Rule, TraitOption
from modules.plan.planner import Planner
from modules.plan.selection import ABSENT, SelectionModel, model_from_spec
from modules.plan.trait_tracker import TraitTracker

MAX_PRESENCE = 5
METADATA = MetadataSettings("x", "", "{name} #{id}", None, "ipfs://cid/")


def make_layer(index: int, weights: Sequence[int], presence: int = MAX_PRESENCE) -> Layer:
    options = tuple(
        TraitOption(f"L{index}o{i}", (Part(Path(f"L{index}o{i}.png")),), weight)
        for i, weight in enumerate(weights)
    )
    return Layer(f"L{index}", options, presence)


def rule(if_layer: int, if_options: Iterable[int], then_layer: int, excluded: Iterable[int]):
    return Rule(if_layer, frozenset(if_options), then_layer, frozenset(excluded))


def make_spec(
    weights: Sequence[Sequence[int]],
    presence: Sequence[int] | None = None,
    rules: Sequence[Rule] = (),
    priority: Sequence[int] = (),
    max_similar: int = 1,
) -> CollectionSpec:
    """One layer per entry of `weights` (its options' weights); presence 5 unless given."""
    presence = presence or [MAX_PRESENCE] * len(weights)
    layers = tuple(
        make_layer(i, w, p) for i, (w, p) in enumerate(zip(weights, presence, strict=True))
    )
    return CollectionSpec(layers, tuple(rules), tuple(priority), max_similar, (8, 8), METADATA)


def make_model(*args, **kwargs) -> SelectionModel:
    return model_from_spec(make_spec(*args, **kwargs))


def make_planner(
    model: SelectionModel, seed: int, max_attempts: int = 50, max_trait_attempts: int = 10
) -> Planner:
    tracker = TraitTracker(model.priority, model.similar_limit, model.min_difference)
    return Planner(model, random.Random(seed), tracker, max_attempts, max_trait_attempts)


# --- brute-force reference --------------------------------------------------------------


def domain(layer: Layer) -> list[int]:
    values = list(range(len(layer.options)))
    return values + [ABSENT] if layer.presence < MAX_PRESENCE else values


def full_product(spec: CollectionSpec) -> list[tuple[int, ...]]:
    return list(product(*(domain(layer) for layer in spec.layers)))


def forbidden_pairs(spec: CollectionSpec) -> set[tuple[int, int, int, int]]:
    """(layer, option, other layer, other option) for every pair a rule forbids, both ways."""
    pairs = set()
    for r in spec.rules:
        for a, b in product(r.if_options, r.excluded):
            pairs.add((r.if_layer, a, r.then_layer, b))
            pairs.add((r.then_layer, b, r.if_layer, a))
    return pairs


def broken_rules(spec: CollectionSpec, values: dict[int, int]) -> list[Rule]:
    """Rules that the (partial) assignment layer -> value breaks; ABSENT breaks none."""
    return [
        r
        for r in spec.rules
        if values.get(r.if_layer) in r.if_options and values.get(r.then_layer) in r.excluded
    ]


def valid_combos(spec: CollectionSpec) -> list[tuple[int, ...]]:
    return [c for c in full_product(spec) if not broken_rules(spec, dict(enumerate(c)))]


def priority_key(spec: CollectionSpec, combo: Sequence[int]) -> tuple[int, ...]:
    return tuple(combo[layer] for layer in spec.priority_layers)


def reference_capacity(spec: CollectionSpec) -> int:
    """Distinct valid tokens: every rule-abiding combination, or with priority layers
    the sum over priority-value combinations of min(max_similar, valid completions)."""
    valid = valid_combos(spec)
    if not spec.priority_layers:
        return len(valid)
    per_key = Counter(priority_key(spec, c) for c in valid)
    return sum(min(spec.max_similar, n) for n in per_key.values())


# --- Hypothesis strategies -------------------------------------------------------------


@st.composite
def rules_for(draw, sizes: Sequence[int], max_rules: int = 4) -> list[Rule]:
    """Random rules between distinct layers; some exclude the whole `then` layer ("*")."""
    result = []
    for _ in range(draw(st.integers(0, max_rules))):
        if_layer, then_layer = draw(st.permutations(range(len(sizes))))[:2]
        if_options = draw(st.sets(st.integers(0, sizes[if_layer] - 1), min_size=1))
        if draw(st.booleans()):
            excluded = set(range(sizes[then_layer]))
        else:
            excluded = draw(st.sets(st.integers(0, sizes[then_layer] - 1), min_size=1))
        result.append(rule(if_layer, if_options, then_layer, excluded))
    return result


@st.composite
def specs(
    draw, max_layers: int = 4, max_options: int = 4, with_rules: bool = True, with_priority=True
) -> CollectionSpec:
    """Small random specs: 2-4 layers of 1-4 weighted options, random presence, rules,
    optional priority layers and max_similar 1-3."""
    count = draw(st.integers(2, max_layers))
    weights = [
        draw(st.lists(st.integers(1, 5), min_size=1, max_size=max_options)) for _ in range(count)
    ]
    presence = [draw(st.sampled_from([1, 2, 3, 4, 5, 5])) for _ in range(count)]
    rules = draw(rules_for([len(w) for w in weights])) if with_rules else []
    priority: list[int] = []
    if with_priority and draw(st.booleans()):
        # any non-empty subset, in any order (priority_traits need not follow trait order)
        priority = draw(st.permutations(range(count)))[: draw(st.integers(1, count))]
    return make_spec(weights, presence, rules, priority, draw(st.integers(1, 3)))
