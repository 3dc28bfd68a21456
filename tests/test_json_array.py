"""The streamed JSON array is byte for byte the canonical JSON of the whole list."""

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from modules.atomic_io import json_bytes, write_json_array, write_json_streamed

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(JSON, max_size=5))
def test_a_streamed_array_is_the_bytes_of_the_whole_array(documents):
    handle = io.BytesIO()
    assert write_json_array(handle, iter(documents)) == len(documents)
    assert handle.getvalue() == json_bytes(documents)
    text = json.dumps(documents, sort_keys=True, indent=2, ensure_ascii=False)
    assert handle.getvalue() == (text + "\n").encode("utf-8")


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=6), JSON, max_size=4), st.text(max_size=6), st.lists(JSON))
def test_a_document_with_a_streamed_array_is_the_bytes_of_the_whole_document(document, key, items):
    document = {**document, key: items}
    handle = io.BytesIO()
    write_json_streamed(handle, document, key)
    assert handle.getvalue() == json_bytes(document)


def test_an_array_of_many_batches_is_the_bytes_of_the_whole_array():
    documents = [{"name": f"#{i}", "attributes": [{"value": i}], "e": None} for i in range(700)]
    documents[300]["score"] = 1.5e-05  # one batch whose text orjson and json write differently
    handle = io.BytesIO()
    assert write_json_array(handle, iter(documents)) == 700
    assert handle.getvalue() == json_bytes(documents)
    streamed = io.BytesIO()
    write_json_streamed(streamed, {"a": 1, "images": documents, "z": []}, "images")
    assert streamed.getvalue() == json_bytes({"a": 1, "images": documents, "z": []})
