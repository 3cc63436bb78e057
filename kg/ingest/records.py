"""What every reader shares: raw records, field names, validation into :class:`Paper`, ids.

Readers turn a file into a stream of :class:`RawRecord` (a record's raw fields) and
:class:`Problem` (a record that could not be read at all); :func:`build_paper` validates a
record into a :class:`~kg.model.Paper` or raises :class:`~kg.errors.InputError`.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from kg.errors import InputError
from kg.model import ENTITY_TYPES, Paper
from kg.text import clean_text

#: Our field names, in the order ids are derived from them.
FIELDS: tuple[str, ...] = (
    "id", "title", "abstract", "url", "year", "authors", "venue", "doi", "arxiv_id", "pmid",
    "pmcid", "journal_ref", "subjects",
)

#: Accepted key / column names per field (compared after :func:`normalise_key`), best first.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "paper_id"),
    "title": ("title", "paper_title"),
    "abstract": ("abstract", "summary", "abstract_text", "paper_abstract", "abstractnote"),
    "url": ("url", "link", "paper_url"),
    "year": ("year", "publication_year", "pub_year", "published", "date", "publication_date"),
    "authors": ("authors", "author", "author_names"),
    "venue": ("venue", "journal", "conference", "booktitle", "container_title"),
    "doi": ("doi",),
    "arxiv_id": ("arxiv_id", "arxiv", "arxivid", "eprint"),
    "pmid": ("pmid", "pubmed_id", "pubmed"),
    "pmcid": ("pmcid", "pmc_id", "pmc"),
    "journal_ref": ("journal_ref", "journal_reference"),
    "subjects": ("subjects", "categories", "subject"),
}

RAW_LIMIT = 1000  #: characters of the offending text kept in a SkippedRecord

# Limits on one record: real titles and abstracts are far shorter; text beyond these is a full
# text or hostile input, and would make extraction slow (its work grows faster than the length).
MAX_TITLE_CHARS = 2_000  #: longest title
MAX_ABSTRACT_CHARS = 20_000  #: longest abstract
MAX_ID_CHARS = 500  #: longest paper id (ids are database keys: Neo4j indexes at most 8 kB)
#: first parts of entity ids (``model/llama-2``): a paper id may not look like one
ENTITY_ID_PREFIXES = frozenset(t.lower() for t in ENTITY_TYPES)
MAX_RECORD_BYTES = 1 << 20  #: longest line of a text input, and longest record of any input


@dataclass(slots=True)
class RawRecord:
    """One record's raw fields (our field name -> value as found), before validation."""

    record: int
    fields: dict[str, Any]
    raw: str


@dataclass(slots=True)
class Problem:
    """A record that could not be read (the reader went on with the next one)."""

    record: int
    problem: str
    raw: str


def normalise_key(key: str) -> str:
    """A key or column name as compared with :data:`ALIASES`: casefolded, ``_`` for separators."""
    return re.sub(r"[\s\-]+", "_", key.strip().casefold())


def show(value: Any, limit: int = 60) -> str:
    """``value`` quoted for an error message (control characters escaped, long text cut)."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def collapse(text: str) -> str:
    """Trim ``text`` and collapse every run of whitespace to one space."""
    return " ".join(text.split())


def title_key(title: str) -> str:
    """The normalised title duplicates are found by (NFKC, casefold, no punctuation)."""
    text = unicodedata.normalize("NFKC", title).casefold()
    stripped = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
    return collapse(stripped) or collapse(text)


def title_id(title: str) -> str:
    """``title:<first 16 hex digits of sha256 of the normalised title>``."""
    return "title:" + hashlib.sha256(title_key(title).encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- field values

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ARXIV_NEW = re.compile(r"^\d{4}\.\d{4,5}$")
_ARXIV_OLD = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7}$")
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)",
                           re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def normalise_doi(value: str) -> str:
    """A DOI without ``doi:``/resolver prefix, in its original case (DOIs compare
    case-insensitively: compare ``casefold()``); raises ValueError if not a DOI."""
    doi = _DOI_PREFIX.sub("", value.strip()).strip()
    if not _DOI.match(doi):
        raise ValueError(f"not a DOI: {show(value)}")
    return doi


def normalise_arxiv_id(value: str) -> str:
    """An arXiv id without prefix, URL, ``.pdf`` or version; raises ValueError if not one."""
    text = _ARXIV_PREFIX.sub("", value.strip()).strip()
    text = re.sub(r"\.pdf$", "", text)
    text = re.sub(r"v\d+$", "", text)
    if not (_ARXIV_NEW.match(text) or _ARXIV_OLD.match(text)):
        raise ValueError(f"not an arXiv id: {show(value)}")
    return text


_PMCID = re.compile(r"^(?:PMC)?(\d+)$", re.IGNORECASE)
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})(?:-(\d{2}))?(?:$|[T\s])")


def normalise_pmcid(value: str) -> str:
    """A PubMed Central id as ``PMC<digits>``; raises ValueError if not one."""
    match = _PMCID.match(value.strip())
    if not match:
        raise ValueError(f"not a PubMed Central id: {show(value)}")
    return "PMC" + match.group(1)


def parse_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` or ``YYYY-MM`` from a text that starts with an ISO date (``2021-06-17``,
    ``2021-06-17T17:37:18Z``); None for a bare year or anything else."""
    if not isinstance(value, str) or not (match := _DATE.match(value)):
        return None
    year, month, day = match.groups()
    try:
        datetime.date(int(year), int(month), int(day or 1))
    except ValueError:
        return None
    return f"{year}-{month}-{day}" if day else f"{year}-{month}"


def parse_subjects(value: Any) -> tuple[str, ...]:
    """Subjects from a list or a ``"cs.CL; cs.LG"`` / ``"cs.CL cs.LG"`` text, deduplicated."""
    if value is None:
        return ()
    items = value.replace(";", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ValueError(f"subjects must be a list of names or a text, not {show(value)}")
    return tuple(dict.fromkeys(collapse(i) for i in items if i.strip()))


def parse_year(value: Any) -> int | None:
    """A year from an int or a text holding a 4-digit year (``2023``, ``2023-05-01``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a year: {show(value)}")
    if isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str) and (match := _YEAR.search(value)):
        year = int(match.group(1))
    else:
        raise ValueError(f"not a year: {show(value)}")
    if not 1000 <= year <= 2999:
        raise ValueError(f"not a year: {show(value)}")
    return year


def parse_authors(value: Any) -> tuple[str, ...]:
    """Authors from a list (of names or ``{"name": …}`` objects) or a ``"a; b"`` string."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split(";")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError(f"authors must be a list or a 'a; b' text, not {type(value).__name__}")
    names = []
    for item in items:
        if isinstance(item, Mapping):
            item = item.get("name")
        if not isinstance(item, str):
            raise ValueError(f"author must be a name, not {show(item)}")
        name = collapse(item)
        if name:
            names.append(name)
    return tuple(names)


def _text(value: Any, field: str) -> str | None:
    """An optional text field: None/blank -> None; numbers become text; others are errors."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{field} must be text, not {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _identifiers(fields: dict[str, Any]
                 ) -> tuple[str | None, str | None, str | None, str | None]:
    """A record's DOI, arXiv id, PMID and PMC id, normalised (``ValueError`` if malformed)."""
    doi = _text(fields.get("doi"), "doi")
    arxiv_id = _text(fields.get("arxiv_id"), "arxiv_id")
    pmid = _text(fields.get("pmid"), "pmid")
    if pmid is not None and not pmid.isdigit():
        raise ValueError(f"not a PubMed id: {show(pmid)}")
    pmcid = _text(fields.get("pmcid"), "pmcid")
    return (normalise_doi(doi) if doi else None,
            normalise_arxiv_id(arxiv_id) if arxiv_id else None,
            str(int(pmid)) if pmid is not None else None,
            normalise_pmcid(pmcid) if pmcid else None)


def build_paper(record: RawRecord, source: str, namespace: str | None = None) -> Paper:
    """Validate a raw record into a :class:`Paper`; raise :class:`InputError` naming the problem.

    ``namespace``: the corpus namespace of local-id-only papers (default: from the file name).
    """
    fields = record.fields

    def fail(problem: str) -> InputError:
        return InputError(source, problem, record.record)

    try:
        title = _text(fields.get("title"), "title")
        abstract = _text(fields.get("abstract"), "abstract")
        if title is None:
            raise fail("empty title" if "title" in fields else "missing title")
        if abstract is None:
            raise fail("empty abstract" if "abstract" in fields else "missing abstract")
        own_id = _text(fields.get("id"), "id")
        doi, arxiv_id, pmid, pmcid = _identifiers(fields)
        journal_ref = _text(fields.get("journal_ref"), "journal_ref")
        subjects = parse_subjects(fields.get("subjects"))
        year = parse_year(fields.get("year"))
        date = parse_date(fields.get("year"))
        authors = parse_authors(fields.get("authors"))
        url = _text(fields.get("url"), "url")
        venue = _text(fields.get("venue"), "venue")
        if len(title) > MAX_TITLE_CHARS:
            raise ValueError(f"title is {len(title):,} characters long; the limit is "
                             f"{MAX_TITLE_CHARS:,}")
        if own_id is not None and len(own_id) > MAX_ID_CHARS:
            raise ValueError(f"id is {len(own_id):,} characters long; the limit is "
                             f"{MAX_ID_CHARS:,}")
        if own_id is not None and own_id.partition("/")[0] in ENTITY_ID_PREFIXES and \
                "/" in own_id:
            raise ValueError(f"id {show(own_id)} has the form of an entity id (model/…, "
                             "dataset/…, method/…, task/…, metric/…): give the paper another id")
        if len(abstract) > MAX_ABSTRACT_CHARS:
            raise ValueError(f"abstract is {len(abstract):,} characters long; the limit is "
                             f"{MAX_ABSTRACT_CHARS:,} (give the abstract, not the full text)")
    except ValueError as exc:
        raise fail(str(exc)) from None
    title = collapse(clean_text(title))
    abstract = clean_text(abstract)
    own_id = clean_text(own_id) if own_id is not None else None
    if own_id is not None:
        pid = own_id
    elif arxiv_id is not None:
        pid = f"arxiv:{arxiv_id}"
    elif doi is not None:
        pid = f"doi:{clean_text(doi).lower()}"
    elif pmid is not None:
        pid = f"pmid:{pmid}"
    else:
        pid = title_id(title)
    return Paper(
        id=pid,
        title=title,
        abstract=abstract,
        url=clean_text(url) if url else None,
        year=year,
        authors=tuple(clean_text(a) for a in authors),
        venue=collapse(clean_text(venue)) if venue else None,
        source=source,
        record=record.record,
        doi=clean_text(doi) if doi else None,
        arxiv_id=arxiv_id,
        pmid=pmid,
        pmcid=pmcid,
        date=date,
        subjects=tuple(clean_text(s) for s in subjects),
        journal_ref=collapse(clean_text(journal_ref)) if journal_ref else None,
        namespace=namespace if namespace is not None else source_namespace(source),
    )


def source_namespace(source: str) -> str:
    """The default corpus namespace of a file's local ids: its name up to the first ``.``, as a
    lowercase slug (``data/Medical-AI.dev.jsonl`` -> ``medical-ai``)."""
    name = Path(source).name
    stem = name.partition(".")[0] or name
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:63].rstrip("-") or "local"


_NAMESPACE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def check_namespace(namespace: str) -> str:
    """``namespace`` if it is a valid corpus namespace (lowercase letters, digits, ``-``)."""
    if not _NAMESPACE.match(namespace):
        raise ValueError(f"corpus namespace {show(namespace)} must be 1-63 lowercase letters, "
                         "digits and hyphens, starting with a letter or digit")
    return namespace


def map_fields(record: Mapping[str, Any], columns: Mapping[str, str] | None) -> dict[str, Any]:
    """Our fields from a record's keys: ``columns`` (field -> key) first, else :data:`ALIASES`.

    Keys compare case-insensitively; among several aliases the first non-blank value wins.
    """
    by_key: dict[str, Any] = {}
    for key, value in record.items():
        by_key.setdefault(normalise_key(str(key)), value)
    fields: dict[str, Any] = {}
    for field in FIELDS:
        if columns and field in columns:
            names: tuple[str, ...] = (normalise_key(columns[field]),)
        else:
            names = ALIASES[field]
        present = [by_key[n] for n in names if n in by_key]
        if present:
            fields[field] = next((v for v in present if not _blank(v)), present[0])
    return fields


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def truncate(raw: str) -> str:
    """The offending text as kept in a SkippedRecord."""
    return raw if len(raw) <= RAW_LIMIT else raw[:RAW_LIMIT]


# --------------------------------------------------------------------------- text files

HEAD_BYTES = 65536

#: Leading bytes of archives and other binary formats people pass by mistake, and their names.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip file"),
    (b"\xfd7zXZ\x00", "an xz file"),
    (b"(\xb5/\xfd", "a Zstandard file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"%PDF-", "a PDF document"),
)


def _wide_encoding(head: bytes) -> str | None:
    """``UTF-32`` or ``UTF-16`` for text in those encodings (by byte-order mark, or by the zero
    bytes of ASCII text without one), else None.  UTF-32 first: its little-endian mark starts
    with UTF-16's."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    sample = head[:64]
    if len(sample) >= 8 and len(sample) % 4 == 0:
        quads = [sample[i:i + 4] for i in range(0, len(sample), 4)]
        if all(q[1:] == b"\x00\x00\x00" and q[0] for q in quads) or \
                all(q[:3] == b"\x00\x00\x00" and q[3] for q in quads):
            return "UTF-32"
    pairs = [sample[i:i + 2] for i in range(0, len(sample) - 1, 2)]
    if len(pairs) >= 2 and (all(p[1] == 0 and p[0] for p in pairs)
                            or all(p[0] == 0 and p[1] for p in pairs)):
        return "UTF-16"
    return None


def check_text_head(path: Path, source: str) -> bytes:
    """Read the start of ``path``; refuse archives, binary (NUL bytes) and UTF-16/32 files."""
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    kind = next((kind for magic, kind in MAGIC if head.startswith(magic)), None)
    if kind is None and head[:3] == b"BZh" and head[4:10] == b"1AY&SY":
        kind = "a bzip2 file"
    if kind is not None:
        raise InputError(source, f"{kind}, not a text input: unpack or convert it first", 1)
    encoding = _wide_encoding(head)
    if encoding is not None:
        raise InputError(source, f"{encoding} text, not UTF-8: save the file as UTF-8", 1)
    nul = head.find(b"\x00")
    if nul >= 0:
        line = head.count(b"\n", 0, nul) + 1
        raise InputError(source, "binary file (NUL bytes), not a text input", line)
    return head


@dataclass(slots=True)
class Line:
    """One line of a text file: 1-based number, text (newline removed) and decoding problem."""

    number: int
    text: str
    error: str | None = None
    cut: bool = False  #: an over-long line: ``text`` is only its start


def read_lines(path: Path, source: str) -> Iterator[Line]:
    """Stream the lines of a UTF-8 text file (BOM dropped), in bounded memory.

    A line that is not valid UTF-8, holds a NUL byte or is longer than
    :data:`MAX_RECORD_BYTES` comes with ``error`` set (the text of a long line is only its
    start, decoded with replacement characters), so a reader can report it and go on.
    """
    check_text_head(path, source)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    with fh:
        number = 0
        while data := fh.readline(MAX_RECORD_BYTES + 1):
            number += 1
            if len(data) > MAX_RECORD_BYTES and not data.endswith(b"\n"):
                yield Line(number, data[: 4 * RAW_LIMIT].decode("utf-8", errors="replace"),
                           _skip_long_line(fh, len(data)), cut=True)
                continue
            data = data.rstrip(b"\n").rstrip(b"\r")
            if number == 1 and data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            error = None
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                text = data.decode("utf-8", errors="replace")
                error = (f"not UTF-8 text (byte 0x{data[exc.start]:02x} at column "
                         f"{len(data[: exc.start].decode('utf-8', 'replace')) + 1}): "
                         "save the file as UTF-8")
            if error is None and "\x00" in text:
                error = "NUL byte in the line (binary data?)"
            yield Line(number, text, error)


def _skip_long_line(fh: BinaryIO, size: int) -> str:
    """Read past the rest of an over-long line in bounded chunks; the error that names it."""
    while chunk := fh.readline(HEAD_BYTES):
        size += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return (f"line of {size:,} bytes, longer than the limit of {MAX_RECORD_BYTES:,} bytes "
            "(one record per line?)")
