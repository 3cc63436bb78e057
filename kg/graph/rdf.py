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

:func:`iter_blocks` gives each subject's triples as plain values (:class:`Iri`, ``str``, ``int``:
cheap to make, and what the JSON-LD writer needs); :class:`TermMaker` turns them into pyoxigraph
terms (fast to serialise and query), as :func:`iter_triples` yields them.  The IRIs of the
vocabularies come from rdflib namespaces.  :func:`to_rdf` returns an rdflib graph for callers that
want one (e.g. the RDF/XML export).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, Namespace

from kg.errors import PaperkgError
from kg.model import (
    CO_OCCURS_WITH,
    ENTITY_TYPES,
    Entity,
    Evidence,
    KnowledgeGraph,
    Paper,
    Relation,
)
from kg.text import NONCHARACTERS

#: The ontology document (schemas/paperkg.ttl) and its namespace.
ONTOLOGY_IRI = "https://w3id.org/paperkg/ontology"
PKG = Namespace(ONTOLOGY_IRI + "#")
MLS = Namespace("http://www.w3.org/ns/mls#")
FABIO = Namespace("http://purl.org/spar/fabio/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
SCHEMA = SDO
#: Where the external ids of entities resolve (the objects of ``skos:exactMatch``).
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
HUGGINGFACE = "https://huggingface.co/"

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
    "prism": str(PRISM),
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


# The predicates of the mapping.
P_TYPE, P_SUBJECT, P_PREDICATE, P_OBJECT = (
    str(RDF.type), str(RDF.subject), str(RDF.predicate), str(RDF.object))
P_LABEL, P_PREF, P_ALT = str(RDFS.label), str(SKOS.prefLabel), str(SKOS.altLabel)
P_ID, P_TITLE, P_ABSTRACT = str(DCTERMS.identifier), str(DCTERMS.title), str(DCTERMS.abstract)
P_URL, P_DERIVED = str(SCHEMA.url), str(PROV.wasDerivedFrom)
P_DOI, P_PMID, P_PMCID, P_ARXIV = (
    str(PRISM.doi), str(FABIO.hasPubMedId), str(FABIO.hasPubMedCentralId), str(PKG.arxivId))
P_ISSUED, P_SUBJECT_CODE, P_CITATION, P_EXACT = (
    str(DCTERMS.issued), str(DCTERMS.subject), str(DCTERMS.bibliographicCitation),
    str(SKOS.exactMatch))
(P_YEAR, P_AUTHOR, P_VENUE, P_PAPER_COUNT, P_EXTERNAL_ID, P_ATTRIBUTE, P_WIKIDATA,
 P_HUGGINGFACE, P_SUPPORT, P_EVIDENCE_PAPER, P_FIELD, P_START, P_END, P_SPAN, P_SENTENCE,
 P_SENTENCE_TEXT, P_RULE, P_BY_YEAR, P_COUNT_YEAR, P_COUNT_PAPERS) = (str(PKG[name]) for name in (
    "year", "authorName", "venue", "paperCount", "externalId", "attribute", "wikidataId",
    "huggingfaceId", "supportCount", "evidencePaper", "textField", "startChar", "endChar",
    "spanText", "sentenceIndex", "sentenceText", "rule", "papersByYear", "countYear",
    "countPapers"))


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
        return slug(text)
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
    return f"{base_iri}{OTHER_ENTITY_PATH}/{slug(entity_id)}"


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
    return f"{base_iri}{EVIDENCE_PATH}/" + _evidence_digest(ev)


def _evidence_digest(ev: Evidence) -> str:
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


class Iri(str):
    """An IRI as the object of a property (a plain ``str`` object is a string literal)."""

    __slots__ = ()


class DateValue(str):
    """A publication date as the object of a property: ``YYYY-MM-DD`` (an ``xsd:date``
    literal) or ``YYYY-MM`` (``xsd:gYearMonth``)."""

    __slots__ = ()

    @property
    def datatype(self) -> str:
        return str(XSD.date) if len(self) == 10 else str(XSD.gYearMonth)


#: The object of a property: an :class:`Iri`, a string literal (``str``), an integer (``int``,
#: an ``xsd:integer`` literal) or a :class:`DateValue`.
Value = str | int


#: Classes and properties as objects of the mapping.
C_PAPER, C_STATEMENT, C_EVIDENCE = Iri(PKG.Paper), Iri(PKG.Statement), Iri(PKG.Evidence)
C_YEAR_COUNT = Iri(PKG.YearCount)
P_RELATION: dict[str, Iri] = {p: Iri(iri) for p, iri in PROPERTY_OF_PREDICATE.items()}


@dataclass(frozen=True, slots=True)
class Block:
    """The triples of one subject, as plain values, and the record they describe."""

    iri: Iri
    #: a :class:`Paper`, :class:`Entity`, :class:`YearCount`, :class:`Relation` (statements) or
    #: :class:`Evidence`
    source: Paper | Entity | YearCount | Relation | Evidence
    #: (predicate IRI, object) of each triple, in order
    properties: list[tuple[str, Value]]


class TermMaker:
    """pyoxigraph triples of blocks; terms that recur (predicates, resources, small integers)
    are made once."""

    #: resources and integers remembered (papers and entities come first, evidence after)
    CACHE = 100_000

    def __init__(self) -> None:
        self.predicates: dict[str, ox.NamedNode] = {}
        self.nodes: dict[str, ox.NamedNode] = {}
        self.ints: dict[int, ox.Literal] = {}

    def triples(self, block: Block) -> list[ox.Triple]:
        """The block's triples."""
        subject = self.node(block.iri)
        predicates, nodes, ints, Triple, Literal = (
            self.predicates, self.nodes, self.ints, ox.Triple, ox.Literal)
        triples = []
        for p, o in block.properties:
            predicate = predicates.get(p) or self.predicate(p)
            kind = type(o)
            if kind is Iri:
                term = nodes.get(o) or self.node(o)
            elif kind is int:
                term = ints.get(o) or self.integer(o)
            elif kind is DateValue:
                term = Literal(o, datatype=ox.NamedNode(o.datatype))
            else:
                term = Literal(o)
            triples.append(Triple(subject, predicate, term))
        return triples

    def predicate(self, iri: str) -> ox.NamedNode:
        term = self.predicates[iri] = ox.NamedNode(iri)
        return term

    def node(self, iri: str) -> ox.NamedNode:
        term = self.nodes.get(iri)
        if term is None:
            term = ox.NamedNode(iri)
            if len(self.nodes) < self.CACHE:
                self.nodes[iri] = term
        return term

    def integer(self, value: int) -> ox.Literal:
        term = ox.Literal(value)
        if len(self.ints) < self.CACHE:
            self.ints[value] = term
        return term


def iter_triples(graph: KnowledgeGraph, base_iri: str,
                 papers: Mapping[str, Paper] | None = None) -> Iterator[ox.Triple]:
    """Every triple of ``graph`` in a deterministic order, each exactly once.

    Order: papers (sorted by id), entities (sorted by id), each followed by its outgoing
    relations; then the entities' year counts (by entity id and year); then the statements (in
    the graph's relation order); then the evidence nodes (sorted by IRI).  Each subject's triples
    are consecutive (see :func:`iter_blocks`).  ``papers`` (default: the graph's) are the papers
    whose years the year counts count.
    """
    terms = TermMaker()
    for block in iter_blocks(graph, base_iri, papers):
        yield from terms.triples(block)


def iter_blocks(graph: KnowledgeGraph, base_iri: str,
                papers: Mapping[str, Paper] | None = None) -> Iterator[Block]:
    """The triples of :func:`iter_triples`, one :class:`Block` per subject (streamed).

    Memory: the graph plus one 64-bit digest per statement and evidence node.
    """
    check_base_iri(base_iri)
    mapping = _Mapping(graph, base_iri, graph.papers if papers is None else papers)
    for paper in sorted(graph.papers.values(), key=lambda p: p.id):
        yield mapping.paper(paper)
    for entity in sorted(graph.entities.values(), key=lambda e: e.id):
        yield mapping.entity(entity)
    mapping.outgoing.clear()
    yield from mapping.year_counts()
    yield from mapping.statements()
    yield from mapping.evidence_nodes()


class _Mapping:
    """The model -> RDF mapping of one graph, record by record (see :func:`iter_blocks`)."""

    def __init__(self, graph: KnowledgeGraph, base_iri: str, papers: Mapping[str, Paper]
                 ) -> None:
        self.graph, self.base_iri, self.papers = graph, base_iri, papers
        self.counted: list[tuple[Iri, YearCount]] = []  # year counts of the entities so far
        self.nodes: dict[str, Iri] = {}  # paper or entity id -> IRI
        self.outgoing: dict[str, list[Relation]] = defaultdict(list)
        for rel in graph.relations:
            if rel.predicate not in PROPERTY_OF_PREDICATE:
                raise PaperkgError(f"relation predicate {rel.predicate!r} has no RDF property "
                                   f"(known: {', '.join(PROPERTY_OF_PREDICATE)})")
            self.outgoing[rel.subject].append(rel)
            if rel.predicate == CO_OCCURS_WITH:  # symmetric: asserted from both sides
                self.outgoing[rel.object].append(
                    Relation(rel.object, rel.predicate, rel.subject, weight=rel.weight))
        self.evidence: dict[str, Evidence] = {}  # digest -> record (IRIs sort as digests do)

    def node(self, identifier: str) -> Iri:
        iri = self.nodes.get(identifier)
        if iri is None:
            paper = self.graph.papers.get(identifier)
            minted = (entity_iri(self.base_iri, identifier) if paper is None
                      else paper_iri(self.base_iri, paper))
            iri = self.nodes[identifier] = Iri(minted)
        return iri

    def relations(self, identifier: str) -> list[tuple[str, Value]]:
        """The outgoing relations of a paper or entity, sorted, each (predicate, object) once."""
        pairs = dict.fromkeys((r.predicate, r.object) for r in self.outgoing.get(identifier, ()))
        return [(P_RELATION[p], self.node(o)) for p, o in sorted(pairs)]

    def paper(self, paper: Paper) -> Block:
        props: list[tuple[str, Value]] = [
            (P_TYPE, C_PAPER), (P_ID, rdf_text(paper.id)), (P_TITLE, rdf_text(paper.title))]
        if paper.abstract:
            props.append((P_ABSTRACT, rdf_text(paper.abstract)))
        if paper.year is not None:
            props.append((P_YEAR, int(paper.year)))
        if paper.date:
            props.append((P_ISSUED, DateValue(paper.date)))
        props += [(P_AUTHOR, rdf_text(a)) for a in dict.fromkeys(a for a in paper.authors if a)]
        if paper.venue:
            props.append((P_VENUE, rdf_text(paper.venue)))
        props += _paper_ids(paper)
        props += [(P_SUBJECT_CODE, rdf_text(s)) for s in paper.subjects]
        if paper.journal_ref:
            props.append((P_CITATION, rdf_text(paper.journal_ref)))
        url = web_iri(paper.url)
        if url is not None:
            props.append((P_URL, Iri(url)))
        return Block(self.node(paper.id), paper, props + self.relations(paper.id))

    def entity(self, entity: Entity) -> Block:
        if entity.type not in CLASS_OF_TYPE:
            raise PaperkgError(f"entity {entity.id!r} has unknown type {entity.type!r}")
        name = rdf_text(entity.name)
        props: list[tuple[str, Value]] = [
            (P_TYPE, Iri(CLASS_OF_TYPE[entity.type])), (P_ID, rdf_text(entity.id)),
            (P_LABEL, name), (P_PREF, name)]
        props += [(P_ALT, rdf_text(a)) for a in sorted(set(entity.aliases) - {entity.name})]
        props.append((P_PAPER_COUNT, entity.paper_count))
        for count in year_counts(entity, self.papers):
            self.counted.append((Iri(year_count_iri(self.base_iri, count)), count))
            props.append((P_BY_YEAR, self.counted[-1][0]))
        for key, value in sorted(entity.external_ids.items()):
            if value:
                props += _external_id(key, value)
        for key, values in sorted(entity.attributes.items()):
            props += [(P_ATTRIBUTE, rdf_text(f"{key}={v}")) for v in sorted(set(values))]
        return Block(self.node(entity.id), entity, props + self.relations(entity.id))

    def year_counts(self) -> Iterator[Block]:
        """One ``pkg:YearCount`` per entity and year, in the order of the entities."""
        for iri, count in self.counted:
            yield Block(iri, count, [(P_TYPE, C_YEAR_COUNT), (P_COUNT_YEAR, count.year),
                                     (P_COUNT_PAPERS, count.papers)])
        self.counted.clear()

    def statements(self) -> Iterator[Block]:
        """One ``pkg:Statement`` per distinct relation, in the graph's order."""
        statement_base = f"{self.base_iri}{STATEMENT_PATH}/"
        evidence_base = f"{self.base_iri}{EVIDENCE_PATH}/"
        seen: set[str] = set()  # digests
        for rel in self.graph.relations:
            key = digest(rel.subject, rel.predicate, rel.object)
            if key in seen:
                continue
            seen.add(key)
            props: list[tuple[str, Value]] = [
                (P_TYPE, C_STATEMENT), (P_SUBJECT, self.node(rel.subject)),
                (P_PREDICATE, P_RELATION[rel.predicate]), (P_OBJECT, self.node(rel.object)),
                (P_SUPPORT, int(rel.weight))]
            digests = {self._add_evidence(ev) for ev in rel.evidence}
            props += [(P_DERIVED, Iri(evidence_base + d)) for d in sorted(digests)]
            yield Block(Iri(statement_base + key), rel, props)

    def _add_evidence(self, ev: Evidence) -> str:
        key = _evidence_digest(ev)
        self.evidence.setdefault(key, ev)
        return key

    def evidence_nodes(self) -> Iterator[Block]:
        """One ``pkg:Evidence`` per distinct evidence record of the statements, sorted by IRI."""
        evidence_base = f"{self.base_iri}{EVIDENCE_PATH}/"
        for key in sorted(self.evidence):
            ev = self.evidence.pop(key)
            yield Block(Iri(evidence_base + key), ev, self._evidence(ev))

    def _evidence(self, ev: Evidence) -> list[tuple[str, Value]]:
        paper = self.graph.papers.get(ev.paper_id)
        props: list[tuple[str, Value]] = [
            (P_TYPE, C_EVIDENCE),
            (P_EVIDENCE_PAPER, self.node(ev.paper_id) if paper is not None
             else Iri(paper_iri(self.base_iri, ev.paper_id))),
            (P_FIELD, rdf_text(ev.field)), (P_START, int(ev.start)), (P_END, int(ev.end))]
        if paper is not None:
            text = paper.title if ev.field == "title" else paper.abstract
            if 0 <= ev.start < ev.end <= len(text):
                props.append((P_SPAN, rdf_text(text[ev.start:ev.end])))
        props += [(P_SENTENCE, int(ev.sentence)), (P_SENTENCE_TEXT, rdf_text(ev.sentence_text)),
                  (P_RULE, rdf_text(ev.rule))]
        return props


def _paper_ids(paper: Paper) -> list[tuple[str, Value]]:
    """The paper's standard identifiers: DOI (as given), arXiv id, PMID, PMC id."""
    ids = ((P_DOI, paper.doi), (P_ARXIV, paper.arxiv_id), (P_PMID, paper.pmid),
           (P_PMCID, paper.pmcid))
    return [(p, rdf_text(v)) for p, v in ids if v]


_WIKIDATA_ID = re.compile(r"^Q[1-9][0-9]*$")
_HUGGINGFACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9._-]+)?$")


def external_match(key: str, value: str) -> str | None:
    """The IRI a Wikidata or Hugging Face id stands for (``skos:exactMatch``), or None."""
    if key == "wikidata" and _WIKIDATA_ID.match(value):
        return WIKIDATA_ENTITY + value
    if key == "huggingface" and _HUGGINGFACE_ID.match(value):
        return HUGGINGFACE + value
    return None


def _external_id(key: str, value: str) -> list[tuple[str, Value]]:
    """The properties of one external id of an entity (none for a homepage that is no web IRI)."""
    if key == "homepage":
        url = web_iri(value)
        return [] if url is None else [(P_URL, Iri(url))]
    match = external_match(key, value)
    exact: list[tuple[str, Value]] = [] if match is None else [(P_EXACT, Iri(match))]
    if key == "wikidata":
        return [(P_WIKIDATA, rdf_text(value)), *exact]
    if key == "huggingface":
        return [(P_HUGGINGFACE, rdf_text(value)), *exact]
    return [(P_EXTERNAL_ID, rdf_text(f"{key}:{value}"))]


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
        if rel.predicate == CO_OCCURS_WITH:
            outgoing[rel.object].add((rel.predicate, rel.subject))
        distinct = set(rel.evidence)
        total += 5 + len(distinct)
        evidence |= distinct
    del statements
    for paper in graph.papers.values():
        total += 3 + bool(paper.abstract) + (paper.year is not None) + bool(paper.venue)
        total += bool(paper.date) + len(_paper_ids(paper)) + len(paper.subjects)
        total += bool(paper.journal_ref)
        total += len(dict.fromkeys(a for a in paper.authors if a))
        total += web_iri(paper.url) is not None
        total += len(outgoing.get(paper.id, ()))
    for entity in graph.entities.values():
        if entity.type not in CLASS_OF_TYPE:
            raise PaperkgError(f"entity {entity.id!r} has unknown type {entity.type!r}")
        total += 5 + len(set(entity.aliases) - {entity.name})
        total += sum(1 for key, value in entity.external_ids.items()
                     if value and (key != "homepage" or web_iri(value) is not None))
        total += sum(1 for key, value in entity.external_ids.items()
                     if value and external_match(key, value) is not None)
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
    spaces = {name: f"{base_iri}{name}/" for name in names}
    spaces.update({scheme: f"{base_iri}{PAPER_PATH}/{scheme}/" for scheme in ("arxiv", "pmid")})
    return spaces


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
