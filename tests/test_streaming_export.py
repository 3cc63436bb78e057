"""Streaming exports: one pass of subject blocks gives what the whole-graph versions gave."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib.namespace import OWL
from tricky_graph import tricky_graph

from kg.export import ExportOptions, export_all, export_steps, owl
from kg.export import rdf as rdf_export
from kg.graph.networkx import to_networkx
from kg.graph.ontology import ontology_triples
from kg.graph.ranking import entity_degrees, pagerank
from kg.graph.rdf import TermMaker, iter_blocks, iter_triples, prefixes
from kg.graph.triple_count import count_triples
from kg.model import Entity, Evidence, KnowledgeGraph, Paper, Relation

BASE = ExportOptions().base_iri


def _odd_graph() -> KnowledgeGraph:
    """The tricky graph plus a self-loop, a repeated relation, a web page, a paper that both
    proposes and uses one entity, and evidence of a paper outside the graph."""
    graph = tricky_graph()
    stray = Evidence("elsewhere:1", "title", 0, 3, 0, "Far away", "rule")
    graph.papers["p:2"] = Paper("p:2", "Two", "An abstract.", url="https://example.org/two")
    graph.entities["model/base"] = dataclasses.replace(
        graph.entities["model/base"], external_ids={"homepage": "https://example.org/base"})
    graph.entities["task/qa"] = Entity("task/qa", "Task", "QA", papers=("p:2",))
    graph.relations += [
        Relation("model/base", "based_on", "model/base", (stray,), 1),
        Relation("p:2", "proposes", "task/qa", (stray,), 1),
        Relation("p:2", "uses", "task/qa", (), 3),
        Relation("p:2", "uses", "task/qa", (), 3),
    ]
    return graph


GRAPHS = {"tricky": tricky_graph, "odd": _odd_graph}


@pytest.fixture(params=sorted(GRAPHS))
def graph(request) -> KnowledgeGraph:
    return GRAPHS[request.param]()


def test_count_triples_agrees_with_iter_triples(graph, demo_build):
    assert count_triples(graph) == sum(1 for _ in iter_triples(graph, BASE))
    demo, _ = demo_build
    assert count_triples(demo) == sum(1 for _ in iter_triples(demo, BASE))


def test_each_subject_is_one_block(graph):
    subjects = [b.iri for b in iter_blocks(graph, BASE)]
    assert len(subjects) == len(set(subjects))
    terms = TermMaker()
    for block in iter_blocks(graph, BASE):
        assert {t.subject for t in terms.triples(block)} == {ox.NamedNode(block.iri)}


def test_degree_and_pagerank_are_networkx_s(graph, demo_build):
    for g in (graph, demo_build[0]):
        full = nx.Graph(to_networkx(g))
        assert entity_degrees(g) == {e: full.degree(e) for e in g.entities}
        directed = nx.DiGraph()
        directed.add_nodes_from(sorted(to_networkx(g, cooccurrence=False).nodes))
        for rel in g.relations:
            if rel.predicate != "co_occurs_with":
                w = directed.get_edge_data(rel.subject, rel.object, {}).get("weight", 0)
                directed.add_edge(rel.subject, rel.object, weight=w + max(rel.weight, 1))
        assert pagerank(g) == nx.pagerank(directed, weight="weight")
    assert pagerank(KnowledgeGraph()) == {}


@pytest.mark.parametrize("names", [["rdf"], ["owl"], ["rdf", "owl"]])
def test_chunked_files_are_the_one_shot_serialisation(graph, tmp_path, monkeypatch, names):
    triples = [*ontology_triples(), *iter_triples(graph, BASE)]  # the documents' triples
    one_shot = tmp_path / "one"
    one_shot.mkdir()
    monkeypatch.setattr(rdf_export, "CHUNK_TRIPLES", 10**9)
    export_all(graph, one_shot, ExportOptions(), names)
    monkeypatch.setattr(rdf_export, "CHUNK_TRIPLES", 3)  # many chunks, subjects never split
    export_all(graph, tmp_path, ExportOptions(), names)
    files = {"rdf": ["graph.ttl", "graph.nt", "graph.jsonld"], "owl": [owl.OWL_FILE]}
    for name in (f for n in names for f in files[n]):
        assert (tmp_path / name).read_bytes() == (one_shot / name).read_bytes(), name
    if "rdf" in names:
        turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes(BASE))
        assert (tmp_path / "graph.ttl").read_bytes() == turtle
        assert (tmp_path / "graph.nt").read_bytes() == ox.serialize(
            triples, format=ox.RdfFormat.N_TRIPLES)
    if "owl" in names:
        assert (tmp_path / owl.OWL_FILE).read_bytes() == ox.serialize(
            owl.owl_triples(graph, BASE), format=ox.RdfFormat.RDF_XML, prefixes=prefixes(BASE))


def test_jsonld_nodes_are_json_dumps_of_their_objects(graph, tmp_path):
    """graph.jsonld's node lines are written as text: exactly json.dumps of the parsed node."""
    rdf_export.write(graph, tmp_path, ExportOptions())
    lines = (tmp_path / "graph.jsonld").read_text(encoding="utf-8").split("\n")
    start = lines.index('"@graph": [') + 1
    nodes = [line.removesuffix(",") for line in lines[start:lines.index("]", start)]]
    assert nodes
    for line in nodes:
        assert json.dumps(json.loads(line), ensure_ascii=False) == line


def test_export_steps_run_rdf_and_owl_together():
    assert export_steps(["entities", "rdf", "stats", "owl"]) == [
        ("entities",), ("rdf", "owl"), ("stats",)]
    assert export_steps(["owl", "html", "rdf"]) == [("rdf", "owl"), ("html",)]
    assert export_steps(["owl"]) == [("owl",)]
    assert export_steps(["rdf", "rdf"]) == [("rdf",)]


def test_empty_graph_rdf_files(tmp_path):
    """An empty graph's files hold the ontology alone."""
    rdf_export.write(KnowledgeGraph(), tmp_path, ExportOptions())
    assert (tmp_path / "graph.nt").read_bytes() == ox.serialize(
        ontology_triples(), format=ox.RdfFormat.N_TRIPLES)
    for name, fmt in (("graph.ttl", ox.RdfFormat.TURTLE), ("graph.jsonld", ox.RdfFormat.JSON_LD)):
        parsed = list(ox.parse(path=str(tmp_path / name), format=fmt))
        assert len(parsed) == len(ontology_triples()), name


def _reference_owl_triples(graph: KnowledgeGraph, base_iri: str) -> list[ox.Triple]:
    """graph.owl's triples as a whole-graph implementation makes them (for comparison)."""
    from kg.graph.rdf import (
        P_EXACT,
        PKG,
        PROPERTY_OF_PREDICATE,
        digest,
        entity_iri,
        paper_iri,
        year_count_iri,
        year_counts,
    )

    provenance = (base_iri + "statement/", base_iri + "evidence/")
    data = [t for t in iter_triples(graph, base_iri)
            if not t.subject.value.startswith(provenance)]
    individuals: dict = {}
    for paper in sorted(graph.papers.values(), key=lambda p: p.id):
        individuals[ox.NamedNode(paper_iri(base_iri, paper))] = None
    for identifier in sorted(graph.entities):
        individuals[ox.NamedNode(entity_iri(base_iri, identifier))] = None
    labelled = {t.subject for t in data if t.predicate == owl._LABEL}
    extra = []
    for t in data:
        if t.predicate == owl._TYPE:
            individuals.setdefault(t.subject, None)
        if t.predicate.value in (owl._URL, P_EXACT) and isinstance(t.object, ox.NamedNode):
            if t.object not in individuals:
                individuals[t.object] = None
                if t.object not in labelled:
                    extra.append(ox.Triple(t.object, owl._LABEL, ox.Literal(t.object.value)))
    declarations = [ox.Triple(node, owl._TYPE, owl._INDIVIDUAL) for node in individuals]
    labels = [ox.Triple(ox.NamedNode(paper_iri(base_iri, paper)), owl._LABEL,
                        ox.Literal(owl.xml_text(paper.title or paper.id)))
              for paper in graph.papers.values()]
    for entity in graph.entities.values():
        for count in year_counts(entity, graph.papers):
            labels.append(ox.Triple(ox.NamedNode(year_count_iri(base_iri, count)), owl._LABEL,
                                    ox.Literal(f"{entity.name} in {count.year}: "
                                               f"{count.papers} papers")))
    labels = [t for t in labels if t.subject not in labelled]

    def node(identifier: str) -> ox.NamedNode:
        paper = graph.papers.get(identifier)
        return ox.NamedNode(paper_iri(base_iri, paper) if paper is not None
                            else entity_iri(base_iri, identifier))

    axioms, seen = [], set()
    for rel in graph.relations:
        key = digest(rel.subject, rel.predicate, rel.object)
        if key in seen:
            continue
        seen.add(key)
        ax = ox.BlankNode("ax" + key)
        axioms += [ox.Triple(ax, owl._TYPE, ox.NamedNode(str(OWL.Axiom))),
                   ox.Triple(ax, ox.NamedNode(str(OWL.annotatedSource)), node(rel.subject)),
                   ox.Triple(ax, ox.NamedNode(str(OWL.annotatedProperty)),
                             ox.NamedNode(str(PROPERTY_OF_PREDICATE[rel.predicate]))),
                   ox.Triple(ax, ox.NamedNode(str(OWL.annotatedTarget)), node(rel.object)),
                   ox.Triple(ax, ox.NamedNode(str(PKG.support)), ox.Literal(rel.weight))]
        evidence = sorted(set(rel.evidence))
        axioms += [ox.Triple(ax, ox.NamedNode(str(PKG.foundIn)), node(pid)) for pid in
                   dict.fromkeys(ev.paper_id for ev in evidence if ev.paper_id in graph.papers)]
        axioms += [ox.Triple(ax, ox.NamedNode(str(PKG.evidence)), ox.Literal(owl.xml_text(
            f"{ev.sentence_text} [paper {ev.paper_id}, {ev.field} {ev.start}-{ev.end}, "
            f"rule {ev.rule}]"))) for ev in evidence]
    ordered = owl._group_by_subject([*owl._header(base_iri, graph), *owl._schema_triples()])
    ordered += owl._group_by_subject([*declarations, *data, *labels, *extra, *axioms])
    return [ox.Triple(t.subject, t.predicate, owl._clean(t.object)) for t in ordered]


def test_streamed_owl_is_the_whole_graph_owl(graph, demo_build, tmp_path: Path):
    for g in (graph, demo_build[0]):
        streamed = list(owl.owl_triples(g, BASE))
        assert len(streamed) == len(set(streamed))
        assert sorted(map(str, streamed)) == sorted(map(str, _reference_owl_triples(g, BASE)))


def _multi_edges_graph() -> KnowledgeGraph:
    """Relations out of the sorted order linking makes, one repeated (NetworkX keeps the last's
    data at the first's place), a self-loop and an isolated entity."""
    graph = tricky_graph()
    graph.entities["task/lonely"] = Entity("task/lonely", "Task", "Lonely\x01 <&>")
    graph.relations = [graph.relations[4], *graph.relations, graph.relations[4],
                       Relation("model/base", "based_on", "model/base", (), 7),
                       dataclasses.replace(graph.relations[1], weight=9)]
    return graph


@pytest.mark.parametrize("name", ["graph.graphml", "graph.gexf"])
@pytest.mark.parametrize("make", [tricky_graph, _odd_graph, _multi_edges_graph, KnowledgeGraph])
def test_streamed_gephi_files_are_networkx_s(make, name, tmp_path, demo_build):
    from kg.export import gephi

    streamed, reference = tmp_path / "streamed", tmp_path / "reference"
    for graph in (make(), demo_build[0]):
        streamed.mkdir(exist_ok=True)
        reference.mkdir(exist_ok=True)
        if name == "graph.graphml":
            gephi.write_graphml(graph, streamed)
            gephi.write_graphml_networkx(graph, reference)
        else:
            gephi.write_gexf(graph, streamed)
            gephi.write_gexf_networkx(graph, reference)
        assert (streamed / name).read_bytes() == (reference / name).read_bytes()
        assert sorted(p.name for p in streamed.iterdir()) == [name]


def test_slimmed_extractions_link_to_the_same_graph(medical_build):
    from extractors.lexicon import load_lexicon
    from kg.extractions import read_extractions
    from kg.linking import MAX_MENTION_EVIDENCE, link, slim
    from kg.model import Mention, PaperEntity, PaperExtraction

    _, out = medical_build
    extractions = list(read_extractions(out / "extractions.jsonl"))
    # one entity with more mentions than linking keeps, in reverse order, with repeated forms
    paper = extractions[0].paper
    mentions = [Mention(f"Form {i % 4}", "Model", Evidence(paper.id, "abstract", 100 - i,
                                                           104 - i, 1, "S.", "rule"))
                for i in range(MAX_MENTION_EVIDENCE + 6)]
    extractions[0].entities.append(PaperEntity("Form 0", "Model", ["F0"], True, mentions))
    slimmed = [slim(x) for x in extractions]
    assert len(slimmed[0].entities[-1].mentions) == MAX_MENTION_EVIDENCE + 1  # + one form
    lexicon = load_lexicon()
    assert link(slimmed, lexicon) == link(extractions, lexicon)
    assert slimmed[0] != PaperExtraction(paper)
