"""Check config.json, ruler.json and every trait file without generating anything."""

from pathlib import Path

import click

from modules.animation import spec_animation_problems
from modules.capacity import capacity
from modules.cli_support import (
    CONTEXT,
    config_option,
    log_level_option,
    ruler_option,
    run_command,
    traits_option,
)
from modules.config_manager import ConfigManager
from modules.errors import TraitFileError
from modules.selection import model_from_spec
from modules.settings import locate_inputs

EXIT_WARNINGS = 1


@click.command(context_settings=CONTEXT)
@config_option
@ruler_option
@traits_option
@log_level_option
@click.pass_context
def cli(
    ctx: click.Context, config: Path | None, ruler: Path | None, traits: Path, log_level: str
) -> None:
    """Validate the config, the rules and every trait image (the generator's own preflight,
    plus warnings). Exit 0 only when everything is clean."""

    def action() -> int:
        config_path, ruler_path = locate_inputs(config, ruler)
        spec, warnings = ConfigManager(config_path, ruler_path, traits).load_with_warnings()
        problems = spec_animation_problems(spec, None)
        if problems:
            raise TraitFileError(*problems)
        for warning in warnings:
            click.echo(f"Warning: {warning}", err=True)
        files = sum(len(layer.options) for layer in spec.layers)
        limit = capacity(model_from_spec(spec))
        count = f"{limit.count}" if limit.exact else f"at most {limit.count}"
        click.echo(
            f"{config_path}: {len(spec.layers)} layers, {files} trait files, {len(spec.rules)} "
            f"rules; {count} distinct tokens possible; {len(warnings)} warnings"
        )
        return EXIT_WARNINGS if warnings else 0

    run_command(ctx, log_level, action)


if __name__ == "__main__":
    cli()
