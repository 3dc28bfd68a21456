"""Scan traits/ and write config.json: layer order, image size and rarity weights."""

from pathlib import Path

import click

from modules.atomic_io import atomic_write_json
from modules.cli.support import (
    CONTEXT,
    log_level_option,
    run_command,
    traits_option,
)
from modules.constants import DEFAULT_CONFIG
from modules.errors import ConfigError
from modules.load.trait_scan import scan_traits


@click.command("get-traits", context_settings=CONTEXT)
@traits_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="Config file to write.",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option(
    "--order",
    default="",
    help="Comma-separated layers to put first, bottom first, e.g. Background,Body,Eyes "
    "[default: Background first, then layers covering more of the canvas below the rest].",
)
@log_level_option
@click.pass_context
def get_traits_command(
    ctx: click.Context, traits: Path, output: Path, force: bool, order: str, log_level: str
) -> None:
    """Scan a traits folder and write the config main.py reads."""

    def action() -> int:
        if output.exists() and not force:
            msg = f"{output}: already exists; pass --force to overwrite it or --output another file"
            raise ConfigError(msg)
        layers = [name.strip() for name in order.split(",") if name.strip()]
        config = scan_traits(traits, layers)
        try:
            atomic_write_json(output, config)
        except OSError as exc:
            msg = f"{output}: cannot write it ({exc.strerror or exc}); choose another --output"
            raise ConfigError(msg) from None
        options = sum(len(layer["options"]) for layer in config["traits"].values())
        width, height = config["image_size"]
        click.echo(
            f"Wrote {output}: {len(config['trait_order'])} layers, {options} options, "
            f"{width}x{height} images"
        )
        click.echo(f"Layer order (bottom first): {', '.join(config['trait_order'])}")
        return 0

    run_command(ctx, log_level, action)
