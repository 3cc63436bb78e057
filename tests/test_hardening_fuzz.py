"""Property tests: hostile titles and abstracts through the whole build, and hostile graphs
through every exporter.

For every generated corpus the build either succeeds or fails with a one-line
:class:`~kg.errors.PaperkgError`; when it succeeds every RDF file parses with rapper and rdflib
to the same triples, the HTML view shows text as text, the CSV files read back field for field,
the Cypher import stores every name exactly (FalkorDB) and every IRI is valid.  The example
counts come from the hypothesis profile in conftest.py (``ci``: a few dozen per property).
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import rdflib
import rdflib.compare
from falkordb_server import engine_fixture
from hostile import (
    BASE,
    check_cypher_import,
    check_graph_files,
    check_html,
    check_iris,
    check_neo4j_csv,
    check_rdf,
    check_tables,
    hostile_graphs,
    paper_records,
    rapper_count,
    write_records,
)
from hypothesis import event, given
from hypothesis import strategies as st
from rdflib.namespace import DCTERMS

from kg.errors import PaperkgError
from kg.export import ExportOptions, export_all
from kg.graph.rdf import paper_iri
from kg.model import Entity, Evidence, KnowledgeGraph, Paper, Relation
from kg.pipeline import BuildOptions, build_graph, write_outputs

_names = itertools.count()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    """FalkorDB (the openCypher engine of tests/test_neo4j_export.py) on a loopback port."""
    for db, _imports in engine_fixture(tmp_path_factory):
        yield db


def check_outputs(graph: KnowledgeGraph, out: Path, engine) -> None:
    """Every property of a written build (see the module docstring)."""
    check_rdf(graph, out)
    check_html(graph, out)
    check_neo4j_csv(graph, out)
    check_tables(graph, out)
    check_graph_files(graph, out)
    check_cypher_import(graph, out, engine, f"fuzz{next(_names)}")


def one_line_error(exc: PaperkgError) -> None:
    message = str(exc)
    assert message and len(message.splitlines()) == 1, repr(message)


@given(
    records=st.lists(paper_records(), min_size=1, max_size=4),
    fmt=st.sampled_from(["jsonl", "json", "csv"]),
    ascii_only=st.booleans(),
    on_error=st.sampled_from(["skip", "skip", "stop"]),
)
def test_hostile_corpus_builds_or_fails_clearly(engine, records, fmt, ascii_only, on_error):
    tmp = Path(tempfile.mkdtemp(prefix="paperkg-fuzz-"))
    try:
        path = write_records(tmp / "papers", records, fmt, ascii_only)
        options = BuildOptions(on_error=on_error)
        try:
            graph, extractions, report = build_graph([path], options)
            write_outputs(graph, extractions, report, tmp / "out", options)
        except PaperkgError as exc:
            event("the build failed with a clear error")
            one_line_error(exc)
            assert str(exc).startswith(str(path))
            return
        event(f"built {min(len(graph.papers), 2)}+ papers, "
              f"{'some' if graph.relations else 'no'} relations")
        for skipped in report.read.skipped:
            assert len(skipped.problem.splitlines()) == 1, skipped.problem
        check_outputs(graph, tmp / "out", engine)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@given(graph=hostile_graphs())
def test_hostile_graph_through_every_exporter(engine, graph):
    tmp = Path(tempfile.mkdtemp(prefix="paperkg-fuzz-"))
    try:
        export_all(graph, tmp, ExportOptions())
        check_outputs(graph, tmp, engine)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- fixed bugs
# Cases the properties above found once, kept as plain examples.


def _one_paper(paper_id: str, title: str = "T") -> KnowledgeGraph:
    entity = Entity("model/x", "Model", "X", papers=(paper_id,))
    ev = Evidence(paper_id, "abstract", 0, 1, 1, "A.", "r")
    return KnowledgeGraph({paper_id: Paper(paper_id, title, "A.")}, {"model/x": entity},
                          [Relation(paper_id, "uses", "model/x", (ev,), 1)])


@pytest.mark.parametrize("paper_id", ["p1.", "p1..", "é.", "model/x."])
def test_ids_ending_with_a_dot_parse_with_rdflib_and_rapper(tmp_path, paper_id):
    """A final '.' is percent-encoded in the IRI: ``paper:p1\\.`` is valid Turtle that rdflib
    misreads (kg/graph/rdf.py slug)."""
    graph = _one_paper(paper_id)
    export_all(graph, tmp_path, ExportOptions(), ["rdf"])
    turtle = rdflib.Graph().parse(tmp_path / "graph.ttl", format="turtle")
    assert rdflib.compare.isomorphic(  # the ontology's blank nodes are named anew per parse
        turtle, rdflib.Graph().parse(tmp_path / "graph.nt", format="nt"))
    assert rapper_count(tmp_path / "graph.ttl", "turtle") == len(turtle)
    assert not paper_iri(BASE, f"doi:10.1000/{paper_id}").endswith(".")  # a final '.' encoded
    check_iris(graph, turtle)


def test_noncharacters_in_a_graph_parse_with_rapper(tmp_path):
    """Noncharacters are written to RDF as U+FFFD (kg/graph/rdf.py rdf_text): raptor refuses
    them."""
    export_all(_one_paper("p\ufdd0", "T\ufffe\U0010ffff"), tmp_path, ExportOptions(), ["rdf"])
    assert rapper_count(tmp_path / "graph.nt", "ntriples") == rapper_count(
        tmp_path / "graph.ttl", "turtle") > 0
    nt = rdflib.Graph().parse(tmp_path / "graph.nt", format="nt")
    paper_type = rdflib.URIRef("https://w3id.org/paperkg/ontology#Paper")
    titles = [t for p in nt.subjects(rdflib.RDF.type, paper_type)
              for t in nt.objects(p, DCTERMS.title)]
    assert [str(t) for t in titles] == ["T\ufffd\ufffd"]


def test_literals_equal_once_cleaned_for_xml_are_one_owl_triple(tmp_path):
    """RDF/XML cannot hold U+000B: two authors that differ only by it are one triple in
    graph.owl, not the same triple twice (rapper counts both, rdflib one)."""
    graph = _one_paper("p1")
    graph.papers["p1"] = Paper("p1", "T", "A.", authors=("x", "\x0bx"))
    export_all(graph, tmp_path, ExportOptions(), ["rdf", "owl"])
    owl = rdflib.Graph().parse(tmp_path / "graph.owl", format="xml")
    assert rapper_count(tmp_path / "graph.owl", "rdfxml") == len(owl)


def test_readers_turn_noncharacters_into_replacement_characters(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"id": "p\ufdd0", "title": "T\ufffe\U0010ffff",
                                "abstract": "A\uffff."}) + "\n", encoding="utf-8")
    graph, extractions, report = build_graph([path], BuildOptions())
    paper = graph.papers["p\ufffd"]
    assert (paper.title, paper.abstract) == ("T\ufffd\ufffd", "A\ufffd.")
    write_outputs(graph, extractions, report, tmp_path / "out", BuildOptions())
    assert rapper_count(tmp_path / "out" / "graph.nt", "ntriples") > 0
