"""Analysis reports as CSV or JSON, the format chosen by the file's extension."""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from modules.atomic_io import atomic_write_bytes, json_bytes
from modules.errors import ConfigError, OutputError
from modules.publish.csv_files import csv_bytes

FORMATS = (".csv", ".json")


def check_report_path(path: Path) -> Path:
    """`path`, or an error when its extension is neither .csv nor .json."""
    if path.suffix.lower() not in FORMATS:
        msg = f"{path}: the report must end in .csv or .json (the extension picks the format)"
        raise ConfigError(msg)
    return path


def write_report(
    path: Path,
    columns: Sequence[str],
    rows: Callable[[], Sequence[Sequence[object]]],
    document: Callable[[], Any],
) -> None:
    """Atomically write `rows()` as CSV or `document()` as canonical JSON, by `path`'s
    extension; only the one needed is built (a report can hold millions of rows)."""
    check_report_path(path)
    csv_wanted = path.suffix.lower() == ".csv"
    write_output(path, csv_bytes(columns, rows()) if csv_wanted else json_bytes(document()))


def write_output(path: Path, data: bytes) -> None:
    """Atomically write `data`; an OS error becomes one line naming the file."""
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        msg = f"{path}: cannot write it ({exc.strerror or exc})"
        raise OutputError(msg) from None
