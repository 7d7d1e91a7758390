"""CSV that is safe to open in a spreadsheet: the one place that defuses formula injection.

Names, titles and external ids come from learners, instructors and API clients; a cell that starts with
one of these characters is run as a formula by Excel, LibreOffice and Google Sheets (OWASP "CSV
injection"), so such text is prefixed with a quote, which spreadsheets show as plain text.
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """``value`` as a spreadsheet shows it literally: text that would be run as a formula gets a leading quote."""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return f"'{value}"
    return value


def defuse_row(row: dict) -> dict:
    """Every value of ``row`` through :func:`defuse`."""
    return {key: defuse(value) for key, value in row.items()}
