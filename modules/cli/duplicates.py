"""Find tokens with the same trait combination or the same image bytes; exit 1 if any."""

from pathlib import Path

import click

from modules.analysis.collection_reader import read_collection
from modules.analysis.duplicates import find_duplicates
from modules.cli.analysis_options import collection_option
from modules.cli.support import CONTEXT, log_level_option, run_command

EXIT_DUPLICATES = 1


def group_lines(title: str, groups: list[list[int]]) -> list[str]:
    """'Title: none', or the title with the group count and one line of ids per group."""
    if not groups:
        return [f"{title}: none"]
    return [f"{title}: {len(groups)} group(s)"] + [
        "  " + ", ".join(map(str, ids)) for ids in groups
    ]


@click.command("duplicates", context_settings=CONTEXT)
@collection_option
@log_level_option
@click.pass_context
def duplicates_command(ctx: click.Context, collection: Path, log_level: str) -> None:
    """Check a collection for duplicate trait combinations and duplicate images (SHA-256)."""

    def action() -> int:
        tokens = read_collection(collection)
        found = find_duplicates(collection, tokens)
        click.echo(f"Checked {len(tokens)} tokens in {collection}")
        for line in group_lines("Same trait combination", found.by_traits):
            click.echo(line)
        for line in group_lines("Same image (SHA-256)", found.by_image):
            click.echo(line)
        return EXIT_DUPLICATES if found.found else 0

    run_command(ctx, log_level, action)
