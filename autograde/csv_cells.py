"""CSV files a teacher opens in a spreadsheet: every cell data, never a formula.

Student names, emails and ids come from the roster or the LMS, and a student chooses them: a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel, LibreOffice and
Google Sheets (``=HYPERLINK(...)`` sends data away, ``=cmd|...`` runs a command). OWASP's rule
(https://owasp.org/www-community/attacks/CSV_Injection): such a cell gets a leading ``'``, which the
spreadsheet shows as text; every cell is quoted, so that a comma, a quote or a newline stays inside its
cell. Numbers the grader writes (``-1.5``, ``18``) are left as they are: a spreadsheet reads them as
numbers, which they are.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as Python's str() or format(x, "g") writes it; "+1" is not one (a spreadsheet would compute it).
NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: ``'`` before a formula's first character."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_table(path: str | Path, header: Sequence[str], lines: Iterable[Mapping[str, object]]) -> None:
    """Write ``lines`` (dicts keyed by ``header``; a missing key is an empty cell) to ``path``: every
    cell, the header's included, neutralised and quoted."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow([neutralise(name) for name in header])
        writer.writerows([neutralise(line.get(name, "")) for name in header] for line in lines)
