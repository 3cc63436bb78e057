"""Checks a query must pass before any SPARQL parser sees it, each linear in the query length.

:func:`scan_query` reads a query once, left to right, and never goes back: every step consumes
what it looked at (a string, an IRI, a comment, a name, a variable, one character).  An
unterminated string or a ``<`` that starts no IRI consumes what was scanned, so no input makes
the scan look at a character more than twice.  From that one pass come the bare keywords (for the
read-only check) and the nesting depth of ``{``/``(``/``[`` (pyoxigraph's recursive parser
overflows its stack on a few thousand levels, which kills the process).

The endpoint and ``paperkg query`` both call :func:`check_query` first, so they refuse the same
queries with the same one-line messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import PaperkgError

#: Default largest query accepted, in UTF-8 bytes.
MAX_QUERY_BYTES = 100_000
#: Default deepest nesting of ``{`` ``(`` ``[`` accepted.
MAX_QUERY_DEPTH = 64

# One of these starts every token the scan cares about; everything else is skipped by one search.
_NEXT = re.compile(r"""['"#<{}()\[\]?$\\\w.\-:%]""")
# a keyword or a prefixed name (with PN_LOCAL_ESC escapes), matched greedily, no backtracking
_NAME = re.compile(r"(?:[\w.\-:%]+|\\.)(?:\\.[\w.\-:%]*|[\w.\-:%]+)*")
_VAR = re.compile(r"[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]*")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_LONG_END = {"'": re.compile(r"\\|'''"), '"': re.compile(r'\\|"""')}
_SHORT_END = {"'": re.compile(r"[\\'\n\r]"), '"': re.compile(r'[\\"\n\r]')}
_WORD = re.compile(r"[A-Za-z_]+")
_SPLIT = re.compile(r"[.\-]")
_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")


class QueryLimitError(PaperkgError):
    """A query over the size or nesting limit (refused before it is parsed)."""


@dataclass(frozen=True, slots=True)
class QueryShape:
    """What one linear pass over a query found."""

    keywords: list[str]  #: bare words outside strings, IRIs, comments, names, upper case
    depth: int  #: deepest nesting of ``{`` ``(`` ``[``


def _end_of_string(query: str, pos: int) -> int:
    """The index after the string literal starting at ``pos`` (or after what was scanned)."""
    quote = query[pos]
    long = query.startswith(quote * 3, pos)
    pattern = (_LONG_END if long else _SHORT_END)[quote]
    i = pos + (3 if long else 1)
    while True:
        m = pattern.search(query, i)
        if m is None:
            return len(query)  # unterminated: the rest is the string (the parser refuses it)
        if m.group() == "\\":
            i = m.end() + 1
            continue
        return m.end() if m.group()[0] == quote else m.start()  # a newline ends a bad string


def scan_query(query: str) -> QueryShape:
    """Keywords and nesting depth of ``query`` in one pass, linear in its length."""
    words: list[str] = []
    depth = deepest = 0
    pos, n = 0, len(query)
    while pos < n:
        m = _NEXT.search(query, pos)
        if m is None:
            break
        pos, c = m.start(), m.group()
        if c in "'\"":
            pos = _end_of_string(query, pos)
        elif c == "#":
            end = query.find("\n", pos)
            pos = n if end < 0 else end + 1
        elif c == "<":
            iri = _IRI.match(query, pos)
            pos = iri.end() if iri else pos + 1  # a failed IRI never spans a "<": linear
        elif c in "?$":
            var = _VAR.match(query, pos)
            pos = var.end() if var else pos + 1
        elif c in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
            pos += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
            pos += 1
        else:
            name = _NAME.match(query, pos)
            if name is None:  # a lone backslash
                pos += 1
                continue
            text = name.group()
            if ":" not in text and "\\" not in text:
                words.extend(w.upper() for w in _SPLIT.split(text) if _WORD.fullmatch(w))
            pos = name.end()
    return QueryShape(words, deepest)


def check_query(query: str, max_bytes: int = MAX_QUERY_BYTES,
                max_depth: int = MAX_QUERY_DEPTH) -> QueryShape:
    """Refuse a query over ``max_bytes`` or nested deeper than ``max_depth``; return its shape."""
    size = len(query) if len(query) > max_bytes else len(query.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise QueryLimitError(f"the query is {size:,} bytes; the limit is {max_bytes:,}")
    shape = scan_query(query)
    if shape.depth > max_depth:
        raise QueryLimitError(f"the query nests {shape.depth} levels of brackets; the limit is "
                              f"{max_depth}")
    return shape
