"""The graph as RDF: the paperkg ontology's terms and the model -> RDF mapping.

Every resource IRI is ``base_iri`` + a readable, percent-encoded path:

* papers: ``paper/<id>`` (``paper/demo%3A001``, ``paper/arxiv%3A2106.09685``)
* entities: ``<type>/<slug>`` (``model/llama-2``, ``dataset/mimic-iii``)
* statements: ``statement/<hash>``, evidence: ``evidence/<hash>`` (stable content hashes)
* an entity's papers of one year: ``yearcount/<hash of entity id and year>``

Provenance (the reified-statement design, in the style of CS-KG): every relation of the graph
is asserted as a plain triple (``model:med42 pkg:basedOn model:llama-2``) *and* described by a
``pkg:Statement`` node (``rdf:subject``/``rdf:predicate``/``rdf:object``) that carries
``pkg:supportCount`` (distinct evidence records; shared papers for ``pkg:coOccursWith``) and
``prov:wasDerivedFrom`` links to ``pkg:Evidence`` nodes (``pkg:evidencePaper``,
``pkg:textField``, ``pkg:startChar``/``pkg:endChar``, ``pkg:spanText``, ``pkg:sentenceIndex``,
``pkg:sentenceText``, ``pkg:rule``).  Each entity's ``pkg:paperCount`` is broken down by
publication year in ``pkg:YearCount`` nodes (``pkg:papersByYear``; ``pkg:countYear``,
``pkg:countPapers``), so that trends and per-year rankings need not count mentions.  Plain
RDF 1.1 reification was chosen over RDF 1.2 triple terms so that every RDF 1.1 tool (rapper,
rdflib, Protégé) reads the files.

The triples are produced as pyoxigraph terms (fast to serialise and query); the IRIs of the
vocabularies come from rdflib namespaces.  :func:`to_rdf` returns an rdflib graph for callers that
want one (e.g. the RDF/XML export).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, Namespace

from kg.errors import PaperkgError
from kg.ingest.records import NONCHARACTERS
from kg.model import (
    CO_OCCURS_WITH,
    ENTITY_TYPES,
    Entity,
    Evidence,
    KnowledgeGraph,
    Paper,
    Relation,
)

#: The ontology document (schemas/paperkg.ttl) and its namespace.
ONTOLOGY_IRI = "https://w3id.org/paperkg/ontology"
PKG = Namespace(ONTOLOGY_IRI + "#")
MLS = Namespace("http://www.w3.org/ns/mls#")
FABIO = Namespace("http://purl.org/spar/fabio/")
SCHEMA = SDO

#: Prefixes of the vocabularies (Turtle output, SPARQL queries).
VOCAB_PREFIXES: dict[str, str] = {
    "pkg": str(PKG),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "mls": str(MLS),
    "fabio": str(FABIO),
}

#: Entity type -> class.
CLASS_OF_TYPE: dict[str, rdflib.URIRef] = {t: PKG[t] for t in ENTITY_TYPES}
#: Relation predicate of the model -> property.
PROPERTY_OF_PREDICATE: dict[str, rdflib.URIRef] = {
    "proposes": PKG.proposes,
    "uses": PKG.uses,
    "based_on": PKG.basedOn,
    "trained_on": PKG.trainedOn,
    "evaluated_on": PKG.evaluatedOn,
    "uses_method": PKG.usesMethod,
    CO_OCCURS_WITH: PKG.coOccursWith,
}
PREDICATE_OF_PROPERTY: dict[str, str] = {str(v): k for k, v in PROPERTY_OF_PREDICATE.items()}

#: Resource kinds that live directly under the base IRI (entity types use their lowercase name).
PAPER_PATH, STATEMENT_PATH, EVIDENCE_PATH, OTHER_ENTITY_PATH, YEAR_COUNT_PATH = (
    "paper", "statement", "evidence", "entity", "yearcount"
)
ENTITY_PATHS: tuple[str, ...] = tuple(t.lower() for t in ENTITY_TYPES)

#: Characters kept as they are in a path segment (RFC 3986 unreserved); all else is %-encoded.
_SEGMENT_SAFE = "-._~"
#: Characters kept in a web address taken from the data (reserved + unreserved + '%').
_URL_SAFE = ":/?#[]@!$&'()*+,;=%-._~"


@lru_cache(maxsize=256)
def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


# Frequently used terms, as pyoxigraph named nodes.
T_TYPE = _nn(str(RDF.type))
T_LABEL = _nn(str(RDFS.label))
T_PREF = _nn(str(SKOS.prefLabel))
T_ALT = _nn(str(SKOS.altLabel))
T_ID = _nn(str(DCTERMS.identifier))
T_TITLE = _nn(str(DCTERMS.title))
T_ABSTRACT = _nn(str(DCTERMS.abstract))
T_URL = _nn(str(SCHEMA.url))
T_DERIVED = _nn(str(PROV.wasDerivedFrom))
T_SUBJECT = _nn(str(RDF.subject))
T_PREDICATE = _nn(str(RDF.predicate))
T_OBJECT = _nn(str(RDF.object))
C_PAPER = _nn(str(PKG.Paper))
C_STATEMENT = _nn(str(PKG.Statement))
C_EVIDENCE = _nn(str(PKG.Evidence))


def _p(name: str) -> ox.NamedNode:
    return _nn(str(PKG[name]))


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


def slug(text: str) -> str:
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


def paper_iri(base_iri: str, paper_id: str) -> str:
    """``<base>paper/<percent-encoded id>``."""
    return f"{base_iri}{PAPER_PATH}/{slug(paper_id)}"


def entity_iri(base_iri: str, entity_id: str) -> str:
    """``<base><type>/<slug>`` for an entity id ``<type>/<slug>``; ``<base>entity/<id>`` else."""
    head, sep, rest = entity_id.partition("/")
    if sep and head in ENTITY_PATHS and rest:
        return f"{base_iri}{head}/{slug(rest)}"
    return f"{base_iri}{OTHER_ENTITY_PATH}/{slug(entity_id)}"


def _digest(*parts: object) -> str:
    """16 hex digits of SHA-1 over the parts, each followed by U+001F (UTF-8, surrogates kept)."""
    text = "\x1f".join(map(str, parts)) + "\x1f" if parts else ""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False
                        ).hexdigest()[:16]


def statement_iri(base_iri: str, relation: Relation) -> str:
    """``<base>statement/<hash of subject, predicate, object>``."""
    digest = _digest(relation.subject, relation.predicate, relation.object)
    return f"{base_iri}{STATEMENT_PATH}/{digest}"


def evidence_iri(base_iri: str, ev: Evidence) -> str:
    """``<base>evidence/<hash of the evidence record>``."""
    return f"{base_iri}{EVIDENCE_PATH}/" + _evidence_digest(ev)


def _evidence_digest(ev: Evidence) -> str:
    return _digest(ev.paper_id, ev.field, ev.start, ev.end, ev.sentence, ev.rule, ev.sentence_text)


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
    return f"{base_iri}{YEAR_COUNT_PATH}/{_digest(count.entity, count.year)}"


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


def _lit(text: str) -> ox.Literal:
    return ox.Literal(rdf_text(text))


@dataclass(frozen=True, slots=True)
class Block:
    """The triples of one subject and the record they describe."""

    subject: ox.NamedNode
    #: a :class:`Paper`, :class:`Entity`, :class:`YearCount`, :class:`Relation` (statements) or
    #: :class:`Evidence`
    source: Paper | Entity | YearCount | Relation | Evidence
    triples: list[ox.Triple]


def iter_triples(graph: KnowledgeGraph, base_iri: str,
                 papers: Mapping[str, Paper] | None = None) -> Iterator[ox.Triple]:
    """Every triple of ``graph`` in a deterministic order, each exactly once.

    Order: papers (sorted by id), entities (sorted by id), each followed by its outgoing
    relations; then the entities' year counts (by entity id and year); then the statements (in
    the graph's relation order); then the evidence nodes (sorted by IRI).  Each subject's triples
    are consecutive (see :func:`iter_blocks`).  ``papers`` (default: the graph's) are the papers
    whose years the year counts count.
    """
    for block in iter_blocks(graph, base_iri, papers):
        yield from block.triples


def iter_blocks(graph: KnowledgeGraph, base_iri: str,
                papers: Mapping[str, Paper] | None = None) -> Iterator[Block]:
    """The triples of :func:`iter_triples`, one :class:`Block` per subject (streamed).

    Memory: the graph plus one 64-bit digest per statement and evidence node.
    """
    check_base_iri(base_iri)
    Triple = ox.Triple

    nodes: dict[str, ox.NamedNode] = {}

    def node(identifier: str) -> ox.NamedNode:
        term = nodes.get(identifier)
        if term is None:
            mint = paper_iri if identifier in graph.papers else entity_iri
            term = nodes[identifier] = ox.NamedNode(mint(base_iri, identifier))
        return term

    properties = {p: _nn(str(iri)) for p, iri in PROPERTY_OF_PREDICATE.items()}
    outgoing: dict[str, list[Relation]] = defaultdict(list)
    for rel in graph.relations:
        if rel.predicate not in PROPERTY_OF_PREDICATE:
            raise PaperkgError(f"relation predicate {rel.predicate!r} has no RDF property "
                               f"(known: {', '.join(PROPERTY_OF_PREDICATE)})")
        outgoing[rel.subject].append(rel)

    def relation_triples(subject: ox.NamedNode, identifier: str) -> Iterator[ox.Triple]:
        seen: set[tuple[str, str]] = set()
        for rel in sorted(outgoing.get(identifier, ()), key=lambda r: (r.predicate, r.object)):
            if (rel.predicate, rel.object) not in seen:
                seen.add((rel.predicate, rel.object))
                yield Triple(subject, properties[rel.predicate], node(rel.object))

    p_year, p_author, p_venue = _p("year"), _p("authorName"), _p("venue")
    for paper in sorted(graph.papers.values(), key=lambda p: p.id):
        s = node(paper.id)
        triples = [Triple(s, T_TYPE, C_PAPER), Triple(s, T_ID, _lit(paper.id)),
                   Triple(s, T_TITLE, _lit(paper.title))]
        if paper.abstract:
            triples.append(Triple(s, T_ABSTRACT, _lit(paper.abstract)))
        if paper.year is not None:
            triples.append(Triple(s, p_year, ox.Literal(int(paper.year))))
        for author in dict.fromkeys(a for a in paper.authors if a):
            triples.append(Triple(s, p_author, _lit(author)))
        if paper.venue:
            triples.append(Triple(s, p_venue, _lit(paper.venue)))
        url = web_iri(paper.url)
        if url is not None:
            triples.append(Triple(s, T_URL, ox.NamedNode(url)))
        triples += relation_triples(s, paper.id)
        yield Block(s, paper, triples)

    p_count, p_ext, p_attr = _p("paperCount"), _p("externalId"), _p("attribute")
    p_wikidata, p_hf, p_by_year = _p("wikidataId"), _p("huggingfaceId"), _p("papersByYear")
    counted: list[tuple[ox.NamedNode, YearCount]] = []
    for entity in sorted(graph.entities.values(), key=lambda e: e.id):
        s = node(entity.id)
        if entity.type not in CLASS_OF_TYPE:
            raise PaperkgError(f"entity {entity.id!r} has unknown type {entity.type!r}")
        triples = [Triple(s, T_TYPE, _nn(str(CLASS_OF_TYPE[entity.type]))),
                   Triple(s, T_ID, _lit(entity.id)), Triple(s, T_LABEL, _lit(entity.name)),
                   Triple(s, T_PREF, _lit(entity.name))]
        for alias in sorted(set(entity.aliases) - {entity.name}):
            triples.append(Triple(s, T_ALT, _lit(alias)))
        triples.append(Triple(s, p_count, ox.Literal(entity.paper_count)))
        for count in year_counts(entity, graph.papers if papers is None else papers):
            counted.append((ox.NamedNode(year_count_iri(base_iri, count)), count))
            triples.append(Triple(s, p_by_year, counted[-1][0]))
        for key, value in sorted(entity.external_ids.items()):
            if not value:
                continue
            if key == "homepage":
                url = web_iri(value)
                if url is not None:
                    triples.append(Triple(s, T_URL, ox.NamedNode(url)))
            elif key == "wikidata":
                triples.append(Triple(s, p_wikidata, _lit(value)))
            elif key == "huggingface":
                triples.append(Triple(s, p_hf, _lit(value)))
            else:
                triples.append(Triple(s, p_ext, _lit(f"{key}:{value}")))
        for key, values in sorted(entity.attributes.items()):
            for value in sorted(set(values)):
                triples.append(Triple(s, p_attr, _lit(f"{key}={value}")))
        triples += relation_triples(s, entity.id)
        yield Block(s, entity, triples)
    outgoing.clear()
    yield from _year_count_blocks(counted)

    p_support = _p("supportCount")
    statement_base = f"{base_iri}{STATEMENT_PATH}/"
    evidence_base = f"{base_iri}{EVIDENCE_PATH}/"
    evidence: dict[str, Evidence] = {}  # digest -> record (IRIs sort as their digests do)
    seen_statements: set[str] = set()  # digests
    for rel in graph.relations:
        digest = _digest(rel.subject, rel.predicate, rel.object)
        if digest in seen_statements:
            continue
        seen_statements.add(digest)
        s = ox.NamedNode(statement_base + digest)
        triples = [
            Triple(s, T_TYPE, C_STATEMENT),
            Triple(s, T_SUBJECT, node(rel.subject)),
            Triple(s, T_PREDICATE, properties[rel.predicate]),
            Triple(s, T_OBJECT, node(rel.object)),
            Triple(s, p_support, ox.Literal(int(rel.weight))),
        ]
        digests = set()
        for ev in rel.evidence:
            ev_digest = _evidence_digest(ev)
            evidence.setdefault(ev_digest, ev)
            digests.add(ev_digest)
        for ev_digest in sorted(digests):
            triples.append(Triple(s, T_DERIVED, ox.NamedNode(evidence_base + ev_digest)))
        yield Block(s, rel, triples)
    del seen_statements

    p_paper, p_field = _p("evidencePaper"), _p("textField")
    p_start, p_end, p_span = _p("startChar"), _p("endChar"), _p("spanText")
    p_sentence, p_text, p_rule = _p("sentenceIndex"), _p("sentenceText"), _p("rule")
    for ev_digest in sorted(evidence):
        ev = evidence.pop(ev_digest)
        s = ox.NamedNode(evidence_base + ev_digest)
        triples = [
            Triple(s, T_TYPE, C_EVIDENCE),
            Triple(s, p_paper, node(ev.paper_id) if ev.paper_id in graph.papers
                   else ox.NamedNode(paper_iri(base_iri, ev.paper_id))),
            Triple(s, p_field, _lit(ev.field)),
            Triple(s, p_start, ox.Literal(int(ev.start))),
            Triple(s, p_end, ox.Literal(int(ev.end))),
        ]
        paper = graph.papers.get(ev.paper_id)
        if paper is not None:
            text = paper.title if ev.field == "title" else paper.abstract
            if 0 <= ev.start < ev.end <= len(text):
                triples.append(Triple(s, p_span, _lit(text[ev.start:ev.end])))
        triples += [
            Triple(s, p_sentence, ox.Literal(int(ev.sentence))),
            Triple(s, p_text, _lit(ev.sentence_text)),
            Triple(s, p_rule, _lit(ev.rule)),
        ]
        yield Block(s, ev, triples)


def _year_count_blocks(counted: list[tuple[ox.NamedNode, YearCount]]) -> Iterator[Block]:
    c_count, p_year, p_papers = _p("YearCount"), _p("countYear"), _p("countPapers")
    for s, count in counted:
        yield Block(s, count, [ox.Triple(s, T_TYPE, c_count),
                               ox.Triple(s, p_year, ox.Literal(count.year)),
                               ox.Triple(s, p_papers, ox.Literal(count.papers))])


def count_triples(graph: KnowledgeGraph) -> int:
    """``sum(1 for _ in iter_triples(graph, base_iri))`` without making the triples.

    Mirrors :func:`iter_blocks` (a test checks that both agree); the count does not depend on
    the base IRI.
    """
    total = 0
    outgoing: dict[str, set[tuple[str, str]]] = defaultdict(set)
    statements: set[tuple[str, str, str]] = set()
    evidence: set[Evidence] = set()
    for rel in graph.relations:
        if rel.predicate not in PROPERTY_OF_PREDICATE:
            raise PaperkgError(f"relation predicate {rel.predicate!r} has no RDF property "
                               f"(known: {', '.join(PROPERTY_OF_PREDICATE)})")
        spo = (rel.subject, rel.predicate, rel.object)
        if spo in statements:
            continue
        statements.add(spo)
        outgoing[rel.subject].add((rel.predicate, rel.object))
        distinct = set(rel.evidence)
        total += 5 + len(distinct)
        evidence |= distinct
    del statements
    for paper in graph.papers.values():
        total += 3 + bool(paper.abstract) + (paper.year is not None) + bool(paper.venue)
        total += len(dict.fromkeys(a for a in paper.authors if a))
        total += web_iri(paper.url) is not None
        total += len(outgoing.get(paper.id, ()))
    for entity in graph.entities.values():
        if entity.type not in CLASS_OF_TYPE:
            raise PaperkgError(f"entity {entity.id!r} has unknown type {entity.type!r}")
        total += 5 + len(set(entity.aliases) - {entity.name})
        total += sum(1 for key, value in entity.external_ids.items()
                     if value and (key != "homepage" or web_iri(value) is not None))
        total += sum(len(set(values)) for values in entity.attributes.values())
        total += len(outgoing.get(entity.id, ()))
        total += 4 * len(year_counts(entity, graph.papers))
    for ev in evidence:
        total += 8
        paper = graph.papers.get(ev.paper_id)
        if paper is not None:
            text = paper.title if ev.field == "title" else paper.abstract
            total += 0 <= ev.start < ev.end <= len(text)
    return total


def data_prefixes(base_iri: str) -> dict[str, str]:
    """Prefixes of the data namespaces (``paper:``, ``model:`` …) under ``base_iri``."""
    names = (PAPER_PATH, *ENTITY_PATHS, OTHER_ENTITY_PATH, STATEMENT_PATH, EVIDENCE_PATH,
             YEAR_COUNT_PATH)
    return {name: f"{base_iri}{name}/" for name in names}


def prefixes(base_iri: str) -> dict[str, str]:
    """Vocabulary and data prefixes, for Turtle output."""
    return {**VOCAB_PREFIXES, **data_prefixes(base_iri)}


def to_store(graph: KnowledgeGraph, base_iri: str) -> ox.Store:
    """The graph in an in-memory pyoxigraph store (default graph), ready for SPARQL."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in iter_triples(graph, base_iri))
    return store


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Identifier:
    """A pyoxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == str(XSD.string):
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))


def to_rdf(graph: KnowledgeGraph, base_iri: str) -> rdflib.Graph:
    """The graph as an rdflib graph (same triples as :func:`iter_triples`, prefixes bound)."""
    g = rdflib.Graph()
    for prefix, namespace in prefixes(base_iri).items():
        g.bind(prefix, rdflib.Namespace(namespace), override=True, replace=True)
    add = g.add
    conv = to_rdflib_term
    for t in iter_triples(graph, base_iri):
        add((conv(t.subject), conv(t.predicate), conv(t.object)))
    return g
