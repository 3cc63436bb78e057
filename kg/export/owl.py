"""``graph.owl``: the paperkg ontology and the graph's individuals in one RDF/XML file (Protégé).

The triples are the ontology ``schemas/paperkg.ttl`` plus the graph as
:func:`kg.graph.rdf.iter_triples` maps it, with what an OWL tool needs on top:

- one ``owl:Ontology`` header (``<base>graph``; the schema's own header is left out, its IRI is
  kept as ``rdfs:seeAlso``): the file is read as one ontology, and nothing is imported over the
  network;
- every individual declared ``owl:NamedIndividual`` (papers, entities, year counts, statements,
  evidence and the web pages that ``schema:url`` points to), and labelled: papers by their
  title, statements as "subject property object", evidence by paper, field and span, year counts
  as "entity in year: n papers", web pages by their address;
- the reification properties the mapping uses declared with a specific OWL type:
  ``rdf:subject`` and ``rdf:object`` as object properties, ``rdf:predicate`` (whose values are
  property IRIs) as an annotation property.  Undeclared, OWL tools drop those triples silently.

Characters that XML 1.0 cannot hold are dropped from literals.  Output order is deterministic
(ontology first, then the graph, each subject's triples together; blank nodes numbered in order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import OWL, RDF, RDFS

from kg.export.gephi import XML_INVALID, xml_text
from kg.export.rdf import schema_path
from kg.graph.rdf import (
    ONTOLOGY_IRI,
    PROPERTY_OF_PREDICATE,
    Block,
    YearCount,
    check_base_iri,
    entity_iri,
    iter_blocks,
    paper_iri,
    prefixes,
)
from kg.model import Entity, Evidence, KnowledgeGraph, Paper, Relation

OWL_FILE = "graph.owl"
#: IRI of the ontology document, under the build's base IRI
ONTOLOGY_DOCUMENT = "graph"

_TYPE = ox.NamedNode(str(RDF.type))
_LABEL = ox.NamedNode(str(RDFS.label))
_COMMENT = ox.NamedNode(str(RDFS.comment))
_SEE_ALSO = ox.NamedNode(str(RDFS.seeAlso))
_INDIVIDUAL = ox.NamedNode(str(OWL.NamedIndividual))
_URL = "https://schema.org/url"

#: The reification properties of the mapping, with the OWL type and label each gets here.
REIFICATION_PROPERTIES: dict[str, tuple[str, str, str]] = {
    str(RDF.subject): (str(OWL.ObjectProperty), "subject",
                       "The subject of the relation a pkg:Statement describes."),
    str(RDF.object): (str(OWL.ObjectProperty), "object",
                      "The object of the relation a pkg:Statement describes."),
    str(RDF.predicate): (str(OWL.AnnotationProperty), "predicate",
                         "The property of the relation a pkg:Statement describes (its IRI)."),
}


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
    for iri, (owl_type, label, comment) in REIFICATION_PROPERTIES.items():
        prop = ox.NamedNode(iri)
        triples += [ox.Triple(prop, _TYPE, ox.NamedNode(owl_type)),
                    ox.Triple(prop, _LABEL, _en(label)), ox.Triple(prop, _COMMENT, _en(comment))]
    return triples


def _labeller(graph: KnowledgeGraph) -> Callable[[Block], str | None]:
    """The label of an individual the RDF mapping leaves without one (entities have theirs)."""
    prop_label = {p: p.replace("_", " ") for p in PROPERTY_OF_PREDICATE}

    def short(identifier: str) -> str:
        entity = graph.entities.get(identifier)
        return entity.name if entity is not None else identifier

    def label(block: Block) -> str | None:
        source = block.source
        if isinstance(source, Paper):
            return source.title or source.id
        if isinstance(source, Relation):
            return (f"{short(source.subject)} "
                    f"{prop_label.get(source.predicate, source.predicate)} {short(source.object)}")
        if isinstance(source, Evidence):
            return (f"evidence: {source.paper_id} {source.field} [{source.start}:{source.end}] "
                    f"({source.rule})")
        if isinstance(source, YearCount):
            return f"{short(source.entity)} in {source.year}: {source.papers} papers"
        return None

    return label


def owl_triples(graph: KnowledgeGraph, base_iri: str) -> Iterator[ox.Triple]:
    """Every triple of ``graph.owl``, grouped by subject, in a deterministic order (streamed).

    Order: the header and the ontology; then per individual its ``owl:NamedIndividual``
    declaration, its triples and its label: papers, entities, the web pages they point to,
    year counts, statements, evidence.
    """
    check_base_iri(base_iri)
    for t in _group_by_subject([*_header(base_iri, graph), *_schema_triples()]):
        yield _cleaned(t)
    label_of = _labeller(graph)
    known = {paper_iri(base_iri, p) for p in graph.papers}
    known.update(entity_iri(base_iri, e) for e in graph.entities)
    pages: dict[str, None] = {}  # web pages, in order of appearance
    for block in iter_blocks(graph, base_iri):
        if pages is not None and not isinstance(block.source, Paper | Entity):
            yield from _pages(pages)
            pages = None
        yield ox.Triple(block.subject, _TYPE, _INDIVIDUAL)
        labelled = False
        # once each: two literals that differ only in characters XML cannot hold become one
        for t in dict.fromkeys(_cleaned(t) for t in block.triples):
            yield t
            if t.predicate == _LABEL:
                labelled = True
            elif (pages is not None and t.predicate.value == _URL
                  and isinstance(t.object, ox.NamedNode) and t.object.value not in known):
                pages[t.object.value] = None
        if not labelled:
            text = label_of(block)
            if text is not None:
                yield ox.Triple(block.subject, _LABEL, _cleaned_literal(text))
    if pages is not None:
        yield from _pages(pages)


def _pages(pages: dict[str, None]) -> Iterator[ox.Triple]:
    for iri in pages:
        page = ox.NamedNode(iri)
        yield ox.Triple(page, _TYPE, _INDIVIDUAL)
        yield ox.Triple(page, _LABEL, _cleaned_literal(iri))


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


def write(graph: KnowledgeGraph, out_dir: Path, options: Any) -> None:
    """Write ``graph.owl`` (RDF/XML) into ``out_dir``."""
    base_iri = check_base_iri(options.base_iri)
    ox.serialize(owl_triples(graph, base_iri), str(out_dir / OWL_FILE), ox.RdfFormat.RDF_XML,
                 prefixes=prefixes(base_iri))
