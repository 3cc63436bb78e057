"""The build: read papers -> extract -> link -> write every output.

:func:`build` streams (the CLI's build); :func:`build_graph` + :func:`write_outputs` do the same
in two steps with the extractions in memory.  ``--store`` builds live in :mod:`kg.store`.
"""

from __future__ import annotations

import gc
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from extractors.lexicon import Lexicon
from kg.atomic import staged_directory
from kg.corpus import CorpusExtraction, Keep, extract_corpus
from kg.engines import EngineOptions, open_runner
from kg.engines.worker import lexicon_of, pattern_spec
from kg.export import EXPORTERS, ExportOptions, export_all, export_steps
from kg.extractions import EXTRACTIONS, write_extractions
from kg.ingest import OnError, ReadReport, read_papers, with_merged_identifiers
from kg.linking import link, slim
from kg.model import KnowledgeGraph, Paper, PaperExtraction


def demo_corpus_path() -> Path:
    """The bundled demo corpus (used when ``paperkg build`` gets no input)."""
    return Path(str(resources.files("kg") / "data" / "demo_corpus.jsonl"))


@dataclass(slots=True)
class BuildOptions:
    """What to read and how; what to write."""

    fmt: str | None = None
    on_error: OnError = "stop"
    columns: Mapping[str, str] | None = None
    patterns: Path | None = None  #: user EntityRuler JSONL added to the lexicons
    model: Path | None = None  #: a model directory, "rules", or None (the shipped model)
    id_namespace: str | None = None  #: corpus namespace of local-id-only papers' IRIs
    export: ExportOptions = field(default_factory=ExportOptions)
    outputs: Sequence[str] | None = None  #: exporter names; None = all
    engine: EngineOptions = field(default_factory=EngineOptions)  #: where extraction runs


@dataclass(slots=True)
class BuildReport:
    """What a build read, found and wrote."""

    read: ReadReport
    papers: int = 0
    entities_by_type: dict[str, int] = field(default_factory=dict)
    relations_by_predicate: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1  #: processes that extracted at once (not in ``report.json``: it varies)
    cores: int = 1  #: worker processes the engine options allowed

    def to_json(self) -> dict:
        return {
            "inputs": self.read.files,
            "papers": self.papers,
            "duplicates": len(self.read.duplicates),
            "skipped": len(self.read.skipped),
            "unreadable_directories": [{"directory": d, "problem": p}
                                       for d, p in self.read.unreadable],
            "entities_by_type": self.entities_by_type,
            "relations_by_predicate": self.relations_by_predicate,
            "files": self.files,
        }


def build_graph(
    inputs: Sequence[str | Path],
    options: BuildOptions,
    on_paper: Callable[[Paper], None] | None = None,
) -> tuple[KnowledgeGraph, list[PaperExtraction], BuildReport]:
    """Read ``inputs``, extract and link them into one graph (extractions kept in memory).

    :func:`build` is the streaming form that writes the outputs as it goes.
    """
    report = BuildReport(read=ReadReport())
    with tempfile.TemporaryDirectory(prefix="paperkg-") as tmp:
        corpus, lexicon = extract_inputs(inputs, options, report, Path(tmp) / EXTRACTIONS,
                                         on_paper)
    graph = link(corpus.extractions, lexicon)
    graph.papers = with_merged_identifiers(graph.papers, report.read)
    count_graph(report, graph)
    return graph, corpus.extractions, report


def build(
    inputs: Sequence[str | Path],
    out_dir: Path,
    options: BuildOptions,
    on_paper: Callable[[Paper], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> BuildReport:
    """Read, extract, link and write every output into ``out_dir`` (atomically), streaming.

    Papers flow from the readers through the engine (``options.engine``: this process, N
    processes or a Dask cluster) in partitions; each paper's ``extractions.jsonl`` line goes to
    disk as it comes, and only what linking needs stays in memory.  ``on_stage`` hears
    ``"linking"``, then ``"writing <exporter>"`` for each exporter.
    """
    report = BuildReport(read=ReadReport())
    with staged_directory(out_dir) as stage:
        corpus, lexicon = extract_inputs(inputs, options, report, stage / EXTRACTIONS, on_paper,
                                         keep=slim)
        extractions = corpus.extractions
        del corpus  # the teaching parts, learned flags and names: linking reuses their memory
        if on_stage is not None:
            on_stage("linking")
        graph = link(extractions, lexicon)
        del extractions
        graph.papers = with_merged_identifiers(graph.papers, report.read)
        count_graph(report, graph)
        with frozen_heap():
            finish_outputs(graph, report, stage, options, on_stage)
    return report


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Leave the objects alive now (the graph) out of the cyclic garbage collector's passes.

    The exporters make millions of short-lived objects; each full collection would otherwise
    walk the whole graph again (seconds per pass on a big graph).  The graph holds no cycles.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def read_inputs(
    inputs: Sequence[str | Path], options: BuildOptions, report: BuildReport
) -> Iterator[Paper]:
    """The papers of ``inputs`` (the demo corpus when there are none), streamed."""
    return read_papers(
        inputs or [demo_corpus_path()],
        fmt=options.fmt,
        on_error=options.on_error,
        columns=options.columns,
        report=report.read,
        namespace=options.id_namespace,
    )


def extract_inputs(
    inputs: Sequence[str | Path],
    options: BuildOptions,
    report: BuildReport,
    lines_path: Path,
    on_paper: Callable[[Paper], None] | None = None,
    keep: Keep | None = None,
) -> tuple[CorpusExtraction, Lexicon]:
    """Extract the papers of ``inputs`` with the engine.

    Writes the ``extractions.jsonl`` lines to ``lines_path``; returns the corpus extraction (each
    extraction as ``keep`` makes it) and the lexicon linking needs.
    """
    papers = read_inputs(inputs, options, report)
    spec = pattern_spec(options.patterns, options.model)
    lexicon = lexicon_of(spec)
    runner = open_runner(options.engine, spec)
    try:
        corpus = extract_corpus(_counted(papers, on_paper), runner, lines_path,
                                options.engine.partition_size, keep)
    finally:
        runner.close()
    report.workers, report.cores = runner.used, options.engine.check().workers or 1
    return corpus, lexicon


def _counted(papers: Iterable[Paper], on_paper: Callable[[Paper], None] | None
             ) -> Iterator[Paper]:
    for paper in papers:
        if on_paper is not None:
            on_paper(paper)
        yield paper


def count_graph(report: BuildReport, graph: KnowledgeGraph) -> None:
    """Fill the report's paper, entity and relation counts from ``graph``."""
    report.papers = len(graph.papers)
    report.entities_by_type = dict(sorted(Counter(e.type for e in graph.entities.values()).items()))
    predicates = Counter(r.predicate for r in graph.relations)
    report.relations_by_predicate = dict(sorted(predicates.items()))


def write_outputs(
    graph: KnowledgeGraph,
    extractions: Sequence[PaperExtraction],
    report: BuildReport,
    out_dir: Path,
    options: BuildOptions,
) -> list[Path]:
    """Write every output into ``out_dir`` atomically; return the files written (sorted)."""
    with staged_directory(out_dir) as stage:
        write_extractions(stage / EXTRACTIONS, extractions)
        finish_outputs(graph, report, stage, options)
    return [out_dir / f for f in report.files]


def finish_outputs(
    graph: KnowledgeGraph,
    report: BuildReport,
    stage: Path,
    options: BuildOptions,
    on_stage: Callable[[str], None] | None = None,
) -> None:
    """Every exporter, ``skipped.jsonl`` and ``report.json`` into ``stage`` (which already holds
    ``extractions.jsonl``); ``on_stage`` hears ``"writing <exporter>"`` before each
    (``"writing rdf + owl"`` for exporters that run together, see
    :func:`kg.export.export_steps`)."""
    names = options.outputs if options.outputs is not None else list(EXPORTERS)
    for step in export_steps(names):
        if on_stage is not None:
            on_stage(f"writing {' + '.join(step)}")
        export_all(graph, stage, options.export, step)
    if report.read.skipped:
        write_jsonl(
            stage / "skipped.jsonl",
            (
                {"source": s.source, "record": s.record, "problem": s.problem, "raw": s.raw}
                for s in report.read.skipped
            ),
        )
    written = sorted(p.relative_to(stage) for p in stage.rglob("*") if p.is_file())
    report.files = [str(p) for p in written] + ["report.json"]
    (stage / "report.json").write_text(
        json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def write_jsonl(path: Path, records: Iterable[dict]) -> None:
    """Write records as JSON Lines (UTF-8, keys in the given order)."""
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
