"""The incremental on-disk store: ``paperkg build INPUT --store DIR`` and ``paperkg export DIR``.

``DIR`` is a pyoxigraph (RocksDB) store — ``oxigraph serve-read-only --location DIR`` serves it
as a SPARQL endpoint — holding:

* the **default graph**: the knowledge graph's triples, exactly :func:`kg.graph.rdf.iter_triples`
  of the graph of every paper in the store, ready for SPARQL;
* the named graph ``<urn:paperkg:store:records>``: per paper (subject: its IRI) its order of
  arrival, its metadata, its ``extractions.jsonl`` line, the entities it teaches to the corpus
  and whether its extraction used the learned names — what linking and the outputs are made of;
* the named graph ``<urn:paperkg:store:meta>``: base IRI, patterns, inputs, duplicates and skipped
  records of the builds so far.

A later build reads its input, skips the papers already in the store (same id, or same
normalised title), and extracts only the new ones.  Names that new papers teach are applied to
the old papers that contain them (as a one-shot build would), the whole corpus is linked again
(canonical entities and counts are those of a one-shot build), and the default graph is
updated by difference: only the triples of resources that changed are removed or added, in one
transaction together with the new records.  Nothing new -> nothing is written.  The first build
(and an update that would rewrite most of the graph) writes a new store beside ``DIR`` and puts
it in place at the end.  ``paperkg export DIR`` regenerates every output file from the records.

Modules: :mod:`~kg.store.records` (what a store keeps per paper, and its metadata),
:mod:`~kg.store.graphstore` (the store opened), :mod:`~kg.store.update` (an add, step by step),
:mod:`~kg.store.delta` (the difference of two graphs, applied), :mod:`~kg.store.writing` (a
whole store written anew), :mod:`~kg.store.export` (``paperkg export``).
"""

from kg.store.export import export_store, load_graph
from kg.store.graphstore import GraphStore, is_store
from kg.store.records import Record, StoreMeta
from kg.store.update import StoreReport, build_store

__all__ = [
    "GraphStore", "Record", "StoreMeta", "StoreReport", "build_store", "export_store",
    "is_store", "load_graph",
]
