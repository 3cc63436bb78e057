"""Stream record elements out of an XML file, safely (defusedxml) and with line numbers.

Entity declarations (billion laughs, quadratic blow-up) and external entities are refused by
:class:`defusedxml.ElementTree.DefusedXMLParser`; a DOCTYPE naming an external DTD (as PubMed's
does) is allowed but never fetched.  Only the record elements are built as trees, one at a
time, so memory stays flat however long the file is; a record nested deeper than
:data:`MAX_DEPTH` elements or holding more than :data:`~kg.ingest.records.MAX_RECORD_BYTES`
characters of text is not built: it is read past and reported as a record-level problem (a
string in place of the element), which ``--on-error skip`` skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from kg.errors import InputError
from kg.ingest.records import MAX_RECORD_BYTES, check_text_head, show

CHUNK_BYTES = 1 << 16
MAX_DEPTH = 100  #: deepest element nesting in a record (PubMed records nest about 8 deep)


def local_name(tag: str) -> str:
    """``{namespace}name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1]


class _Collector:
    """Parser target that builds only the record elements and notes their first line."""

    def __init__(self, record_tags: frozenset[str]) -> None:
        self.record_tags = record_tags
        self.parser: DefusedXMLParser | None = None
        self.root: str | None = None
        self.done: list[tuple[int, Element | str]] = []
        self._builder: TreeBuilder | None = None
        self._depth = 0
        self._line = 0
        self._chars = 0
        self._refused: str | None = None  #: why the record being read is not built

    def _current_line(self) -> int:
        assert self.parser is not None
        return int(self.parser.parser.CurrentLineNumber)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.root is None:
            self.root = tag
        if self._builder is None and tag in self.record_tags:
            self._builder = TreeBuilder()
            self._depth = self._chars = 0
            self._line = self._current_line()
            self._refused = None
        if self._builder is not None:
            self._depth += 1
            if self._depth > MAX_DEPTH and self._refused is None:
                self._refused = (f"the record nests elements deeper than {MAX_DEPTH} levels "
                                 f"(not a paper record)")
            if self._refused is None:
                self._builder.start(tag, attrib)

    def end(self, tag: str) -> None:
        if self._builder is not None:
            self._depth -= 1
            if self._refused is None:
                self._builder.end(tag)
            if self._depth == 0:
                self.done.append((self._line, self._refused or self._builder.close()))
                self._builder = None

    def data(self, data: str) -> None:
        if self._builder is not None and self._refused is None:
            self._chars += len(data)
            if self._chars > MAX_RECORD_BYTES:
                self._refused = (f"the record holds more than {MAX_RECORD_BYTES:,} characters "
                                 f"of text (not a paper record)")
                self._builder = TreeBuilder()  # drop what was built; depth is still counted
                return
            self._builder.data(data)

    def close(self) -> None:
        return None


def iter_records(
    path: Path, source: str, roots: frozenset[str], record_tags: frozenset[str], expected: str
) -> Iterator[tuple[int, Element | str]]:
    """Yield ``(line, element)`` for every record element of an XML file; ``(line, problem)``
    for a record over the limits.

    ``roots`` are the accepted root tags (``expected`` describes them for the error message).
    Malformed XML, a wrong root element and entity declarations are file-level errors.
    """
    check_text_head(path, source)
    collector = _Collector(record_tags)
    parser = DefusedXMLParser(target=collector)
    collector.parser = parser
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    with fh:
        while True:
            chunk = fh.read(CHUNK_BYTES)
            try:
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
            except ParseError as exc:
                line, column = getattr(exc, "position", None) or (None, None)
                message = str(exc).split(": line ")[0]
                if column is not None:
                    message += f" (column {column + 1})"
                raise InputError(source, f"malformed XML: {message}", line) from None
            except DefusedXmlException as exc:
                raise InputError(
                    source,
                    "XML entity declarations and external entities are refused "
                    f"({type(exc).__name__}; possible entity-expansion attack)",
                    collector._current_line(),
                ) from None
            if collector.root is not None and collector.root not in roots:
                raise InputError(source, f"expected {expected}, found the root element "
                                 f"{show(local_name(collector.root))}", 1)
            yield from collector.done
            collector.done.clear()
            if not chunk:
                return


def text_of(element: Element | None) -> str:
    """All text inside ``element`` (inline markup dropped), whitespace collapsed."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())
