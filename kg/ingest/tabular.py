"""CSV and TSV files with a header row (quoted fields may span lines)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from kg.errors import InputError
from kg.ingest.records import (
    ALIASES,
    FIELDS,
    MAX_RECORD_BYTES,
    Line,
    Problem,
    RawRecord,
    normalise_key,
    read_lines,
    show,
    truncate,
)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # abstracts may be long; the default is 128 KiB


def read_csv(
    path: Path, source: str, columns: Mapping[str, str] | None = None
) -> Iterator[RawRecord | Problem]:
    """Comma-separated values (``;`` when the header has semicolons but no commas)."""
    return _read(path, source, columns, None)


def read_tsv(
    path: Path, source: str, columns: Mapping[str, str] | None = None
) -> Iterator[RawRecord | Problem]:
    """Tab-separated values."""
    return _read(path, source, columns, "\t")


class _Feed:
    """Hands decoded lines to :mod:`csv` and remembers them (for ``raw`` and decoding errors).

    A record (quoted fields may span lines) longer than :data:`MAX_RECORD_BYTES` characters is
    a file-level error: it is most likely an unclosed quote, and it must not fill the memory.
    """

    def __init__(self, lines: Iterator[Line], source: str) -> None:
        self._lines = lines
        self.source = source
        self.taken: list[Line] = []
        self._size = 0

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if line.cut:
            line.text = ""  # an over-long line: its start alone would desynchronise the quoting
        self.taken.append(line)
        self._size += len(line.text) + 1
        if self._size > MAX_RECORD_BYTES:
            raise InputError(self.source, f"a CSV record longer than {MAX_RECORD_BYTES:,} "
                             "characters (an unclosed quote?)", self.taken[0].number)
        return line.text + "\n"

    def clear(self) -> None:
        """Forget the lines taken so far (the record they made is done)."""
        self.taken.clear()
        self._size = 0


def _read(
    path: Path, source: str, columns: Mapping[str, str] | None, delimiter: str | None
) -> Iterator[RawRecord | Problem]:
    feed = _Feed(read_lines(path, source), source)
    header_line: Line | None = None
    for line in feed:
        if line.strip():
            header_line = feed.taken[-1]
            break
    if header_line is None:
        return
    if header_line.error:
        raise InputError(source, f"header: {header_line.error}", header_line.number)
    if delimiter is None:
        text = header_line.text
        delimiter = ";" if ";" in text and "," not in text else ","
    try:
        header = next(csv.reader([header_line.text], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InputError(source, f"malformed header: {exc}", header_line.number) from None
    index = _column_index(header, columns, source, header_line.number)
    feed.clear()
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            first = feed.taken[0].number if feed.taken else header_line.number + 1
            yield Problem(first, f"malformed CSV: {exc}", _raw(feed))
            feed.clear()
            continue
        lines, raw = feed.taken[:], _raw(feed)
        feed.clear()
        if not lines:
            return
        number = lines[0].number
        bad = next((ln for ln in lines if ln.error), None)
        if bad is not None:
            yield Problem(bad.number, bad.error or "", raw)
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Problem(number, f"malformed CSV: {len(row)} fields, the header has "
                          f"{len(header)}", raw)
            continue
        fields = {field: row[i] for field, i in index.items()}
        yield RawRecord(number, fields, raw)


def _raw(feed: _Feed) -> str:
    return truncate("\n".join(line.text for line in feed.taken))


def _column_index(
    header: list[str], columns: Mapping[str, str] | None, source: str, line: int
) -> dict[str, int]:
    """Field -> column position, from ``columns`` or the default names (case-insensitive)."""
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        positions.setdefault(normalise_key(name), i)
    index: dict[str, int] = {}
    for field in FIELDS:
        if columns and field in columns:
            key = normalise_key(columns[field])
            if key not in positions:
                raise InputError(
                    source,
                    f"no column {show(columns[field])} for {field} in the header "
                    f"(columns: {', '.join(show(h, 30) for h in header)})",
                    line,
                )
            index[field] = positions[key]
            continue
        for alias in ALIASES[field]:
            if alias in positions:
                index[field] = positions[alias]
                break
    for needed in ("title", "abstract"):
        if needed not in index:
            raise InputError(
                source,
                f"no {needed} column in the header (columns: "
                f"{', '.join(show(h, 30) for h in header)}); name it with "
                f"--columns {needed}=COLUMN",
                line,
            )
    return index
