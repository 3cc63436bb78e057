"""The paperkg ontology as triples, for the graph documents that carry it.

``graph.ttl``, ``graph.nt``, ``graph.jsonld``, an on-disk store and :func:`kg.graph.rdf.to_store`
hold the ontology (``schemas/paperkg.ttl``) before the graph's own triples, so that alignment
queries (``?p a/rdfs:subClassOf* schema:ScholarlyArticle``) work on any one of them alone.
"""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox

from kg.schema_files import schema_path


@cache
def ontology_triples() -> tuple[ox.Triple, ...]:
    """The triples of ``schemas/paperkg.ttl`` in file order, blank nodes named ``o0``, ``o1`` …
    in order of appearance (the same names every time: outputs stay byte-identical)."""
    names: dict[str, ox.BlankNode] = {}

    def rename(term):
        if isinstance(term, ox.BlankNode):
            return names.setdefault(term.value, ox.BlankNode(f"o{len(names)}"))
        return term

    return tuple(
        ox.Triple(rename(t.subject), t.predicate, rename(t.object))
        for t in ox.parse(path=str(schema_path("paperkg.ttl")), format=ox.RdfFormat.TURTLE)
    )
