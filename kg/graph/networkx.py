"""The graph as a NetworkX ``MultiDiGraph``: papers and entities as nodes, relations as edges."""

from __future__ import annotations

import networkx as nx

from kg.model import CO_OCCURS_WITH, KnowledgeGraph


def to_networkx(graph: KnowledgeGraph, cooccurrence: bool = True) -> nx.MultiDiGraph:
    """Nodes: papers (``type="Paper"``) and entities; edges keyed by relation name.

    Node attributes: ``type``, ``label``, and for entities ``aliases`` (list), ``paper_count``,
    ``external_ids`` (dict); for papers ``year``, ``url``.  Edge attributes: ``relation``,
    ``weight`` and ``evidence_count``.  ``co_occurs_with`` edges (one per unordered pair) are
    left out when ``cooccurrence`` is false.
    """
    g = nx.MultiDiGraph()
    for paper in graph.papers.values():
        g.add_node(paper.id, type="Paper", label=paper.title, year=paper.year, url=paper.url)
    for entity in graph.entities.values():
        g.add_node(
            entity.id,
            type=entity.type,
            label=entity.name,
            aliases=list(entity.aliases),
            paper_count=entity.paper_count,
            external_ids=dict(entity.external_ids),
        )
    for rel in graph.relations:
        if rel.predicate == CO_OCCURS_WITH and not cooccurrence:
            continue
        g.add_edge(
            rel.subject,
            rel.object,
            key=rel.predicate,
            relation=rel.predicate,
            weight=rel.weight,
            evidence_count=len(rel.evidence),
        )
    return g


def entity_projection(graph: KnowledgeGraph) -> nx.Graph:
    """The entity co-occurrence graph (no paper nodes), edges weighted by shared papers."""
    g = nx.Graph()
    for entity in graph.entities.values():
        g.add_node(entity.id, type=entity.type, label=entity.name, paper_count=entity.paper_count)
    for rel in graph.relations_of(CO_OCCURS_WITH):
        g.add_edge(rel.subject, rel.object, weight=rel.weight)
    return g
