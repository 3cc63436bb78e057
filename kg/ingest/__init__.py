"""Readers: paper records from listing dumps, JSON Lines, JSON, CSV/TSV, arXiv and PubMed XML.

:func:`read_papers` streams :class:`~kg.model.Paper` records from files, directories and globs,
detects each file's format (:func:`detect_format`), drops duplicates (same id or same
normalised title) and either stops at the first bad record or skips and reports it.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from kg.errors import InputError, PaperkgError
from kg.ingest.arxiv import read_arxiv
from kg.ingest.globbing import recursive_glob
from kg.ingest.jsonfmt import read_json, read_jsonl
from kg.ingest.listing import read_listing
from kg.ingest.pubmed import read_pubmed
from kg.ingest.records import (
    FIELDS,
    Problem,
    RawRecord,
    build_paper,
    check_namespace,
    check_text_head,
    title_id,
    title_key,
    truncate,
)
from kg.ingest.tabular import read_csv, read_tsv
from kg.model import Paper

#: What a bad record does: stop the read (nothing is written), or be skipped and reported.
OnError = Literal["stop", "skip"]

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "IDENTIFIER_FIELDS",
    "FileSummary",
    "ReadReport",
    "SkippedRecord",
    "detect_format",
    "expand_inputs",
    "parse_columns",
    "read_papers",
    "summarize_inputs",
    "title_id",
    "title_key",
    "with_merged_identifiers",
]

FORMATS = ("listing", "jsonl", "json", "csv", "tsv", "arxiv", "pubmed")

#: File extensions read from directories, and the format each implies (None: sniff the content).
EXTENSIONS: dict[str, str | None] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": None,
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xml": None,
    ".atom": None,
    ".txt": None,
}

Reader = Callable[[Path, str, Mapping[str, str] | None], Iterator[RawRecord | Problem]]
READERS: dict[str, Reader] = {
    "listing": read_listing,
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "tsv": read_tsv,
    "arxiv": read_arxiv,
    "pubmed": read_pubmed,
}


@dataclass(slots=True)
class SkippedRecord:
    """A record left out with ``on_error="skip"``: where, why, and its text (truncated)."""

    source: str
    record: int
    problem: str
    raw: str


@dataclass(slots=True)
class ReadReport:
    """What :func:`read_papers` read: files, papers yielded, duplicates dropped, records skipped."""

    files: list[str] = field(default_factory=list)
    papers: int = 0
    #: (id of the kept paper, source, record of the dropped duplicate)
    duplicates: list[tuple[str, str, int]] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  #: source -> format read
    #: (directory, reason) of directories that could not be read (``on_error="skip"``)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    #: id of a kept paper -> identifiers its duplicates add (``doi``, ``arxiv_id``, ``pmid``,
    #: ``pmcid``): see :func:`with_merged_identifiers`
    merged_identifiers: dict[str, dict[str, str]] = field(default_factory=dict)


#: The identifiers of a paper that its duplicates may add to it.
IDENTIFIER_FIELDS = ("doi", "arxiv_id", "pmid", "pmcid")


def with_merged_identifiers(papers: Mapping[str, Paper], report: ReadReport) -> dict[str, Paper]:
    """``papers`` (id -> paper) with the identifiers their duplicates added (the union)."""
    if not report.merged_identifiers and isinstance(papers, dict):
        return papers
    merged = dict(papers)
    for paper_id, identifiers in report.merged_identifiers.items():
        paper = merged.get(paper_id)
        if paper is not None:
            merged[paper_id] = with_identifiers(paper, identifiers)
    return merged


def with_identifiers(paper: Paper, identifiers: Mapping[str, str]) -> Paper:
    """``paper`` with the identifiers of ``identifiers`` (field name -> value) set."""
    return replace(paper, doi=identifiers.get("doi", paper.doi),
                   arxiv_id=identifiers.get("arxiv_id", paper.arxiv_id),
                   pmid=identifiers.get("pmid", paper.pmid),
                   pmcid=identifiers.get("pmcid", paper.pmcid))


# --------------------------------------------------------------------------- options


def parse_columns(spec: str) -> dict[str, str]:
    """``"title=Title,abstract=Abstract,id=DOI"`` -> ``{"title": "Title", …}`` (field -> column)."""
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        ours, sep, column = part.partition("=")
        ours, column = ours.strip().lower(), column.strip()
        if not sep or not ours or not column:
            raise PaperkgError(f"--columns: expected FIELD=COLUMN, got {part.strip()!r}")
        if ours not in FIELDS:
            raise PaperkgError(f"--columns: unknown field {ours!r} (fields: {', '.join(FIELDS)})")
        if ours in mapping:
            raise PaperkgError(f"--columns: field {ours!r} given twice")
        mapping[ours] = column
    if not mapping:
        raise PaperkgError("--columns: empty; expected e.g. 'title=Title,abstract=Abstract'")
    return mapping


# --------------------------------------------------------------------------- inputs


def expand_inputs(inputs: Sequence[str | Path],
                  unreadable: list[tuple[str, str]] | None = None) -> list[tuple[Path, str]]:
    """Files from files, directories (supported files inside, recursively, sorted) and globs.

    Returns ``(path, source)`` pairs, ``source`` being the path as given (or found under a
    given directory).  A file reached twice is read once.  Hidden files and directories inside
    a directory are ignored; links to directories are not followed by ``**`` (no loops).  A
    directory that cannot be read is an :class:`InputError`, or is added to ``unreadable`` when
    that list is given.
    """
    found: list[tuple[Path, str]] = []
    problems: list[tuple[str, str]] = []
    for given in inputs:
        text = str(given)
        path = Path(text)
        if path.is_dir():
            files = _directory_files(path, problems)
            if not files and not problems:
                raise InputError(text, "no input files in this directory (looked for "
                                 f"{', '.join(EXTENSIONS)})")
            found.extend((f, str(f)) for f in files)
        elif path.exists():
            found.append((path, text))
        elif any(c in text for c in "*?["):
            matches = (recursive_glob(text, problems) if "**" in text
                       else sorted(glob.glob(text)))
            if not matches and not problems:
                raise InputError(text, "no files match this pattern")
            for match in matches:
                match_path = Path(match)
                if match_path.is_dir():
                    found.extend((f, str(f)) for f in _directory_files(match_path, problems))
                else:
                    found.append((match_path, match))
        else:
            raise InputError(text, "no such file or directory")
    if problems and unreadable is None:
        where, reason = problems[0]
        raise InputError(where, f"cannot read this directory: {reason} (--on-error skip goes "
                         f"on without it)")
    if unreadable is not None:
        unreadable.extend(p for p in problems if p not in unreadable)
    unique: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path, source in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((path, source))
    return unique


def _directory_files(directory: Path, unreadable: list[tuple[str, str]]) -> list[Path]:
    files = []

    def failed(exc: OSError) -> None:
        unreadable.append((str(exc.filename or directory), exc.strerror or str(exc)))

    for root, dirs, names in os.walk(directory, onerror=failed):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not name.startswith(".") and Path(name).suffix.lower() in EXTENSIONS:
                files.append(Path(root) / name)
    return sorted(files, key=lambda p: p.relative_to(directory).parts)


# --------------------------------------------------------------------------- detection

_XML_PROLOGUE = re.compile(
    r"(?:\s*<\?.*?\?>|\s*<!--.*?-->|\s*<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*\s*<([\w:.\-]+)", re.S
)


def detect_format(path: Path, source: str | None = None) -> str:
    """The format of ``path`` from its extension and content; :class:`InputError` if unknown.

    Content: ``<feed`` -> arxiv, ``<PubmedArticleSet`` -> pubmed, ``[`` -> json, ``{`` ->
    jsonl, a header line with tabs -> tsv, a comma-separated header -> csv, else listing.
    ``.jsonl``/``.ndjson``/``.csv``/``.tsv``/``.tab`` are trusted without looking.
    """
    source = str(path) if source is None else source
    if not path.is_file():
        raise InputError(source, "no such file" if not path.exists() else "not a file")
    head_bytes = check_text_head(path, source)
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension is not None:
        return by_extension
    head = head_bytes.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not head:
        raise InputError(source, "cannot detect the format of an empty file; give --format")
    if head.startswith("<"):
        match = _XML_PROLOGUE.match(head)
        root = match.group(1).rsplit(":", 1)[-1] if match else None
        if root == "feed":
            return "arxiv"
        if root == "PubmedArticleSet":
            return "pubmed"
        raise InputError(source, "XML that is neither an arXiv Atom <feed> nor a PubMed "
                         f"<PubmedArticleSet> (root element: {root!r})", 1)
    if head.startswith("[") and (path.suffix.lower() == ".json"
                                 or re.match(r"\[\s*(?:\{|\]|$)", head)):
        return "json"
    if re.match(r'\{\s*(?:"|\}|$)', head):
        first_line = head.split("\n", 1)[0]
        if path.suffix.lower() == ".json" and not _is_json_object(first_line):
            return "json"
        return "jsonl"
    if path.suffix.lower() == ".json":
        raise InputError(source, "a .json file that starts with neither '[' nor '{'", 1)
    first_line = head.split("\n", 1)[0]
    if "\t" in first_line:
        return "tsv"
    if _looks_like_csv(head, len(head_bytes) == 65536):
        return "csv"
    return "listing"


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


def _looks_like_csv(head: str, truncated: bool) -> bool:
    """A comma-separated header of short names, and rows with as many fields."""
    if truncated:  # the last line may be cut off
        head = head.rsplit("\n", 1)[0]
    try:
        rows = [row for row in csv.reader(io.StringIO(head)) if row][:6]
    except csv.Error:
        return False
    if not rows or len(rows[0]) < 2:
        return False
    header = rows[0]
    if any(len(cell) > 100 for cell in header) or sum(not c.strip() for c in header) > 1:
        return False
    return all(len(row) == len(header) for row in rows[1:])


# --------------------------------------------------------------------------- reading


def read_papers(
    inputs: Sequence[str | Path],
    *,
    fmt: str | None = None,
    on_error: OnError = "stop",
    columns: Mapping[str, str] | None = None,
    report: ReadReport | None = None,
    namespace: str | None = None,
) -> Iterator[Paper]:
    """Stream the papers of ``inputs`` (files, directories, globs), without duplicates.

    Inputs are expanded and every file's format detected (or forced with ``fmt``) when this is
    called, so a missing or unreadable file fails at once; records are then read lazily, one
    file after another.  A bad record raises :class:`InputError` (``on_error="stop"``) or is
    recorded in ``report.skipped`` (``"skip"``).  A later record with the id or the normalised
    title of an earlier one, or the same DOI (in any case), arXiv id or PubMed id, is dropped and
    recorded in ``report.duplicates``.  ``namespace`` is the corpus namespace of the IRIs of
    papers with only a local id (default: each file's name, see
    :func:`~kg.ingest.records.source_namespace`).
    """
    if fmt is not None and fmt not in FORMATS:
        raise PaperkgError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
    if on_error not in ("stop", "skip"):
        raise PaperkgError(f"on_error must be 'stop' or 'skip', not {on_error!r}")
    report = report if report is not None else ReadReport()
    unreadable = report.unreadable if on_error == "skip" else None
    plan = [(path, source, fmt or detect_format(path, source))
            for path, source in expand_inputs(inputs, unreadable)]
    for _path, source, file_format in plan:
        report.files.append(source)
        report.formats[source] = file_format
    if namespace is not None:
        try:
            check_namespace(namespace)
        except ValueError as exc:
            raise PaperkgError(f"--id-namespace: {exc}") from None
    return _stream(plan, on_error, columns, report, namespace)


def _stream(
    plan: list[tuple[Path, str, str]],
    on_error: str,
    columns: Mapping[str, str] | None,
    report: ReadReport,
    namespace: str | None = None,
) -> Iterator[Paper]:
    seen_ids: set[str] = set()
    seen_titles: dict[bytes, str] = {}  # digest of the title key -> id (no titles kept)
    seen_keys: dict[str, str] = {}  # DOI (casefolded), arXiv id, PMID -> id of the kept paper
    identifiers: dict[str, Paper] = {}  # id -> the identifiers (only) of a kept paper with any
    for path, source, file_format in plan:
        for item in READERS[file_format](path, source, columns):
            if isinstance(item, Problem):
                error = InputError(source, item.problem, item.record)
                raw = item.raw
            else:
                try:
                    paper = build_paper(item, source, namespace)
                except InputError as exc:
                    error, raw = exc, item.raw
                else:
                    key = _digest(title_key(paper.title))
                    same = next((seen_keys[k] for k in paper.identity_keys if k in seen_keys),
                                None)
                    if paper.id in seen_ids or key in seen_titles or same is not None:
                        kept = paper.id if paper.id in seen_ids else same or seen_titles[key]
                        report.duplicates.append((kept, source, paper.record))
                        if same is not None:  # the same DOI, arXiv id or PMID: one paper
                            _merge_identifiers(same, paper, identifiers, seen_keys, report)
                        continue
                    seen_ids.add(paper.id)
                    seen_titles[key] = paper.id
                    for k in paper.identity_keys:
                        seen_keys[k] = paper.id
                    if any(getattr(paper, f) for f in IDENTIFIER_FIELDS):
                        identifiers[paper.id] = Paper(paper.id, "", "", doi=paper.doi,
                                                      arxiv_id=paper.arxiv_id, pmid=paper.pmid,
                                                      pmcid=paper.pmcid)
                    report.papers += 1
                    yield paper
                    continue
            if on_error == "stop":
                raise error
            report.skipped.append(
                SkippedRecord(source, error.record or 0, error.problem, truncate(raw))
            )


def _merge_identifiers(kept: str, duplicate: Paper, identifiers: dict[str, Paper],
                       seen_keys: dict[str, str], report: ReadReport) -> None:
    """Add to paper ``kept`` the identifiers of ``duplicate`` it lacks (first read wins where
    both have one; an identifier that already names another paper is not taken)."""
    ids = identifiers.get(kept) or Paper(kept, "", "")
    added: dict[str, str] = {}
    for name in IDENTIFIER_FIELDS:
        value = getattr(duplicate, name)
        if not value or getattr(ids, name):
            continue
        keys = with_identifiers(Paper("", "", ""), {name: value}).identity_keys
        if any(seen_keys.get(k, kept) != kept for k in keys):
            continue
        added[name] = value
    if not added:
        return
    identifiers[kept] = ids = with_identifiers(ids, added)
    for k in ids.identity_keys:
        seen_keys.setdefault(k, kept)
    report.merged_identifiers.setdefault(kept, {}).update(added)


def _digest(key: str) -> bytes:
    """A 16-byte digest of a title key: duplicate detection keeps these, not the titles."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()


# --------------------------------------------------------------------------- summary


@dataclass(slots=True)
class FileSummary:
    """One input file as ``paperkg info`` shows it."""

    source: str
    format: str
    papers: int = 0
    duplicates: int = 0
    skipped: int = 0


def summarize_inputs(
    inputs: Sequence[str | Path],
    *,
    fmt: str | None = None,
    on_error: OnError = "stop",
    columns: Mapping[str, str] | None = None,
) -> tuple[list[FileSummary], ReadReport]:
    """Read ``inputs`` without extracting; count papers, duplicates and skipped per file."""
    report = ReadReport()
    papers = read_papers(inputs, fmt=fmt, on_error=on_error, columns=columns, report=report)
    summaries = {source: FileSummary(source, report.formats[source]) for source in report.files}
    for paper in papers:
        summaries[paper.source].papers += 1
    for _kept, source, _record in report.duplicates:
        summaries[source].duplicates += 1
    for skipped in report.skipped:
        summaries[skipped.source].skipped += 1
    return list(summaries.values()), report
