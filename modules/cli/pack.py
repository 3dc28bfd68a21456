"""`genecator pack`: the offline IPFS CIDs and CAR files of a collection's image/ and
metadata/ folders (modules/analysis/ipfs_pack.py)."""

from pathlib import Path

import click

from modules.analysis.ipfs_pack import PACK_RECORD, pack_collection
from modules.cli.support import CONTEXT, log_level_option, output_option, run_command
from modules.publish.ipfs.convention import CONVENTIONS, KUBO
from modules.publish.output_lock import OutputLock


@click.command("pack", context_settings=CONTEXT)
@output_option("Folder of the generated collection.")
@click.option(
    "--convention",
    type=click.Choice(sorted(CONVENTIONS)),
    default=KUBO.name,
    show_default=True,
    help="Whose CIDs to reproduce: kubo (ipfs add -r --cid-version=1) or npm ipfs-car.",
)
@click.option(
    "--car/--no-car", default=True, show_default=True, help="Write image.car/metadata.car."
)
@log_level_option
@click.pass_context
def pack_command(
    ctx: click.Context, output: Path, convention: str, car: bool, log_level: str
) -> None:
    """Compute the IPFS CIDs of image/ and metadata/ offline and write CAR files of them."""

    def action() -> int:
        with OutputLock(output, "pack"):  # never beside a running writer
            packed, changed = pack_collection(output, CONVENTIONS[convention], car)
        for item in packed:
            written = f" (wrote {output / item.car})" if item.car else ""
            click.echo(f"{item.folder}/: {item.cid}{written}")
        click.echo(
            f"Pointed {changed} token file(s) at ipfs://{packed[0].cid}/…; "
            f"recorded the CIDs in {output / PACK_RECORD}"
        )
        return 0

    run_command(ctx, log_level, action)
