"""``graph.owl``: the paperkg ontology and the graph's individuals in one RDF/XML file (Protégé).

The triples are the ontology ``schemas/paperkg.ttl`` plus the graph as
:func:`kg.graph.rdf.iter_triples` maps it, with what an OWL tool needs on top:

- one ``owl:Ontology`` header (``<base>graph``; the schema's own header is left out, its IRI is
  kept as ``rdfs:seeAlso``): the file is read as one ontology, and nothing is imported over the
  network;
- every individual declared ``owl:NamedIndividual`` (papers, entities, statements, evidence and
  the web pages that ``schema:url`` points to), and labelled: papers by their title, statements
  as "subject property object", evidence by paper, field and span, web pages by their address;
- the reification properties the mapping uses declared with a specific OWL type:
  ``rdf:subject`` and ``rdf:object`` as object properties, ``rdf:predicate`` (whose values are
  property IRIs) as an annotation property.  Undeclared, OWL tools drop those triples silently.

Characters that XML 1.0 cannot hold are dropped from literals.  Output order is deterministic
(ontology first, then the graph, each subject's triples together; blank nodes numbered in order).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import OWL, RDF, RDFS

from kg.export.gephi import xml_text
from kg.export.rdf import schema_path
from kg.graph.rdf import (
    ONTOLOGY_IRI,
    PROPERTY_OF_PREDICATE,
    check_base_iri,
    entity_iri,
    evidence_iri,
    iter_triples,
    paper_iri,
    prefixes,
    statement_iri,
)
from kg.model import KnowledgeGraph

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


def _individual_labels(graph: KnowledgeGraph, base_iri: str) -> Iterator[ox.Triple]:
    """Labels for the individuals the RDF mapping leaves without one (entities have theirs)."""
    prop_label = {p: p.replace("_", " ") for p in PROPERTY_OF_PREDICATE}

    def short(identifier: str) -> str:
        entity = graph.entities.get(identifier)
        return entity.name if entity is not None else identifier

    for paper in graph.papers.values():
        yield ox.Triple(ox.NamedNode(paper_iri(base_iri, paper.id)), _LABEL,
                        ox.Literal(paper.title or paper.id))
    seen: set[str] = set()
    for rel in graph.relations:
        iri = statement_iri(base_iri, rel)
        if iri not in seen:
            seen.add(iri)
            label = f"{short(rel.subject)} {prop_label.get(rel.predicate, rel.predicate)} " \
                    f"{short(rel.object)}"
            yield ox.Triple(ox.NamedNode(iri), _LABEL, ox.Literal(label))
        for ev in rel.evidence:
            iri = evidence_iri(base_iri, ev)
            if iri not in seen:
                seen.add(iri)
                label = f"evidence: {ev.paper_id} {ev.field} [{ev.start}:{ev.end}] ({ev.rule})"
                yield ox.Triple(ox.NamedNode(iri), _LABEL, ox.Literal(label))


def owl_triples(graph: KnowledgeGraph, base_iri: str) -> list[ox.Triple]:
    """Every triple of ``graph.owl``, grouped by subject, in a deterministic order."""
    check_base_iri(base_iri)
    data = list(iter_triples(graph, base_iri))
    individuals: dict[ox.NamedNode, None] = {}
    for identifier in sorted(graph.papers):
        individuals[ox.NamedNode(paper_iri(base_iri, identifier))] = None
    for identifier in sorted(graph.entities):
        individuals[ox.NamedNode(entity_iri(base_iri, identifier))] = None
    labelled = {t.subject for t in data if t.predicate == _LABEL}
    extra: list[ox.Triple] = []
    for t in data:
        if t.predicate == _TYPE and isinstance(t.subject, ox.NamedNode):
            individuals.setdefault(t.subject, None)
        if t.predicate.value == _URL and isinstance(t.object, ox.NamedNode):
            if t.object not in individuals:
                individuals[t.object] = None
                if t.object not in labelled:
                    extra.append(ox.Triple(t.object, _LABEL, ox.Literal(t.object.value)))
    declarations = [ox.Triple(node, _TYPE, _INDIVIDUAL) for node in individuals]
    labels = [t for t in _individual_labels(graph, base_iri) if t.subject not in labelled]
    ordered = _group_by_subject([*_header(base_iri, graph), *_schema_triples()])
    ordered += _group_by_subject([*declarations, *data, *labels, *extra])
    # once each: two literals that differ only in characters XML cannot hold become one
    return list(dict.fromkeys(ox.Triple(t.subject, t.predicate, _clean(t.object))
                              for t in ordered))


def _group_by_subject(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    groups: dict[Any, list[ox.Triple]] = {}
    for t in triples:
        groups.setdefault(t.subject, []).append(t)
    return [t for group in groups.values() for t in group]


def write(graph: KnowledgeGraph, out_dir: Path, options: Any) -> None:
    """Write ``graph.owl`` (RDF/XML) into ``out_dir``."""
    base_iri = check_base_iri(options.base_iri)
    ox.serialize(owl_triples(graph, base_iri), str(out_dir / OWL_FILE), ox.RdfFormat.RDF_XML,
                 prefixes=prefixes(base_iri))
