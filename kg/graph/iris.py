"""The IRIs of a paperkg graph: readable, stable, and the same whatever the build order.

::

    <base>paper/doi/10.1006/cryo.2001.2328      papers, by their best identifier
    <base>model/llama-2                           entities, ``<type>/<slug>``
    <base>statement/<digest>, evidence/<digest>   provenance, by content
    <base>yearcount/<digest>                      an entity's papers in one year

See :func:`paper_iri` and ``docs/rdf-sparql.md``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import pyoxigraph as ox

from kg.errors import PaperkgError
from kg.model import ENTITY_TYPES, Entity, Evidence, Paper, Relation
from kg.text import NONCHARACTERS

#: Resource kinds that live directly under the base IRI (entity types use their lowercase name).
PAPER_PATH, STATEMENT_PATH, EVIDENCE_PATH, OTHER_ENTITY_PATH, YEAR_COUNT_PATH = (
    "paper", "statement", "evidence", "entity", "yearcount"
)
ENTITY_PATHS: tuple[str, ...] = tuple(t.lower() for t in ENTITY_TYPES)

#: Characters kept as they are in a path segment (RFC 3986 unreserved); all else is %-encoded.
_SEGMENT_SAFE = "-._~"
#: Characters kept in a web address taken from the data (reserved + unreserved + '%').
_URL_SAFE = ":/?#[]@!$&'()*+,;=%-._~"



def check_base_iri(base_iri: str) -> str:
    """Return ``base_iri`` if it is an absolute IRI ending in ``/`` or ``#``, else raise."""
    if not isinstance(base_iri, str) or not base_iri.endswith(("/", "#")):
        raise PaperkgError(f"--base-iri must be an absolute IRI ending in '/' or '#', "
                           f"not {base_iri!r}")
    parts = urlsplit(base_iri)
    if not parts.scheme or (parts.scheme in ("http", "https") and not parts.netloc):
        raise PaperkgError(f"--base-iri must be an absolute IRI (e.g. https://example.org/kg/), "
                           f"not {base_iri!r}")
    try:
        ox.NamedNode(base_iri)
    except ValueError as exc:
        raise PaperkgError(f"--base-iri {base_iri!r} is not a valid IRI: {exc}") from None
    return base_iri


def path_segment(text: str) -> str:
    """Percent-encode ``text`` as one IRI path segment.

    ``.`` and ``..`` are encoded, and so is a final ``.``: Turtle writers escape it in a prefixed
    name (``paper:p1\\.``), valid Turtle that rdflib misreads.
    """
    encoded = quote(text, safe=_SEGMENT_SAFE)
    if encoded in ("", ".", ".."):
        return encoded.replace(".", "%2E") or "%20"
    if encoded.endswith("."):
        encoded = encoded[:-1] + "%2E"
    return encoded


#: Path segments of the identifier schemes of paper IRIs (``paper/<scheme>/<id>``).
PAPER_SCHEMES: tuple[str, ...] = ("doi", "arxiv", "pmid", "pmcid", "title", "local")
#: Characters kept in a path taken from an identifier (RFC 3987 ipath, ``/`` included).
_PATH_SAFE = "-._~!$&'()*+,;=:@/"


def id_path(text: str) -> str:
    """``text`` as IRI path segments: ``/`` kept, characters outside ``ipchar`` %-encoded,
    ``.``/``..``/empty segments and a final ``.`` encoded (no dot segments, no ``//``)."""
    segments = quote(text, safe=_PATH_SAFE).split("/")
    fixed = []
    for segment in segments:
        if segment in ("", ".", ".."):
            segment = segment.replace(".", "%2E") or "%20"
        fixed.append(segment)
    path = "/".join(fixed)
    return path[:-1] + "%2E" if path.endswith(".") else path


def local_id_digest(paper_id: str) -> str:
    """16 hex digits of SHA-256 of a local paper id (the last segment of its IRI)."""
    return hashlib.sha256(paper_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _letter_slug(text: str) -> str:
    """:func:`slug`, but letters and digits beyond ASCII kept as they are (``μ-bench``): an IRI
    may hold them."""
    if text.isascii():
        return path_segment(text)
    encoded = "".join(c if not c.isascii() and c.isalnum() else quote(c, safe=_SEGMENT_SAFE)
                      for c in text)
    return encoded[:-1] + "%2E" if encoded.endswith(".") else encoded


def paper_iri(base_iri: str, paper: Paper | str, namespace: str = "") -> str:
    """The IRI of a paper, from its best identifier (DOI, arXiv id, PMID, PMC id)::

        <base>paper/doi/10.1006/cryo.2001.2328     (the DOI lowercased: DOIs ignore case)
        <base>paper/arxiv/2106.09685
        <base>paper/pmid/11748933
        <base>paper/pmcid/PMC3531190
        <base>paper/title/<hash>                   (no id at all: the title's hash, its id)
        <base>paper/local/<namespace>/<hash>       (only a local id: its SHA-256, under the
                                                    corpus namespace, see ``--id-namespace``)

    ``paper`` may be a bare id (``doi:…``, ``arxiv:…``, ``pmid:…``, ``title:…`` or a local id in
    ``namespace``) where only the id is known.
    """
    if isinstance(paper, Paper):
        scheme, value = _paper_identifier(paper)
        namespace = paper.namespace
    else:
        scheme, value = _id_identifier(paper)
    if scheme == "local":
        value = f"{namespace or 'local'}/{local_id_digest(value)}"
    return f"{base_iri}{PAPER_PATH}/{scheme}/{id_path(value)}"


def _paper_identifier(paper: Paper) -> tuple[str, str]:
    if paper.doi:
        return "doi", paper.doi.lower()
    if paper.arxiv_id:
        return "arxiv", paper.arxiv_id
    if paper.pmid:
        return "pmid", paper.pmid
    if paper.pmcid:
        return "pmcid", paper.pmcid
    return _id_identifier(paper.id)


def _id_identifier(paper_id: str) -> tuple[str, str]:
    scheme, sep, value = paper_id.partition(":")
    if sep and value and scheme in ("doi", "arxiv", "pmid", "title"):
        return scheme, value.lower() if scheme == "doi" else value
    return "local", paper_id


def entity_iri(base_iri: str, entity_id: str) -> str:
    """``<base><type>/<slug>`` for an entity id ``<type>/<slug>``; ``<base>entity/<id>`` else."""
    head, sep, rest = entity_id.partition("/")
    if sep and head in ENTITY_PATHS and rest:
        return f"{base_iri}{head}/{_letter_slug(rest)}"
    return f"{base_iri}{OTHER_ENTITY_PATH}/{path_segment(entity_id)}"


def digest(*parts: object) -> str:
    """16 hex digits of SHA-1 over the parts, each followed by U+001F (UTF-8, surrogates kept)."""
    text = "\x1f".join(map(str, parts)) + "\x1f" if parts else ""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False
                        ).hexdigest()[:16]


def statement_iri(base_iri: str, relation: Relation) -> str:
    """``<base>statement/<hash of subject, predicate, object>``."""
    key = digest(relation.subject, relation.predicate, relation.object)
    return f"{base_iri}{STATEMENT_PATH}/{key}"


def evidence_iri(base_iri: str, ev: Evidence) -> str:
    """``<base>evidence/<hash of the evidence record>``."""
    return f"{base_iri}{EVIDENCE_PATH}/" + evidence_digest(ev)


def evidence_digest(ev: Evidence) -> str:
    return digest(ev.paper_id, ev.field, ev.start, ev.end, ev.sentence, ev.rule, ev.sentence_text)


@dataclass(frozen=True, slots=True)
class YearCount:
    """How many papers of one publication year mention an entity (a ``pkg:YearCount`` node)."""

    entity: str  #: entity id
    year: int
    papers: int


def year_counts(entity: Entity, papers: Mapping[str, Paper]) -> list[YearCount]:
    """The entity's papers counted by year (``papers``: id -> paper), by year; papers without a
    year (or not in ``papers``) are not counted."""
    years = Counter(paper.year for pid in entity.papers
                    if (paper := papers.get(pid)) is not None and paper.year is not None)
    return [YearCount(entity.id, year, n) for year, n in sorted(years.items())]


def year_count_iri(base_iri: str, count: YearCount) -> str:
    """``<base>yearcount/<hash of entity id and year>``."""
    return f"{base_iri}{YEAR_COUNT_PATH}/{digest(count.entity, count.year)}"


def web_iri(value: str | None) -> str | None:
    """A web address from the data as a valid IRI (unsafe characters %-encoded), or None."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    iri = quote(rdf_text(value), safe=_URL_SAFE)
    try:
        ox.NamedNode(iri)
    except ValueError:
        return None
    return iri


_NOT_FOR_RDF = re.compile("[\ud800-\udfff" + NONCHARACTERS.pattern[1:])


def rdf_text(text: str) -> str:
    """``text`` as written to RDF: lone surrogates (invalid in UTF-8) and Unicode noncharacters
    (refused by raptor, as by XML 1.0) replaced by U+FFFD, as the input readers do."""
    if text.isascii() or max(text) < "\ud800":  # the usual case, without a regex scan
        return text
    return _NOT_FOR_RDF.sub("\ufffd", text)
