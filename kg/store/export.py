"""``paperkg export DIR``: every output file of a store's graph, as a build writes them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kg.atomic import staged_directory
from kg.engines.worker import lexicon_of, pattern_spec
from kg.errors import PaperkgError
from kg.extractions import EXTRACTIONS
from kg.linking import link
from kg.model import KnowledgeGraph
from kg.pipeline import BuildOptions, BuildReport, count_graph, finish_outputs, frozen_heap
from kg.store.graphstore import GraphStore
from kg.store.records import Record, StoreMeta, extractions_of, patterns_digest


def load_graph(store_dir: Path, options: BuildOptions | None = None
               ) -> tuple[KnowledgeGraph, list[Record], StoreMeta]:
    """The store's knowledge graph (linked from its records), records and metadata."""
    store = GraphStore(Path(store_dir))
    records, meta = store.records(), store.meta
    store.close()
    spec = pattern_spec(options.patterns) if options is not None else ()
    if patterns_digest(spec) != meta.patterns:
        raise PaperkgError(f"{store_dir}: the store was built with --patterns; give the same "
                           "pattern files to read it")
    graph = link(extractions_of(records), lexicon_of(spec))
    return graph, records, meta


def export_store(store_dir: Path, out_dir: Path, options: BuildOptions) -> list[Path]:
    """Write every output file of the store's graph into ``out_dir`` (as ``build`` would); the
    base IRI is the store's, not ``options``'."""
    graph, records, meta = load_graph(store_dir, options=options)
    options = replace(options, export=replace(options.export, base_iri=meta.base_iri))
    report = BuildReport(read=meta.read_report())
    count_graph(report, graph)
    with staged_directory(Path(out_dir)) as stage:
        with (stage / EXTRACTIONS).open("w", encoding="utf-8", newline="\n") as fh:
            for record in records:
                fh.write(record.line + "\n")
        del records
        with frozen_heap():
            finish_outputs(graph, report, stage, options)
    return [Path(out_dir) / f for f in report.files]
