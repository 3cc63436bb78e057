"""``paperkg build INPUT --store DIR``: add to a store the papers it lacks (create it if needed).

An add is plain steps:

1. **read** the input, leaving out the papers the store has (same id, or same normalised title);
2. **plan** (:func:`plan_add`): extract the new papers (pass 1), gather the names the corpus now
   teaches, and decide which papers to extract (again) with them — new papers as
   :func:`kg.corpus.papers_to_redo` says, stored papers whose learned state the add changed;
3. **run** the plan;
4. **link** the stored corpus and the updated one, and **compare** the two graphs
   (:func:`kg.store.delta.graph_delta`);
5. **apply** the difference in one transaction, or write the store anew when it is large.

The result is the store a one-shot build of all its papers would make.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractors.learning import NameIndex, learned_names, names_index
from kg.corpus import PaperResult, Runner, papers_to_redo, run
from kg.engines import open_runner
from kg.engines.worker import PatternSpec, lexicon_of, model_only, pattern_spec, patterns_only
from kg.errors import PaperkgError
from kg.extractions import EXTRACTIONS
from kg.graph.rdf import check_base_iri
from kg.ingest import ReadReport, title_key, with_merged_identifiers
from kg.linking import link, slim
from kg.model import Paper, PaperExtraction
from kg.pipeline import BuildOptions, BuildReport, extract_inputs, read_inputs
from kg.store.delta import apply_update, graph_delta
from kg.store.graphstore import GraphStore, is_store
from kg.store.records import (
    Record,
    StoreMeta,
    extractions_of,
    patterns_digest,
    teaching_line,
    teaching_of,
)
from kg.store.writing import write_store

#: An update that would touch more triples than this rewrites the store instead.
MAX_DELTA_TRIPLES = 2_000_000


@dataclass(slots=True)
class StoreReport:
    """What one ``build --store`` did."""

    read: ReadReport
    added: int = 0  #: new papers extracted and added
    already: int = 0  #: input papers already in the store (skipped)
    reextracted: int = 0  #: stored papers extracted again because new papers taught a name
    papers: int = 0  #: papers in the store afterwards
    triples_removed: int = 0
    triples_added: int = 0
    triples: int = 0  #: triples of the knowledge graph afterwards
    rewritten: bool = False  #: the store was written anew (first build, or a large change)
    seconds: float = 0.0


def build_store(
    inputs: Sequence[str | Path],
    store_dir: Path,
    options: BuildOptions,
    on_paper: Callable[[Paper], None] | None = None,
) -> StoreReport:
    """Add the papers of ``inputs`` that the store at ``store_dir`` lacks (create it if needed)."""
    started = time.perf_counter()
    store_dir = Path(store_dir)
    base_iri = check_base_iri(options.export.base_iri)
    if store_dir.exists() and not (store_dir.is_dir() and (is_store(store_dir)
                                                          or not any(store_dir.iterdir()))):
        raise PaperkgError(f"{store_dir}: exists and is not a paperkg store; give a new or "
                           "empty directory")
    if is_store(store_dir):
        report = _add(inputs, store_dir, options, base_iri, on_paper)
    else:
        report = _first_build(inputs, store_dir, options, base_iri, on_paper)
    report.seconds = time.perf_counter() - started
    return report


def _first_build(inputs: Sequence[str | Path], store_dir: Path, options: BuildOptions,
                 base_iri: str, on_paper: Callable[[Paper], None] | None) -> StoreReport:
    build_report = BuildReport(read=ReadReport())
    report = StoreReport(read=build_report.read, rewritten=True)
    with tempfile.TemporaryDirectory(prefix="paperkg-store-") as tmp:
        lines_path = Path(tmp) / EXTRACTIONS
        corpus, lexicon = extract_inputs(inputs, options, build_report, lines_path, on_paper,
                                         keep=slim)
        graph = link(corpus.extractions, lexicon)
        graph.papers = with_merged_identifiers(graph.papers, build_report.read)
        spec = pattern_spec(options.patterns, options.model)
        meta = StoreMeta(base_iri=base_iri, patterns=patterns_digest(patterns_only(spec)),
                         model=patterns_digest(model_only(spec)))
        meta.absorb(build_report.read)

        def records() -> Iterator[Record]:
            with lines_path.open(encoding="utf-8") as fh:
                for seq, (line, x, t, learned) in enumerate(zip(
                        fh, corpus.extractions, corpus.teaching, corpus.learned, strict=True)):
                    paper = graph.papers.get(x.paper.id, x.paper)  # with merged identifiers
                    yield Record(seq, paper, line.rstrip("\n"), teaching_line(t), learned)

        report.triples = write_store(store_dir, records(), graph, meta, base_iri)
        report.added = report.papers = len(corpus.extractions)
    return report


# --------------------------------------------------------------------------- 1. read


@dataclass(slots=True)
class NewPapers:
    """The papers of an input that a store lacks; the others are counted in ``report``."""

    stored: dict[str, str]  #: stored paper id -> normalised title
    report: StoreReport
    titles: dict[str, str] = field(init=False)  #: normalised title -> stored paper id

    def __post_init__(self) -> None:
        self.titles = {key: paper_id for paper_id, key in self.stored.items() if key}

    def of(self, papers: Iterable[Paper], on_paper: Callable[[Paper], None] | None
           ) -> Iterator[Paper]:
        for paper in papers:
            if on_paper is not None:
                on_paper(paper)
            key = title_key(paper.title)
            if self.stored.get(paper.id) == key:  # the same paper again
                self.report.already += 1
                continue
            kept = paper.id if paper.id in self.stored else self.titles.get(key)
            if kept is not None:  # another paper with a stored id or title: a duplicate
                self.report.already += 1
                self.report.read.duplicates.append((kept, paper.source, paper.record))
                continue
            yield paper


# --------------------------------------------------------------------------- 2. plan


@dataclass(slots=True)
class AddPlan:
    """Which papers an add extracts (again), and with which names."""

    names: dict[str, str]  #: the corpus' learned names after the add
    new_records: list[Record]  #: the new papers, with their pass-1 lines for now
    new_extractions: list[PaperExtraction]  #: their extractions, slimmed for linking
    redo_new: list[int]  #: new papers to extract with the names (pass 2)
    #: stored papers to extract again: index -> whether with the names
    redo_stored: dict[int, bool]


def _learns(index: NameIndex | None, paper: Paper) -> bool:
    return index is not None and index.occurs_in(paper.text)


def plan_add(records: Sequence[Record], first: Sequence[PaperResult]) -> AddPlan:
    """The plan of adding the papers of pass-1 results ``first`` to a store of ``records``."""
    old_teaching = teaching_of(records)
    names_before = learned_names(old_teaching)
    names = learned_names([*old_teaching, *(r.teaching for r in first if r.teaching)])
    index = names_index(names)
    changed = names_index(f for f in names.keys() | names_before.keys()
                          if names.get(f) != names_before.get(f))
    new_records = [Record(len(records) + i, r.extraction.paper, r.line,
                          teaching_line(r.teaching), False) for i, r in enumerate(first)]
    occurs = {i: r.paper for i, r in enumerate(new_records) if _learns(index, r.paper)}
    for i in occurs:  # pass 2's extraction: pass 1's where no learned name is new
        new_records[i].learned = True
    redo_new = [] if index is None else papers_to_redo(
        (r.line for r in new_records), occurs, index)
    # stored papers that contain a name whose type the new papers changed or taught
    redo_stored = {} if changed is None else {
        i: _learns(index, r.paper) for i, r in enumerate(records)
        if _learns(index, r.paper) != r.learned
        or (r.learned and changed.occurs_in(r.paper.text))}
    return AddPlan(names, new_records, [r.extraction for r in first], redo_new, redo_stored)


# --------------------------------------------------------------------------- 3. run


def run_new(runner: Runner, plan: AddPlan, partition_size: int) -> None:
    """Pass 2 of the new papers: their records and extractions updated in ``plan``."""
    papers = [plan.new_records[i].paper for i in plan.redo_new]
    results = run(runner, papers, plan.names, partition_size, slim)
    for i, result in zip(plan.redo_new, results, strict=True):
        plan.new_records[i].line = result.line
        plan.new_extractions[i] = result.extraction


def run_stored(runner: Runner, plan: AddPlan, records: Sequence[Record],
               extractions: list[PaperExtraction], partition_size: int) -> dict[int, Record]:
    """The stored papers extracted again: their new records by index (``extractions`` updated)."""
    redone: dict[int, Record] = {}
    for with_names in (True, False):
        picked = [i for i, named in plan.redo_stored.items() if named == with_names]
        results = run(runner, (records[i].paper for i in picked),
                      plan.names if with_names else None, partition_size, slim)
        for i, result in zip(picked, results, strict=True):
            r = records[i]
            redone[i] = Record(r.seq, r.paper, result.line, r.teaching, with_names)
            extractions[i] = result.extraction
    return redone


# --------------------------------------------------------------------------- the add


def _check_compatible(meta: StoreMeta, store_dir: Path, base_iri: str,
                      spec: PatternSpec) -> None:
    if meta.base_iri != base_iri:
        raise PaperkgError(f"{store_dir}: the store's base IRI is {meta.base_iri}, not "
                           f"{base_iri}; build with --base-iri {meta.base_iri}")
    if meta.patterns != patterns_digest(patterns_only(spec)):
        raise PaperkgError(f"{store_dir}: the store was built with other --patterns; use the "
                           "same pattern files, or build a new store")
    if meta.model != patterns_digest(model_only(spec)):
        raise PaperkgError(f"{store_dir}: the store was built with another --model; use the "
                           "same model, or build a new store")


def _add(inputs: Sequence[str | Path], store_dir: Path, options: BuildOptions, base_iri: str,
         on_paper: Callable[[Paper], None] | None) -> StoreReport:
    spec = pattern_spec(options.patterns, options.model)
    stored = GraphStore(store_dir)
    _check_compatible(stored.meta, store_dir, base_iri, spec)
    build_report = BuildReport(read=ReadReport())
    report = StoreReport(read=build_report.read)
    new_papers = NewPapers(stored.paper_index(), report)
    size = options.engine.partition_size
    runner = open_runner(options.engine, spec)
    try:
        first = list(run(runner, new_papers.of(read_inputs(inputs, options, build_report),
                                               on_paper), None, size, slim))
        report.papers = len(new_papers.stored) + len(first)
        if not first:  # nothing new: the store stays as it is
            report.triples = len(stored)
            stored.close()
            return report
        records = stored.records(lines=False)  # the lines are read once, to parse them
        plan = plan_add(records, first)
        del first
        run_new(runner, plan, size)
        old_extractions = extractions_of(records, stored.lines(records))
        lexicon = lexicon_of(spec)
        old_graph = link(old_extractions, lexicon)
        redone = run_stored(runner, plan, records, old_extractions, size)
        graph = link([*old_extractions, *plan.new_extractions], lexicon)
        del old_extractions
        plan.new_extractions.clear()
    finally:
        runner.close()
    report.reextracted = len(redone)
    report.added = len(plan.new_records)
    stored.meta.absorb(build_report.read)
    delta = graph_delta(stored, old_graph, graph, base_iri)
    del old_graph
    meta = stored.meta
    meta.triples = len(stored) - len(delta.remove) + len(delta.add)
    if len(delta.remove) + len(delta.add) > MAX_DELTA_TRIPLES:
        del records
        all_records = [redone.get(i, r) for i, r in enumerate(stored.records())]
        stored.close()
        report.triples = write_store(store_dir, all_records + plan.new_records, graph, meta,
                                     base_iri)
        report.rewritten = True
    else:
        old_meta = stored.meta_quad
        stored.close()
        apply_update(store_dir, delta, old_meta, meta, base_iri,
                     [records[i].paper.id for i in redone], [*redone.values(), *plan.new_records])
        report.triples_removed, report.triples_added = len(delta.remove), len(delta.add)
        report.triples = meta.triples
    return report
