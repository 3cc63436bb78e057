"""``graph.owl``: the paperkg ontology and the graph's individuals in one RDF/XML file (Protégé).

The triples are the ontology ``schemas/paperkg.ttl`` plus the graph as
:func:`kg.graph.rdf.iter_triples` maps it, with what an OWL 2 DL tool needs on top:

- one ``owl:Ontology`` header (``<base>graph``; the schema's own header is left out, its IRI is
  kept as ``rdfs:seeAlso``): the file is read as one ontology, and nothing is imported over the
  network;
- every individual declared ``owl:NamedIndividual`` (papers, entities, year counts, and the web
  pages and Wikidata / Hugging Face resources they point to), and labelled: papers by their
  title, year counts as "entity in year: n papers", web pages by their address;
- provenance as OWL axiom annotations, which Protégé shows beside each assertion: every relation
  assertion is annotated (an ``owl:Axiom`` with ``owl:annotatedSource``/``Property``/``Target``)
  with ``pkg:support`` (its support count), ``pkg:foundIn`` (the papers of its evidence) and
  ``pkg:evidence`` (one text per evidence record: sentence, paper, field, span and rule).  The
  RDF files' reified ``pkg:Statement`` and ``pkg:Evidence`` nodes are not individuals here, and
  no ``rdf:`` reification property is used (reserved vocabulary is outside OWL 2 DL).

Characters that XML 1.0 cannot hold are dropped from literals.  Output order is deterministic
(ontology first, then the graph, each subject's triples together; blank nodes named by content).

The file is written chunk by chunk (:class:`OwlWriter`, RDF/XML parts without their root
element), from the chunks of :func:`kg.export.rdf.chunks`: with the ``rdf`` exporter, one pass
over the graph writes both (:func:`write_with_rdf`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import OWL, RDF, RDFS

from kg.export.gephi import XML_INVALID, xml_text
from kg.export.rdf import Chunk, chunks, write_chunks, write_files
from kg.graph.rdf import (
    ONTOLOGY_IRI,
    P_EXACT,
    P_LABEL,
    P_OBJECT,
    P_PREDICATE,
    P_SUBJECT,
    P_URL,
    PKG,
    Block,
    Iri,
    YearCount,
    check_base_iri,
    digest,
    entity_iri,
    paper_iri,
    prefixes,
    serialize,
)
from kg.model import Entity, Evidence, KnowledgeGraph, Paper, Relation
from kg.schema_files import schema_path

OWL_FILE = "graph.owl"
#: IRI of the ontology document, under the build's base IRI
ONTOLOGY_DOCUMENT = "graph"

_TYPE = ox.NamedNode(str(RDF.type))
_LABEL = ox.NamedNode(str(RDFS.label))
_COMMENT = ox.NamedNode(str(RDFS.comment))
_SEE_ALSO = ox.NamedNode(str(RDFS.seeAlso))
_INDIVIDUAL = ox.NamedNode(str(OWL.NamedIndividual))
_URL = "https://schema.org/url"

_AXIOM = ox.NamedNode(str(OWL.Axiom))
_SOURCE = ox.NamedNode(str(OWL.annotatedSource))
_PROPERTY = ox.NamedNode(str(OWL.annotatedProperty))
_TARGET = ox.NamedNode(str(OWL.annotatedTarget))
_SUPPORT = ox.NamedNode(str(PKG.support))
_FOUND_IN = ox.NamedNode(str(PKG.foundIn))
_EVIDENCE = ox.NamedNode(str(PKG.evidence))


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _needs_cleaning(text: str) -> bool:
    return XML_INVALID.search(text) is not None


def _clean(term: Any) -> Any:
    if isinstance(term, ox.Literal):
        text = xml_text(term.value)
        if text == term.value:
            return term
        if term.language:
            return ox.Literal(text, language=term.language)
        return ox.Literal(text, datatype=term.datatype)
    return term


def _schema_triples() -> list[ox.Triple]:
    """The ontology's triples in file order, without its header, blank nodes numbered."""
    header = ox.NamedNode(ONTOLOGY_IRI)
    names: dict[str, ox.BlankNode] = {}

    def rename(term: Any) -> Any:
        if isinstance(term, ox.BlankNode):
            return names.setdefault(term.value, ox.BlankNode(f"b{len(names)}"))
        return term

    return [
        ox.Triple(rename(t.subject), t.predicate, rename(t.object))
        for t in ox.parse(path=str(schema_path("paperkg.ttl")), format=ox.RdfFormat.TURTLE)
        if t.subject != header
    ]


def _header(base_iri: str, graph: KnowledgeGraph) -> list[ox.Triple]:
    doc = ox.NamedNode(base_iri + ONTOLOGY_DOCUMENT)
    triples = [
        ox.Triple(doc, _TYPE, ox.NamedNode(str(OWL.Ontology))),
        ox.Triple(doc, _LABEL, _en("paperkg graph")),
        ox.Triple(doc, _COMMENT, _en(
            f"The paperkg ontology and the individuals of one graph: {len(graph.papers)} "
            f"papers, {len(graph.entities)} entities, {len(graph.relations)} relations with "
            "their evidence.")),
        ox.Triple(doc, _SEE_ALSO, ox.NamedNode(ONTOLOGY_IRI)),
    ]
    return triples


def _labeller(graph: KnowledgeGraph) -> Callable[[Block], str | None]:
    """The label of an individual the RDF mapping leaves without one (entities have theirs)."""

    def short(identifier: str) -> str:
        entity = graph.entities.get(identifier)
        return entity.name if entity is not None else identifier

    def label(block: Block) -> str | None:
        source = block.source
        if isinstance(source, Paper):
            return source.title or source.id
        if isinstance(source, YearCount):
            return f"{short(source.entity)} in {source.year}: {source.papers} papers"
        return None

    return label


class Individuals:
    """``graph.owl``'s triples of each block (whole subjects, in the order of the graph)."""

    def __init__(self, graph: KnowledgeGraph, base_iri: str) -> None:
        self.label_of = _labeller(graph)
        self.paper_iri = {pid: ox.NamedNode(paper_iri(base_iri, p))
                          for pid, p in graph.papers.items()}
        self.known = {paper_iri(base_iri, p) for p in graph.papers.values()}
        self.known.update(entity_iri(base_iri, e) for e in graph.entities)
        #: web pages of papers and entities, in order of appearance; None once declared
        self.pages: dict[str, None] | None = {}

    def triples(self, block: Block, triples: list[ox.Triple]) -> list[ox.Triple]:
        """The block's ``owl:NamedIndividual`` declaration, its triples and its label (for a
        statement: the axiom annotation of its relation; for evidence: nothing); before the
        first year count or statement, the web pages of the papers and entities."""
        out = self.finish() if self.pages is not None and not isinstance(
            block.source, Paper | Entity) else []
        if isinstance(block.source, Evidence):
            return out
        if isinstance(block.source, Relation):
            return out + _axiom_annotation(block, self.paper_iri)
        subject = triples[0].subject
        out.append(ox.Triple(subject, _TYPE, _INDIVIDUAL))
        out += _distinct_cleaned(block, triples)
        labelled = False
        for p, o in block.properties:
            if p == P_LABEL:
                labelled = True
            elif (p in (P_URL, P_EXACT) and self.pages is not None and type(o) is Iri
                  and o not in self.known):
                self.pages[o] = None
        if not labelled:
            text = self.label_of(block)
            if text is not None:
                out.append(ox.Triple(subject, _LABEL, _cleaned_literal(text)))
        return out

    def finish(self) -> list[ox.Triple]:
        """The web pages' declarations and labels, if not given yet."""
        pages, self.pages = self.pages or {}, None
        out = []
        for iri in pages:
            page = ox.NamedNode(iri)
            out += [ox.Triple(page, _TYPE, _INDIVIDUAL),
                    ox.Triple(page, _LABEL, _cleaned_literal(iri))]
        return out


def _axiom_annotation(block: Block, papers: dict[str, ox.NamedNode]) -> list[ox.Triple]:
    """The ``owl:Axiom`` that annotates a statement's relation with its support and evidence."""
    relation = block.source
    assert isinstance(relation, Relation)  # statement blocks come from relations
    parts = {p: o for p, o in block.properties if p in (P_SUBJECT, P_PREDICATE, P_OBJECT)}
    axiom = ox.BlankNode("ax" + digest(relation.subject, relation.predicate, relation.object))
    out = [ox.Triple(axiom, _TYPE, _AXIOM),
           ox.Triple(axiom, _SOURCE, ox.NamedNode(str(parts[P_SUBJECT]))),
           ox.Triple(axiom, _PROPERTY, ox.NamedNode(str(parts[P_PREDICATE]))),
           ox.Triple(axiom, _TARGET, ox.NamedNode(str(parts[P_OBJECT]))),
           ox.Triple(axiom, _SUPPORT, ox.Literal(int(relation.weight)))]
    evidence = sorted(set(relation.evidence))
    found = dict.fromkeys(papers[ev.paper_id] for ev in evidence if ev.paper_id in papers)
    out += [ox.Triple(axiom, _FOUND_IN, paper) for paper in found]
    out += [ox.Triple(axiom, _EVIDENCE, _cleaned_literal(
        f"{ev.sentence_text} [paper {ev.paper_id}, {ev.field} {ev.start}-{ev.end}, "
        f"rule {ev.rule}]")) for ev in evidence]
    return out


def _distinct_cleaned(block: Block, triples: list[ox.Triple]) -> list[ox.Triple]:
    """``triples`` without characters XML cannot hold, each once (two literals that differ only
    in such characters become one).  The usual block has neither: its triples as they are."""
    literals = "".join(o for _, o in block.properties if type(o) is str)
    dirty = not (literals.isascii() and literals.isprintable()) and _needs_cleaning(literals)
    if not dirty and len(set(block.properties)) == len(block.properties):
        return triples
    return list(dict.fromkeys(_cleaned(t) for t in triples))


def owl_triples(graph: KnowledgeGraph, base_iri: str) -> Iterator[ox.Triple]:
    """Every triple of ``graph.owl``, grouped by subject, in a deterministic order (streamed).

    Order: the header and the ontology; then per individual its ``owl:NamedIndividual``
    declaration, its triples and its label: papers, entities, the web pages they point to,
    year counts, then the axiom annotations of the relations.
    """
    check_base_iri(base_iri)
    yield from ontology_triples(graph, base_iri)
    individuals = Individuals(graph, base_iri)
    for chunk in chunks(graph, base_iri):
        for block, triples in zip(chunk.blocks, chunk.triples, strict=True):
            yield from individuals.triples(block, triples)
    yield from individuals.finish()


def ontology_triples(graph: KnowledgeGraph, base_iri: str) -> list[ox.Triple]:
    """The header and the ontology, grouped by subject."""
    return [_cleaned(t) for t in _group_by_subject([*_header(base_iri, graph),
                                                    *_schema_triples()])]


def _cleaned(t: ox.Triple) -> ox.Triple:
    obj = t.object
    if isinstance(obj, ox.Literal) and _needs_cleaning(obj.value):
        return ox.Triple(t.subject, t.predicate, _clean(obj))
    return t


def _cleaned_literal(text: str) -> ox.Literal:
    return ox.Literal(xml_text(text))


def _group_by_subject(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """``triples`` with each subject's together (subjects in order of first appearance)."""
    groups: dict[Any, list[ox.Triple]] = {}
    for t in triples:
        groups.setdefault(t.subject, []).append(t)
    return [t for group in groups.values() for t in group]


class OwlWriter:
    """``graph.owl`` written chunk by chunk (see :func:`kg.export.rdf.write_chunks`)."""

    def __init__(self, graph: KnowledgeGraph, out_dir: Path, base_iri: str) -> None:
        self.xml = RdfXmlWriter(out_dir / OWL_FILE, prefixes(base_iri))
        self.xml.write(ontology_triples(graph, base_iri))
        self.individuals = Individuals(graph, base_iri)

    def write(self, chunk: Chunk) -> None:
        individuals = self.individuals
        self.xml.write([t for block, triples in zip(chunk.blocks, chunk.triples, strict=True)
                        for t in individuals.triples(block, triples)])

    def close(self) -> None:
        try:
            self.xml.write(self.individuals.finish())
        finally:
            self.xml.close()


class RdfXmlWriter:
    """An RDF/XML file written in parts (whole subjects each): the bytes of one serialisation."""

    def __init__(self, path: Path, prefix_map: dict[str, str]) -> None:
        self.prefixes = prefix_map
        empty = serialize([], format=ox.RdfFormat.RDF_XML, prefixes=prefix_map)
        self.head, self.foot = empty.removesuffix(_FOOT), _FOOT
        if self.head == empty:
            raise AssertionError("unexpected RDF/XML layout from pyoxigraph")
        self.fh = path.open("wb")
        self.fh.write(self.head)

    def write(self, triples: list[ox.Triple]) -> None:
        if not triples:
            return
        text = serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=self.prefixes)
        if not (text.startswith(self.head) and text.endswith(self.foot)):
            raise AssertionError("RDF/XML part without the expected root element")
        self.fh.write(text[len(self.head):-len(self.foot)])

    def close(self) -> None:
        self.fh.write(self.foot)
        self.fh.close()


_FOOT = b"</rdf:RDF>"


def write(graph: KnowledgeGraph, out_dir: Path, options: Any) -> None:
    """Write ``graph.owl`` (RDF/XML) into ``out_dir``."""
    base_iri = check_base_iri(options.base_iri)
    write_chunks(graph, base_iri, [OwlWriter(graph, out_dir, base_iri)])


def write_with_rdf(graph: KnowledgeGraph, out_dir: Path, options: Any) -> None:
    """The ``rdf`` exporter's files and ``graph.owl``, from one pass over the graph."""
    base_iri = check_base_iri(options.base_iri)
    write_files(graph, out_dir, options, [OwlWriter(graph, out_dir, base_iri)])
