"""CSV cells a spreadsheet cannot run: the one rule every CSV export of Accord follows.

Excel, LibreOffice Calc and Google Sheets read a cell starting with "=", "+", "-" or "@" (or a
tab or carriage return before one) as a formula, which can fetch or send data or run a command
(OWASP "CSV injection"). Such a cell is written with a leading apostrophe, which a spreadsheet
shows as text. Every CSV export writes its cells through `defused`. Pure Python.
"""

from __future__ import annotations

from typing import Final

# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def defused(value: object) -> str:
    """A CSV cell's text, with a leading quote if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
