"""The graph as :func:`kg.graph.networkx.to_networkx` lays it out, without building it.

A ``MultiDiGraph`` of a million relations costs gigabytes of dictionaries; the exporters that
only walk it (GraphML, GEXF) need its node order, its edges in adjacency order and its degrees,
which a few integer arrays give.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from kg.errors import PaperkgError
from kg.model import CO_OCCURS_WITH, KnowledgeGraph, Relation


@dataclass(slots=True)
class Layout:
    """Nodes (papers, then entities, in the graph's order), degrees and the edge order."""

    nodes: list[str]
    degree: np.ndarray  #: in + out edges per node (a self-loop counts two)
    #: per edge, in NetworkX's edge order: the index of the relation it shows (of those
    #: with the same subject, object and predicate, the last: NetworkX keeps the last's data);
    #: an index past the relations is a reversed co-occurrence (see :func:`layout`)
    edges: np.ndarray
    #: the relation each reversed co-occurrence reverses (index ``len(relations) + k``: ``k``)
    mirrored: np.ndarray


def layout(graph: KnowledgeGraph, both_ways: bool = False) -> Layout:
    """What ``to_networkx(graph)`` would hold: node order, degrees and edges.

    Edge order is NetworkX's adjacency order: by subject (in node order), then object (in order
    of its first relation with that subject), then predicate (first appearance).  With
    ``both_ways``, every ``co_occurs_with`` relation is also an edge from its object to its
    subject, as if the graph's relations were followed by those reversed relations (what
    :func:`with_reversed_cooccurrence` makes).
    """
    nodes = list(dict.fromkeys([*graph.papers, *graph.entities]))
    index = {node: i for i, node in enumerate(nodes)}
    predicates: dict[str, int] = {}
    relations = graph.relations
    mirrored = np.array([i for i, rel in enumerate(relations) if rel.predicate == CO_OCCURS_WITH]
                        if both_ways else [], dtype=np.int64)
    r = len(relations) + len(mirrored)
    subject = np.empty(r, dtype=np.int64)
    obj = np.empty(r, dtype=np.int64)
    predicate = np.empty(r, dtype=np.int64)
    for i, rel in enumerate(relations):
        try:
            subject[i], obj[i] = index[rel.subject], index[rel.object]
        except KeyError:
            raise PaperkgError(f"relation {rel.subject} {rel.predicate} {rel.object} links a "
                               "paper or entity that is not in the graph") from None
        predicate[i] = predicates.setdefault(rel.predicate, len(predicates))
    tail = len(relations)
    subject[tail:], obj[tail:] = obj[mirrored], subject[mirrored]
    predicate[tail:] = predicate[mirrored]
    del index
    n, p = max(len(nodes), 1), max(len(predicates), 1)
    pair = subject * n + obj
    _, pair_first, pair_group = np.unique(pair, return_index=True, return_inverse=True)
    first_of_pair = pair_first[pair_group]  # per relation: first relation of its pair
    del pair_group
    triple = pair * p + predicate
    _, first = np.unique(triple, return_index=True)  # per edge: its first relation
    _, last_reversed = np.unique(triple[::-1], return_index=True)
    last = r - 1 - last_reversed  # per edge: its last relation (same sorted edge order)
    order = np.lexsort((first, first_of_pair[first], subject[first]))
    degree = (np.bincount(subject[first], minlength=len(nodes))
              + np.bincount(obj[first], minlength=len(nodes)))
    return Layout(nodes, degree, last[order], mirrored)


def edges(graph: KnowledgeGraph, plan: Layout) -> Iterator[tuple[str, Relation]]:
    """``(key, relation)`` per edge in NetworkX's order; keys ``e0``, ``e1`` …"""
    relations = graph.relations
    tail = len(relations)
    for n, i in enumerate(plan.edges.tolist()):
        if i < tail:
            yield f"e{n}", relations[i]
        else:
            rel = relations[int(plan.mirrored[i - tail])]
            yield f"e{n}", Relation(rel.object, rel.predicate, rel.subject, (), rel.weight)


def with_reversed_cooccurrence(graph: KnowledgeGraph) -> KnowledgeGraph:
    """``graph`` with every ``co_occurs_with`` relation also from its object to its subject
    (after the graph's relations): the graph :func:`layout` lays out with ``both_ways``."""
    reversed_ = [Relation(r.object, r.predicate, r.subject, (), r.weight)
                 for r in graph.relations if r.predicate == CO_OCCURS_WITH]
    return KnowledgeGraph(graph.papers, graph.entities, [*graph.relations, *reversed_])
