"""Report pairs of tokens that share at least K trait values (absent layers count as None)."""

from pathlib import Path

import click

from modules.analysis.collection_reader import read_collection
from modules.analysis.similarity import (
    SIMILARITY_COLUMNS,
    find_similar,
    similarity_document,
    similarity_rows,
    summary_lines,
)
from modules.analysis.table_files import write_report
from modules.cli.analysis_options import (
    collection_option,
    combined_file_option,
    report_option,
    report_path,
)
from modules.cli.support import CONTEXT, log_level_option, run_command
from modules.constants import SIMILAR_PAIRS as DEFAULT_REPORT


@click.command("similarity", context_settings=CONTEXT)
@click.option(
    "-k",
    "--threshold",
    type=click.IntRange(min=1),
    required=True,
    help="Report pairs sharing at least this many trait values.",
)
@collection_option
@combined_file_option
@report_option(DEFAULT_REPORT)
@log_level_option
@click.pass_context
def similarity_command(
    ctx: click.Context,
    threshold: int,
    collection: Path,
    combined_file: Path | None,
    output: Path | None,
    log_level: str,
) -> None:
    """Find token pairs sharing >= K trait values; write them to a CSV or JSON report."""

    def action() -> int:
        tokens = read_collection(collection, combined_file)
        result = find_similar(tokens, threshold)
        path = report_path(output, collection, combined_file, DEFAULT_REPORT)
        write_report(
            path,
            SIMILARITY_COLUMNS,
            lambda: similarity_rows(result),
            lambda: similarity_document(result),
        )
        for line in summary_lines(result, len(tokens)):
            click.echo(line)
        click.echo(f"Wrote {path}")
        return 0

    run_command(ctx, log_level, action)
