"""Reading JSON Lines files with errors that name the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError


def read_objects(path: Path | str, text: str | None = None) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for every non-blank line of a JSON Lines file (streamed).

    ``text`` is the file's content when it is already in memory (a packaged resource).
    Raises :class:`InputError` for a missing file, bad UTF-8, bad JSON or a line that is not an
    object.
    """
    source = str(path)
    if text is not None:
        yield from _parse(text.splitlines(), source)
        return
    try:
        fh = Path(path).open(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, "file not found") from None
    with fh:
        lines = _Counted(fh)
        try:
            yield from _parse(lines, source)
        except UnicodeDecodeError as exc:
            raise InputError(source, f"not UTF-8 text ({exc.reason})", lines.count + 1) from None


class _Counted:
    """Lines of a file, counting how many were read (for the line number of a decoding error)."""

    def __init__(self, fh) -> None:
        self.fh, self.count = fh, 0

    def __iter__(self) -> Iterator[str]:
        for line in self.fh:
            self.count += 1
            yield line


def _parse(lines, source: str) -> Iterator[tuple[int, dict]]:
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(source, f"malformed JSON: {exc.msg}", lineno) from None
        if not isinstance(obj, dict):
            raise InputError(source, "expected a JSON object", lineno)
        yield lineno, obj
