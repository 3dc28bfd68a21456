"""Rebuild metadata/combined_metadata.json (id order) from a collection's {id}.json files."""

from pathlib import Path

import click

from modules.analysis.combined_metadata import write_combined_metadata
from modules.cli.analysis_options import collection_option
from modules.cli.support import CONTEXT, log_level_option, run_command
from modules.constants import COMBINED_METADATA, METADATA_DIR
from modules.publish.output_lock import OutputLock


@click.command("combine-metadata", context_settings=CONTEXT)
@collection_option
@log_level_option
@click.pass_context
def combine_metadata_command(ctx: click.Context, collection: Path, log_level: str) -> None:
    """Write combined_metadata.json exactly as the generator does; touch nothing else."""

    def action() -> int:
        with OutputLock(collection, "combine-metadata"):  # never beside a running writer
            count = write_combined_metadata(collection / METADATA_DIR)
        click.echo(f"Wrote {collection / METADATA_DIR / COMBINED_METADATA}: {count} tokens")
        return 0

    run_command(ctx, log_level, action)
