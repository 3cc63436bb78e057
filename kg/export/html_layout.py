"""Positions and communities of the entity graph, computed once when the page is written.

igraph (C) does the work: Fruchterman-Reingold (grid-accelerated above 1,000 nodes, so a
10,000-paper build is laid out in seconds) on the edges weighted by paper support (normalised by
the weight of both ends: association strength), and Louvain communities.  Both are seeded, so
the same graph gives the same page.  The page then draws with physics off: it is interactive as
soon as it is drawn.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import igraph

SEED = 7


@dataclass(frozen=True, slots=True)
class Layout:
    """x, y (rounded, arbitrary units) and community (0 = largest) per node."""

    x: list[float]
    y: list[float]
    community: list[int]


def _seeded() -> None:
    igraph.set_random_number_generator(random.Random(SEED))


def layout(n: int, sources: list[int], targets: list[int], weights: list[int]) -> Layout:
    """Lay out ``n`` nodes joined by the given edges (parallel edges add their weights)."""
    if n == 0:
        return Layout([], [], [])
    combined: dict[tuple[int, int], float] = {}
    for s, t, w in zip(sources, targets, weights, strict=True):
        if s != t:
            key = (min(s, t), max(s, t))
            combined[key] = combined.get(key, 0.0) + w
    pairs = sorted(combined)
    g = igraph.Graph(n=n, edges=pairs)
    strength = [math.log1p(combined[p]) for p in pairs]
    _seeded()
    coords = g.layout_fruchterman_reingold(
        weights=_association(g, strength) or None, niter=500,
        grid="auto" if n > 1000 else "nogrid",
    )
    _seeded()
    clusters = g.community_multilevel(weights=strength or None)
    size: dict[int, int] = {}
    first: dict[int, int] = {}
    for node, c in enumerate(clusters.membership):
        size[c] = size.get(c, 0) + 1
        first.setdefault(c, node)
    ranked = sorted(size, key=lambda c: (-size[c], first[c]))
    order = {c: i for i, c in enumerate(ranked)}
    membership = [order[c] for c in clusters.membership]
    xs, ys = _pull_in([x for x, _ in coords], [-y for _, y in coords])
    return Layout([round(x, 2) for x in xs], [round(y, 2) for y in ys], membership)


def _association(g: igraph.Graph, strength: list[float]) -> list[float]:
    """Edge weights divided by the geometric mean of their ends' total weight.

    Without it the hubs (linked to everything) pile up in the middle with their labels on top
    of each other; with it, an edge pulls hard only when it matters to both of its ends.
    """
    if not strength:
        return []
    total = g.strength(weights=strength)
    return [10 * w / math.sqrt(max(total[s], 1e-9) * max(total[t], 1e-9))
            for (s, t), w in zip(g.get_edgelist(), strength, strict=True)]


def _pull_in(xs: list[float], ys: list[float], keep: float = 0.9) -> tuple[list, list]:
    """Bring far-flung small components and isolated nodes in towards the main picture.

    Force layouts push unconnected parts far out, so fitting everything on screen shrinks the
    part people look at.  Beyond the ``keep`` quantile of distances from the centre, distances
    are compressed tenfold (order and direction kept).
    """
    n = len(xs)
    cx, cy = sorted(xs)[n // 2], sorted(ys)[n // 2]
    dist = [math.hypot(x - cx, y - cy) for x, y in zip(xs, ys, strict=True)]
    limit = sorted(dist)[min(n - 1, int(keep * n))]
    if limit <= 0:
        return xs, ys
    out_x, out_y = [], []
    for x, y, d in zip(xs, ys, dist, strict=True):
        scale = 1.0 if d <= limit else (limit + (d - limit) / 10) / d
        out_x.append(cx + (x - cx) * scale)
        out_y.append(cy + (y - cy) * scale)
    return out_x, out_y
