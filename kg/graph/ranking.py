"""Degree and PageRank of the graph's nodes, computed from the relations without NetworkX.

Both give exactly what NetworkX gives on :func:`kg.graph.networkx.to_networkx` (degree on the
undirected simple graph, ``nx.pagerank`` on the directed graph of the non-co-occurrence
relations), in a fraction of the memory: a graph of a million relations needs arrays, not a
million edge dictionaries.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np
import scipy as sp

from kg.model import CO_OCCURS_WITH, KnowledgeGraph

#: NetworkX's defaults for :func:`networkx.pagerank`
ALPHA, MAX_ITER, TOL = 0.85, 100, 1.0e-6


def entity_degrees(graph: KnowledgeGraph) -> dict[str, int]:
    """Per entity: distinct neighbours (papers and entities, any relation, either direction);
    a relation of an entity with itself counts two, as in NetworkX."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    loops: set[str] = set()
    entities = graph.entities
    for rel in graph.relations:
        s, o = rel.subject, rel.object
        if s == o:
            loops.add(s)
            continue
        if s in entities:
            neighbours[s].add(o)
        if o in entities:
            neighbours[o].add(s)
    return {eid: len(neighbours.get(eid, ())) + 2 * (eid in loops) for eid in entities}


def pagerank(graph: KnowledgeGraph) -> dict[str, float]:
    """PageRank over paper -> entity and entity -> entity relations, weighted by support.

    The directed graph: every paper and entity (and any other relation end), one edge per
    ``(subject, object)`` weighing the sum of ``max(weight, 1)`` of its relations.  The power
    iteration is NetworkX's ``_pagerank_scipy``, on the same matrix built in the same order, so
    the values are NetworkX's to the last bit.
    """
    ends = {e for rel in graph.relations if rel.predicate != CO_OCCURS_WITH
            for e in (rel.subject, rel.object)}
    nodelist = sorted(ends.union(graph.papers, graph.entities))
    del ends
    n = len(nodelist)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodelist)}
    weights: dict[int, int] = {}  # row * n + column -> weight, in order of first appearance
    for rel in graph.relations:
        if rel.predicate != CO_OCCURS_WITH:
            key = index[rel.subject] * n + index[rel.object]
            weights[key] = weights.get(key, 0) + max(rel.weight, 1)
    del index
    keys = np.fromiter(weights, dtype=np.int64, count=len(weights))
    data = np.fromiter(weights.values(), dtype=float, count=len(weights))
    del weights
    order = np.argsort(keys // n, kind="stable")  # by row; within a row, first appearance
    row, col, data = keys[order] // n, keys[order] % n, data[order]
    A = sp.sparse.coo_array((data, (row, col)), shape=(n, n), dtype=float).asformat("csr")

    # networkx.algorithms.link_analysis.pagerank_alg._pagerank_scipy, default arguments
    S = A.sum(axis=1)
    S[S != 0] = 1.0 / S[S != 0]
    Q = sp.sparse.dia_array((S.T, 0), shape=A.shape).tocsr()
    A = Q @ A
    x = np.repeat(1.0 / n, n)
    p = np.repeat(1.0 / n, n)
    dangling_weights = p
    is_dangling = np.where(S == 0)[0]
    for _ in range(MAX_ITER):
        xlast = x
        x = ALPHA * (x @ A + sum(x[is_dangling]) * dangling_weights) + (1 - ALPHA) * p
        err = np.absolute(x - xlast).sum()
        if err < n * TOL:
            return dict(zip(nodelist, map(float, x), strict=True))
    raise nx.PowerIterationFailedConvergence(MAX_ITER)
