"""The one place where errors become user text and exit codes (DESIGN.md §5)."""

import logging
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from modules.constants import DEFAULT_OUTPUT, DEFAULT_TRAITS
from modules.errors import GenecatorError
from modules.run.report import EXIT_ERROR, EXIT_INTERRUPTED
from modules.run.stop_signals import (
    StopSignal,
    exit_on_stop_signals,
    interrupted_line,
    raising_stop_signals,
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Characters that would split a message line or cannot be encoded: control characters,
# line/paragraph separators and lone surrogates (undecodable bytes in file names).
ESCAPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})

logger = logging.getLogger("genecator")

F = TypeVar("F", bound=Callable[..., Any])

# Every command accepts -h as well as --help.
CONTEXT = {"help_option_names": ["-h", "--help"]}

config_option = click.option(
    "-c",
    "--config",
    type=click.Path(path_type=Path),
    help="config.json to use [default: config.json, else config.sample.json].",
)
ruler_option = click.option(
    "-r",
    "--ruler",
    type=click.Path(path_type=Path),
    help="ruler.json with compatibility rules [default: ruler.json if present].",
)
traits_option = click.option(
    "-t",
    "--traits",
    type=click.Path(path_type=Path),
    help="Folder with one sub-folder of trait images per layer [default: the config's "
    f"traits_dir, else {DEFAULT_TRAITS}].",
)


def output_option(help_text: str) -> Callable[[F], F]:
    """-o/--output, the collection folder, default output/."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        default=DEFAULT_OUTPUT,
        show_default=True,
        help=help_text,
    )


log_level_option = click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    default="INFO",
    show_default=True,
    help="DEBUG also shows tracebacks.",
)


def printable(text: str) -> str:
    """`text` as one printable line: escapes control characters, and shows a file name's
    undecodable bytes as \\xNN (os.fsdecode keeps them as surrogates U+DC80..U+DCFF)."""
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    if unicodedata.category(char) not in ESCAPED_CATEGORIES:
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii")


class _PrintableFormatter(logging.Formatter):
    """Log messages go through printable() too, so an odd file name cannot break stderr
    (a traceback, appended after the message, keeps its lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record))


class StopAwareCommand(click.Command):
    """A command that a stop signal ends with one line and exit 130 while it parses its
    options too, before run_command takes over."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with exit_on_stop_signals():
            return super().main(*args, **kwargs)


class StopAwareGroup(StopAwareCommand, click.Group):
    """A group of commands, stop-aware the same way."""


OUT_OF_MEMORY = (
    "ran out of memory; files already written are complete. Lower -n, --workers, "
    "--max-memory or the image size, or free memory, then run the same command again"
)


def run_command(
    ctx: click.Context, log_level: str, action: Callable[[], int], resumable: bool = False
) -> None:
    """Configure logging, run `action` and exit with its code; a GenecatorError becomes
    one 'Error: …' line per problem and exit 1, with the traceback only at DEBUG. Ctrl-C or
    SIGTERM ends it with one line (naming --resume when `resumable`) and exit 130."""
    _configure_logging(log_level)
    try:
        with raising_stop_signals():
            code = action()
    except GenecatorError as exc:
        logger.debug("details", exc_info=True)
        for problem in exc.problems:
            click.echo(f"Error: {printable(problem)}", err=True)
        code = EXIT_ERROR
    except KeyboardInterrupt as exc:
        name = exc.name if isinstance(exc, StopSignal) else "SIGINT"
        click.echo(interrupted_line(name, resumable), err=True)
        code = EXIT_INTERRUPTED
    except MemoryError:
        # Sizes are checked before allocating; this is the last line behind those checks.
        logger.debug("details", exc_info=True)
        click.echo(f"Error: {OUT_OF_MEMORY}", err=True)
        code = EXIT_ERROR
    ctx.exit(code)


def _configure_logging(log_level: str) -> None:
    """logging.basicConfig, with messages made printable."""
    handler = logging.StreamHandler()
    handler.setFormatter(_PrintableFormatter("%(levelname)s: %(message)s"))
    logging.basicConfig(level=log_level.upper(), handlers=[handler])
