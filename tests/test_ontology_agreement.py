"""The ontology and the shapes agree, and both are OWL 2 DL, checked with real tools.

- OWL 2 DL: the OWL API's ``OWL2DLProfile`` (inside owlready2's bundled HermiT.jar), run by a small
  Java program compiled here with the JDK's ``javac``, on ``schemas/paperkg.ttl`` and on the
  ``graph.owl`` of the shared corpora.
- SHACL both ways: ``paperkg validate`` conforms on the shared corpora, and so does a plain
  pyshacl run with the ontology as ``ont_graph`` and RDFS inference (on the general-ML one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import owlready2
import pyshacl
import pytest
import rdflib
from rdflib.namespace import DCTERMS

from kg.export import DEFAULT_BASE_IRI as BASE
from kg.export.rdf import schema_path
from kg.graph.rdf import paper_iri
from kg.query.shacl import validate_path

HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
CHECKER = Path(__file__).parent / "java" / "DLProfile.java"


@pytest.fixture(scope="module")
def dl_checker(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that runs the OWL 2 DL profile checker (compiled once per module)."""
    if shutil.which("javac") is None or shutil.which("java") is None:
        reason = "a JDK (javac, java) is missing; .ci/system-deps.sh installs it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    classes = tmp_path_factory.mktemp("dlprofile")
    subprocess.run(["javac", "-cp", str(HERMIT_JAR), "-d", str(classes), str(CHECKER)],
                   check=True, capture_output=True, timeout=300)
    return ["java", "-cp", f"{HERMIT_JAR}{os.pathsep}{classes}", "DLProfile"]


def dl_violations(checker: list[str], path: Path) -> list[str]:
    """The OWL 2 DL profile violations the OWL API reports for ``path``."""
    done = subprocess.run([*checker, str(path)], check=True, capture_output=True, text=True,
                          timeout=300)
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    counts = [int(parts[2]) for parts in lines if len(parts) == 3 and parts[1] == "count"]
    violations = [parts[2] for parts in lines if len(parts) == 3 and parts[1] == "violation"]
    assert counts == [len(violations)], done.stdout[-2000:] + done.stderr[-2000:]
    return violations


def test_the_checker_finds_violations(dl_checker, tmp_path):
    """The checker is live: reserved vocabulary used as a class (the old schema's mistake)."""
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                   "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
                   "<https://example.org/o> a owl:Ontology .\n"
                   "rdf:Statement a owl:Class .\n", encoding="utf-8")
    assert any("reserved vocabulary" in v for v in dl_violations(dl_checker, bad))


def test_schema_is_owl2_dl(dl_checker):
    assert dl_violations(dl_checker, schema_path("paperkg.ttl")) == []


@pytest.mark.parametrize("build", ["medical_build", "ml_build"])
def test_graph_owl_is_owl2_dl(dl_checker, build, request):
    _, out = request.getfixturevalue(build)
    assert dl_violations(dl_checker, out / "graph.owl") == []


@pytest.mark.parametrize("build", ["medical_build", "ml_build"])
def test_paperkg_validate_conforms_and_papers_keep_their_ids(build, request):
    """``paperkg validate`` conforms, and every paper keeps its own id."""
    graph, out = request.getfixturevalue(build)
    report = validate_path(out)  # what ``paperkg validate`` runs (its CLI: tests/test_shacl.py)
    assert report.conforms and report.violations == [], "\n".join(map(str, report.violations[:20]))
    data = rdflib.Graph().parse(out / "graph.nt", format="nt")
    # every paper keeps its own id, under its corpus' namespace of local ids
    for paper in graph.papers.values():
        node = rdflib.URIRef(paper_iri(BASE, paper))
        assert (node, DCTERMS.identifier, rdflib.Literal(paper.id)) in data
        assert str(node).startswith(f"{BASE}paper/local/{paper.namespace}/")


def test_shapes_and_ontology_agree_both_ways(ml_build):
    """Plain pyshacl, with the ontology as ``ont_graph`` and RDFS inference (the types the
    ontology's domains and ranges imply must meet the shapes too), conforms on a real build.
    One build is enough for this agreement of shapes and ontology; the RDFS closure of the
    medical one alone takes 20 s, and ``paperkg validate`` checks that one above."""
    _, out = ml_build
    data = rdflib.Graph().parse(out / "graph.nt", format="nt")
    shapes = rdflib.Graph().parse(schema_path("shapes.ttl"), format="turtle")
    ontology = rdflib.Graph().parse(schema_path("paperkg.ttl"), format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology,
                                         inference="rdfs", allow_warnings=True)
    assert conforms, text[:3000]
