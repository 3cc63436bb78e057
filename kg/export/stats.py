"""``stats.json`` and ``stats.md``: counts per type, the top entities and the communities.

* **degree**: distinct neighbours of an entity in the whole graph (papers that mention it,
  entities it is related to or co-occurs with);
* **PageRank**: on the directed graph of ``proposes``/``uses`` (paper -> entity) and the typed
  relations (entity -> entity), weighted by support, so rank flows to what papers build on;
* **communities**: Louvain (fixed seed) on the entity co-occurrence graph, weighted by shared
  papers.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx

from kg.graph.networkx import entity_projection
from kg.graph.ranking import entity_degrees
from kg.graph.ranking import pagerank as ranking_pagerank
from kg.graph.triple_count import count_triples
from kg.model import ENTITY_TYPES, KnowledgeGraph

TOP_N = 20
MAX_COMMUNITIES = 20
MEMBERS_SHOWN = 10
LOUVAIN_SEED = 42


def _round(x: float) -> float:
    return float(f"{x:.6g}")


def compute_stats(graph: KnowledgeGraph, base_iri: str, top_n: int = TOP_N) -> dict[str, Any]:
    """Every figure of ``stats.json`` (deterministic for a given graph)."""
    entities = graph.entities
    by_type = Counter(e.type for e in entities.values())
    by_predicate = Counter(r.predicate for r in graph.relations)
    evidence = {ev for r in graph.relations for ev in r.evidence}
    years = Counter(p.year for p in graph.papers.values() if p.year is not None)

    degree = entity_degrees(graph)
    pagerank = ranking_pagerank(graph)

    def row(eid: str, **extra: Any) -> dict[str, Any]:
        e = entities[eid]
        return {"id": eid, "name": e.name, "type": e.type, **extra}

    top_degree = sorted(entities, key=lambda eid: (-degree.get(eid, 0), eid))[:top_n]
    top_rank = sorted(entities, key=lambda eid: (-pagerank.get(eid, 0.0), eid))[:top_n]
    return {
        "papers": len(graph.papers),
        "papers_by_year": {str(y): n for y, n in sorted(years.items())},
        "entities": len(entities),
        "entities_by_type": {t: by_type.get(t, 0) for t in ENTITY_TYPES},
        "relations": len(graph.relations),
        "relations_by_predicate": dict(sorted(by_predicate.items())),
        "evidence_records": len(evidence),
        "triples": count_triples(graph),
        "top_entities_by_degree": [
            row(eid, degree=degree.get(eid, 0), papers=entities[eid].paper_count)
            for eid in top_degree
        ],
        "top_entities_by_pagerank": [
            row(eid, pagerank=_round(pagerank.get(eid, 0.0)), papers=entities[eid].paper_count)
            for eid in top_rank
        ],
        "communities": communities(graph),
    }


def communities(graph: KnowledgeGraph) -> dict[str, Any]:
    """Louvain communities of the co-occurrence graph: count, modularity and the largest ones."""
    g = entity_projection(graph)
    g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0])
    if g.number_of_edges() == 0:
        return {"algorithm": "louvain", "count": 0, "modularity": 0.0, "largest": []}
    found = nx.community.louvain_communities(g, weight="weight", seed=LOUVAIN_SEED)
    modularity = nx.community.modularity(g, found, weight="weight")
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c))
    largest = []
    for number, members in enumerate(ordered[:MAX_COMMUNITIES], start=1):
        shown = sorted(members, key=lambda eid: (-graph.entities[eid].paper_count, eid))
        largest.append({
            "community": number,
            "size": len(members),
            "types": dict(sorted(Counter(graph.entities[m].type for m in members).items())),
            "top_members": [
                {"id": m, "name": graph.entities[m].name, "papers": graph.entities[m].paper_count}
                for m in shown[:MEMBERS_SHOWN]
            ],
        })
    return {
        "algorithm": "louvain",
        "count": len(found),
        "modularity": _round(modularity),
        "largest": largest,
    }


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell: no line breaks, pipes or markup characters."""
    text = " ".join(str(text).split())
    out = []
    for ch in text:
        if ch in "\\`*_{}[]()<>#+!|~&":
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def render_markdown(stats: dict[str, Any]) -> str:
    """``stats.md``: the figures of ``stats.json`` as Markdown tables."""
    lines = ["# Graph statistics", ""]
    lines += ["| what | count |", "| --- | ---: |", f"| papers | {stats['papers']} |"]
    for etype, n in stats["entities_by_type"].items():
        lines.append(f"| entities: {etype} | {n} |")
    lines.append(f"| entities (all) | {stats['entities']} |")
    for pred, n in stats["relations_by_predicate"].items():
        lines.append(f"| relations: {pred} | {n} |")
    lines += [
        f"| relations (all) | {stats['relations']} |",
        f"| evidence records | {stats['evidence_records']} |",
        f"| RDF triples | {stats['triples']} |",  # the graph's (graph.nt adds the ontology's)
        "",
    ]
    if stats["papers_by_year"]:
        lines += ["## Papers per year", "", "| year | papers |", "| --- | ---: |"]
        lines += [f"| {y} | {n} |" for y, n in stats["papers_by_year"].items()]
        lines.append("")
    lines += ["## Top entities by degree", "",
              "Degree: distinct neighbours (papers and entities) in the whole graph.", "",
              "| # | entity | type | degree | papers |", "| ---: | --- | --- | ---: | ---: |"]
    for i, r in enumerate(stats["top_entities_by_degree"], start=1):
        lines.append(f"| {i} | {md_escape(r['name'])} ({md_escape(r['id'])}) | {r['type']} "
                     f"| {r['degree']} | {r['papers']} |")
    lines += ["", "## Top entities by PageRank", "",
              "PageRank over paper -> entity and entity -> entity relations, weighted by support.",
              "", "| # | entity | type | PageRank | papers |",
              "| ---: | --- | --- | ---: | ---: |"]
    for i, r in enumerate(stats["top_entities_by_pagerank"], start=1):
        lines.append(f"| {i} | {md_escape(r['name'])} ({md_escape(r['id'])}) | {r['type']} "
                     f"| {r['pagerank']:.6f} | {r['papers']} |")
    c = stats["communities"]
    lines += ["", "## Communities", "",
              f"Louvain on the entity co-occurrence graph: {c['count']} communities, "
              f"modularity {c['modularity']:.4f}.", ""]
    if c["largest"]:
        lines += ["| # | size | types | most mentioned members |", "| ---: | ---: | --- | --- |"]
        for com in c["largest"]:
            types = ", ".join(f"{t} {n}" for t, n in com["types"].items())
            members = ", ".join(md_escape(m["name"]) for m in com["top_members"])
            lines.append(f"| {com['community']} | {com['size']} | {types} | {members} |")
    return "\n".join(lines) + "\n"


def write(graph: KnowledgeGraph, out_dir: Path, options: Any) -> None:
    """Write ``stats.json`` and ``stats.md`` into ``out_dir``."""
    stats = compute_stats(graph, options.base_iri)
    (out_dir / "stats.json").write_text(
        json.dumps(stats, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out_dir / "stats.md").write_text(render_markdown(stats), encoding="utf-8")
