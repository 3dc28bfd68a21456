"""Write preview.png (a contact sheet of some tokens) and report.html (stats, configured vs
achieved share per trait, the rarest tokens) into a collection folder."""

from pathlib import Path

import click

from modules.analysis.html_report import DEFAULT_TOP, MAX_TOP
from modules.analysis.preview import (
    DEFAULT_COUNT,
    DEFAULT_THUMB,
    MAX_SHEET_PIXELS,
    MIN_THUMB,
    SELECTIONS,
    write_preview,
)
from modules.cli.analysis_options import collection_option
from modules.cli.support import CONTEXT, log_level_option, run_command


@click.command("preview", context_settings=CONTEXT)
@collection_option
@click.option(
    "-n",
    "--count",
    type=click.IntRange(min=1),
    default=DEFAULT_COUNT,
    show_default=True,
    help="Tokens on the contact sheet.",
)
@click.option(
    "--select",
    "how",
    type=click.Choice(SELECTIONS),
    default="first",
    show_default=True,
    help="Which tokens go on the contact sheet.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --select random.")
@click.option(
    "--size",
    type=click.IntRange(min=MIN_THUMB),
    default=DEFAULT_THUMB,
    show_default=True,
    help=f"Thumbnail size in pixels; the whole sheet may have {MAX_SHEET_PIXELS:,} pixels.",
)
@click.option(
    "--top",
    type=click.IntRange(min=0, max=MAX_TOP),
    default=DEFAULT_TOP,
    show_default=True,
    help="Rarest tokens shown in report.html.",
)
@log_level_option
@click.pass_context
def preview_command(
    ctx: click.Context,
    collection: Path,
    count: int,
    how: str,
    seed: int,
    size: int,
    top: int,
    log_level: str,
) -> None:
    """Make a contact sheet and a self-contained HTML report of a collection."""

    def action() -> int:
        sheet, report = write_preview(collection, count, how, seed, size, top)
        click.echo(f"Wrote {sheet} and {report}")
        return 0

    run_command(ctx, log_level, action)
