"""The one frozen settings object of a run (with its encoding and cache sections), and where
the inputs come from when none are named."""

import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from modules.constants import (
    DEFAULT_BREAKER_THRESHOLD,
    DEFAULT_CACHE_SIZE,
    DEFAULT_CHECKPOINT_EVERY,
    DEFAULT_CONFIG,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_MEMORY_MB,
    DEFAULT_MAX_TRAIT_ATTEMPTS,
    DEFAULT_QUALITY,
    DEFAULT_RETRY_DELAY,
    DEFAULT_RULER,
    IMAGE_DIR,
    METADATA_DIR,
    SAMPLE_CONFIG,
    SAMPLE_RULER,
)
from modules.errors import ConfigError

logger = logging.getLogger(__name__)

MAX_SEED = 2**32

StillFormat = Literal["png", "jpg", "webp"]
AnimatedFormat = Literal["gif", "webp", "apng"]
PngCompression = Literal["fast", "balanced", "small"]
GifDither = Literal["none", "floyd-steinberg"]


def _check_choice(option: str, value: object, choices: object) -> None:
    allowed: tuple[str, ...] = get_args(choices)
    if value not in allowed:
        msg = f"{option} {value!r}: unknown value; choose one of {', '.join(allowed)}"
        raise ConfigError(msg)


@dataclass(frozen=True)
class EncodeOptions:
    """How token images are written: `fmt` for still tokens, `animated_fmt` for animated ones
    (webp with a webp `fmt`, else gif, unless chosen)."""

    fmt: StillFormat = "png"
    animated_fmt: AnimatedFormat | None = None
    quality: int = DEFAULT_QUALITY
    webp_lossless: bool = False
    gif_dither: GifDither = "none"
    gif_duration: int | None = None  # ms per frame for every animated token, else traits' own
    gif_loop: int | None = None  # loop count (0 = forever), else the traits' own
    png_compression: PngCompression = "fast"

    def __post_init__(self) -> None:
        _check_choice("--format", self.fmt, StillFormat)
        if self.animated_fmt is not None:
            _check_choice("--animated-format", self.animated_fmt, AnimatedFormat)
        _check_choice("--gif-dither", self.gif_dither, GifDither)
        _check_choice("--png-compression", self.png_compression, PngCompression)

    @property
    def animated_format(self) -> AnimatedFormat:
        """The format of animated tokens, as chosen or derived from `fmt`."""
        if self.animated_fmt is not None:
            return self.animated_fmt
        return "webp" if self.fmt == "webp" else "gif"

    def extension(self, animated: bool) -> str:
        if not animated:
            return self.fmt
        # APNG files are .png: what browsers, marketplaces and image tools take as PNG.
        return "png" if self.animated_format == "apng" else self.animated_format


@dataclass(frozen=True)
class CacheLimits:
    """What each render process's decoded-layer cache may hold."""

    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
    cache_size: int = DEFAULT_CACHE_SIZE


@dataclass(frozen=True)
class GenerationSettings:
    """Every choice that shapes a run, resolved from the command line (or the studio)."""

    num_tokens: int
    config_path: Path
    ruler_path: Path | None
    traits_dir: Path | None  # None: the config's traits_dir, else traits/
    output_dir: Path
    seed: int | None = None  # None: drawn, or the checkpoint's when resuming
    workers: int = 1
    # A Dask scheduler (tcp://host:port) or local:N to render on; like workers, never in the
    # checkpoint fingerprint: output and --resume do not depend on where tokens render.
    cluster: str | None = None
    encode: EncodeOptions = field(default_factory=EncodeOptions)
    cache: CacheLimits = field(default_factory=CacheLimits)
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_trait_attempts: int = DEFAULT_MAX_TRAIT_ATTEMPTS
    dry_run: bool = False
    force: bool = False
    resume: bool = False
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY
    retry_delay: float = DEFAULT_RETRY_DELAY
    breaker_threshold: int = DEFAULT_BREAKER_THRESHOLD
    performance_stats: bool = False
    preview: bool = False  # contact sheet and HTML report after a complete run
    chains: tuple[str, ...] = ()  # --chain: metadata formats; empty: the config's chains
    start_id: int | None = None  # first public token id; None: the config's, else 1

    def __post_init__(self) -> None:
        if self.force and self.resume:
            msg = "--force starts over and --resume continues; choose one"
            raise ConfigError(msg)

    @property
    def image_dir(self) -> Path:
        return self.output_dir / IMAGE_DIR

    @property
    def metadata_dir(self) -> Path:
        return self.output_dir / METADATA_DIR


def draw_seed() -> int:
    """A fresh seed for a run without --seed; it is printed and recorded."""
    return secrets.randbelow(MAX_SEED)


def locate_inputs(config: Path | None, ruler: Path | None) -> tuple[Path, Path | None]:
    """The config and ruler to use. Without -c and without config.json, fall back to the
    bundled sample (with a notice) so a fresh clone runs out of the box."""
    if config is None:
        config = Path(DEFAULT_CONFIG)
        if not config.exists() and Path(SAMPLE_CONFIG).exists():
            logger.warning(
                "%s not found: using %s, which describes the bundled traits/. "
                "Run `python get_traits.py` to make a config for your own art.",
                DEFAULT_CONFIG,
                SAMPLE_CONFIG,
            )
            config = Path(SAMPLE_CONFIG)
            if ruler is None and not Path(DEFAULT_RULER).exists() and Path(SAMPLE_RULER).exists():
                ruler = Path(SAMPLE_RULER)
    if not config.exists():
        msg = f"{config}: file not found; run `python get_traits.py` to create it from traits/"
        raise ConfigError(msg)
    if ruler is None:
        default = Path(DEFAULT_RULER)
        if not default.exists():
            logger.info("%s not found: generating without compatibility rules", DEFAULT_RULER)
            return config, None
        ruler = default
    return config, ruler
