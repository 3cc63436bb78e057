"""``void.ttl``: a VoID / DCAT description of one build (what, from which inputs, by what).

The description is deterministic, a function of the graph alone: no wall-clock time.  "When" is
the span of the papers' publication years (``dcterms:temporal``); the inputs are the files the
papers were read from, each with its number of papers; the generator is paperkg and its version.
The data's licence is the one given with ``paperkg build --license`` (an SPDX id or an IRI); the
description says nothing about a licence it was not given.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, VOID

import kg
from kg.graph.ontology import ontology_triples
from kg.graph.rdf import ONTOLOGY_IRI, VOCAB_PREFIXES, check_base_iri, serialize
from kg.graph.triple_count import count_triples
from kg.model import KnowledgeGraph

VOID_FILE = "void.ttl"
#: the description's own resource, under the build's base IRI
DATASET_PATH = "dataset"
#: files of a build that hold the graph (the DCAT distributions)
DISTRIBUTIONS: tuple[tuple[str, str], ...] = (
    ("graph.ttl", "text/turtle"), ("graph.nt", "application/n-triples"),
    ("graph.jsonld", "application/ld+json"), ("graph.owl", "application/rdf+xml"),
)


def license_iri(value: str | None) -> str | None:
    """An SPDX licence id (``CC-BY-4.0``) as its IRI; an IRI as it is; None for None/blank."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.startswith(("http://", "https://")):
        return value
    return f"https://spdx.org/licenses/{value}"


def void_triples(graph: KnowledgeGraph, base_iri: str, license: str | None = None
                 ) -> list[ox.Triple]:
    """The description's triples, in a fixed order."""
    node = ox.NamedNode(base_iri + DATASET_PATH)

    def iri(value: Any) -> ox.NamedNode:
        return ox.NamedNode(str(value))

    def add(subject: Any, predicate: Any, obj: Any) -> None:
        triples.append(ox.Triple(subject, iri(predicate), obj))

    triples: list[ox.Triple] = []
    add(node, RDF.type, iri(VOID.Dataset))
    add(node, RDF.type, iri(DCAT.Dataset))
    add(node, DCTERMS.title, ox.Literal("paperkg knowledge graph"))
    add(node, DCTERMS.description, ox.Literal(
        f"{len(graph.papers)} papers, {len(graph.entities)} entities (models, datasets, methods, "
        f"tasks, metrics) and {len(graph.relations)} relations with their evidence, extracted "
        "from titles and abstracts by paperkg, with the paperkg ontology."))
    # graph.ttl, graph.nt and graph.jsonld: the ontology's triples, then the graph's
    add(node, VOID.triples, ox.Literal(count_triples(graph) + len(ontology_triples())))
    add(node, VOID.entities, ox.Literal(len(graph.papers) + len(graph.entities)))
    add(node, VOID.uriSpace, ox.Literal(base_iri))
    for prefix in ("pkg", "dcterms", "skos", "prov", "schema", "fabio", "prism"):
        add(node, VOID.vocabulary, iri(VOCAB_PREFIXES[prefix]))
    add(node, DCTERMS.conformsTo, iri(ONTOLOGY_IRI))
    years = sorted({p.year for p in graph.papers.values() if p.year is not None})
    if years:
        add(node, DCTERMS.temporal, ox.Literal(f"{years[0]}/{years[-1]}"))
    licence = license_iri(license)
    if licence is not None:
        add(node, DCTERMS.license, iri(licence))
    agent = ox.NamedNode("https://w3id.org/paperkg/software/paperkg/" + kg.__version__)
    add(node, PROV.wasAttributedTo, agent)
    add(agent, RDF.type, iri(PROV.SoftwareAgent))
    add(agent, RDFS.label, ox.Literal("paperkg"))
    add(agent, OWL.versionInfo, ox.Literal(kg.__version__))
    sources = Counter(Path(p.source).name or p.source for p in graph.papers.values())
    for index, (name, papers) in enumerate(sorted(sources.items())):
        source = ox.BlankNode(f"source{index}")
        add(node, DCTERMS.source, source)
        add(source, DCTERMS.title, ox.Literal(name))
        add(source, VOID.entities, ox.Literal(papers))
    for index, (name, media) in enumerate(DISTRIBUTIONS):
        dist = ox.BlankNode(f"distribution{index}")
        add(node, DCAT.distribution, dist)
        add(dist, RDF.type, iri(DCAT.Distribution))
        add(dist, DCTERMS.title, ox.Literal(name))
        add(dist, DCAT.mediaType, ox.Literal(media))
    return triples


def write(graph: KnowledgeGraph, out_dir: Path, options: Any) -> None:
    """Write ``void.ttl`` into ``out_dir``."""
    base_iri = check_base_iri(options.base_iri)
    prefixes = {"void": str(VOID), "dcat": str(DCAT), "dcterms": str(DCTERMS),
                "prov": str(PROV), "rdfs": str(RDFS), "owl": str(OWL)}
    text = serialize(void_triples(graph, base_iri, getattr(options, "license", None)),
                        format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    (out_dir / VOID_FILE).write_bytes(text)
