"""JSON Lines (one paper object per line) and JSON arrays of paper objects."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from kg.errors import InputError
from kg.ingest.records import Candidate, Problem, map_fields, read_lines, read_text, truncate

_WHITESPACE = " \t\r\n"


def read_jsonl(
    path: Path, source: str, columns: Mapping[str, str] | None = None
) -> Iterator[Candidate | Problem]:
    """One record per non-blank line; the record number is the line number."""
    for line in read_lines(path, source):
        if line.error:
            yield Problem(line.number, line.error, truncate(line.text))
            continue
        if not line.text.strip():
            continue
        try:
            obj = json.loads(line.text)
        except json.JSONDecodeError as exc:
            yield Problem(line.number, f"malformed JSON: {exc.msg} (column {exc.colno})",
                          truncate(line.text))
            continue
        if not isinstance(obj, dict):
            yield Problem(line.number, f"expected a JSON object, got {_kind(obj)}",
                          truncate(line.text))
            continue
        yield Candidate(line.number, map_fields(obj, columns), truncate(line.text))


def read_json(
    path: Path, source: str, columns: Mapping[str, str] | None = None
) -> Iterator[Candidate | Problem]:
    """A JSON array of paper objects; the record number is the line an element starts on.

    A syntax error leaves the rest of the array unreadable, so it is a file-level error.
    """
    text = read_text(path, source)
    decoder = json.JSONDecoder()
    line = 1
    pos = 0

    def skip(i: int) -> int:
        nonlocal line
        j = i
        while j < len(text) and text[j] in _WHITESPACE:
            j += 1
        line += text.count("\n", i, j)
        return j

    def syntax_error(problem: str) -> InputError:
        return InputError(source, f"malformed JSON: {problem}", line)

    pos = skip(pos)
    if pos >= len(text):
        raise syntax_error("the file is empty")
    if text[pos] != "[":
        kind = "an object" if text[pos] == "{" else "no array"
        raise InputError(source, f"expected a JSON array of paper objects, found {kind} "
                         "(one object per line is JSON Lines: use --format jsonl)", line)
    pos = skip(pos + 1)
    if pos < len(text) and text[pos] == "]":
        pos = skip(pos + 1)
    else:
        while True:
            start_line = line
            try:
                obj, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise InputError(source, f"malformed JSON: {exc.msg} (column {exc.colno})",
                                 exc.lineno) from None
            raw = truncate(text[pos:end])
            line += text.count("\n", pos, end)
            if isinstance(obj, dict):
                yield Candidate(start_line, map_fields(obj, columns), raw)
            else:
                yield Problem(start_line, f"expected a JSON object, got {_kind(obj)}", raw)
            pos = skip(end)
            if pos < len(text) and text[pos] == ",":
                pos = skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "]":
                pos = skip(pos + 1)
                break
            raise syntax_error("expected ',' or ']' after an array element"
                               if pos < len(text) else "the array is not closed with ']'")
    if pos < len(text):
        raise syntax_error("extra data after the array")


def _kind(obj: object) -> str:
    if isinstance(obj, list):
        return "an array"
    if isinstance(obj, str):
        return "a string"
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "a boolean"
    return "a number"
