"""The one place where errors become user text and exit codes (DESIGN.md §5)."""

import logging
from collections.abc import Callable

import click

from modules.errors import GenecatorError
from modules.report import EXIT_ERROR

EXIT_INTERRUPTED = 130
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

logger = logging.getLogger("genecator")

log_level_option = click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    default="INFO",
    show_default=True,
    help="DEBUG also shows tracebacks.",
)


def run_command(ctx: click.Context, log_level: str, action: Callable[[], int]) -> None:
    """Configure logging, run `action` and exit with its code; a GenecatorError becomes
    one 'Error: …' line per problem and exit 1, with the traceback only at DEBUG."""
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s: %(message)s")
    try:
        code = action()
    except GenecatorError as exc:
        logger.debug("details", exc_info=True)
        for problem in exc.problems:
            click.echo(f"Error: {problem}", err=True)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        click.echo(
            "Interrupted; files already written are complete: "
            "run the same command with --resume to finish.",
            err=True,
        )
        code = EXIT_INTERRUPTED
    ctx.exit(code)
