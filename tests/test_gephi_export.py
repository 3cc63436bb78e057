"""graph.graphml and graph.gexf: read back with NetworkX, same counts and attributes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

import networkx as nx
import pytest
from tricky_graph import CONTROL_TITLE, DOI, SPACE_ID, TITLE, tricky_graph

from kg.export import gephi
from kg.export.styles import NODE_STYLES
from kg.graph.multigraph import with_reversed_cooccurrence
from kg.graph.networkx import to_networkx
from kg.model import CO_OCCURS_WITH


def _read(path) -> nx.MultiDiGraph:
    if path.suffix == ".graphml":
        return nx.read_graphml(path, force_multigraph=True)
    return nx.read_gexf(path)


@pytest.mark.parametrize("name", [gephi.GRAPHML, gephi.GEXF])
def test_read_back_equal_counts_and_attributes(demo_build, name):
    graph, out = demo_build
    source = to_networkx(with_reversed_cooccurrence(graph))  # co-occurrence both ways
    back = _read(out / name)
    assert isinstance(back, nx.MultiDiGraph)
    assert back.number_of_nodes() == source.number_of_nodes()
    assert back.number_of_edges() == source.number_of_edges()
    assert Counter(d["type"] for _, d in back.nodes(data=True)) == Counter(
        d["type"] for _, d in source.nodes(data=True))
    assert Counter(d["relation"] for _, _, d in back.edges(data=True)) == Counter(
        k for _, _, k in source.edges(keys=True))

    for node, data in source.nodes(data=True):
        got = back.nodes[node]
        assert got["type"] == data["type"] and got["label"] == data["label"]
        assert got["degree"] == source.degree(node)
        assert got["color"] == NODE_STYLES[data["type"]].color
        if data["type"] == "Paper":
            assert got.get("year") == data["year"] and got.get("url") == data["url"]
        else:
            assert got["paper_count"] == data["paper_count"]
            aliases = got.get("aliases")
            assert (aliases.split(gephi.ALIAS_SEPARATOR) if aliases else []) == data["aliases"]
            assert {k[4:]: v for k, v in got.items() if k.startswith("ext_")} == data[
                "external_ids"]
        hex_colour = NODE_STYLES[data["type"]].color
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        if name == gephi.GRAPHML:
            assert (got["r"], got["g"], got["b"]) == rgb
        else:
            viz = got["viz"]
            assert (viz["color"]["r"], viz["color"]["g"], viz["color"]["b"]) == rgb
            assert viz["size"] == pytest.approx(gephi.node_size(source.degree(node)))

    want = Counter((u, v, d["relation"], d["weight"], d["evidence_count"])
                   for u, v, d in source.edges(data=True))
    got = Counter((u, v, d["relation"], int(d["weight"]), d["evidence_count"])
                  for u, v, d in back.edges(data=True))
    assert got == want
    assert all(d["label"] == d["relation"] for _, _, d in back.edges(data=True))


@pytest.mark.parametrize("name", [gephi.GRAPHML, gephi.GEXF])
def test_edge_ids_unique_and_deterministic(demo_build, tmp_path, name):
    graph, out = demo_build
    root = ET.parse(out / name).getroot()
    ids = [e.get("id") for e in root.iter() if e.tag.endswith("}edge")]
    pairs = len(graph.relations_of(CO_OCCURS_WITH))
    assert len(ids) == len(graph.relations) + pairs == len(set(ids))
    writer = gephi.write_graphml if name == gephi.GRAPHML else gephi.write_gexf
    writer(graph, tmp_path)
    assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
    assert b"lastmodifieddate" not in (out / name).read_bytes()


@pytest.mark.parametrize("name", [gephi.GRAPHML, gephi.GEXF])
def test_tricky_texts_stay_valid_xml(tmp_path, name):
    graph = tricky_graph()
    (gephi.write_graphml if name == gephi.GRAPHML else gephi.write_gexf)(graph, tmp_path)
    back = _read(tmp_path / name)
    assert back.nodes[DOI]["label"] == TITLE
    assert back.nodes[SPACE_ID]["label"] == "Controlchars in a title" != CONTROL_TITLE
    assert back.nodes["model/x-1"]["aliases"] == 'X;1; X, one; X "uno"'
    assert back.nodes["model/x-1"]["ext_hugging face"] == "org/x-1"
    assert back.number_of_edges() == len(graph.relations) + len(
        graph.relations_of(CO_OCCURS_WITH))


@pytest.mark.parametrize("name", [gephi.GRAPHML, gephi.GEXF])
def test_cooccurrence_reads_back_symmetric(ml_build, name):
    """Read back with NetworkX, co-occurrence is symmetric: each pair both ways with the same
    weight, so following out-edges from any entity finds every entity it co-occurs with."""
    graph, out = ml_build
    back = _read(out / name)
    edges = {(u, v): int(d["weight"]) for u, v, d in back.edges(data=True)
             if d["relation"] == CO_OCCURS_WITH}
    assert edges and all(edges.get((v, u)) == w for (u, v), w in edges.items())
    pairs = {frozenset((r.subject, r.object)): r.weight
             for r in graph.relations_of(CO_OCCURS_WITH)}
    assert len(edges) == 2 * len(pairs)
    assert {frozenset(e): w for e, w in edges.items()} == pairs
    partners: dict[str, set[str]] = {}
    for r in graph.relations_of(CO_OCCURS_WITH):
        partners.setdefault(r.subject, set()).add(r.object)
        partners.setdefault(r.object, set()).add(r.subject)
    for entity, want in partners.items():
        got = {v for _, v, d in back.out_edges(entity, data=True)
               if d["relation"] == CO_OCCURS_WITH}
        assert got == want, entity
