"""graph.owl: owlready2 + HermiT (consistent, class counts), declarations, labels, OWL API."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import owlready2
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS
from tricky_graph import DOI, SPACE_ID, TITLE, tricky_graph

from kg.export import ExportOptions, owl
from kg.graph.rdf import PKG, evidence_iri, paper_iri
from kg.model import ENTITY_TYPES, KnowledgeGraph

HERMIT_DIR = Path(owlready2.__file__).parent / "hermit"
OWLX = "{http://www.w3.org/2002/07/owl#}"
#: properties every OWL tool knows without a declaration
BUILT_IN = {RDF.type, RDF.first, RDF.rest, RDFS.label, RDFS.comment, RDFS.isDefinedBy,
            RDFS.seeAlso, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range}
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}


def _need_java() -> None:
    if shutil.which(owlready2.JAVA_EXE) is None and shutil.which("java") is None:
        reason = "Java is missing (HermiT runs on it; .ci/system-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _reasoned_world(path: Path) -> owlready2.World:
    """graph.owl loaded by owlready2 and classified by HermiT (raises if inconsistent)."""
    _need_java()
    world = owlready2.World()
    onto = world.get_ontology(path.resolve().as_uri()).load()
    owlready2.sync_reasoner_hermit([onto], infer_property_values=False, debug=0)
    return world


def _instances(world: owlready2.World, name: str) -> set[str]:
    cls = world[str(PKG[name])]
    assert cls is not None, name
    return {i.iri for i in cls.instances(world=world)}


def _statement_and_evidence_counts(graph: KnowledgeGraph) -> tuple[int, int]:
    base = ExportOptions().base_iri
    statements = {(r.subject, r.predicate, r.object) for r in graph.relations}
    evidence = {evidence_iri(base, ev) for r in graph.relations for ev in r.evidence}
    return len(statements), len(evidence)


@pytest.fixture(scope="module")
def demo_world(demo_build) -> owlready2.World:
    _, out = demo_build
    return _reasoned_world(out / owl.OWL_FILE)


def test_hermit_consistent_and_class_counts(demo_world, demo_build):
    graph, _ = demo_build
    assert list(demo_world.inconsistent_classes()) == []
    base = ExportOptions().base_iri
    assert _instances(demo_world, "Paper") == {paper_iri(base, p) for p in graph.papers.values()}
    for etype in ENTITY_TYPES:
        expected = sum(1 for e in graph.entities.values() if e.type == etype)
        assert len(_instances(demo_world, etype)) == expected, etype
    assert len(_instances(demo_world, "ResearchEntity")) == len(graph.entities)
    # provenance is in axiom annotations, not in statement or evidence individuals
    assert _instances(demo_world, "Statement") == set() == _instances(demo_world, "Evidence")


def test_provenance_is_axiom_annotations(demo_build):
    """Each distinct relation is one owl:Axiom annotating its assertion with its support, papers
    and evidence texts (what Protégé shows beside an assertion)."""
    graph, out = demo_build
    g = rdflib.Graph().parse(out / owl.OWL_FILE, format="xml")
    axioms = list(g.subjects(RDF.type, OWL.Axiom))
    statements, evidence = _statement_and_evidence_counts(graph)
    assert len(axioms) == statements
    texts = 0
    for axiom in axioms:
        s, p, o = (g.value(axiom, OWL[x]) for x in
                   ("annotatedSource", "annotatedProperty", "annotatedTarget"))
        assert (s, p, o) in g  # the annotated assertion is in the ontology
        assert int(g.value(axiom, PKG.support)) >= 1
        texts += len(list(g.objects(axiom, PKG.evidence)))
    assert texts >= evidence  # each evidence record at least once (shared ones per relation)
    assert not {RDF.subject, RDF.predicate, RDF.object} & set(g.predicates())


def test_every_property_and_class_declared_and_labelled(demo_build, demo_world):
    _, out = demo_build
    g = rdflib.Graph().parse(out / owl.OWL_FILE, format="xml")
    declared = {s for t in PROPERTY_TYPES for s in g.subjects(RDF.type, t)}
    used = {p for p in g.predicates()} - BUILT_IN
    undeclared = {p for p in used if p not in declared and not str(p).startswith(str(OWL))}
    assert undeclared == set()
    only_rdf_property = set(g.subjects(RDF.type, RDF.Property)) - declared
    assert only_rdf_property == set()
    classes = set(g.subjects(RDF.type, OWL.Class))
    used_classes = {o for o in g.objects(None, RDF.type) if not str(o).startswith(str(OWL))}
    assert used_classes <= classes
    # owlready2 sees the same typed properties (none demoted to annotations by guesswork)
    seen = {p.iri for p in (*demo_world.object_properties(), *demo_world.data_properties(),
                            *demo_world.annotation_properties())}
    assert {str(p) for p in used if not str(p).startswith(str(OWL))} <= seen
    # labels on everything named: ontology, classes, properties, individuals
    named = {s for kind in (OWL.Ontology, OWL.Class, OWL.NamedIndividual, *PROPERTY_TYPES)
             for s in g.subjects(RDF.type, kind) if isinstance(s, rdflib.URIRef)}
    unlabelled = {s for s in named if g.value(s, RDFS.label) is None}
    assert unlabelled == set()
    assert len(list(g.subjects(RDF.type, OWL.Ontology))) == 1
    individuals = set(g.subjects(RDF.type, OWL.NamedIndividual))
    typed = {s for s, o in g.subject_objects(RDF.type) if str(o).startswith(str(PKG))}
    assert typed <= individuals


def test_owl_api_reads_every_assertion(demo_build, tmp_path):
    """The OWL API (Protégé's parser, in HermiT.jar) keeps every triple as a typed axiom."""
    _need_java()
    _, out = demo_build
    source = (out / owl.OWL_FILE).resolve()
    target = tmp_path / "graph.owx"
    subprocess.run(["java", "-cp", f"{HERMIT_DIR / 'HermiT.jar'}:{HERMIT_DIR}", "Save",
                    str(source), "owl", str(target)], check=True, capture_output=True,
                   timeout=300)
    root = ET.parse(target).getroot()
    prefixes = {p.get("name"): p.get("IRI") for p in root.findall(OWLX + "Prefix")}
    declared: dict[str, set[str]] = {}
    for d in root.findall(OWLX + "Declaration"):
        declared.setdefault(d[0].tag.removeprefix(OWLX), set()).add(_iri(d[0], prefixes))

    g = rdflib.Graph().parse(source, format="xml")
    ontology = next(iter(g.subjects(RDF.type, OWL.Ontology)))
    axioms = {RDF.type, RDF.first, RDF.rest, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain,
              RDFS.range}
    want = Counter(str(p) for s, p, _ in g if isinstance(s, rdflib.URIRef) and s != ontology
                   and p not in axioms and not str(p).startswith(str(OWL)))
    got: Counter = Counter()
    kinds = {"ObjectPropertyAssertion": "ObjectProperty", "DataPropertyAssertion": "DataProperty",
             "AnnotationAssertion": "AnnotationProperty"}
    for kind, declaration in kinds.items():
        props = Counter(_iri(_property(a), prefixes) for a in root.findall(OWLX + kind))
        builtin = {str(p) for p in BUILT_IN}
        assert set(props) - builtin <= declared[declaration], kind
        got += props
    assert got == want  # no triple dropped or turned into something else
    classes = Counter(_iri(a[0], prefixes) for a in root.findall(OWLX + "ClassAssertion"))
    assert classes == Counter(str(o) for s, o in g.subject_objects(RDF.type)
                              if str(o).startswith(str(PKG)))


def _property(assertion: ET.Element) -> ET.Element:
    """The property of an assertion (after its axiom annotations, if any)."""
    kinds = {OWLX + k for k in ("ObjectProperty", "DataProperty", "AnnotationProperty")}
    return next(child for child in assertion if child.tag in kinds)


def _iri(element: ET.Element, prefixes: dict[str, str]) -> str:
    iri = element.get("IRI")
    if iri is not None:
        return iri
    prefix, _, local = element.get("abbreviatedIRI", "").partition(":")
    return prefixes[prefix] + local


def test_tricky_graph_loads_and_reasons(tmp_path):
    graph = tricky_graph()
    owl.write(graph, tmp_path, ExportOptions())
    ET.parse(tmp_path / owl.OWL_FILE)  # well-formed XML despite control characters
    world = _reasoned_world(tmp_path / owl.OWL_FILE)
    base = ExportOptions().base_iri
    doi = world[paper_iri(base, DOI)]
    assert doi.label == [TITLE]
    assert world[paper_iri(base, SPACE_ID)].label == ["Controlchars in a title"]
    assert len(_instances(world, "Model")) == 2 and len(_instances(world, "Statement")) == 0


def test_deterministic_and_custom_base_iri(demo_build, tmp_path):
    graph, out = demo_build
    owl.write(graph, tmp_path, ExportOptions())
    assert (tmp_path / owl.OWL_FILE).read_bytes() == (out / owl.OWL_FILE).read_bytes()
    other = tmp_path / "other"
    other.mkdir()
    owl.write(graph, other, ExportOptions(base_iri="https://example.org/kg/"))
    g = rdflib.Graph().parse(other / owl.OWL_FILE, format="xml")
    assert rdflib.URIRef("https://example.org/kg/graph") in set(g.subjects(RDF.type, OWL.Ontology))
