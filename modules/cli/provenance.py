"""Write provenance.json: each image's SHA-256 in original order, the combined hash (BAYC) and,
with --starting-index, the image each token id shows."""

from pathlib import Path

import click

from modules.analysis.provenance import write_provenance
from modules.cli.analysis_options import collection_option
from modules.cli.support import CONTEXT, log_level_option, run_command
from modules.load.validation import read_json


@click.command("provenance", context_settings=CONTEXT)
@collection_option
@click.option(
    "--starting-index",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="BAYC's startingIndex, drawn after the sale: token id t shows original image "
    "(t - start_id + K) mod N. The provenance hash does not depend on it.",
)
@log_level_option
@click.pass_context
def provenance_command(
    ctx: click.Context, collection: Path, starting_index: int, log_level: str
) -> None:
    """Hash every image of a complete collection and record the provenance hash."""

    def action() -> int:
        path = write_provenance(collection, starting_index)
        document = read_json(path)
        click.echo(f"Wrote {path}: {document['token_count']} images")
        click.echo(f"Provenance hash: {document['provenance_hash']}")
        return 0

    run_command(ctx, log_level, action)
