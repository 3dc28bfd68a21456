"""The `genecator` command: one group whose subcommands are the generator, the scanner, the
validator and every collection tool of utils/."""

from modules.run.stop_signals import exit_on_stop_signals

# Importing every command takes about half a second, the start of every `genecator` run: a
# Ctrl-C or SIGTERM meanwhile ends with one line, not a traceback or a silent kill.
with exit_on_stop_signals():
    import click

    from modules.cli.combine_metadata import combine_metadata_command
    from modules.cli.duplicates import duplicates_command
    from modules.cli.generate import generate_command
    from modules.cli.get_traits import get_traits_command
    from modules.cli.pack import pack_command
    from modules.cli.preview import preview_command
    from modules.cli.provenance import provenance_command
    from modules.cli.rarity import rarity_command
    from modules.cli.reroll import reroll_command
    from modules.cli.serve import serve_command
    from modules.cli.similarity import similarity_command
    from modules.cli.support import CONTEXT, StopAwareGroup
    from modules.cli.update_cid import update_cid_command
    from modules.cli.validate import validate_command

COMMANDS = (
    generate_command,
    reroll_command,
    get_traits_command,
    validate_command,
    rarity_command,
    duplicates_command,
    similarity_command,
    combine_metadata_command,
    update_cid_command,
    pack_command,
    provenance_command,
    preview_command,
    serve_command,
)


@click.group(cls=StopAwareGroup, context_settings=CONTEXT)
@click.version_option(package_name="genecator")
def genecator() -> None:
    """Build unique layered-trait collections and check them before minting."""


for command in COMMANDS:
    genecator.add_command(command)
