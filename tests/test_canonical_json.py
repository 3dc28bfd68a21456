"""Canonical JSON (modules/canonical_json.py) is json.dumps's text whichever encoder writes it."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modules import canonical_json as module
from modules.canonical_json import canonical_json

KEYS = st.text(max_size=6) | st.sampled_from(["name", "é", "\u2028", "\x01", '"', "\\"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.floats(min_value=1e-4, max_value=1e17)
    | st.text()
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=40,
)


def reference(document):
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False).encode("utf-8")


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS)
def test_canonical_json_is_what_json_dumps_writes(document):
    assert canonical_json(document) == reference(document)


@pytest.mark.parametrize(
    "value", [1.5e-05, 1e-300, -2e-7, math.nan, math.inf, 2**64, {1: "int key"}, {"k": 5e-5}]
)
def test_what_orjson_writes_differently_or_refuses_is_written_by_json(value):
    assert canonical_json(value) == reference(value)


def test_metadata_goes_through_orjson(monkeypatch):
    document = {
        "name": "Cat #7",
        "attributes": [{"trait_type": "Eyes", "value": "Laser"}, {"value": 3.5, "max": 10}],
        "edition": 7,
        "score": 0.25,
    }
    expected = reference(document)

    def refuse(*args, **kwargs):
        raise AssertionError("json.dumps was used")

    monkeypatch.setattr(module.json, "dumps", refuse)
    assert canonical_json(document) == expected
