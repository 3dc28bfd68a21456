"""`genecator reroll ID`: options -> request -> one re-roll -> summary and exit code."""

from pathlib import Path

import click

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
from modules.run.reroll_run import RerollRequest, reroll
from modules.settings import locate_inputs


@click.command("reroll", cls=StopAwareCommand, context_settings=CONTEXT)
@click.argument("token_id", metavar="ID", type=click.IntRange(min=0))
@click.option(
    "--keep",
    metavar="LAYER,...",
    default="",
    help="Layers (names as in trait_order, comma-separated) that keep their current value.",
)
@config_option
@ruler_option
@traits_option
@output_option("Folder of the finished collection.")
@log_level_option
@click.pass_context
def reroll_command(
    ctx: click.Context,
    token_id: int,
    keep: str,
    config: Path | None,
    ruler: Path | None,
    traits: Path | None,
    output: Path,
    log_level: str,
) -> None:
    """Give token ID of a finished collection a new valid, unique combination.

    The new combination obeys the rules, uniqueness, max_similar_combinations and
    min_trait_difference, and is drawn from the seed, the id and how often the token was
    re-rolled, so the same re-roll gives the same token. Exact counts stay exact: a value
    with a count (or an absence with absent_count) is kept, an uncounted value changes only
    to another uncounted option, and to a max_count option only while fewer tokens hold it.

    The token is rendered with the settings the collection was generated with (recorded in
    its checkpoint); the collection files are rewritten, every other token stays as it is.
    The inputs must be the ones the collection was made from, as for --resume.
    """

    def action() -> int:
        config_path, ruler_path = locate_inputs(config, ruler)
        names = tuple(name.strip() for name in keep.split(",") if name.strip())
        request = RerollRequest(token_id, names, config_path, ruler_path, traits, output)
        result = reroll(request)
        click.echo("\n".join(result.summary_lines()))
        return result.report.exit_code

    run_command(ctx, log_level, action, resumable=True)
