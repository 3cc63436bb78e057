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

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, Namespace

from kg.errors import PaperkgError
from kg.graph.iris import (  # the IRI scheme; re-exported: callers know it as rdf's
    ENTITY_PATHS as ENTITY_PATHS,
)
from kg.graph.iris import (
    EVIDENCE_PATH as EVIDENCE_PATH,
)
from kg.graph.iris import (
    OTHER_ENTITY_PATH as OTHER_ENTITY_PATH,
)
from kg.graph.iris import (
    PAPER_PATH as PAPER_PATH,
)
from kg.graph.iris import (
    PAPER_SCHEMES as PAPER_SCHEMES,
)
from kg.graph.iris import (
    STATEMENT_PATH as STATEMENT_PATH,
)
from kg.graph.iris import (
    YEAR_COUNT_PATH as YEAR_COUNT_PATH,
)
from kg.graph.iris import (
    YearCount as YearCount,
)
from kg.graph.iris import (
    check_base_iri as check_base_iri,
)
from kg.graph.iris import (
    digest as digest,
)
from kg.graph.iris import (
    entity_iri as entity_iri,
)
from kg.graph.iris import (
    evidence_digest as evidence_digest,
)
from kg.graph.iris import (
    evidence_iri as evidence_iri,
)
from kg.graph.iris import (
    id_path as id_path,
)
from kg.graph.iris import (
    local_id_digest as local_id_digest,
)
from kg.graph.iris import (
    paper_iri as paper_iri,
)
from kg.graph.iris import (
    path_segment as path_segment,
)
from kg.graph.iris import (
    rdf_text as rdf_text,
)
from kg.graph.iris import (
    statement_iri as statement_iri,
)
from kg.graph.iris import (
    web_iri as web_iri,
)
from kg.graph.iris import (
    year_count_iri as year_count_iri,
)
from kg.graph.iris import (
    year_counts as year_counts,
)
from kg.graph.ontology import ontology_triples
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
P_BROADER = str(SKOS.broader)
(P_YEAR, P_AUTHOR, P_VENUE, P_PAPER_COUNT, P_EXTERNAL_ID, P_ATTRIBUTE, P_WIKIDATA,
 P_HUGGINGFACE, P_SUPPORT, P_EVIDENCE_PAPER, P_FIELD, P_START, P_END, P_SPAN, P_SENTENCE,
 P_SENTENCE_TEXT, P_RULE, P_BY_YEAR, P_COUNT_YEAR, P_COUNT_PAPERS) = (str(PKG[name]) for name in (
    "year", "authorName", "venue", "paperCount", "externalId", "attribute", "wikidataId",
    "huggingfaceId", "supportCount", "evidencePaper", "textField", "startChar", "endChar",
    "spanText", "sentenceIndex", "sentenceText", "rule", "papersByYear", "countYear",
    "countPapers"))


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
            term: ox.NamedNode | ox.Literal
            if isinstance(o, Iri):
                term = nodes.get(o) or self.node(o)
            elif isinstance(o, int) and not isinstance(o, bool):
                term = ints.get(o) or self.integer(o)
            elif isinstance(o, DateValue):
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
        props += paper_identifiers(paper)
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
        props += [(P_BROADER, self.node(b)) for b in entity.broader]
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
        key = evidence_digest(ev)
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


def paper_identifiers(paper: Paper) -> list[tuple[str, Value]]:
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
    """The graph and the ontology in an in-memory pyoxigraph store (default graph), ready for
    SPARQL (alignment queries included)."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in ontology_triples())
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in iter_triples(graph, base_iri))
    return store


def serialize(triples: Iterable[ox.Triple], format: ox.RdfFormat,
              prefixes: dict[str, str] | None = None) -> bytes:
    """``triples`` as a document in ``format`` (``pyoxigraph.serialize`` into memory)."""
    data = ox.serialize(triples, format=format, prefixes=prefixes)
    assert data is not None  # without an output, pyoxigraph returns the bytes
    return data
