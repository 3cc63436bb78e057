"""void.ttl: a deterministic VoID / DCAT description of each build."""

from __future__ import annotations

import rdflib
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, VOID

import kg
from kg.export import ExportOptions
from kg.export import void as void_export

BASE = ExportOptions().base_iri


def test_void_describes_the_build(demo_build, tmp_path):
    graph, out = demo_build
    g = rdflib.Graph().parse(out / void_export.VOID_FILE, format="turtle")
    dataset = rdflib.URIRef(BASE + "dataset")
    assert (dataset, RDF.type, VOID.Dataset) in g and (dataset, RDF.type, DCAT.Dataset) in g
    nt_lines = sum(1 for line in (out / "graph.nt").open(encoding="utf-8") if line.strip())
    assert int(g.value(dataset, VOID.triples)) == nt_lines
    years = sorted(p.year for p in graph.papers.values() if p.year is not None)
    assert str(g.value(dataset, DCTERMS.temporal)) == f"{years[0]}/{years[-1]}"
    sources = {str(g.value(s, DCTERMS.title)): int(g.value(s, VOID.entities))
               for s in g.objects(dataset, DCTERMS.source)}
    assert sources == {"demo_corpus.jsonl": len(graph.papers)}
    agent = g.value(dataset, PROV.wasAttributedTo)
    assert str(g.value(agent, OWL.versionInfo)) == kg.__version__
    media = {str(g.value(d, DCAT.mediaType)) for d in g.objects(dataset, DCAT.distribution)}
    assert "text/turtle" in media and "application/n-triples" in media
    assert g.value(dataset, DCTERMS.license) is None  # none given: none claimed
    # deterministic (no clock), and the licence when one is given
    void_export.write(graph, tmp_path, ExportOptions())
    assert (tmp_path / "void.ttl").read_bytes() == (out / "void.ttl").read_bytes()
    void_export.write(graph, tmp_path, ExportOptions(license="CC-BY-4.0"))
    licensed = rdflib.Graph().parse(tmp_path / "void.ttl", format="turtle")
    assert licensed.value(dataset, DCTERMS.license) == rdflib.URIRef(
        "https://spdx.org/licenses/CC-BY-4.0")
