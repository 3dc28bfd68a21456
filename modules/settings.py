"""The frozen run settings, and where the inputs come from when none are named."""

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from modules.constants import (
    DEFAULT_BREAKER_THRESHOLD,
    DEFAULT_CHECKPOINT_EVERY,
    DEFAULT_CONFIG,
    DEFAULT_RETRY_DELAY,
    DEFAULT_RULER,
    SAMPLE_CONFIG,
    SAMPLE_RULER,
)
from modules.encoding import EncodeOptions
from modules.errors import ConfigError

logger = logging.getLogger(__name__)

MAX_SEED = 2**32


@dataclass(frozen=True)
class GenerationSettings:
    """Every choice that shapes a run, resolved from the command line."""

    num_tokens: int
    config_path: Path
    ruler_path: Path | None
    traits_dir: Path
    output_dir: Path
    seed: int | None  # None: drawn, or the checkpoint's when resuming
    workers: int
    fmt: str
    quality: int
    max_memory_mb: int
    cache_size: int
    max_attempts: int
    max_trait_attempts: int
    dry_run: bool = False
    force: bool = False
    resume: bool = False
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY
    retry_delay: float = DEFAULT_RETRY_DELAY
    breaker_threshold: int = DEFAULT_BREAKER_THRESHOLD
    animated_fmt: str | None = None  # None: webp when fmt is webp, else gif
    webp_lossless: bool = False
    gif_dither: str = "none"
    gif_duration: int | None = None
    gif_loop: int | None = None
    performance_stats: bool = False
    png_compression: str = "fast"

    @property
    def encode_options(self) -> EncodeOptions:
        """The output formats, resolved: jpeg is written as jpg."""
        fmt = "jpg" if self.fmt == "jpeg" else self.fmt
        return EncodeOptions(
            fmt=fmt,
            animated_fmt=self.animated_fmt or ("webp" if fmt == "webp" else "gif"),
            quality=self.quality,
            webp_lossless=self.webp_lossless,
            gif_dither=self.gif_dither,
            gif_duration=self.gif_duration,
            gif_loop=self.gif_loop,
            png_compression=self.png_compression,
        )


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
