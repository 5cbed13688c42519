"""CSV rows for spreadsheets: text from pages never becomes a formula when the file is opened."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# A cell starting with one of these is run as a formula by Excel and LibreOffice. Page titles and
# headings come from HTML the service does not control ("=HYPERLINK(...)"), so such text is
# quoted with an apostrophe; numbers are left alone (-30 days late is a number, not a formula).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A value as a CSV cell: None as empty, formula-like text quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A whole CSV document (header first), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue()
