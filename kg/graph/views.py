"""Which part of a graph a view shows: the whole graph (best-connected first) or a neighbourhood.

Also resolves the names users type (``llama 2``) to node ids, with close-match hints.  Used by
the HTML export and ``paperkg view``; nothing here draws anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Literal

import networkx as nx

from extractors.normalize import name_key
from kg.errors import PaperkgError
from kg.graph.networkx import to_networkx
from kg.model import CO_OCCURS_WITH, KnowledgeGraph

Projection = Literal["papers", "entities"]
PROJECTIONS: tuple[str, ...] = ("papers", "entities")
#: default largest view (``ExportOptions.max_nodes``)
DEFAULT_MAX_NODES = 1500


@dataclass(slots=True)
class View:
    """The part of a graph one page draws, and what was left out of it."""

    graph: nx.MultiDiGraph  #: nodes and edges drawn (attributes as in :func:`to_networkx`)
    degree: dict[str, int]  #: degree of each node in the graph the view was cut from
    total_nodes: int  #: nodes of that graph (before ``max_nodes``)
    total_edges: int
    title: str
    centre: str | None = None
    left_out_by_type: dict[str, int] = field(default_factory=dict)

    @property
    def left_out_nodes(self) -> int:
        return self.total_nodes - self.graph.number_of_nodes()

    @property
    def left_out_edges(self) -> int:
        return self.total_edges - self.graph.number_of_edges()


# ---------------------------------------------------------------------------------------------
# Choosing what to draw


def induced(g: nx.MultiDiGraph, nodes: Iterable[str]) -> nx.MultiDiGraph:
    """The subgraph of ``g`` on ``nodes``, in ``g``'s node and edge order.

    (``g.subgraph`` may iterate a small node set in set order, which changes with Python's hash
    seed and would make pages differ from run to run.)
    """
    keep = set(nodes)
    sub = nx.MultiDiGraph()
    sub.add_nodes_from((n, d) for n, d in g.nodes(data=True) if n in keep)
    sub.add_edges_from((u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True)
                       if u in keep and v in keep)
    return sub


def check_projection(value: str) -> Projection:
    """``--projection``'s value, checked."""
    if value == "papers":
        return "papers"
    if value == "entities":
        return "entities"
    raise PaperkgError(f"--projection must be one of {', '.join(PROJECTIONS)}, not {value!r}")


def base_graph(graph: KnowledgeGraph, projection: Projection = "papers") -> nx.MultiDiGraph:
    """The graph a view is cut from: papers and entities, or entities only.

    ``papers``: every node, every relation but ``co_occurs_with``.  ``entities``: entity nodes
    with ``co_occurs_with`` and the typed entity -> entity relations.
    """
    if projection == "papers":
        return to_networkx(graph, cooccurrence=False)
    if projection == "entities":
        full = to_networkx(graph, cooccurrence=True)
        return induced(full, graph.entities)
    raise PaperkgError(f"--projection must be one of {', '.join(PROJECTIONS)}, not {projection!r}")


def cut(
    g: nx.MultiDiGraph,
    max_nodes: int,
    title: str,
    keep: Iterable[str] = (),
    centre: str | None = None,
) -> View:
    """Keep the ``max_nodes`` best-connected nodes of ``g`` (and always those in ``keep``)."""
    if max_nodes < 1:
        raise PaperkgError(f"--max-nodes must be at least 1, not {max_nodes}")
    degree = dict(g.degree())
    kept = set(g)
    left_out: Counter = Counter()
    if g.number_of_nodes() > max_nodes:
        pinned = set(keep)
        ranked = sorted(g, key=lambda n: (n not in pinned, -degree[n], n))
        kept = set(ranked[:max_nodes])
        left_out = Counter(g.nodes[n]["type"] for n in ranked[max_nodes:])
    sub = induced(g, kept) if len(kept) < g.number_of_nodes() else g
    return View(
        graph=sub,
        degree={n: degree[n] for n in sub},
        total_nodes=g.number_of_nodes(),
        total_edges=g.number_of_edges(),
        title=title,
        centre=centre,
        left_out_by_type=dict(sorted(left_out.items())),
    )


def graph_view(
    graph: KnowledgeGraph,
    projection: Projection = "papers",
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str = "paperkg graph",
) -> View:
    """The whole graph (its ``max_nodes`` best-connected nodes when it is larger).

    A large paper view is cut before any NetworkX graph is built: degrees are counted from the
    relations, so a 100k-paper build pays only for the nodes it draws.  The result is the same
    as cutting the full graph.
    """
    if projection != "papers" or not 1 <= max_nodes < len(graph.papers) + len(graph.entities):
        return cut(base_graph(graph, projection), max_nodes, title)
    drawn = [r for r in graph.relations if r.predicate != CO_OCCURS_WITH]
    degree: Counter = Counter()
    for rel in drawn:
        degree[rel.subject] += 1
        degree[rel.object] += 1
    ranked = sorted([*graph.papers, *graph.entities], key=lambda n: (-degree[n], n))
    kept = set(ranked[:max_nodes])
    left_out = Counter(graph.entities[n].type if n in graph.entities else "Paper"
                       for n in ranked[max_nodes:])
    sub = KnowledgeGraph(
        papers={k: v for k, v in graph.papers.items() if k in kept},
        entities={k: v for k, v in graph.entities.items() if k in kept},
        relations=[r for r in drawn if r.subject in kept and r.object in kept],
    )
    g = to_networkx(sub, cooccurrence=False)
    return View(
        graph=g,
        degree={n: degree[n] for n in g},
        total_nodes=len(ranked),
        total_edges=len(drawn),
        title=title,
        left_out_by_type=dict(sorted(left_out.items())),
    )


def resolve_node(graph: KnowledgeGraph, query: str, projection: Projection = "papers") -> str:
    """The node id that ``query`` names: an entity id, a paper id, or an entity name or alias.

    Names match case-, space- and hyphen-insensitively (``llama 2`` finds ``Llama-2``).  Raises
    :class:`PaperkgError` naming the candidates when nothing or more than one entity matches.
    """
    query = query.strip()
    if query in graph.entities or (projection == "papers" and query in graph.papers):
        return query
    if query in graph.papers:
        raise PaperkgError(f"{query!r} is a paper: the entities projection has no paper nodes")
    key = name_key(query)
    by_name = sorted(
        e.id for e in graph.entities.values() if key and key == name_key(e.name)
    ) or sorted(
        e.id for e in graph.entities.values() if key and key in {name_key(a) for a in e.aliases}
    )
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        raise PaperkgError(f"{query!r} names {len(by_name)} entities: {', '.join(by_name)}; "
                           "give one of these ids instead")
    names = {e.name: e.id for e in graph.entities.values()}
    close = get_close_matches(query, list(names) + list(graph.entities), n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(sorted(set(close)))}?" if close else ""
    raise PaperkgError(f"no entity or paper {query!r} in the graph{hint}")


def neighbourhood_view(
    graph: KnowledgeGraph,
    node: str,
    hops: int = 2,
    projection: Projection = "papers",
    max_nodes: int = DEFAULT_MAX_NODES,
) -> View:
    """The nodes within ``hops`` edges (either direction) of ``node``: an id, name or alias."""
    if hops < 0:
        raise PaperkgError(f"--hops must be 0 or more, not {hops}")
    g = base_graph(graph, projection)
    centre = resolve_node(graph, node, projection)
    near = nx.single_source_shortest_path_length(g.to_undirected(as_view=True), centre, cutoff=hops)
    label = g.nodes[centre]["label"]
    plural = "hop" if hops == 1 else "hops"
    title = f"{label}: neighbourhood of {hops} {plural}"
    if projection == "entities":
        title += " (entities)"
    return cut(induced(g, near), max_nodes, title, keep=[centre], centre=centre)
