"""CSV as Genecator writes it: a header and rows, '\\n' line ends, UTF-8, and every text cell
that a spreadsheet would run as a formula neutralised (OWASP's CSV injection advice)."""

import csv
import io
from collections.abc import Sequence

# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and
# Google Sheets; a leading apostrophe makes it plain text there.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def csv_bytes(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """The table as CSV bytes; text cells are made safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(column) for column in columns])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def safe_cell(cell: object) -> object:
    """`cell`, with an apostrophe before text a spreadsheet would run as a formula."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return TEXT_MARK + cell
    return cell


def cell_text(cell: str) -> str:
    """The text a safe_cell() cell was made from."""
    if cell.startswith(TEXT_MARK) and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell
