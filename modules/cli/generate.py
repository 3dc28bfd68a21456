"""`genecator generate` (and `python main.py`): options -> settings -> one run -> report."""

from modules.run.stop_signals import exit_on_stop_signals

# These imports take about half a second (`python main.py` starts here): a Ctrl-C or SIGTERM
# meanwhile ends with one line, not a traceback or a silent kill.
with exit_on_stop_signals():
    import importlib.util
    import math
    import os
    import re
    from pathlib import Path
    from typing import get_args

    import click
    from tqdm import tqdm

    from modules.cli.progress_events import event_log
    from modules.cli.support import (
        CONTEXT,
        StopAwareCommand,
        config_option,
        log_level_option,
        output_option,
        ruler_option,
        run_command,
        traits_option,
    )
    from modules.constants import (
        DEFAULT_BREAKER_THRESHOLD,
        DEFAULT_CACHE_SIZE,
        DEFAULT_CHECKPOINT_EVERY,
        DEFAULT_MAX_ATTEMPTS,
        DEFAULT_MAX_MEMORY_MB,
        DEFAULT_MAX_TRAIT_ATTEMPTS,
        DEFAULT_NUM_TOKENS,
        DEFAULT_QUALITY,
        DEFAULT_RETRY_DELAY,
    )
    from modules.load.chain_settings import CHAINS
    from modules.run.nft_generator import generate
    from modules.settings import (
        AnimatedFormat,
        CacheLimits,
        EncodeOptions,
        GenerationSettings,
        GifDither,
        PngCompression,
        StillFormat,
        locate_inputs,
    )

# --format names: jpeg is another name of jpg (files are written as .jpg).
STILL_FORMATS: dict[str, StillFormat] = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}
# --cluster: a scheduler's tcp://host:port (a name, IPv4 or [IPv6] host), or local:N workers.
CLUSTER_ADDRESS = re.compile(
    r"tcp://(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})|local:(\d{1,3})"
)
MAX_PORT = 65_535
MAX_LOCAL_WORKERS = 256


@click.command("generate", cls=StopAwareCommand, context_settings=CONTEXT)
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
@output_option("Folder the collection is written to.")
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="Seed for a reproducible collection [default: drawn and printed].",
)
@click.option(
    "--start-id",
    type=click.IntRange(min=0),
    help="First token id: files and metadata are numbered from it [default: the config's "
    "start_id, else 1].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    help="Render processes [default: number of CPUs]. Output is identical for any value.",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    callback=lambda ctx, param, value: _cluster_address(param, value),
    help="Render on a Dask cluster instead: tcp://host:port of its scheduler (every worker "
    "sees the traits and --output at the same paths), or local:N to start N worker processes "
    "here. Output is identical to a local run.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(STILL_FORMATS)),
    default="png",
    show_default=True,
    help="Image format of still tokens (png is RGB when fully opaque, else RGBA).",
)
@click.option(
    "--animated-format",
    type=click.Choice(get_args(AnimatedFormat)),
    help="Format of tokens with an animated layer [default: webp with --format webp, else gif].",
)
@click.option(
    "--png-compression",
    type=click.Choice(get_args(PngCompression)),
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
    type=click.Choice(get_args(GifDither)),
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
    "--chain",
    "chains",
    type=click.Choice(CHAINS),
    multiple=True,
    help="Metadata format to write (repeatable; default: the config's chains, else opensea): "
    "opensea in metadata/, the others in erc1155/, solana/, tezos/ or cardano/.",
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
@click.option(
    "--events",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the run's progress, warnings and final report to this file as JSON lines.",
)
@log_level_option
@click.pass_context
def generate_command(
    ctx: click.Context,
    num_nfts: int,
    config: Path | None,
    ruler: Path | None,
    traits: Path,
    output: Path,
    seed: int | None,
    start_id: int | None,
    workers: int | None,
    cluster: str | None,
    fmt: str,
    animated_format: AnimatedFormat | None,
    png_compression: PngCompression,
    webp_lossless: bool,
    gif_duration: int | None,
    gif_loop: int | None,
    gif_dither: GifDither,
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
    chains: tuple[str, ...],
    preview: bool,
    enable_performance_stats: bool,
    events: Path | None,
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
            cluster=cluster,
            encode=EncodeOptions(
                fmt=STILL_FORMATS[fmt],
                animated_fmt=animated_format,
                quality=quality,
                webp_lossless=webp_lossless,
                gif_dither=gif_dither,
                gif_duration=gif_duration,
                gif_loop=gif_loop,
                png_compression=png_compression,
            ),
            cache=CacheLimits(max_memory_mb=max_memory, cache_size=cache_size),
            max_attempts=max_attempts,
            max_trait_attempts=max_trait_attempts,
            dry_run=dry_run,
            force=force,
            resume=resume,
            checkpoint_every=checkpoint_every,
            retry_delay=retry_delay,
            breaker_threshold=circuit_breaker_threshold,
            performance_stats=enable_performance_stats,
            preview=preview,
            chains=tuple(dict.fromkeys(chains)),
            start_id=start_id,
        )
        with (
            event_log(events) as log,
            tqdm(total=num_nfts, unit="token", disable=dry_run or None) as bar,
        ):

            def on_progress(finished: int) -> None:
                bar.update(finished)
                if log is not None:
                    log.progress(finished)

            report = generate(settings, on_progress=on_progress)
            if log is not None:
                log.report(report)
        click.echo("\n".join(report.summary_lines()))
        return report.exit_code

    run_command(ctx, log_level, action, resumable=True)


def _cluster_address(param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    match = CLUSTER_ADDRESS.fullmatch(value)
    port, local = (None, None) if match is None else match.groups()
    if not (port and 0 < int(port) <= MAX_PORT or local and 0 < int(local) <= MAX_LOCAL_WORKERS):
        message = f"{value!r}: expected tcp://host:port of a Dask scheduler, or local:N (1-256)"
        raise click.BadParameter(message, param=param)
    if importlib.util.find_spec("distributed") is None:
        raise click.ClickException(
            '--cluster needs Dask\'s distributed: pip install -e ".[cluster]"'
        )
    return value


def _finite(param: click.Parameter, value: float) -> float:
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds", param=param)
    return value
