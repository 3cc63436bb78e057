"""SHACL shapes (schemas/shapes.ttl) and ``paperkg validate``."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD
from tricky_graph import DOI, tricky_graph
from typer.testing import CliRunner

from kg.cli import app
from kg.export import ExportOptions
from kg.export.rdf import write as write_rdf
from kg.graph.rdf import PKG, entity_iri, paper_iri, statement_iri
from kg.graph.rdflib_graph import to_rdf
from kg.model import Relation
from kg.query.shacl import validate_graph, validate_path
from kg.schema_files import schema_path

BASE = "https://w3id.org/paperkg/"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(schema_path("shapes.ttl"), format="turtle")


@pytest.fixture()
def data() -> rdflib.Graph:
    return to_rdf(tricky_graph(), BASE)


def test_there_is_a_shape_for_every_class(shapes):
    targets = set(shapes.objects(None, SH.targetClass))
    for name in ("Paper", "Model", "Dataset", "Method", "Task", "Metric", "Statement",
                 "Evidence"):
        assert PKG[name] in targets, name


def test_tricky_graph_conforms(data):
    report = validate_graph(data)
    assert report.conforms, [str(r) for r in report.results]
    assert report.results == []


def _violations(g: rdflib.Graph) -> list:
    report = validate_graph(g)
    assert not report.conforms
    return report.violations


def test_missing_title_is_a_violation(data):
    doi = rdflib.URIRef(paper_iri(BASE, DOI))
    data.remove((doi, DCTERMS.title, None))
    [v] = _violations(data)
    assert v.focus == str(doi) and v.path == str(DCTERMS.title)
    assert "exactly one dcterms:title" in v.message


def test_unknown_property_on_a_closed_shape_is_a_violation(data):
    x1 = rdflib.URIRef(entity_iri(BASE, "model/x-1"))
    data.add((x1, PKG.year, rdflib.Literal(2020)))
    [v] = _violations(data)
    assert v.focus == str(x1) and v.path == str(PKG.year)


def test_entity_with_two_types_is_a_violation(data):
    x1 = rdflib.URIRef(entity_iri(BASE, "model/x-1"))
    data.add((x1, RDF.type, PKG.Dataset))
    assert any(v.focus == str(x1) and "exactly one type" in v.message
               for v in _violations(data))


def test_bad_support_count_span_and_labels_are_violations(data):
    st = next(data.subjects(RDF.type, PKG.Statement))
    data.set((st, PKG.supportCount, rdflib.Literal(0)))
    ev = next(data.subjects(RDF.type, PKG.Evidence))
    data.set((ev, PKG.startChar, rdflib.Literal(99)))
    x1 = rdflib.URIRef(entity_iri(BASE, "model/x-1"))
    data.set((x1, SKOS.prefLabel, rdflib.Literal("Other")))
    data.set((x1, PKG.wikidataId, rdflib.Literal("not-a-qid")))
    paths = {(v.focus, v.path) for v in _violations(data)}
    assert (str(st), str(PKG.supportCount)) in paths
    assert (str(ev), str(PKG.startChar)) in paths  # start must be before end
    assert (str(x1), str(SKOS.prefLabel)) in paths  # prefLabel equals rdfs:label
    assert (str(x1), str(PKG.wikidataId)) in paths


def test_statement_without_evidence_is_a_violation(data):
    graph = tricky_graph()
    rel = next(r for r in graph.relations if r.predicate == "based_on")
    st = rdflib.URIRef(statement_iri(BASE, rel))
    data.remove((st, rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), None))
    assert any(v.focus == str(st) for v in _violations(data))


def test_relation_to_a_non_entity_is_a_violation(data):
    doi = rdflib.URIRef(paper_iri(BASE, DOI))
    data.add((doi, PKG.uses, rdflib.URIRef(BASE + "model/nowhere")))
    assert any(v.path == str(PKG.uses) for v in _violations(data))


def test_unexpected_entity_types_are_warnings_not_violations(data):
    lora = rdflib.URIRef(entity_iri(BASE, "method/lora"))
    base = rdflib.URIRef(entity_iri(BASE, "model/base"))
    data.add((lora, PKG.basedOn, base))  # the guideline: Model based_on Model
    report = validate_graph(data)
    assert report.conforms
    assert report.violations == []
    assert any(w.focus == str(lora) and w.severity == "Warning" for w in report.warnings)


def test_integrity_rules_catch_a_statement_without_its_triple(tmp_path):
    graph = tricky_graph()
    write_rdf(graph, tmp_path, ExportOptions())
    rel = next(r for r in graph.relations if r.predicate == "based_on")
    s, o = entity_iri(BASE, rel.subject), entity_iri(BASE, rel.object)
    nt = tmp_path / "graph.nt"
    lines = nt.read_text(encoding="utf-8").splitlines(keepends=True)
    triple = f"<{s}> <{PKG.basedOn}> <{o}> .\n"
    assert triple in lines
    nt.write_text("".join(line for line in lines if line != triple)
                  + f"<{s}> <{PKG.trainedOn}> <{o}> .\n", encoding="utf-8")
    report = validate_path(nt)
    assert not report.conforms
    shapes = {v.shape for v in report.violations}
    assert {"integrity:statement-triple-asserted", "integrity:relation-has-statement"} <= shapes


def test_validate_cli(demo_build, tmp_path):
    _, out = demo_build
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "conforms" in ok.output

    broken = tmp_path / "broken.ttl"
    g = to_rdf(tricky_graph(), BASE)
    doi = rdflib.URIRef(paper_iri(BASE, DOI))
    g.remove((doi, DCTERMS.title, None))
    g.add((doi, PKG.year, rdflib.Literal("soon", datatype=XSD.string)))
    g.serialize(broken, format="turtle")
    bad = runner.invoke(app, ["validate", str(broken)])
    assert bad.exit_code == 1
    assert "does not conform" in bad.output and "dcterms:title" in bad.output

    garbage = tmp_path / "garbage.ttl"
    garbage.write_text("<a> <b> .\n", encoding="utf-8")
    res = runner.invoke(app, ["validate", str(garbage)])
    assert res.exit_code == 1 and "garbage.ttl" in res.output and "Traceback" not in res.output

    missing = runner.invoke(app, ["validate", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_validate_with_other_shapes(tmp_path: Path, demo_build):
    _, out = demo_build
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix pkg: <https://w3id.org/paperkg/ontology#> .\n"
        "[] a sh:NodeShape ; sh:targetClass pkg:Paper ;\n"
        "   sh:property [ sh:path pkg:year ; sh:maxInclusive 2000 ] .\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["validate", str(out), "--shapes", str(shapes)])
    assert res.exit_code == 1
    assert "pkg:year" in res.output


def test_relation_kinds_all_have_shapes(shapes):
    graph = tricky_graph()
    graph.relations.append(Relation("model/x-1", "trained_on", "method/lora", (), 1))
    # a relation without evidence (only co-occurrence may have none) is caught
    report = validate_graph(to_rdf(graph, BASE))
    assert not report.conforms
