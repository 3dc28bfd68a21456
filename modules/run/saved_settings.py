"""The settings a collection was generated with, read back from its checkpoint's fingerprint,
so a tool that changes a finished collection (reroll) renders and writes exactly what
`generate --resume` would, without the user repeating every option."""

from pathlib import Path
from typing import cast

from modules.constants import DEFAULT_QUALITY
from modules.errors import ConfigError
from modules.publish.checkpoint import TRACKER_STATE, PlanState, tracker_damaged
from modules.settings import (
    AnimatedFormat,
    EncodeOptions,
    GenerationSettings,
    GifDither,
    PngCompression,
    StillFormat,
)

UNUSED = "-"  # what the fingerprint records for a setting that cannot change the output


def saved_settings(
    state: PlanState,
    inputs: tuple[Path, Path | None, Path | None],
    output_dir: Path,
    preview: bool,
) -> GenerationSettings:
    """Resume settings for the collection in `output_dir`: its seed, token count, encoding
    and attempts from the checkpoint; the config, ruler and traits folder as given."""
    config_path, ruler_path, traits_dir = inputs
    saved = state.fingerprint
    try:
        encode = _encode(saved)
        attempts = [int(part) for part in saved["attempts"].split("/")]
        max_attempts, max_trait_attempts = attempts
    except (KeyError, ValueError, ConfigError):
        problem = "its fingerprint does not hold the settings Genecator records"
        raise tracker_damaged(f"{output_dir / TRACKER_STATE}: {problem}") from None
    return GenerationSettings(
        num_tokens=len(state.combos),
        config_path=config_path,
        ruler_path=ruler_path,
        traits_dir=traits_dir,
        output_dir=output_dir,
        seed=state.seed,
        encode=encode,
        max_attempts=max_attempts,
        max_trait_attempts=max_trait_attempts,
        resume=True,
        preview=preview,
        chains=tuple(saved["chains"].split(",")) if "chains" in saved else (),
    )


def _encode(saved: dict[str, str]) -> EncodeOptions:
    """The encoding the fingerprint records; settings it marks unused take their defaults,
    which fingerprint the same way."""
    dither, duration, loop = _given(saved, "animation", "none/None/None").split("/")
    animated = saved.get("animated_format", UNUSED)
    return EncodeOptions(
        fmt=cast(StillFormat, saved["format"]),
        animated_fmt=None if animated == UNUSED else cast(AnimatedFormat, animated),
        quality=int(_given(saved, "quality", str(DEFAULT_QUALITY))),
        webp_lossless=saved.get("webp_lossless") == "True",
        gif_dither=cast(GifDither, dither),
        gif_duration=_optional_int(duration),
        gif_loop=_optional_int(loop),
        png_compression=cast(PngCompression, _given(saved, "png_compression", "fast")),
    )


def _given(saved: dict[str, str], key: str, default: str) -> str:
    value = saved.get(key, UNUSED)
    return default if value == UNUSED else value


def _optional_int(text: str) -> int | None:
    return None if text == "None" else int(text)
