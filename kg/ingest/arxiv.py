"""arXiv API responses: an Atom ``<feed>`` of ``<entry>`` elements."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from xml.etree.ElementTree import Element, tostring

from kg.errors import InputError
from kg.ingest.records import Problem, RawRecord, truncate
from kg.ingest.xmlstream import iter_records, text_of

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_ABS_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/abs/(.+?)(?:v\d+)?$")


def read_arxiv(
    path: Path, source: str, columns: Mapping[str, str] | None = None
) -> Iterator[RawRecord | Problem]:
    """One record per ``<entry>``; the record number is the line the entry starts on.

    An ``Error`` entry (what the API returns for a bad query) is a file-level error.
    """
    entries = iter_records(path, source, frozenset({f"{ATOM}feed"}), frozenset({f"{ATOM}entry"}),
                           "an arXiv Atom <feed>")
    for line, entry in entries:
        if isinstance(entry, str):
            yield Problem(line, entry, "")
            continue
        entry_id = text_of(entry.find(f"{ATOM}id"))
        if "arxiv.org/api/errors" in entry_id:
            raise InputError(source, "the arXiv API returned an error: "
                             + (text_of(entry.find(f"{ATOM}summary")) or entry_id), line)
        yield RawRecord(line, _fields(entry, entry_id), truncate(tostring(entry, "unicode")))


def _fields(entry: Element, entry_id: str) -> dict[str, object]:
    fields: dict[str, object] = {}
    for field, tag in (("title", "title"), ("abstract", "summary")):
        element = entry.find(f"{ATOM}{tag}")
        if element is not None:
            fields[field] = text_of(element)
    match = _ABS_URL.match(entry_id)
    if match:
        fields["arxiv_id"] = match.group(1)
    published = entry.find(f"{ATOM}published")
    if published is None:
        published = entry.find(f"{ATOM}updated")
    if published is not None:
        fields["year"] = text_of(published)
    fields["authors"] = [text_of(a.find(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")]
    primary = entry.find(f"{ARXIV}primary_category")
    terms = [primary.get("term")] if primary is not None else []
    terms += [c.get("term") for c in entry.findall(f"{ATOM}category")]
    fields["subjects"] = list(dict.fromkeys(t.strip() for t in terms if t and t.strip()))
    journal_ref = entry.find(f"{ARXIV}journal_ref")
    if journal_ref is not None and text_of(journal_ref):
        fields["journal_ref"] = text_of(journal_ref)
    url = next((link.get("href") for link in entry.findall(f"{ATOM}link")
                if link.get("rel") == "alternate" and link.get("href")), None)
    if url is None and entry_id.startswith(("http://", "https://")):
        url = entry_id
    if url:
        fields["url"] = url
    doi = entry.find(f"{ARXIV}doi")
    if doi is not None and text_of(doi):
        fields["doi"] = text_of(doi)
    return fields
