"""JSON Lines (one paper object per line) and JSON arrays of paper objects.

Both stream: a JSON array is decoded one element at a time from a bounded buffer, so a large
array needs no more memory than its largest element (at most
:data:`~kg.ingest.records.MAX_RECORD_BYTES`).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.ingest.records import (
    HEAD_BYTES,
    MAX_RECORD_BYTES,
    RAW_LIMIT,
    Problem,
    RawRecord,
    check_text_head,
    map_fields,
    read_lines,
    truncate,
)

_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()


def read_jsonl(
    path: Path, source: str, columns: Mapping[str, str] | None = None
) -> Iterator[RawRecord | Problem]:
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
        except RecursionError:
            yield Problem(line.number, "JSON nested too deeply to be a paper record",
                          truncate(line.text))
            continue
        except ValueError as exc:  # an integer over Python's 4,300-digit conversion limit
            yield Problem(line.number, _number_problem(exc), truncate(line.text))
            continue
        if not isinstance(obj, dict):
            yield Problem(line.number, f"expected a JSON object, got {_kind(obj)}",
                          truncate(line.text))
            continue
        yield RawRecord(line.number, map_fields(obj, columns), truncate(line.text))


def _number_problem(exc: ValueError) -> str:
    """Python refuses to convert integers of more than 4,300 digits (CVE-2020-10735)."""
    return "a number of more than 4,300 digits (too long to read): not a paper field"


class _BadElement(Exception):
    """An array element that cannot be a paper record (too long, a number too long to read):
    skipped as a record-level problem, the rest of the array still read."""


_IN_STRING = re.compile(r'["\\]')
_OUTSIDE = re.compile(r'["\[\]{},\s]')


class _Text:
    """The decoded text of a file, read in chunks into a buffer that forgets what was consumed.

    ``buf[pos:]`` is the unread text; :meth:`line_at` gives the 1-based line of a buffer index.
    """

    def __init__(self, path: Path, source: str) -> None:
        check_text_head(path, source)
        self.source = source
        try:
            self._fh = path.open("rb")
        except OSError as exc:
            raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._mark, self._mark_line = 0, 1  #: a buffer index and its line (counted up to it)
        self._first = True

    def close(self) -> None:
        self._fh.close()

    def line_at(self, index: int) -> int:
        """The line of ``buf[index]`` (counting forward from the last index asked: linear)."""
        if index >= self._mark:
            self._mark_line += self.buf.count("\n", self._mark, index)
            self._mark = index
            return self._mark_line
        return self._mark_line - self.buf.count("\n", index, self._mark)

    def fill(self) -> bool:
        """Read one more chunk into the buffer; False at the end of the file."""
        if self.eof:
            return False
        if self.pos > HEAD_BYTES:  # forget the consumed text
            self.line_at(self.pos)
            self.buf, self._mark, self.pos = self.buf[self.pos:], self._mark - self.pos, 0
        data = self._fh.read(HEAD_BYTES)
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            line = self.line_at(len(self.buf)) + data.count(b"\n", 0, max(0, exc.start))
            raise InputError(self.source, f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x})"
                             ": save the file as UTF-8", line) from None
        if self._first and text:
            text, self._first = text.removeprefix("\ufeff"), False
        if "\x00" in text:
            raise InputError(self.source, "binary file (NUL bytes), not a text input",
                             self.line_at(len(self.buf)) + text.count("\n", 0, text.find("\x00")))
        self.buf += text
        self.eof = not data
        return bool(data)

    def skip_space(self) -> str | None:
        """Move past whitespace; the next character, or None at the end of the file."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return None

    def decode_value(self) -> tuple[Any, int]:
        """Decode the JSON value at ``pos``; return it and its end index (``pos`` unchanged).

        The buffer grows until the value is complete; a value longer than
        :data:`MAX_RECORD_BYTES` characters, or malformed, raises :class:`InputError`.
        """
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                error: json.JSONDecodeError | None = exc
            except RecursionError:
                raise InputError(self.source, "JSON nested too deeply to be a paper record",
                                 self.line_at(self.pos)) from None
            except ValueError as exc:  # an integer over the 4,300-digit conversion limit
                raise _BadElement(_number_problem(exc)) from None
            else:
                error = None
                if end < len(self.buf) or self.eof:  # "12" may be the start of "123"
                    return value, end
            if len(self.buf) - self.pos > MAX_RECORD_BYTES:
                if error is not None and error.pos < len(self.buf) - 1 and \
                        not error.msg.startswith("Unterminated"):
                    raise self.syntax_error(error)
                raise _BadElement(f"an array element longer than {MAX_RECORD_BYTES:,} "
                                  f"characters (not a paper record)")
            if not self.fill():
                if error is not None:
                    raise self.syntax_error(error)

    def skip_value(self) -> None:
        """Move past the JSON value at ``pos`` without holding it (the buffer forgets what was
        read): strings, escapes and brackets tracked, one search per token."""
        depth, in_string = 0, False
        while True:
            if self.pos >= len(self.buf) and not self.fill():
                return  # the caller reports the unclosed array
            pattern = _IN_STRING if in_string else _OUTSIDE
            m = pattern.search(self.buf, self.pos)
            if m is None:
                self.pos = len(self.buf)
                continue
            c, self.pos = m.group(), m.end()
            if in_string:
                if c == "\\":
                    if self.pos >= len(self.buf):
                        self.fill()
                    self.pos += 1
                else:
                    in_string = False
                    if depth == 0:
                        return
            elif c == '"':
                in_string = True
            elif c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
                if depth <= 0:
                    self.pos -= depth < 0  # a "]" closing the array is not ours
                    return
            elif depth == 0:  # "," or blank after a bare number / literal
                self.pos -= 1
                return

    def syntax_error(self, exc: json.JSONDecodeError) -> InputError:
        column = exc.pos - self.buf.rfind("\n", 0, exc.pos)
        return InputError(self.source, f"malformed JSON: {exc.msg} (column {column})",
                          self.line_at(exc.pos))


def read_json(
    path: Path, source: str, columns: Mapping[str, str] | None = None
) -> Iterator[RawRecord | Problem]:
    """A JSON array of paper objects; the record number is the line an element starts on.

    A syntax error leaves the rest of the array unreadable, so it is a file-level error.
    """
    text = _Text(path, source)
    try:
        yield from _elements(text, columns)
    finally:
        text.close()


def _elements(text: _Text, columns: Mapping[str, str] | None) -> Iterator[RawRecord | Problem]:
    source = text.source

    def syntax_error(problem: str) -> InputError:
        return InputError(source, f"malformed JSON: {problem}", text.line_at(text.pos))

    first = text.skip_space()
    if first is None:
        raise syntax_error("the file is empty")
    if first != "[":
        kind = "an object" if first == "{" else "no array"
        raise InputError(source, f"expected a JSON array of paper objects, found {kind} "
                         "(one object per line is JSON Lines: use --format jsonl)",
                         text.line_at(text.pos))
    text.pos += 1
    if text.skip_space() == "]":
        text.pos += 1
    else:
        while True:
            if text.skip_space() is None:
                raise syntax_error("the array is not closed with ']'")
            start_line = text.line_at(text.pos)
            try:
                obj, end = text.decode_value()
            except _BadElement as exc:
                raw = truncate(text.buf[text.pos:text.pos + RAW_LIMIT])
                text.skip_value()
                yield Problem(start_line, str(exc), raw)
            else:
                raw = truncate(text.buf[text.pos:min(end, text.pos + RAW_LIMIT)])
                text.pos = end
                yield _element(obj, start_line, columns, raw)
            after = text.skip_space()
            if after == ",":
                text.pos += 1
                continue
            if after == "]":
                text.pos += 1
                break
            raise syntax_error("expected ',' or ']' after an array element"
                               if after is not None else "the array is not closed with ']'")
    if text.skip_space() is not None:
        raise syntax_error("extra data after the array")


def _element(obj: object, line: int, columns: Mapping[str, str] | None,
             raw: str) -> RawRecord | Problem:
    if isinstance(obj, dict):
        return RawRecord(line, map_fields(obj, columns), raw)
    return Problem(line, f"expected a JSON object, got {_kind(obj)}", raw)


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
