"""Options shared by the analysis scripts in utils/ (each a thin CLI over one module)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from modules.analysis.table_files import check_report_path
from modules.constants import DEFAULT_OUTPUT

collection_option = click.option(
    "-d",
    "--collection",
    type=click.Path(path_type=Path),
    default=DEFAULT_OUTPUT,
    show_default=True,
    help="Folder of a generated collection (holds image/ and metadata/).",
)

combined_file_option = click.option(
    "--file",
    "combined_file",
    type=click.Path(path_type=Path),
    help="Read this combined_metadata.json instead of the collection's {id}.json files.",
)

# What click.option(...) returns: a decorator for a command function or a Command.
FC = TypeVar("FC", bound=Callable[..., Any] | click.Command)


def report_option(default_name: str) -> Callable[[FC], FC]:
    """--output FILE.csv|FILE.json; without it, `default_name` in the collection folder."""

    def check(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
        if value is not None and value.suffix.lower() not in (".csv", ".json"):
            raise click.BadParameter(f"{value}: must end in .csv or .json")
        return value

    return click.option(
        "--output",
        type=click.Path(path_type=Path),
        callback=check,
        help=f"Report file; .csv or .json picks the format [default: {default_name} beside "
        "the metadata read].",
    )


def report_path(output: Path | None, collection: Path, combined: Path | None, name: str) -> Path:
    """The report file: --output, else `name` in the collection (or --file's) folder."""
    if output is not None:
        return check_report_path(output)
    return (combined.parent if combined is not None else collection) / name
