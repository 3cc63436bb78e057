"""How many triples a graph maps to, counted without making them (``stats.json``, ``void.ttl``)."""

from __future__ import annotations

from collections import defaultdict

from kg.errors import PaperkgError
from kg.graph.rdf import (
    CLASS_OF_TYPE,
    PROPERTY_OF_PREDICATE,
    external_match,
    paper_identifiers,
    web_iri,
    year_counts,
)
from kg.model import CO_OCCURS_WITH, Evidence, KnowledgeGraph


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
        total += bool(paper.date) + len(paper_identifiers(paper)) + len(paper.subjects)
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
        total += len(entity.broader)
        total += len(outgoing.get(entity.id, ()))
        total += 4 * len(year_counts(entity, graph.papers))
    for ev in evidence:
        total += 8
        found = graph.papers.get(ev.paper_id)
        if found is not None:
            text = found.title if ev.field == "title" else found.abstract
            total += 0 <= ev.start < ev.end <= len(text)
    return total
