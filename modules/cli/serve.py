"""`genecator serve`: the studio, a local web app and job API over the same generator."""

from pathlib import Path

import click

from modules.cli.support import CONTEXT, log_level_option, run_command


@click.command("serve", context_settings=CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder the studio may read and write; its state goes to .genecator-studio/.",
)
@click.option(
    "--token",
    help="Required on every request [default: none on 127.0.0.1, else generated and printed].",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Generations that run at once; the rest wait in the queue.",
)
@click.option(
    "--workers", type=click.IntRange(1, 256), help="Render processes per job [default: CPUs]."
)
@log_level_option
@click.pass_context
def serve_command(
    ctx: click.Context,
    host: str,
    port: int,
    workspace: Path,
    token: str | None,
    jobs: int,
    workers: int | None,
    log_level: str,
) -> None:
    """Serve the studio: open the printed address in a browser."""
    # Imported here: the web stack is only needed by this command.
    from modules.serve.server import serve
    from modules.serve.studio import StudioOptions

    def action() -> int:
        if not workspace.is_dir():
            raise click.BadParameter(f"{workspace}: no such folder", param_hint="--workspace")
        options = StudioOptions(workspace.resolve(), token, job_slots=jobs, workers=workers)
        serve(options, host, port, lambda line: click.echo(line))
        return 0

    run_command(ctx, log_level, action)
