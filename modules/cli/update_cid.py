"""Point every token's image and animation_url at ipfs://CID/{file}, then rebuild
combined_metadata.json, and every chain folder's URIs beside it. A malformed CID changes
nothing."""

from pathlib import Path

import click

from modules.analysis.ipfs_cid import update_cid
from modules.cli.support import CONTEXT, log_level_option, run_command
from modules.constants import DEFAULT_OUTPUT, METADATA_DIR
from modules.publish.output_lock import OutputLock


@click.command("update-cid", context_settings=CONTEXT)
@click.option("--cid", required=True, help="The IPFS CID of the uploaded image folder.")
@click.option(
    "--metadata-dir",
    type=click.Path(path_type=Path),
    default=Path(DEFAULT_OUTPUT) / METADATA_DIR,
    show_default=True,
    help="Folder of the token metadata files ({id}.json).",
)
@log_level_option
@click.pass_context
def update_cid_command(ctx: click.Context, cid: str, metadata_dir: Path, log_level: str) -> None:
    """Rewrite the image URIs of every token to ipfs://CID/{file}."""

    def action() -> int:
        with OutputLock(metadata_dir.parent, "update-cid"):  # never beside a running writer
            changed = update_cid(metadata_dir, cid)
        click.echo(
            f"Updated {changed} token file(s) in {metadata_dir} and its chain folders to "
            f"ipfs://{cid}/…; rebuilt combined_metadata.json"
        )
        return 0

    run_command(ctx, log_level, action)
