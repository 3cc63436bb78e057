"""A paper-listing page saved as text: a title line, then an abstract line, per paper.

Page furniture before the first paper ("Get trending papers in your email inbox…") is the run
of lines before the first title/abstract pair; a button label glued to the front of the first
title ("SubscribeCan LLMs…") is dropped.  Blank lines are ignored.  A title is a short line
without a final period; an abstract a long line of sentences.  The record number of a paper is
the line number of its title.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from pathlib import Path

from kg.errors import InputError
from kg.ingest.records import Line, Problem, RawRecord, read_lines, truncate

TITLE_MAX_CHARS = 300  #: longer lines are not titles
ABSTRACT_MIN_CHARS = 100  #: shorter lines are not taken for abstracts when resynchronising
MAX_FURNITURE_LINES = 50  #: a listing's first paper starts within this many lines

#: Button labels that page text glues to the front of the first title.
_GLUED_LABEL = re.compile(
    r"^(?:Subscribe|Sign up|Sign in|Log in|Get started)(?=[A-Z0-9\"'“‘(\[])"
)


def is_title(text: str) -> bool:
    """A short line without a final period."""
    text = text.strip()
    return 0 < len(text) <= TITLE_MAX_CHARS and not text.endswith(".")


def is_abstract(text: str) -> bool:
    """A long line of sentences (ends with a period, holds a sentence break, or is long)."""
    text = text.strip()
    return len(text) >= ABSTRACT_MIN_CHARS and (
        len(text) > TITLE_MAX_CHARS or text.endswith(".") or ". " in text
    )


class _Peek:
    """Non-blank lines with look-ahead."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = (line for line in lines if line.text.strip())
        self._buffer: deque[Line] = deque()

    def peek(self, n: int = 0) -> Line | None:
        while len(self._buffer) <= n:
            line = next(self._lines, None)
            if line is None:
                return None
            self._buffer.append(line)
        return self._buffer[n]

    def pop(self) -> Line | None:
        line = self.peek()
        if line is not None:
            self._buffer.popleft()
        return line


def _starts_paper(title: Line | None, abstract: Line | None) -> bool:
    return (title is not None and abstract is not None
            and is_title(title.text) and is_abstract(abstract.text))


def read_listing(
    path: Path, source: str, columns: Mapping[str, str] | None = None
) -> Iterator[RawRecord | Problem]:
    """Title/abstract line pairs after the page furniture (``columns`` does not apply)."""
    lines = _Peek(read_lines(path, source))
    first = lines.peek()
    if first is None:
        return
    furniture = 0
    while not _starts_paper(lines.peek(), lines.peek(1)):
        if lines.peek(1) is None or furniture >= MAX_FURNITURE_LINES:
            raise InputError(
                source,
                "no paper found: a listing is a title line followed by an abstract line "
                f"(looked at the first {furniture + 1} non-blank lines)",
                first.number,
            )
        lines.pop()
        furniture += 1
    glued = furniture > 0
    while (title := lines.pop()) is not None:
        title_text = title.text.strip()
        if glued:
            title_text = _GLUED_LABEL.sub("", title_text)
            glued = False
        if not is_title(title_text) and not title.error:
            yield Problem(title.number, "not a title line (a title is a short line without a "
                          "final period): an abstract without a title?", truncate(title.text))
            continue
        abstract = lines.peek()
        if abstract is None or (is_title(abstract.text) and not is_abstract(abstract.text)):
            where = "at the end of the file" if abstract is None else "before the next title"
            yield Problem(title.number, f"empty abstract: no abstract line {where}",
                          truncate(title.text))
            continue
        lines.pop()
        raw = truncate(f"{title.text}\n{abstract.text}")
        bad = title if title.error else abstract
        if bad.error:
            yield Problem(bad.number, bad.error, raw)
            continue
        yield RawRecord(title.number, {"title": title_text, "abstract": abstract.text.strip()},
                        raw)
