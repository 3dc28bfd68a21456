"""Check config.json, ruler.json and every trait file without generating anything."""

from pathlib import Path

import click

from modules.animation import spec_animation_problems
from modules.capacity import capacity
from modules.cli_support import log_level_option, run_command
from modules.config_manager import ConfigManager
from modules.constants import DEFAULT_TRAITS
from modules.errors import TraitFileError
from modules.selection import model_from_spec
from modules.settings import locate_inputs

EXIT_WARNINGS = 1


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    type=click.Path(path_type=Path),
    help="config.json to check [default: config.json, else config.sample.json].",
)
@click.option(
    "-r",
    "--ruler",
    type=click.Path(path_type=Path),
    help="ruler.json to check [default: ruler.json if present].",
)
@click.option(
    "-t",
    "--traits",
    type=click.Path(path_type=Path),
    default=DEFAULT_TRAITS,
    show_default=True,
    help="Folder of layer sub-folders.",
)
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
