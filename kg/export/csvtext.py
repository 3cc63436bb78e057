"""CSV text as RFC 4180 has it, quoted wherever a reader needs it.

Python's :mod:`csv` writer (3.11) leaves a field with a bare carriage return unquoted when the
line terminator is ``\\n``, and every reader then splits the row there.  :func:`csv_line` quotes
a field that holds a comma, a double quote, ``\\r`` or ``\\n`` (doubling the quotes) and leaves
every other field, the empty one included, as it is: the same bytes as ``csv.writer`` otherwise.

Formula injection: a spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula (``=HYPERLINK(…)``, ``=cmd|…``).  With
``neutralise=True`` such a cell gets a leading ``'`` (OWASP's advice, what spreadsheet exports
do), so it is shown as text; numbers (``-0.5``, ``+3``) are left as they are.  Files meant for
graph databases keep raw values (``neutralise=False``, ``paperkg build --csv-raw``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_SPECIAL = frozenset(',"\r\n')
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_formula(value: str) -> str:
    """``'`` + ``value`` when a spreadsheet would read ``value`` as a formula; else ``value``."""
    if value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_field(value: str) -> str:
    """One field, quoted if it holds ``,``, ``"``, ``\\r`` or ``\\n``."""
    if _SPECIAL.isdisjoint(value):
        return value
    return '"' + value.replace('"', '""') + '"'


def csv_line(fields: Iterable[str]) -> str:
    """One CSV line (``\\n``-terminated)."""
    return ",".join(csv_field(f) for f in fields) + "\n"


def write_csv(path: Path, rows: Iterable[Iterable[str]], neutralise: bool = False) -> None:
    """Write rows of text fields as a UTF-8 CSV file with ``\\n`` line ends (cells a spreadsheet
    would run as formulas neutralised when ``neutralise``)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        for row in rows:
            if neutralise:
                row = [neutralise_formula(f) for f in row]
            fh.write(csv_line(row))
