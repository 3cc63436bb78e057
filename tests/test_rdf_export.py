"""The ontology, the model -> RDF mapping, graph.ttl/.nt/.jsonld and their provenance."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD
from tricky_graph import CONTROL_TITLE, DOI, SPACE_ID, TITLE, tricky_graph

from kg.errors import PaperkgError
from kg.export import ExportOptions
from kg.export.rdf import published_context
from kg.export.rdf import write as write_rdf
from kg.graph.ontology import ontology_triples
from kg.graph.rdf import (
    FABIO,
    MLS,
    PKG,
    PROPERTY_OF_PREDICATE,
    check_base_iri,
    entity_iri,
    evidence_iri,
    iter_triples,
    paper_iri,
    statement_iri,
    to_store,
    web_iri,
)
from kg.graph.rdflib_graph import to_rdf
from kg.graph.triple_count import count_triples
from kg.model import CO_OCCURS_WITH, Entity, Evidence, KnowledgeGraph, Paper, Relation
from kg.schema_files import SCHEMA_FILES, schema_path

BASE = "https://w3id.org/paperkg/"
RDF_SUFFIXES = {".ttl": "turtle", ".nt": "ntriples", ".owl": "rdfxml", ".rdf": "rdfxml"}


def rapper_count(path: Path, syntax: str) -> int:
    """Triples Debian's raptor parser (an independent implementation) reads from ``path``."""
    rapper = shutil.which("rapper")
    assert rapper, "rapper is missing: run .ci/system-deps.sh (Debian package raptor2-utils)"
    proc = subprocess.run([rapper, "-i", syntax, "-c", str(path)], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, f"rapper rejected {path.name}: {proc.stderr[-2000:]}"
    match = re.search(r"Parsing returned (\d+) triples?", proc.stderr)
    assert match, proc.stderr
    return int(match.group(1))


def rdflib_graph(path: Path) -> rdflib.Graph:
    fmt = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".owl": "xml", ".rdf": "xml"}
    return rdflib.Graph().parse(str(path), format=fmt[path.suffix])


def triple_set(graph: KnowledgeGraph, base: str = BASE) -> set[tuple]:
    return {(t.subject, t.predicate, t.object) for t in iter_triples(graph, base)}


def document_count(graph: KnowledgeGraph) -> int:
    """Triples of graph.ttl/.nt/.jsonld: the ontology's, then the graph's."""
    return len(ontology_triples()) + len(triple_set(graph))


def rdflib_set(g: rdflib.Graph) -> set[tuple]:
    """The triples without a blank node (blank node labels change when parsed)."""
    return {(s.n3(), p.n3(), o.n3()) for s, p, o in g
            if not isinstance(s, rdflib.BNode) and not isinstance(o, rdflib.BNode)}


def ox_set(triples) -> set[tuple]:
    """The triples without a blank node (blank node labels change when parsed)."""
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in triples
            if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)}


# --------------------------------------------------------------------------- ontology


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(schema_path("paperkg.ttl"), format="turtle")


def test_ontology_header(ontology):
    onto = rdflib.URIRef("https://w3id.org/paperkg/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(onto, OWL.versionIRI) == rdflib.URIRef(
        "https://w3id.org/paperkg/ontology/0.1.0")
    assert ontology.value(onto, RDFS.label) and ontology.value(onto, RDFS.comment)
    assert ontology.value(onto, DCTERMS.license) == rdflib.URIRef("https://spdx.org/licenses/MIT")


def test_ontology_declares_every_class_and_property_the_data_uses(ontology, demo_build):
    graph, _ = demo_build
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    for name in ("Paper", "Model", "Dataset", "Method", "Task", "Metric", "Evidence", "Statement"):
        assert PKG[name] in classes
    declared = {s for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
                for s in ontology.subjects(RDF.type, kind)}
    used_predicates = {t.predicate.value for t in iter_triples(graph, BASE)}
    used_classes = {t.object.value for t in iter_triples(graph, BASE)
                    if t.predicate.value == str(RDF.type)}
    reification = {str(RDF.type), str(RDF.subject), str(RDF.predicate), str(RDF.object),
                   str(RDFS.label)}
    assert used_predicates - reification <= {str(p) for p in declared}
    assert used_classes <= {str(c) for c in classes}


def test_every_paperkg_property_has_domain_range_label_and_comment(ontology):
    props = [s for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
             for s in ontology.subjects(RDF.type, kind) if str(s).startswith(str(PKG))]
    assert len(props) >= 20
    axiom_annotations = {PKG.support, PKG.foundIn, PKG.evidence}  # on owl:Axiom nodes only
    for prop in props:
        for pred in (RDFS.domain, RDFS.range, RDFS.label, RDFS.comment):
            if pred == RDFS.domain and prop in axiom_annotations:
                continue
            assert ontology.value(prop, pred) is not None, f"{prop} lacks {pred}"
    for prop in PROPERTY_OF_PREDICATE.values():
        assert (prop, RDF.type, OWL.ObjectProperty) in ontology


def test_ontology_is_aligned_with_the_field_vocabularies(ontology):
    sub = RDFS.subClassOf
    for triple in [
        (PKG.Paper, sub, SDO.ScholarlyArticle), (PKG.Paper, sub, FABIO.ResearchPaper),
        (PKG.Model, sub, MLS.Model), (PKG.Model, sub, SDO.SoftwareApplication),
        (PKG.Dataset, sub, MLS.Dataset), (PKG.Dataset, sub, SDO.Dataset),
        (PKG.Method, sub, MLS.Algorithm), (PKG.Task, sub, MLS.Task),
        (PKG.Metric, sub, MLS.EvaluationMeasure), (PKG.Evidence, sub, PROV.Entity),
        (PKG.Statement, sub, PROV.Entity), (PKG.proposes, RDFS.subPropertyOf, SDO.mentions),
        (PKG.basedOn, RDFS.subPropertyOf, PROV.wasDerivedFrom),
        (PKG.basedOn, RDFS.subPropertyOf, SDO.isBasedOn),
        (PKG.evidencePaper, RDFS.subPropertyOf, PROV.hadPrimarySource),
        (PKG.coOccursWith, RDF.type, OWL.SymmetricProperty),
    ]:
        assert triple in ontology, triple
    # DCTERMS and SKOS terms the data uses are declared for OWL tools
    for term in (DCTERMS.title, DCTERMS.abstract, DCTERMS.identifier, SKOS.prefLabel,
                 SKOS.altLabel):
        assert (term, RDF.type, OWL.AnnotationProperty) in ontology
    assert (SKOS.exactMatch, RDF.type, OWL.ObjectProperty) in ontology
    assert (RDF.Statement, None, None) not in ontology  # reserved vocabulary: not OWL 2 DL
    assert (PKG.ResearchEntity, OWL.equivalentClass, None) in ontology


def _hermit(path: Path):
    import owlready2

    world = owlready2.World()
    onto = world.get_ontology(path.resolve().as_uri()).load()
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    return world, onto


def test_ontology_loads_in_owlready2_and_hermit_finds_it_consistent(tmp_path):
    import owlready2

    nt = tmp_path / "paperkg.nt"
    rdflib.Graph().parse(schema_path("paperkg.ttl")).serialize(nt, format="nt", encoding="utf-8")
    world, onto = _hermit(nt)
    assert list(world.inconsistent_classes()) == []
    model = world[str(PKG.Model)]
    assert model is not None and world[str(MLS.Model)] in model.ancestors()
    # the reasoner really reasons: an individual that is both a Model and a Dataset (declared
    # disjoint) makes the ontology inconsistent
    with onto:
        thing = model("both")
        thing.is_a.append(world[str(PKG.Dataset)])
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError), onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)


# --------------------------------------------------------------------------- IRIs


def test_iris_are_readable_and_stable():
    paper = Paper("p002", "T", "", doi="10.1006/CRYO.2001.2328", arxiv_id="2106.09685",
                  pmid="11748933", namespace="lab")
    assert paper_iri(BASE, paper) == BASE + "paper/doi/10.1006/cryo.2001.2328"
    assert paper_iri(BASE, replace(paper, doi=None)) == BASE + "paper/arxiv/2106.09685"
    assert paper_iri(BASE, replace(paper, doi=None, arxiv_id=None)) == BASE + "paper/pmid/11748933"
    assert paper_iri(BASE, Paper("x", "T", "", arxiv_id="hep-th/9901001")) == (
        BASE + "paper/arxiv/hep-th/9901001")
    assert paper_iri(BASE, Paper("x", "T", "", pmcid="PMC3531190")) == (
        BASE + "paper/pmcid/PMC3531190")
    # a local id: hashed, under the corpus namespace (two corpora's p002 do not collide)
    local = paper_iri(BASE, replace(paper, doi=None, arxiv_id=None, pmid=None))
    assert re.fullmatch(re.escape(BASE) + r"paper/local/lab/[0-9a-f]{16}", local)
    assert local != paper_iri(BASE, replace(paper, doi=None, arxiv_id=None, pmid=None,
                                            namespace="other"))
    # bare ids where only the id is known
    assert paper_iri(BASE, "arxiv:2106.09685") == BASE + "paper/arxiv/2106.09685"
    assert paper_iri(BASE, "doi:10.1/x y") == BASE + "paper/doi/10.1/x%20y"
    assert paper_iri(BASE, "doi:10.1/../x.") == BASE + "paper/doi/10.1/%2E%2E/x%2E"
    assert paper_iri(BASE, "title:0123abcd") == BASE + "paper/title/0123abcd"
    assert "%2F" not in paper_iri(BASE, paper) and "%3A" not in paper_iri(BASE, "arxiv:1")
    assert entity_iri(BASE, "dataset/μ-bench") == BASE + "dataset/μ-bench"
    assert entity_iri(BASE, "model/llama-2") == BASE + "model/llama-2"
    assert entity_iri(BASE, "dataset/a b/c") == BASE + "dataset/a%20b%2Fc"
    assert entity_iri(BASE, "weird id") == BASE + "entity/weird%20id"
    assert entity_iri(BASE, "paper/x") == BASE + "entity/paper%2Fx"  # no clash with papers
    for iri in (paper_iri(BASE, DOI), paper_iri(BASE, SPACE_ID), entity_iri(BASE, "x/é<>\"{}")):
        ox.NamedNode(iri)  # valid IRI
        assert not re.search(r"[\s<>\"{}|\\^`]", iri)


def test_web_addresses_from_the_data_are_checked_and_encoded():
    assert web_iri("https://example.org/a b?q=<x>") == "https://example.org/a%20b?q=%3Cx%3E"
    assert web_iri("https://example.org/a?b=1&c=2") == "https://example.org/a?b=1&c=2"
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "not a url", "", None, "https://"):
        assert web_iri(bad) is None


def test_base_iri_is_configurable_and_checked():
    graph = tricky_graph()
    custom = "https://example.org/kg/"
    iris = {t.subject.value for t in iter_triples(graph, custom)}
    assert all(i.startswith(custom) for i in iris)
    assert paper_iri(custom, DOI) in iris
    hash_base = {t.subject.value for t in iter_triples(graph, "urn:x:kg#")}
    assert all(i.startswith("urn:x:kg#") for i in hash_base)
    for bad in ("https://example.org/kg", "kg/", "https:///x/", "http://exa mple.org/"):
        with pytest.raises(PaperkgError, match="base-iri"):
            check_base_iri(bad)


def test_build_cli_honours_base_iri(tmp_path):
    from typer.testing import CliRunner

    from kg.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["build", "-o", str(tmp_path / "bad"), "--base-iri", "nope"])
    assert bad.exit_code == 1 and "base-iri" in bad.output
    assert not (tmp_path / "bad" / "graph.ttl").exists()


# --------------------------------------------------------------------------- mapping


def test_every_paper_entity_and_relation_is_mapped(demo_build):
    graph, _ = demo_build
    store = to_store(graph, BASE)

    def ask(q: str) -> bool:
        return bool(store.query(q, prefixes={"pkg": str(PKG), "dcterms": str(DCTERMS),
                                             "skos": str(SKOS), "rdf": str(RDF)}))

    for paper in graph.papers.values():
        iri = paper_iri(BASE, paper)
        assert ask(f'ASK {{ <{iri}> a pkg:Paper ; dcterms:identifier {json.dumps(paper.id)} }}')
    for entity in graph.entities.values():
        iri = entity_iri(BASE, entity.id)
        assert ask(f"ASK {{ <{iri}> a pkg:{entity.type} ; skos:prefLabel {json.dumps(entity.name)}"
                   f" ; pkg:paperCount {entity.paper_count} }}")
        for alias in entity.aliases:
            assert ask(f"ASK {{ <{iri}> skos:altLabel {json.dumps(alias)} }}")
    for rel in graph.relations:
        s = (paper_iri(BASE, graph.papers[rel.subject]) if rel.subject in graph.papers
             else entity_iri(BASE, rel.subject))
        o = entity_iri(BASE, rel.object)
        p = PROPERTY_OF_PREDICATE[rel.predicate]
        assert ask(f"ASK {{ <{s}> <{p}> <{o}> }}"), rel


def test_each_relation_has_a_statement_with_support_and_evidence(demo_build):
    graph, _ = demo_build
    g = to_rdf(graph, BASE)
    typed = 0
    for rel in graph.relations:
        st = rdflib.URIRef(statement_iri(BASE, rel))
        assert g.value(st, RDF.predicate) == PROPERTY_OF_PREDICATE[rel.predicate]
        assert g.value(st, PKG.supportCount).toPython() == rel.weight
        derived = set(g.objects(st, PROV.wasDerivedFrom))
        assert derived == {rdflib.URIRef(evidence_iri(BASE, ev)) for ev in rel.evidence}
        if rel.predicate == CO_OCCURS_WITH:
            assert not derived
        else:
            assert derived
        if rel.predicate in ("based_on", "trained_on", "evaluated_on", "uses_method"):
            typed += 1
    assert typed > 0
    # evidence nodes: paper, span, sentence, rule; the span text is the field's characters
    for rel in graph.relations:
        for ev in rel.evidence:
            node = rdflib.URIRef(evidence_iri(BASE, ev))
            assert g.value(node, PKG.evidencePaper) == rdflib.URIRef(
                paper_iri(BASE, graph.papers[ev.paper_id]))
            assert g.value(node, PKG.startChar).toPython() == ev.start
            assert g.value(node, PKG.endChar).toPython() == ev.end
            assert str(g.value(node, PKG.sentenceText)) == ev.sentence_text
            assert str(g.value(node, PKG.rule)) == ev.rule
            paper = graph.papers[ev.paper_id]
            text = paper.title if ev.field == "title" else paper.abstract
            span = g.value(node, PKG.spanText)
            if ev.end <= len(text):
                assert str(span) == text[ev.start:ev.end]
            else:  # a span that does not fit its field has no text (rather than a wrong one)
                assert span is None


def test_year_counts_count_each_entitys_papers_by_year(demo_build):
    """pkg:papersByYear nodes against the proposes/uses relations and the papers' years."""
    graph, _ = demo_build
    expected: dict[tuple[str, int], set[str]] = {}
    for rel in graph.relations:
        year = graph.papers[rel.subject].year if rel.subject in graph.papers else None
        if rel.predicate in ("proposes", "uses") and year is not None:
            expected.setdefault((entity_iri(BASE, rel.object), year), set()).add(rel.subject)
    g = to_rdf(graph, BASE)
    found = {}
    for entity, node in g.subject_objects(PKG.papersByYear):
        assert g.value(node, RDF.type) == PKG.YearCount
        year = g.value(node, PKG.countYear).toPython()
        found[(str(entity), year)] = g.value(node, PKG.countPapers).toPython()
    assert found == {key: len(papers) for key, papers in expected.items()}
    assert len(set(found.values())) > 1


def test_triples_are_unique_and_rdflib_mapping_is_the_same(demo_build):
    graph, _ = demo_build
    triples = list(iter_triples(graph, BASE))
    assert len(triples) == len(set(triples))
    g = to_rdf(graph, BASE)
    assert len(g) == len(triples)
    assert rdflib_set(g) == ox_set(triples)
    assert g.namespace_manager.store.namespace("pkg") == rdflib.URIRef(str(PKG))


def test_literals_keep_untrusted_text_exactly(tmp_path):
    graph = tricky_graph()
    write_rdf(graph, tmp_path, ExportOptions())
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        g = rdflib_graph(tmp_path / name)
        doi = rdflib.URIRef(paper_iri(BASE, DOI))
        assert str(g.value(doi, DCTERMS.title)) == TITLE, name
        space = rdflib.URIRef(paper_iri(BASE, SPACE_ID))
        assert str(g.value(space, DCTERMS.title)) == CONTROL_TITLE, name
        assert g.value(doi, SDO.url) == rdflib.URIRef("https://example.org/a?b=1&c=2")
        assert str(g.value(doi, PKG.venue)) == 'Venue, "Quoted"'
        x1 = rdflib.URIRef(entity_iri(BASE, "model/x-1"))
        assert {str(a) for a in g.objects(x1, SKOS.altLabel)} == {"X;1", "X, one", 'X "uno"'}
        assert str(g.value(x1, PKG.wikidataId)) == "Q1"
        assert str(g.value(x1, PKG.externalId)) == "hugging face:org/x-1"
        assert {str(a) for a in g.objects(x1, PKG.attribute)} == {"sizes=7B", "sizes=13B"}
        assert g.value(doi, PKG.year) == rdflib.Literal(2021, datatype=XSD.integer)
    assert rapper_count(tmp_path / "graph.ttl", "turtle") == document_count(graph)
    assert rapper_count(tmp_path / "graph.nt", "ntriples") == document_count(graph)


def test_lone_surrogates_do_not_break_the_output(tmp_path):
    paper = Paper("p1", "Bad \ud800 text", "Abstract.")
    graph = KnowledgeGraph({"p1": paper}, {}, [])
    write_rdf(graph, tmp_path, ExportOptions())
    g = rdflib_graph(tmp_path / "graph.nt")
    assert str(g.value(rdflib.URIRef(paper_iri(BASE, "p1")), DCTERMS.title)) == "Bad \ufffd text"


def test_unknown_predicate_is_a_clear_error():
    graph = tricky_graph()
    graph.relations.append(Relation("model/x-1", "cites", "model/base", (), 1))
    with pytest.raises(PaperkgError, match="'cites' has no RDF property"):
        list(iter_triples(graph, BASE))


# --------------------------------------------------------------------------- files of a build


def test_build_writes_the_rdf_files_and_schemas(demo_build):
    graph, out = demo_build
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        assert (out / name).is_file()
    for name in SCHEMA_FILES:
        assert (out / "schemas" / name).read_bytes() == schema_path(name).read_bytes()
    # the ontology, then the graph: the same triples in each file, and isomorphic graphs
    expected = ox_set([*ontology_triples(), *iter_triples(graph, BASE)])
    reference = rdflib_graph(out / "graph.nt")
    assert len(reference) == document_count(graph)
    for name, fmt in (("graph.ttl", ox.RdfFormat.TURTLE), ("graph.nt", ox.RdfFormat.N_TRIPLES),
                      ("graph.jsonld", ox.RdfFormat.JSON_LD)):
        parsed = list(ox.parse(path=str(out / name), format=fmt))
        assert ox_set(parsed) == expected and len(set(parsed)) == len(reference), name
        g = rdflib_graph(out / name)
        assert rdflib_set(g) == expected, name
        assert rdflib.compare.isomorphic(g, reference), name
    ttl = (out / "graph.ttl").read_text(encoding="utf-8")
    assert "@prefix pkg: <https://w3id.org/paperkg/ontology#> ." in ttl
    assert "pkg:proposes model:" in ttl  # prefixed names, not full IRIs


def test_jsonld_is_compact_with_the_published_context(demo_build):
    graph, out = demo_build
    doc = json.loads((out / "graph.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == [published_context(), {"kg": BASE}]
    nodes = {n["@id"]: n for n in doc["@graph"]}
    paper = nodes[paper_iri("kg:", graph.papers["demo:001"])]
    assert paper["@type"] == "Paper" and paper["identifier"] == "demo:001"
    assert isinstance(paper["year"], int)
    assert all(v.startswith("kg:") for v in _as_list(paper["proposes"]))
    statement = next(n for n in doc["@graph"] if n.get("@type") == "Statement"
                     and n["predicate"] == "basedOn")
    assert isinstance(statement["supportCount"], int) and statement["wasDerivedFrom"]
    # every term of the context is a real term of the ontology or a prefix
    ontology_terms = {str(s) for s in rdflib.Graph().parse(schema_path("paperkg.ttl"))
                      .subjects()}
    for term, definition in published_context().items():
        iri = definition if isinstance(definition, str) else definition["@id"]
        if "://" in iri:
            continue
        prefix, _, local = iri.partition(":")
        if prefix in ("rdf", "rdfs"):  # built-in vocabulary
            continue
        assert published_context()[prefix] + local in ontology_terms, term


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_outputs_are_byte_identical_across_processes(tmp_path):
    script = (
        "import sys; from pathlib import Path; from kg.export import ExportOptions; "
        "from kg.export.rdf import write; from tricky_graph import tricky_graph; "
        "write(tricky_graph(), Path(sys.argv[1]), ExportOptions())"
    )
    tests_dir = Path(__file__).resolve().parent
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], cwd=tests_dir,
                       check=True, env={"PYTHONHASHSEED": "random", "PATH": "/usr/bin:/bin"})
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_every_rdf_file_of_the_medical_build_parses_with_rapper_and_rdflib(medical_build):
    graph, out = medical_build
    files = sorted(p for p in out.rglob("*") if p.suffix in RDF_SUFFIXES or p.suffix == ".jsonld")
    names = {p.relative_to(out).as_posix() for p in files}
    assert {"graph.ttl", "graph.nt", "graph.jsonld", "schemas/paperkg.ttl",
            "schemas/shapes.ttl"} <= names
    expected = document_count(graph)
    for path in files:
        parsed = rdflib_graph(path)
        if path.suffix == ".jsonld":
            if path.name == "graph.jsonld":
                assert len(parsed) == expected
            continue  # raptor has no JSON-LD parser
        assert rapper_count(path, RDF_SUFFIXES[path.suffix]) == len(parsed), path.name
        if path.parent == out and path.suffix in (".ttl", ".nt") and path.name != "void.ttl":
            assert len(parsed) == expected, path.name


# --------------------------------------------------------------------------- store


def test_to_store_is_queryable():
    store = to_store(tricky_graph(), BASE)
    rows = list(store.query(
        "SELECT ?sentence WHERE { ?st rdf:predicate pkg:usesMethod ; prov:wasDerivedFrom ?ev . "
        "?ev pkg:sentenceText ?sentence } ORDER BY ?sentence",
        prefixes={"pkg": str(PKG), "rdf": str(RDF), "prov": str(PROV)}))
    assert [r["sentence"].value for r in rows] == [
        CONTROL_TITLE, 'We present X-1 ("the model"), built on Base;\nit uses "LoRA, v2".']


def test_duplicate_evidence_is_one_node(tmp_path):
    ev = Evidence("p1", "title", 0, 1, 0, "T", "r")
    graph = KnowledgeGraph(
        {"p1": Paper("p1", "T", "")},
        {"model/a": Entity("model/a", "Model", "A", papers=("p1",)),
         "model/b": Entity("model/b", "Model", "B", papers=("p1",))},
        [Relation("p1", "uses", "model/a", (ev,), 1), Relation("p1", "uses", "model/b", (ev,), 1),
         Relation("model/a", "based_on", "model/b", (ev, replace(ev, rule="s")), 2)],
    )
    g = to_rdf(graph, BASE)
    assert len(set(g.subjects(RDF.type, PKG.Evidence))) == 2
    write_rdf(graph, tmp_path, ExportOptions())
    assert rapper_count(tmp_path / "graph.nt", "ntriples") == len(g) + len(ontology_triples())


def test_co_occurrence_is_asserted_both_ways_and_papers_keep_their_ids(demo_build):
    graph, out = demo_build
    g = rdflib.Graph().parse(out / "graph.nt", format="nt")
    pairs = [(rel.subject, rel.object) for rel in graph.relations_of(CO_OCCURS_WITH)]
    assert pairs
    for a, b in pairs:
        a_iri, b_iri = rdflib.URIRef(entity_iri(BASE, a)), rdflib.URIRef(entity_iri(BASE, b))
        assert (a_iri, PKG.coOccursWith, b_iri) in g and (b_iri, PKG.coOccursWith, a_iri) in g
    # one statement per pair, not per direction
    statements = list(g.subjects(RDF.predicate, PKG.coOccursWith))
    assert len(statements) == len(set(pairs))
    # external ids are skos:exactMatch links to the resources they name
    for entity in graph.entities.values():
        node = rdflib.URIRef(entity_iri(BASE, entity.id))
        matches = {str(o) for o in g.objects(node, SKOS.exactMatch)}
        if "wikidata" in entity.external_ids:
            assert "http://www.wikidata.org/entity/" + entity.external_ids["wikidata"] in matches
        if "huggingface" in entity.external_ids:
            assert "https://huggingface.co/" + entity.external_ids["huggingface"] in matches


def test_paper_identifiers_dates_and_subjects_are_mapped():
    paper = Paper("lab-17", "T", "A", year=2021, doi="10.1006/CRYO.2001.2328",
                  arxiv_id="2106.09685", pmid="11748933", pmcid="PMC3531190", date="2021-06-17",
                  subjects=("cs.CV", "eess.IV"), journal_ref="Cryobiology 43 (2001) 1-9")
    graph = KnowledgeGraph({"lab-17": paper}, {}, [])
    g = to_rdf(graph, BASE)
    node = rdflib.URIRef(BASE + "paper/doi/10.1006/cryo.2001.2328")
    prism = rdflib.Namespace("http://prismstandard.org/namespaces/basic/2.0/")
    assert str(g.value(node, prism.doi)) == "10.1006/CRYO.2001.2328"  # as given
    assert str(g.value(node, PKG.arxivId)) == "2106.09685"
    assert str(g.value(node, FABIO.hasPubMedId)) == "11748933"
    assert str(g.value(node, FABIO.hasPubMedCentralId)) == "PMC3531190"
    assert str(g.value(node, DCTERMS.identifier)) == "lab-17"
    issued = g.value(node, DCTERMS.issued)
    assert issued.datatype == XSD.date and str(issued) == "2021-06-17"
    assert {str(o) for o in g.objects(node, DCTERMS.subject)} == {"cs.CV", "eess.IV"}
    assert str(g.value(node, DCTERMS.bibliographicCitation)) == "Cryobiology 43 (2001) 1-9"
    assert g.value(node, PKG.venue) is None
    assert count_triples(graph) == len(g)


def test_merged_duplicates_keep_every_identifier_end_to_end(tmp_path):
    """paperkg build over a PubMed file and an arXiv feed that hold the same paper (and a
    JSON Lines record known by its arXiv id only): one paper in graph.ttl, with the DOI, the
    PMID, the PMC id and the arXiv id, under its DOI IRI."""
    from typer.testing import CliRunner

    from kg.cli import app

    merge = Path(__file__).parent / "fixtures" / "ingest" / "merge"
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "build", str(merge / "pubmed.xml"), str(merge / "arxiv.xml"), str(merge / "later.jsonl"),
        "-o", str(out)])
    assert result.exit_code == 0, result.output
    g = rdflib_graph(out / "graph.ttl")
    assert rapper_count(out / "graph.ttl", "turtle") == len(g)
    papers = set(g.subjects(RDF.type, PKG.Paper))
    assert len(papers) == 2
    paper = rdflib.URIRef(BASE + "paper/doi/10.5555/jirm.2024.031")
    assert paper in papers
    values = {p: {str(o) for o in g.objects(paper, p)} for p in (
        rdflib.URIRef("http://prismstandard.org/namespaces/basic/2.0/doi"), FABIO.hasPubMedId,
        FABIO.hasPubMedCentralId, PKG.arxivId)}
    assert list(values.values()) == [{"10.5555/JIRM.2024.031"}, {"38111111"},
                                     {"PMC10911111"}, {"2403.01234"}]
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["duplicates"] == 2
