"""`genecator get-traits` (and `python get_traits.py`): scan a traits folder, or import a
HashLips/nftchef project, and write config.json (and ruler.json) for it."""

from pathlib import Path

import click

from modules.cli.support import CONTEXT, log_level_option, printable, run_command
from modules.constants import DEFAULT_CONFIG, DEFAULT_RULER, DEFAULT_TRAITS
from modules.errors import ConfigError
from modules.run.scan_output import ScanRequest, write_scan


@click.command("get-traits", context_settings=CONTEXT)
@click.option(
    "-t",
    "--traits",
    type=click.Path(path_type=Path),
    default=DEFAULT_TRAITS,
    show_default=True,
    help="Folder with one sub-folder of trait images per layer.",
)
@click.option(
    "--from",
    "project",
    type=click.Path(path_type=Path),
    help="Import a HashLips or nftchef project folder (its layers/ and src/config.js).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="Config file to write (an imported project's rules go to ruler.json beside it).",
)
@click.option("--force", is_flag=True, help="Overwrite the output files if they exist.")
@click.option(
    "--order",
    default="",
    help="Comma-separated layers to put first, bottom first, e.g. Background,Body,Eyes "
    "[default: numbered folders by number, else a guess: Background first, then layers "
    "covering more of the canvas below the rest].",
)
@click.option(
    "--rarity-delimiter",
    default="#",
    show_default=True,
    help="What separates a name from its weight in file and folder names (Name#70.png).",
)
@click.option(
    "--none-name",
    "none_names",
    multiple=True,
    default=("none",),
    show_default=True,
    help="A file or folder name (any case) that means 'this layer draws nothing'; repeatable.",
)
@click.option(
    "--keep-names",
    is_flag=True,
    help="Show trait names exactly as the files are named (default: Laser_Eyes → Laser Eyes).",
)
@log_level_option
@click.pass_context
def get_traits_command(
    ctx: click.Context,
    traits: Path,
    project: Path | None,
    output: Path,
    force: bool,
    order: str,
    rarity_delimiter: str,
    none_names: tuple[str, ...],
    keep_names: bool,
    log_level: str,
) -> None:
    """Scan a traits folder (or import a project) and write the config main.py reads."""

    def action() -> int:
        if not rarity_delimiter:
            raise ConfigError("--rarity-delimiter: give at least one character")
        request = ScanRequest(
            traits=traits,
            project=project,
            output=output,
            ruler=output.with_name(DEFAULT_RULER),
            force=force,
            order=tuple(name.strip() for name in order.split(",") if name.strip()),
            delimiter=rarity_delimiter,
            none_names=frozenset(name.casefold() for name in none_names),
            keep_names=keep_names,
        )
        for line in write_scan(request):
            click.echo(printable(line))
        return 0

    run_command(ctx, log_level, action)
