"""Rank tokens as OpenRarity does (unique values, then information content), with the
classic sum of 1/p."""

from pathlib import Path

import click

from modules.analysis.collection_reader import read_collection
from modules.analysis.rarity import RARITY_COLUMNS, rank_rarity, rarity_document, rarity_rows
from modules.analysis.table_files import write_report
from modules.cli.analysis_options import (
    collection_option,
    combined_file_option,
    report_option,
    report_path,
)
from modules.cli.support import CONTEXT, log_level_option, run_command
from modules.constants import RARITY_RANKS as DEFAULT_REPORT


@click.command("rarity", context_settings=CONTEXT)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Print this many of the rarest tokens.",
)
@collection_option
@combined_file_option
@report_option(DEFAULT_REPORT)
@log_level_option
@click.pass_context
def rarity_command(
    ctx: click.Context,
    top: int,
    collection: Path,
    combined_file: Path | None,
    output: Path | None,
    log_level: str,
) -> None:
    """Score and rank every token; write the ranks as CSV or JSON and print the rarest."""

    def action() -> int:
        tokens = read_collection(collection, combined_file)
        rarity = rank_rarity(tokens)
        path = report_path(output, collection, combined_file, DEFAULT_REPORT)
        write_report(
            path, RARITY_COLUMNS, lambda: rarity_rows(rarity), lambda: rarity_document(rarity)
        )
        click.echo(
            f"Ranked {len(tokens)} tokens; collection entropy "
            f"{rarity.collection_entropy:.4f} bits; wrote {path}"
        )
        if top:
            click.echo(f"{'rank':>5} {'token':>7} {'score':>9} {'classic rank':>13} {'unique':>6}")
        for entry in rarity.tokens[:top]:
            click.echo(
                f"{entry.rank:>5} {entry.token_id:>7} {entry.score:>9.4f} "
                f"{entry.classic_rank:>13} {entry.unique_traits:>6}"
            )
        return 0

    run_command(ctx, log_level, action)
