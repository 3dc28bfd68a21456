"""The checkpoint fingerprint: a resume is refused, naming exactly what changed, when any input
that shapes the output's bytes differs, and only then.

Pure calls to checkpoint.fingerprint and checkpoint.check_fingerprint on a hand-built spec and
settings; each input is a "knob" of `inputs`, so a case names only what it changes.
"""

from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from modules.errors import CheckpointMismatchError
from modules.load.spec import CollectionSpec, Part, TraitOption
from modules.publish import checkpoint
from modules.publish.checkpoint import INPUT_NAMES, check_fingerprint
from modules.settings import CacheLimits, EncodeOptions, GenerationSettings
from tests.plan_helpers import make_spec, rule

ROOT = Path("/project")
TRAITS = ROOT / "traits"
OUT = ROOT / "out"
TARGET = "L1o1"  # the option whose weight, digest and frames the knobs change
ENCODE_FIELDS = {f.name for f in fields(EncodeOptions)}

# Every knob with its starting value: a still png collection.
BASE: dict[str, Any] = {
    # the spec
    "weight": 4,
    "excluded": (1,),
    "digest": "0" * 64,
    "animated": False,
    # the seed the run uses (the settings' own is None, as on a resume without --seed)
    "seed": 7,
    # EncodeOptions
    "fmt": "png",
    "animated_fmt": None,
    "quality": 90,
    "webp_lossless": False,
    "gif_dither": "none",
    "gif_duration": None,
    "gif_loop": None,
    "png_compression": "fast",
    # the rest of GenerationSettings
    "max_attempts": 1000,
    "max_trait_attempts": 100,
    "num_tokens": 50,
    "workers": 1,
    "cache": CacheLimits(),
    "output_dir": OUT,
    "chains": (),  # --chain: none given, so the spec's default (opensea) and no fingerprint part
    # checkpoint.PLANNER_VERSION
    "planner": checkpoint.PLANNER_VERSION,
}

ANIMATED_GIF = {"animated": True}
STILL_JPG = {"fmt": "jpg"}
STILL_WEBP = {"fmt": "webp"}
# jpg stills with webp animations: quality and webp_lossless count in both jpg and webp,
# png_compression in neither, so only the format part differs.
JPG_WITH_WEBP_ANIMATIONS = {"fmt": "jpg", "animated": True, "animated_fmt": "webp"}
# webp stills: quality and webp_lossless count whether animations are webp or gif.
WEBP_WITH_GIF_ANIMATIONS = {"fmt": "webp", "animated": True, "animated_fmt": "gif"}

Fingerprint = Callable[..., dict[str, str]]
# Parts only recorded when not the default (older collections keep their fingerprint), and
# knobs that set every one of them.
OPTIONAL_PARTS = {"chains"}
OPTIONAL_PARTS_SET = {"chains": ("opensea", "tezos")}


def spec_for(knobs: dict[str, Any]) -> CollectionSpec:
    """Two layers (2 and 3 options) and one rule; the files lie under TRAITS."""
    spec = make_spec([[1, 2], [3, knobs["weight"], 5]], rules=[rule(0, [0], 1, knobs["excluded"])])

    def located(option: TraitOption) -> TraitOption:
        target = option.name == TARGET
        part = Part(
            TRAITS / option.file,
            digest=knobs["digest"] if target else option.name.ljust(64, "-"),
            durations=(100, 100) if target and knobs["animated"] else (0,),
        )
        return replace(option, parts=(part,))

    layers = tuple(
        replace(layer, options=tuple(map(located, layer.options))) for layer in spec.layers
    )
    return replace(spec, layers=layers, traits_dir=TRAITS)


def settings_for(knobs: dict[str, Any]) -> GenerationSettings:
    return GenerationSettings(
        num_tokens=knobs["num_tokens"],
        config_path=ROOT / "config.json",
        ruler_path=ROOT / "ruler.json",
        traits_dir=TRAITS,
        output_dir=knobs["output_dir"],
        workers=knobs["workers"],
        encode=EncodeOptions(**{name: knobs[name] for name in ENCODE_FIELDS}),
        cache=knobs["cache"],
        max_attempts=knobs["max_attempts"],
        max_trait_attempts=knobs["max_trait_attempts"],
        chains=knobs["chains"],
    )


@pytest.fixture
def inputs(monkeypatch) -> Fingerprint:
    """inputs(*changes): the fingerprint of BASE updated by each dict of knobs in turn."""

    def fingerprint(*changes: dict[str, Any]) -> dict[str, str]:
        knobs = dict(BASE)
        for change in changes:
            assert change.keys() <= BASE.keys(), f"not a knob: {set(change) - set(BASE)}"
            knobs.update(change)
        monkeypatch.setattr(checkpoint, "PLANNER_VERSION", knobs["planner"])
        return checkpoint.fingerprint(spec_for(knobs), settings_for(knobs), knobs["seed"])

    return fingerprint


def refusal(*names: str) -> str:
    return (
        f"{OUT}: cannot resume: {', '.join(names)} changed since this collection was started; "
        "restore them, or start fresh with --force or another --output"
    )


def refused(saved: dict[str, str], current: dict[str, str]) -> tuple[str, ...]:
    """The problem lines of check_fingerprint's refusal (failing the test if it accepts)."""
    with pytest.raises(CheckpointMismatchError) as excinfo:
        check_fingerprint(saved, current, OUT)
    return excinfo.value.problems


def differing(saved: dict[str, str], current: dict[str, str]) -> set[str]:
    return {key for key in saved.keys() | current.keys() if saved.get(key) != current.get(key)}


# part -> (knobs that make it count, the change), keyed "part" or "part-detail" for the id
ONE_INPUT_CHANGES = {
    "config-weight": ({}, {"weight": 5}),
    "rules-excluded": ({}, {"excluded": (1, 2)}),
    "trait_files-digest": ({}, {"digest": "1" * 64}),
    "seed": ({}, {"seed": 8}),
    "format": (JPG_WITH_WEBP_ANIMATIONS, {"fmt": "webp"}),
    "animated_format": (WEBP_WITH_GIF_ANIMATIONS, {"animated_fmt": "webp"}),
    "quality-jpg": (STILL_JPG, {"quality": 80}),
    "quality-webp-animations": (ANIMATED_GIF | {"animated_fmt": "webp"}, {"quality": 80}),
    "webp_lossless": (STILL_WEBP, {"webp_lossless": True}),
    "png_compression": ({}, {"png_compression": "small"}),
    "animation-gif_dither": (ANIMATED_GIF, {"gif_dither": "floyd-steinberg"}),
    "animation-gif_duration": (ANIMATED_GIF, {"gif_duration": 80}),
    "animation-gif_loop": (ANIMATED_GIF, {"gif_loop": 3}),
    "attempts-max_attempts": ({}, {"max_attempts": 999}),
    "attempts-max_trait_attempts": ({}, {"max_trait_attempts": 99}),
    "planner": ({}, {"planner": checkpoint.PLANNER_VERSION + "-next"}),
    "chains": ({}, {"chains": ("opensea", "solana")}),
}


def test_every_fingerprint_part_has_a_refusal_case():
    parts = {case.split("-")[0] for case in ONE_INPUT_CHANGES}
    assert parts == set(INPUT_NAMES)


@pytest.mark.parametrize("case", list(ONE_INPUT_CHANGES))
def test_changing_one_input_is_refused_naming_only_that_input(case, inputs):
    part = case.split("-")[0]
    context, change = ONE_INPUT_CHANGES[case]
    saved, current = inputs(context), inputs(context, change)
    assert differing(saved, current) == {part}
    assert refused(saved, current) == (refusal(INPUT_NAMES[part]),)


# (knobs, a change that cannot alter the collection's bytes)
IRRELEVANT_CHANGES = {
    "num_tokens": ({}, {"num_tokens": 5000}),
    "workers": ({}, {"workers": 8}),
    "cache": ({}, {"cache": CacheLimits(max_memory_mb=1, cache_size=2)}),
    "output_dir": ({}, {"output_dir": ROOT / "elsewhere"}),
    "quality-png-stills": ({}, {"quality": 80}),
    "quality-png-gif-animations": (ANIMATED_GIF, {"quality": 80}),
    "webp_lossless-png": ({}, {"webp_lossless": True}),
    "webp_lossless-jpg": (STILL_JPG, {"webp_lossless": True}),
    "png_compression-jpg": (STILL_JPG, {"png_compression": "small"}),
    "png_compression-webp": (STILL_WEBP, {"png_compression": "small"}),
    "animated_format-stills": ({}, {"animated_fmt": "webp"}),
    "gif_dither-stills": ({}, {"gif_dither": "floyd-steinberg"}),
    "gif_duration-stills": ({}, {"gif_duration": 80}),
    "gif_loop-stills": ({}, {"gif_loop": 3}),
    "chains-default": ({}, {"chains": ("opensea",)}),
}


@pytest.mark.parametrize("case", list(IRRELEVANT_CHANGES))
def test_inputs_that_cannot_change_the_bytes_leave_the_fingerprint_alone(case, inputs):
    context, change = IRRELEVANT_CHANGES[case]
    assert inputs(context, change) == inputs(context)


# (knobs, new --format): each also changes which format-dependent parts count
FORMAT_CHANGES = {
    "png-to-jpg": ({}, "jpg"),
    "png-to-webp": ({}, "webp"),
    "jpg-to-png": (STILL_JPG, "png"),
    "webp-to-jpg": (STILL_WEBP, "jpg"),
    "png-to-webp-with-gif-animations": (ANIMATED_GIF, "webp"),
}


def test_an_animated_format_change_names_only_the_animated_format(inputs):
    saved = inputs(ANIMATED_GIF)  # png stills: gif animations need no quality, webp ones do
    current = inputs(ANIMATED_GIF, {"animated_fmt": "webp"})
    assert differing(saved, current) == {"animated_format", "quality", "webp_lossless"}
    assert refused(saved, current) == (refusal(INPUT_NAMES["animated_format"]),)


@pytest.mark.parametrize("case", list(FORMAT_CHANGES))
def test_a_format_change_names_only_the_format(case, inputs):
    context, fmt = FORMAT_CHANGES[case]
    saved, current = inputs(context), inputs(context, {"fmt": fmt})
    assert len(differing(saved, current)) > 1  # format-dependent parts differ too
    assert refused(saved, current) == (refusal(INPUT_NAMES["format"]),)


def test_a_format_change_still_names_the_other_changed_inputs(inputs):
    saved = inputs(ANIMATED_GIF)
    current = inputs(ANIMATED_GIF, {"fmt": "webp", "seed": 8, "gif_loop": 3})
    expected = refusal(*(INPUT_NAMES[part] for part in ("seed", "format", "animation")))
    assert refused(saved, current) == (expected,)


@pytest.mark.parametrize(
    "context",
    [{}, STILL_JPG, STILL_WEBP, ANIMATED_GIF, JPG_WITH_WEBP_ANIMATIONS],
    ids=["png", "jpg", "webp", "png-with-gif-animations", "jpg-with-webp-animations"],
)
def test_the_same_inputs_resume(context, inputs):
    saved = inputs(context)
    assert set(saved) == set(INPUT_NAMES) - OPTIONAL_PARTS
    check_fingerprint(saved, inputs(context), OUT)


@pytest.mark.parametrize("part", list(INPUT_NAMES))
def test_a_checkpoint_without_a_part_is_refused_naming_it(part, inputs):
    current = inputs(OPTIONAL_PARTS_SET)
    older = {key: value for key, value in current.items() if key != part}
    assert refused(older, current) == (refusal(INPUT_NAMES[part]),)
