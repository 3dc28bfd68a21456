"""Genecator command line: generate a unique collection from traits/ and config.json."""

import math
import os
from pathlib import Path

import click
from tqdm import tqdm

from modules.cli_support import (
    CONTEXT,
    config_option,
    log_level_option,
    ruler_option,
    run_command,
    traits_option,
)
from modules.constants import (
    ANIMATED_FORMATS,
    DEFAULT_BREAKER_THRESHOLD,
    DEFAULT_CACHE_SIZE,
    DEFAULT_CHECKPOINT_EVERY,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_MEMORY_MB,
    DEFAULT_MAX_TRAIT_ATTEMPTS,
    DEFAULT_NUM_TOKENS,
    DEFAULT_OUTPUT,
    DEFAULT_QUALITY,
    DEFAULT_RETRY_DELAY,
    GIF_DITHERS,
    PNG_COMPRESSIONS,
    STILL_FORMATS,
)
from modules.dependency_container import build_container
from modules.nft_generator import NFTGenerator
from modules.preview import write_preview
from modules.render_pool import start_worker_server
from modules.report import plan_lines, statistics_lines
from modules.resource_manager import get_circuit_breaker_status
from modules.settings import GenerationSettings, locate_inputs


@click.command(context_settings=CONTEXT)
@click.option(
    "-n",
    "--num-nfts",
    type=click.IntRange(min=1),
    default=DEFAULT_NUM_TOKENS,
    show_default=True,
    help="Number of tokens to generate (ids 1..N).",
)
@config_option
@ruler_option
@traits_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=DEFAULT_OUTPUT,
    show_default=True,
    help="Folder the collection is written to.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="Seed for a reproducible collection [default: drawn and printed].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    help="Render processes [default: number of CPUs]. Output is identical for any value.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(STILL_FORMATS),
    default="png",
    show_default=True,
    help="Image format of still tokens (png is RGB when fully opaque, else RGBA).",
)
@click.option(
    "--animated-format",
    type=click.Choice(ANIMATED_FORMATS),
    help="Format of tokens with an animated layer [default: webp with --format webp, else gif].",
)
@click.option(
    "--png-compression",
    type=click.Choice(PNG_COMPRESSIONS),
    default="fast",
    show_default=True,
    help="PNG effort: fast (within a few % of Pillow's size, several times quicker), "
    "balanced, small (slowest).",
)
@click.option("--webp-lossless", is_flag=True, help="Write WebP (still and animated) losslessly.")
@click.option(
    "--gif-duration",
    type=click.IntRange(10, 655_350),
    help="Milliseconds per frame of every animated token [default: the traits' own timing].",
)
@click.option(
    "--gif-loop",
    type=click.IntRange(0, 65_535),
    help="Times animations loop, 0 = forever [default: the traits' own, else forever].",
)
@click.option(
    "--gif-dither",
    type=click.Choice(GIF_DITHERS),
    default="none",
    show_default=True,
    help="Dithering when reducing GIF frames to their shared 256-colour palette.",
)
@click.option(
    "--quality",
    type=click.IntRange(1, 100),
    default=DEFAULT_QUALITY,
    show_default=True,
    help="Quality for jpg and webp output.",
)
@click.option(
    "--max-memory",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_MEMORY_MB,
    show_default=True,
    help="MB of decoded layers each worker may cache.",
)
@click.option(
    "--cache-size",
    type=click.IntRange(min=0),
    default=DEFAULT_CACHE_SIZE,
    show_default=True,
    help="Decoded layers each worker may cache (0 disables).",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ATTEMPTS,
    show_default=True,
    help="Random draws per token before choosing among the remaining combinations.",
)
@click.option(
    "--max-trait-attempts",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_TRAIT_ATTEMPTS,
    show_default=True,
    help="Redraws of the other layers for one priority-trait combination.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Plan only: show capacity and the expected distribution, write nothing.",
)
@click.option("--force", is_flag=True, help="Replace a collection already in --output.")
@click.option(
    "--resume",
    is_flag=True,
    help="Finish an interrupted run, or extend a finished collection to a larger -n.",
)
@click.option(
    "--checkpoint-every",
    type=click.IntRange(min=1),
    default=DEFAULT_CHECKPOINT_EVERY,
    show_default=True,
    help="Record finished tokens' hashes after this many tokens.",
)
@click.option(
    "--retry-delay",
    type=click.FloatRange(0, 60),
    callback=lambda ctx, param, value: _finite(param, value),
    default=DEFAULT_RETRY_DELAY,
    show_default=True,
    help="Seconds before the first retry of a transient I/O error (doubling, 3 attempts).",
)
@click.option(
    "--circuit-breaker-threshold",
    type=click.IntRange(min=1),
    default=DEFAULT_BREAKER_THRESHOLD,
    show_default=True,
    help="Stop the run after this many consecutive token failures.",
)
@click.option(
    "--preview",
    is_flag=True,
    help="After a complete run, write preview.png (contact sheet) and report.html to --output.",
)
@click.option(
    "--enable-performance-stats",
    is_flag=True,
    help="Print run statistics (cache, speed, failures, retries, circuit breaker) and add them "
    "to collection_stats.json (which then differs from run to run).",
)
@log_level_option
@click.pass_context
def cli(
    ctx: click.Context,
    num_nfts: int,
    config: Path | None,
    ruler: Path | None,
    traits: Path,
    output: Path,
    seed: int | None,
    workers: int | None,
    fmt: str,
    animated_format: str | None,
    png_compression: str,
    webp_lossless: bool,
    gif_duration: int | None,
    gif_loop: int | None,
    gif_dither: str,
    quality: int,
    max_memory: int,
    cache_size: int,
    max_attempts: int,
    max_trait_attempts: int,
    dry_run: bool,
    force: bool,
    resume: bool,
    checkpoint_every: int,
    retry_delay: float,
    circuit_breaker_threshold: int,
    preview: bool,
    enable_performance_stats: bool,
    log_level: str,
) -> None:
    """Generate a unique layered-trait collection with OpenSea metadata."""

    if force and resume:
        raise click.UsageError("--force starts over and --resume continues; choose one")

    def action() -> int:
        config_path, ruler_path = locate_inputs(config, ruler)
        settings = GenerationSettings(
            num_tokens=num_nfts,
            config_path=config_path,
            ruler_path=ruler_path,
            traits_dir=traits,
            output_dir=output,
            seed=seed,
            workers=workers or os.cpu_count() or 1,
            fmt=fmt,
            quality=quality,
            max_memory_mb=max_memory,
            cache_size=cache_size,
            max_attempts=max_attempts,
            max_trait_attempts=max_trait_attempts,
            dry_run=dry_run,
            force=force,
            resume=resume,
            checkpoint_every=checkpoint_every,
            retry_delay=retry_delay,
            breaker_threshold=circuit_breaker_threshold,
            animated_fmt=animated_format,
            webp_lossless=webp_lossless,
            gif_dither=gif_dither,
            gif_duration=gif_duration,
            gif_loop=gif_loop,
            performance_stats=enable_performance_stats,
            png_compression=png_compression,
        )
        code = generate(settings)
        if preview and code == 0 and not dry_run:
            for path in write_preview(settings.output_dir):
                click.echo(f"Wrote {path}")
        return code

    run_command(ctx, log_level, action)


def _finite(param: click.Parameter, value: float) -> float:
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds", param=param)
    return value


def generate(settings: GenerationSettings) -> int:
    """Build the services, run, print the summary; returns the exit code."""
    if settings.workers > 1 and not settings.dry_run:
        start_worker_server()  # overlaps the workers' start-up with loading the inputs
    generator = NFTGenerator(build_container(settings), settings)
    with tqdm(total=settings.num_tokens, unit="token", disable=settings.dry_run or None) as bar:
        combos, report = generator.run(on_progress=bar.update)
    if settings.dry_run:
        rows = generator.container.metadata_manager.share_rows(combos)
        click.echo("\n".join(plan_lines(report, rows)))
    else:
        click.echo("\n".join(report.summary_lines()))
    if settings.performance_stats and not settings.dry_run:
        statistics = report.statistics(get_circuit_breaker_status())
        click.echo("\n".join(statistics_lines(statistics)))
    return report.exit_code


if __name__ == "__main__":
    cli()
