"""Fuzzing untrusted input: config.json and ruler.json of any shape, and trait files of any
bytes, end in a result or a GenecatorError; nothing else escapes (issue #7)."""

import copy
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from modules.atomic_io import json_bytes
from modules.errors import GenecatorError, TraitFileError
from modules.load.config_manager import ConfigManager
from modules.load.spec import CollectionSpec
from modules.load.trait_images import check_trait_image, decode_layer, inspect_trait_image
from tests.conftest import BASIC_LAYERS, SIZE, config_for, write_json, write_traits

T = TypeVar("T")

# derandomize: the same examples on every run, so CI is stable; deadline off: file I/O.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

RULES = [
    {
        "if": {"trait_type": "Body", "value": ["Grey"]},
        "then": {"trait_type": "Hat", "excluded_values": ["Cap"]},
    },
    {
        "if": {"trait_type": "Background", "value": ["*"]},
        "then": {"trait_type": "Hat", "excluded_values": ["Crown"]},
    },
]
# Names that exist in the project, keys the schema knows and path tricks, so that random
# documents reach the reference checks and the file lookups, not only the schema.
WORDS = [
    *BASIC_LAYERS,
    "Red",
    "Cap",
    "Crown.png",
    "Grey",
    "*",
    "trait_order",
    "traits",
    "options",
    "image_size",
    "rarity",
    "name",
    "file",
    "rules",
    "if",
    "then",
    "value",
    "trait_type",
    "excluded_values",
    "../Body/Grey.png",
    "/etc/passwd",
    ".",
    "..",
    "a\x00b",
    "\ud800",
    "Cafe\u0301",
    "{id}",
    "{",
    "",
]
# Numbers at the edges of what the schema allows, and integral floats (JSON Schema's
# "integer" accepts 8.0; Genecator must not).
NUMBERS = [0, 1, 3, 5, 6, 8, 8.0, 3.0, -1, 16384, 16385, 2**63, 10**30, 1e308, 0.5]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities included: json.dumps writes them as NaN/Infinity
    | st.sampled_from(NUMBERS)
    | st.sampled_from(WORDS)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(WORDS), children, max_size=4)
    ),
    max_leaves=16,
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    write_traits(root / "traits", BASIC_LAYERS)
    return root


def load(project: Path, config: Any, ruler: Any = None) -> None:
    """Write the documents (ruler only when given) and load them; only a GenecatorError
    may come out."""
    (project / "config.json").write_text(json.dumps(config), encoding="utf-8")
    ruler_path = None
    if ruler is not None:
        ruler_path = project / "ruler.json"
        ruler_path.write_text(json.dumps(ruler), encoding="utf-8")
    manager = ConfigManager(project / "config.json", ruler_path, project / "traits")
    loaded, problems = outcome(manager.load_with_warnings, GenecatorError)
    if loaded is None:
        assert problems
        assert all(isinstance(p, str) and p for p in problems)
    else:
        check_spec(loaded[0], project / "traits")


def outcome(
    action: Callable[..., T], error: type[GenecatorError], *args: Any
) -> tuple[T | None, tuple[str, ...]]:
    """(result, ()) or (None, the problems of an `error`); anything else propagates."""
    try:
        return action(*args), ()
    except error as exc:
        return None, exc.problems


def check_spec(spec: CollectionSpec, traits: Path) -> None:
    """What later stages rely on: integer sizes, finite positive weights, files inside traits/, and
    names that can be written as UTF-8 JSON."""
    assert all(type(v) is int and v > 0 for v in spec.image_size)
    assert type(spec.max_similar) is int
    meta = spec.metadata
    names = [
        meta.name,
        meta.description,
        meta.name_template,
        meta.external_url or "",
        meta.base_uri,
    ]
    for layer in spec.layers:
        names.append(layer.name)
        for option in layer.options:
            names.append(option.name)
            assert type(option.weight) in (int, float)
            assert 0 < option.weight < math.inf
            for part in option.parts:
                assert part.file.resolve().is_relative_to(traits.resolve())
    json_bytes(names)  # raises on a string that no file can hold


def paths_in(document: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key/index path inside a JSON document, the root included."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths_in(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths_in(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, valid: Any) -> Any:
    """`valid` with one to three changes: a value replaced, a key or item deleted, or a
    junk key added."""
    document = copy.deepcopy(valid)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths_in(document)))
        if not path:
            return draw(json_values)
        *parents, last = path
        parent = document
        for key in parents:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "junk"]))
        if action == "replace":
            parent[last] = draw(json_values)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent[last], dict):
            parent[last][draw(st.sampled_from(WORDS))] = draw(json_values)
    return document


def valid_config() -> dict[str, Any]:
    config = config_for(BASIC_LAYERS, priority_traits=["Body"], max_similar_combinations=2)
    config["traits"]["Hat"]["rarity"] = 3
    config["metadata"] = {"name": "X", "name_template": "{name} #{id}"}
    return config


@FUZZ
@given(config=json_values)
def test_any_json_document_as_config_is_loaded_or_refused(project: Path, config: Any) -> None:
    load(project, config)


@FUZZ
@given(config=mutated(valid_config()))
def test_a_mutated_config_is_loaded_or_refused(project: Path, config: Any) -> None:
    load(project, config)


@FUZZ
@given(ruler=st.one_of(json_values, mutated({"rules": RULES})))
def test_any_ruler_is_loaded_or_refused(project: Path, ruler: Any) -> None:
    load(project, valid_config(), ruler)


@FUZZ
@given(data=st.binary(max_size=200) | st.sampled_from([b"\xef\xbb\xbf{}", b"\xff\xfe{}", b" "]))
def test_any_bytes_as_config_are_refused(project: Path, data: bytes) -> None:
    (project / "config.json").write_bytes(data)
    with pytest.raises(GenecatorError):
        ConfigManager(project / "config.json", None, project / "traits").load()


def test_the_unmutated_documents_load(project: Path) -> None:
    # Guards the fuzz tests above: their starting points are valid, so mutations matter.
    (project / "config.json").write_text(json.dumps(valid_config()), encoding="utf-8")
    (project / "ruler.json").write_text(json.dumps({"rules": RULES}), encoding="utf-8")
    spec = ConfigManager(project / "config.json", project / "ruler.json", project / "traits").load()
    assert len(spec.rules) == 2


# --- trait images ---------------------------------------------------------------------------


def encoded(fmt: str, animated: bool = False, **options: Any) -> bytes:
    frames = [Image.new("RGBA", SIZE, (60 * i, 90, 200, 120 + 40 * i)) for i in range(3)]
    buffer = io.BytesIO()
    if animated:
        options.update(save_all=True, append_images=frames[1:], duration=100, loop=0)
    frames[0].save(buffer, fmt, **options)
    return buffer.getvalue()


def _rotated_png() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return encoded("PNG", exif=exif)


VALID_IMAGES = [
    encoded("PNG"),
    encoded("PNG", animated=True),
    encoded("GIF"),
    encoded("GIF", animated=True),
    encoded("WEBP"),
    encoded("WEBP", lossless=True),
    encoded("WEBP", animated=True),
    _rotated_png(),
]
SIGNATURES = [b"\x89PNG\r\n\x1a\n", b"GIF89a", b"GIF87a", b"RIFF\x10\x00\x00\x00WEBPVP8 "]


@st.composite
def damaged_images(draw: st.DrawFn) -> bytes:
    """A valid small image cut short, with bytes flipped, or with bytes inserted."""
    data = bytearray(draw(st.sampled_from(VALID_IMAGES)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            data = data[: max(at, 1)]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


trait_files = st.one_of(
    st.builds(lambda sig, tail: sig + tail, st.sampled_from(SIGNATURES), st.binary(max_size=120)),
    damaged_images(),
)


def check_trait_file(path: Path) -> None:
    """Every reader returns or raises TraitFileError; a decoded layer is RGBA at its size."""
    for read in (inspect_trait_image, decode_layer):
        _, problems = outcome(read, TraitFileError, path, SIZE)
        assert all(p.startswith(f"{path}: ") for p in problems)
    problems = check_trait_image(path, SIZE)[1]
    assert all(p.startswith(f"{path}: ") for p in problems)
    if not problems:
        layer = decode_layer(path, SIZE)
        assert {frame.mode for frame in layer.frames} == {"RGBA"}
        assert {frame.size for frame in layer.frames} == {SIZE}
        assert all(math.isfinite(d) and d > 0 for d in layer.durations)


@settings(FUZZ, max_examples=300)
@given(data=trait_files)
def test_any_bytes_as_a_trait_image_are_read_or_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "Trait.png"
    path.write_bytes(data)
    check_trait_file(path)


def test_the_undamaged_images_are_fine(tmp_path: Path) -> None:
    # Guards the fuzz test above: its starting points decode, so damage is what it tests.
    for index, data in enumerate(VALID_IMAGES):
        path = tmp_path / f"{index}.img"
        path.write_bytes(data)
        assert check_trait_image(path, SIZE)[1] == []


def test_json_fuzz_vocabulary_is_written_as_json(project: Path) -> None:
    # Surrogates and NaN are written as escapes/constants, which read_json must refuse.
    write_json(project / "config.json", {"a": "\ud800"})
    with pytest.raises(GenecatorError, match="unpaired UTF-16 surrogate"):
        ConfigManager(project / "config.json", None, project / "traits").load()
