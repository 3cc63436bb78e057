"""The build: read papers -> extract -> link -> write every output."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kg.atomic import staged_directory
from kg.export import ExportOptions, export_all
from kg.ingest import ReadReport, read_papers
from kg.linking import link
from kg.model import KnowledgeGraph, Paper, PaperExtraction


def demo_corpus_path() -> Path:
    """The bundled demo corpus (used when ``paperkg build`` gets no input)."""
    return Path(str(resources.files("kg") / "data" / "demo_corpus.jsonl"))


@dataclass(slots=True)
class BuildOptions:
    """What to read and how; what to write."""

    fmt: str | None = None
    on_error: str = "stop"
    columns: Mapping[str, str] | None = None
    patterns: Path | None = None  #: user EntityRuler JSONL added to the lexicons
    export: ExportOptions = field(default_factory=ExportOptions)
    outputs: Sequence[str] | None = None  #: exporter names; None = all


@dataclass(slots=True)
class BuildReport:
    """What a build read, found and wrote."""

    read: ReadReport
    papers: int = 0
    entities_by_type: dict[str, int] = field(default_factory=dict)
    relations_by_predicate: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {
            "inputs": self.read.files,
            "papers": self.papers,
            "duplicates": len(self.read.duplicates),
            "skipped": len(self.read.skipped),
            "entities_by_type": self.entities_by_type,
            "relations_by_predicate": self.relations_by_predicate,
            "files": self.files,
        }


def build_graph(
    inputs: Sequence[str | Path],
    options: BuildOptions,
    on_paper: Callable[[Paper], None] | None = None,
) -> tuple[KnowledgeGraph, list[PaperExtraction], BuildReport]:
    """Read ``inputs``, extract and link them into one graph."""
    report = BuildReport(read=ReadReport())
    papers = read_papers(
        inputs or [demo_corpus_path()],
        fmt=options.fmt,
        on_error=options.on_error,  # type: ignore[arg-type]
        columns=options.columns,
        report=report.read,
    )

    def counted(stream: Iterable[Paper]) -> Iterator[Paper]:
        for paper in stream:
            if on_paper is not None:
                on_paper(paper)
            yield paper

    from extractors import build_nlp  # spaCy is slow to import: only when extracting
    from extractors.learning import extract_corpus

    nlp = build_nlp(patterns=options.patterns)
    extractions = extract_corpus(list(counted(papers)), nlp)
    graph = link(extractions, nlp.get_pipe("paperkg_entities").lexicon)
    report.papers = len(graph.papers)
    report.entities_by_type = dict(sorted(Counter(e.type for e in graph.entities.values()).items()))
    predicates = Counter(r.predicate for r in graph.relations)
    report.relations_by_predicate = dict(sorted(predicates.items()))
    return graph, extractions, report


def write_outputs(
    graph: KnowledgeGraph,
    extractions: Sequence[PaperExtraction],
    report: BuildReport,
    out_dir: Path,
    options: BuildOptions,
) -> list[Path]:
    """Write every output into ``out_dir`` atomically; return the files written (sorted)."""
    with staged_directory(out_dir) as stage:
        export_all(graph, stage, options.export, options.outputs)
        write_jsonl(stage / "extractions.jsonl", (x.to_json() for x in extractions))
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
    return [out_dir / f for f in report.files]


def write_jsonl(path: Path, records: Iterable[dict]) -> None:
    """Write records as JSON Lines (UTF-8, keys in the given order)."""
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
