"""The graph as an rdflib ``Graph`` (for tests, comparisons and rdflib users)."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.namespace import XSD

from kg.graph.rdf import iter_triples, prefixes
from kg.model import KnowledgeGraph


def to_rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
                   ) -> rdflib.term.Identifier:
    """A pyoxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Triple):
        raise ValueError(f"rdflib has no RDF-star triple terms: {term}")
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
