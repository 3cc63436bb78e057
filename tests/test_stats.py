"""stats.json and stats.md: counts per type, top entities by degree and PageRank, communities."""

from __future__ import annotations

import json
from collections import Counter

import networkx as nx
from tricky_graph import tricky_graph

from kg.export.stats import compute_stats, md_escape, render_markdown
from kg.graph.networkx import to_networkx
from kg.graph.ontology import ontology_triples
from kg.graph.rdf import iter_triples
from kg.model import ENTITY_TYPES, Entity, KnowledgeGraph, Paper, Relation

BASE = "https://w3id.org/paperkg/"


def test_stats_json_matches_the_graph(demo_build):
    graph, out = demo_build
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["papers"] == len(graph.papers)
    types = Counter(e.type for e in graph.entities.values())
    assert stats["entities_by_type"] == {t: types.get(t, 0) for t in ENTITY_TYPES}
    assert stats["entities"] == len(graph.entities)
    assert stats["relations_by_predicate"] == dict(sorted(
        Counter(r.predicate for r in graph.relations).items()))
    assert stats["triples"] == sum(1 for _ in iter_triples(graph, BASE))
    # graph.nt holds the ontology, then the graph's triples: stats count the graph's
    assert stats["triples"] + len(ontology_triples()) == len(
        (out / "graph.nt").read_text(encoding="utf-8").splitlines())
    years = Counter(str(p.year) for p in graph.papers.values() if p.year)
    assert stats["papers_by_year"] == dict(sorted(years.items()))


def test_top_entities_by_degree_and_pagerank(demo_build):
    graph, out = demo_build
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    simple = nx.Graph(to_networkx(graph))
    by_degree = stats["top_entities_by_degree"]
    assert len(by_degree) == min(20, len(graph.entities))
    for row in by_degree:
        assert row["degree"] == simple.degree(row["id"])
        assert row["name"] == graph.entities[row["id"]].name
    degrees = [r["degree"] for r in by_degree]
    assert degrees == sorted(degrees, reverse=True)
    assert degrees[0] == max(simple.degree(e) for e in graph.entities)
    ranks = [r["pagerank"] for r in stats["top_entities_by_pagerank"]]
    assert ranks == sorted(ranks, reverse=True) and 0 < sum(ranks) <= 1
    # rank flows to what papers use: the most used dataset outranks a dataset nobody else uses
    medqa = next(r for r in stats["top_entities_by_pagerank"] if r["id"] == "dataset/medqa")
    assert medqa["papers"] >= 3


def test_communities_partition_the_cooccurrence_graph(demo_build):
    graph, out = demo_build
    com = json.loads((out / "stats.json").read_text(encoding="utf-8"))["communities"]
    assert com["algorithm"] == "louvain" and com["count"] >= 2
    assert 0 < com["modularity"] <= 1
    seen: set[str] = set()
    for c in com["largest"]:
        assert c["size"] >= len(c["top_members"])
        assert sum(c["types"].values()) == c["size"]
        ids = {m["id"] for m in c["top_members"]}
        assert not ids & seen
        seen |= ids
    sizes = [c["size"] for c in com["largest"]]
    assert sizes == sorted(sizes, reverse=True)


def test_stats_md_has_every_section(demo_build):
    graph, out = demo_build
    md = (out / "stats.md").read_text(encoding="utf-8")
    for heading in ("# Graph statistics", "## Top entities by degree",
                    "## Top entities by PageRank", "## Communities", "## Papers per year"):
        assert heading in md
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert f"| RDF triples | {stats['triples']} |" in md
    top = stats["top_entities_by_degree"][0]
    assert f"| 1 | {md_escape(top['name'])} ({md_escape(top['id'])}) |" in md


def test_stats_are_deterministic_and_escape_names():
    graph = tricky_graph()
    graph.entities["model/pipe"] = Entity("model/pipe", "Model", "A|B <i>*x*</i>\nnext",
                                          papers=(next(iter(graph.papers)),))
    first, second = compute_stats(graph, BASE), compute_stats(graph, BASE)
    assert first == second
    md = render_markdown(first)
    row = next(line for line in md.splitlines() if "model/pipe" in line)
    assert row.count("|") == 6  # the name's pipe does not add a column
    assert "<i>" not in md and "&#124;" in row and "\nnext" not in md


def test_empty_graph_has_empty_stats():
    stats = compute_stats(KnowledgeGraph(), BASE)
    assert stats["entities"] == 0 and stats["communities"]["count"] == 0
    assert stats["top_entities_by_degree"] == [] and stats["triples"] == 0
    render_markdown(stats)


def test_pagerank_follows_relations():
    papers = {f"p{i}": Paper(f"p{i}", f"T{i}", "") for i in range(3)}
    entities = {
        "model/a": Entity("model/a", "Model", "A", papers=("p0",)),
        "model/base": Entity("model/base", "Model", "Base", papers=("p0", "p1", "p2")),
        "dataset/d": Entity("dataset/d", "Dataset", "D", papers=("p1",)),
    }
    relations = [Relation(f"p{i}", "uses", "model/base", (), 1) for i in range(3)]
    relations += [Relation("p0", "uses", "model/a", (), 1), Relation("p1", "uses", "dataset/d",
                                                                     (), 1),
                  Relation("model/a", "based_on", "model/base", (), 1)]
    stats = compute_stats(KnowledgeGraph(papers, entities, relations), BASE)
    assert stats["top_entities_by_pagerank"][0]["id"] == "model/base"
