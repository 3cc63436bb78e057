"""PubMed E-utilities ``efetch`` XML: a ``<PubmedArticleSet>`` of ``<PubmedArticle>``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from xml.etree.ElementTree import Element, tostring

from kg.ingest.records import Problem, RawRecord, truncate
from kg.ingest.xmlstream import iter_records, text_of

_YEAR = re.compile(r"\d{4}")


def read_pubmed(
    path: Path, source: str, columns: Mapping[str, str] | None = None
) -> Iterator[RawRecord | Problem]:
    """One record per ``<PubmedArticle>`` (or ``<PubmedBookArticle>``), numbered by its line."""
    records = iter_records(
        path, source, frozenset({"PubmedArticleSet"}),
        frozenset({"PubmedArticle", "PubmedBookArticle"}), "a PubMed <PubmedArticleSet>",
    )
    for line, element in records:
        if isinstance(element, str):
            yield Problem(line, element, "")
            continue
        raw = truncate(tostring(element, "unicode"))
        if element.tag == "PubmedBookArticle":
            fields = _book_fields(element)
        else:
            fields = _article_fields(element)
        yield RawRecord(line, fields, raw)


def _title(element: Element) -> str:
    """ArticleTitle text without the final period PubMed adds to every title."""
    title = text_of(element)
    return title[:-1] if title.endswith(".") and not title.endswith("..") else title


def _abstract(abstract: Element | None) -> str:
    """AbstractText parts joined; labelled sections as ``LABEL: text``."""
    if abstract is None:
        return ""
    parts = []
    for part in abstract.findall("AbstractText"):
        text = text_of(part)
        label = (part.get("Label") or "").strip()
        if text:
            parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def _authors(author_list: Element | None) -> list[str]:
    names: list[str] = []
    if author_list is None:
        return names
    for author in author_list.findall("Author"):
        collective = text_of(author.find("CollectiveName"))
        if collective:
            names.append(collective)
            continue
        first = text_of(author.find("ForeName")) or text_of(author.find("Initials"))
        name = " ".join(p for p in (first, text_of(author.find("LastName"))) if p)
        if name:
            names.append(name)
    return names


def _year(*dates: Element | None) -> str | None:
    for date in dates:
        if date is None:
            continue
        year = text_of(date.find("Year"))
        if not year:
            match = _YEAR.search(text_of(date.find("MedlineDate")))
            year = match.group(0) if match else ""
        if year:
            return year
    return None


def _ids(element: Element) -> dict[str, str]:
    ids = {}
    for article_id in element.findall("PubmedData/ArticleIdList/ArticleId"):
        kind = article_id.get("IdType")
        if kind in ("doi", "pubmed", "pmc") and text_of(article_id):
            ids[kind] = text_of(article_id)
    return ids


def _article_fields(element: Element) -> dict[str, object]:
    citation = element.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    fields: dict[str, object] = {}
    pmid = text_of(citation.find("PMID")) if citation is not None else ""
    ids = _ids(element)
    pmid = pmid or ids.get("pubmed", "")
    if pmid:
        fields["pmid"] = pmid
        fields["url"] = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    if article is None:
        return fields
    title = article.find("ArticleTitle")
    if title is not None:
        fields["title"] = _title(title)
    fields["abstract"] = _abstract(article.find("Abstract"))
    journal = article.find("Journal")
    if journal is not None:
        venue = text_of(journal.find("Title")) or text_of(journal.find("ISOAbbreviation"))
        if venue:
            fields["venue"] = venue
        year = _year(journal.find("JournalIssue/PubDate"), article.find("ArticleDate"))
    else:
        year = _year(article.find("ArticleDate"))
    if year:
        fields["year"] = year
    fields["authors"] = _authors(article.find("AuthorList"))
    doi = ids.get("doi") or next(
        (text_of(e) for e in article.findall("ELocationID") if e.get("EIdType") == "doi"), ""
    )
    if doi:
        fields["doi"] = doi
    if ids.get("pmc"):
        fields["pmcid"] = ids["pmc"]
    date = _date(article.find("ArticleDate"), journal.find("JournalIssue/PubDate")
                 if journal is not None else None)
    if date and (not year or date.startswith(year)):
        fields["year"] = date
    return fields


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def _date(*dates: Element | None) -> str | None:
    """The first ``YYYY-MM[-DD]`` of the dates (month as a number or PubMed's ``Jun``)."""
    for date in dates:
        if date is None:
            continue
        year, month, day = (text_of(date.find(tag)) for tag in ("Year", "Month", "Day"))
        month = str(_MONTHS.get(month[:3].lower(), month))
        if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
            text = f"{year}-{int(month):02d}"
            return f"{text}-{int(day):02d}" if day.isdigit() else text
    return None


def _book_fields(element: Element) -> dict[str, object]:
    document = element.find("BookDocument")
    fields: dict[str, object] = {}
    if document is None:
        return fields
    pmid = text_of(document.find("PMID"))
    if pmid:
        fields["pmid"] = pmid
        fields["url"] = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    title = document.find("ArticleTitle")
    if title is None:
        title = document.find("Book/BookTitle")
    if title is not None:
        fields["title"] = _title(title)
    fields["abstract"] = _abstract(document.find("Abstract"))
    book = document.find("Book")
    if book is not None:
        fields["venue"] = text_of(book.find("BookTitle")) or None
        year = _year(book.find("PubDate"))
        if year:
            fields["year"] = year
    fields["authors"] = _authors(document.find("AuthorList"))
    return fields
