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
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.atomic import staged_directory
from kg.errors import PaperkgError
from kg.graph.rdf import (
    check_base_iri,
    entity_iri,
    evidence_iri,
    iter_triples,
    paper_iri,
    statement_iri,
    year_count_iri,
    year_counts,
)
from kg.ingest import ReadReport, SkippedRecord, title_key
from kg.model import CO_OCCURS_WITH, Evidence, KnowledgeGraph, Paper, PaperExtraction

FORMAT = 2
_NS = "urn:paperkg:store:"
G_RECORDS = ox.NamedNode(_NS + "records")
G_META = ox.NamedNode(_NS + "meta")
S_STORE = ox.NamedNode(_NS + "store")
P_STATE = ox.NamedNode(_NS + "state")
P_SEQ = ox.NamedNode(_NS + "seq")
P_PAPER = ox.NamedNode(_NS + "paper")
P_EXTRACTION = ox.NamedNode(_NS + "extraction")
P_TEACHING = ox.NamedNode(_NS + "teaching")
P_LEARNED = ox.NamedNode(_NS + "learned")
P_INDEX = ox.NamedNode(_NS + "index")  # [paper id, title key]: what a build checks first
_TRUE, _FALSE = ox.Literal(True), ox.Literal(False)

#: An update that would touch more triples than this rewrites the store instead.
MAX_DELTA_TRIPLES = 2_000_000


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class Record:
    """One paper as the store keeps it."""

    seq: int  #: order of arrival (the order of ``extractions.jsonl``)
    paper: Paper
    line: str  #: its ``extractions.jsonl`` line (no newline; "" if read without lines)
    teaching: str | None  #: the entities it teaches to the corpus, as an extractions line
    learned: bool  #: extracted with the corpus' learned names (pass 2)


def paper_to_json(paper: Paper) -> str:
    """A paper's fields as one JSON object."""
    return json.dumps({
        "id": paper.id, "title": paper.title, "abstract": paper.abstract, "url": paper.url,
        "year": paper.year, "authors": list(paper.authors), "venue": paper.venue,
        "source": paper.source, "record": paper.record, "doi": paper.doi,
        "arxiv_id": paper.arxiv_id, "pmid": paper.pmid, "pmcid": paper.pmcid, "date": paper.date,
        "subjects": list(paper.subjects), "journal_ref": paper.journal_ref,
        "namespace": paper.namespace,
    }, ensure_ascii=False)


def paper_from_json(text: str) -> Paper:
    data = json.loads(text)
    return Paper(id=data["id"], title=data["title"], abstract=data["abstract"], url=data["url"],
                 year=data["year"], authors=tuple(data["authors"]), venue=data["venue"],
                 source=data["source"], record=data["record"], doi=data.get("doi"),
                 arxiv_id=data.get("arxiv_id"), pmid=data.get("pmid"), pmcid=data.get("pmcid"),
                 date=data.get("date"), subjects=tuple(data.get("subjects", ())),
                 journal_ref=data.get("journal_ref"), namespace=data.get("namespace", ""))


def record_quads(record: Record, base_iri: str) -> Iterator[ox.Quad]:
    s = ox.NamedNode(paper_iri(base_iri, record.paper.id))
    yield ox.Quad(s, P_SEQ, ox.Literal(record.seq), G_RECORDS)
    yield ox.Quad(s, P_PAPER, ox.Literal(paper_to_json(record.paper)), G_RECORDS)
    yield ox.Quad(s, P_EXTRACTION, ox.Literal(record.line), G_RECORDS)
    if record.teaching is not None:
        yield ox.Quad(s, P_TEACHING, ox.Literal(record.teaching), G_RECORDS)
    yield ox.Quad(s, P_LEARNED, _TRUE if record.learned else _FALSE, G_RECORDS)
    index = json.dumps([record.paper.id, title_key(record.paper.title)], ensure_ascii=False)
    yield ox.Quad(s, P_INDEX, ox.Literal(index), G_RECORDS)


def teaching_line(teaching: PaperExtraction | None) -> str | None:
    return None if teaching is None else json.dumps(teaching.to_json(), ensure_ascii=False)


# --------------------------------------------------------------------------- meta


@dataclass(slots=True)
class StoreMeta:
    """What the store was built with, and what its builds read."""

    base_iri: str
    patterns: str  #: digest of the user pattern files ("" for none)
    inputs: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str, int]] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    triples: int | None = None  #: triples of the knowledge graph (the default graph)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "base_iri": self.base_iri, "patterns": self.patterns,
            "triples": self.triples,
            "inputs": self.inputs, "duplicates": [list(d) for d in self.duplicates],
            "skipped": [[s.source, s.record, s.problem, s.raw] for s in self.skipped],
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> StoreMeta:
        data = json.loads(text)
        return cls(base_iri=data["base_iri"], patterns=data["patterns"], inputs=data["inputs"],
                   duplicates=[(k, s, int(r)) for k, s, r in data["duplicates"]],
                   skipped=[SkippedRecord(*s) for s in data["skipped"]],
                   triples=data.get("triples"))

    def quad(self) -> ox.Quad:
        return ox.Quad(S_STORE, P_STATE, ox.Literal(self.to_json()), G_META)

    def absorb(self, read: ReadReport) -> None:
        """Add one build's inputs, duplicates and skipped records (each once)."""
        self.inputs += [f for f in read.files if f not in self.inputs]
        seen = set(self.duplicates)
        self.duplicates += [d for d in read.duplicates if d not in seen]
        known = {(s.source, s.record, s.problem) for s in self.skipped}
        self.skipped += [s for s in read.skipped if (s.source, s.record, s.problem) not in known]

    def read_report(self) -> ReadReport:
        """The builds' reading as one :class:`~kg.ingest.ReadReport` (for ``report.json``)."""
        return ReadReport(files=list(self.inputs), duplicates=list(self.duplicates),
                          skipped=list(self.skipped))


def patterns_digest(spec: Sequence[tuple[str, bytes]]) -> str:
    if not spec:
        return ""
    h = hashlib.sha256()
    for name, content in spec:
        h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(content).digest())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- the store


def is_store(path: Path) -> bool:
    """Whether ``path`` looks like a paperkg store directory."""
    return (path / "CURRENT").is_file()


class GraphStore:
    """A paperkg store opened for reading (``writable=False``) or for one update."""

    def __init__(self, path: Path, writable: bool = False) -> None:
        self.path = Path(path)
        if not is_store(self.path):
            raise PaperkgError(f"{self.path}: not a paperkg store (build one with "
                               f"`paperkg build INPUT --store {self.path}`)")
        try:
            self.store = ox.Store(str(self.path)) if writable else ox.Store.read_only(
                str(self.path))
        except OSError as exc:
            raise PaperkgError(f"{self.path}: cannot open the store: {exc}") from None
        quads = list(self.store.quads_for_pattern(S_STORE, P_STATE, None, G_META))
        if len(quads) != 1:
            raise PaperkgError(f"{self.path}: an Oxigraph store, but not one paperkg made "
                               "(no paperkg metadata)")
        self.meta_quad = quads[0]
        try:
            fmt = json.loads(quads[0].object.value).get("format")
            self.meta = StoreMeta.from_json(quads[0].object.value)
        except (ValueError, KeyError, TypeError) as exc:
            raise PaperkgError(f"{self.path}: unreadable paperkg metadata ({exc})") from None
        if fmt != FORMAT:
            raise PaperkgError(f"{self.path}: store format {fmt}, this paperkg reads format "
                               f"{FORMAT}: build the store again")

    def close(self) -> None:
        del self.store

    def __len__(self) -> int:
        """Triples of the knowledge graph (the default graph)."""
        if self.meta.triples is not None:
            return self.meta.triples
        solutions = self.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(next(iter(solutions))["n"].value)

    def records(self, lines: bool = True) -> list[Record]:
        """Every paper's record, in order of arrival; without ``lines``, the records' ``line`` is
        empty (read the lines with :meth:`lines` when needed: they are most of a record)."""
        values: dict[ox.NamedNode, dict[str, object]] = defaultdict(dict)
        fields = [("seq", P_SEQ), ("paper", P_PAPER), ("teaching", P_TEACHING),
                  ("learned", P_LEARNED)] + ([("line", P_EXTRACTION)] if lines else [])
        for name, predicate in fields:
            for quad in self.store.quads_for_pattern(None, predicate, None, G_RECORDS):
                values[quad.subject][name] = quad.object.value
        records = []
        for subject, v in values.items():
            try:
                records.append(Record(seq=int(v["seq"]), paper=paper_from_json(v["paper"]),
                                      line=v["line"] if lines else "", teaching=v.get("teaching"),
                                      learned=v["learned"] == "true"))
            except (KeyError, ValueError, TypeError) as exc:
                raise PaperkgError(f"{self.path}: damaged record of {subject.value} "
                                   f"({exc})") from None
        records.sort(key=lambda r: r.seq)
        return records

    def lines(self, records: Iterable[Record]) -> Iterator[str]:
        """The records' ``extractions.jsonl`` lines, read one at a time, in the records' order."""
        base_iri = self.meta.base_iri
        for record in records:
            subject = ox.NamedNode(paper_iri(base_iri, record.paper.id))
            for quad in self.store.quads_for_pattern(subject, P_EXTRACTION, None, G_RECORDS):
                yield quad.object.value
                break
            else:
                raise PaperkgError(f"{self.path}: damaged record of {subject.value} (no "
                                   "extraction)")

    def paper_index(self) -> dict[str, str]:
        """Paper id -> normalised title of every stored paper (cheap: no records are read)."""
        index = {}
        for quad in self.store.quads_for_pattern(None, P_INDEX, None, G_RECORDS):
            paper_id, key = json.loads(quad.object.value)
            index[paper_id] = key
        return index

    def subject_triples(self, subjects: Iterable[str]) -> set[ox.Triple]:
        """The default graph's triples about ``subjects`` (IRIs)."""
        out: set[ox.Triple] = set()
        default = ox.DefaultGraph()
        for s in subjects:
            for quad in self.store.quads_for_pattern(ox.NamedNode(s), None, None, default):
                out.add(quad.triple)
        return out

    def query(self, sparql: str, **kwargs):
        """Run a SPARQL query over the knowledge graph (see ``pyoxigraph.Store.query``)."""
        return self.store.query(sparql, **kwargs)


# --------------------------------------------------------------------------- reading back


def _parse_lines(lines: Iterable[str], tmp_dir: Path) -> list[PaperExtraction]:
    """Extraction lines back into records (with :func:`kg.graph.load.read_extractions`)."""
    from kg.graph.load import read_extractions

    path = tmp_dir / "lines.jsonl"
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line + "\n")
    try:
        return list(read_extractions(path))
    finally:
        path.unlink()


def extractions_of(records: Sequence[Record], tmp_dir: Path,
                   lines: Iterable[str] | None = None) -> list[PaperExtraction]:
    """The records' extractions, each with its full paper, slimmed for linking
    (:func:`kg.linking.slim`); ``lines`` are the records' lines if not in the records."""
    from kg.graph.load import read_extractions
    from kg.linking import slim

    path = tmp_dir / "lines.jsonl"
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for line in (r.line for r in records) if lines is None else lines:
            fh.write(line + "\n")
    try:
        extractions = []
        for extraction, record in zip(read_extractions(path), records, strict=True):
            extraction.paper = record.paper
            extractions.append(slim(extraction))
        return extractions
    finally:
        path.unlink()


def teaching_of(records: Sequence[Record], tmp_dir: Path) -> list[PaperExtraction]:
    with_teaching = [r for r in records if r.teaching is not None]
    parts = _parse_lines((r.teaching for r in with_teaching), tmp_dir)  # type: ignore[misc]
    for part, record in zip(parts, with_teaching, strict=True):
        part.paper = record.paper
    return parts


# --------------------------------------------------------------------------- the difference


@dataclass(slots=True)
class Delta:
    """What changes in the default graph."""

    remove: set[ox.Triple] = field(default_factory=set)
    add: set[ox.Triple] = field(default_factory=set)


def changed_subjects(old: KnowledgeGraph, new: KnowledgeGraph, base_iri: str
                     ) -> tuple[set[str], KnowledgeGraph, set[str]]:
    """Which resources' triples may differ between ``old`` and ``new``.

    Returns the IRIs whose triples ``new`` defines anew, a part of ``new`` whose triples include
    all of theirs, and the IRIs of resources ``new`` no longer has.
    """
    def outgoing(graph: KnowledgeGraph) -> dict[str, set[tuple[str, str]]]:
        out: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for r in graph.relations:
            out[r.subject].add((r.predicate, r.object))
            if r.predicate == CO_OCCURS_WITH:  # asserted from both sides
                out[r.object].add((r.predicate, r.subject))
        return out

    old_out, new_out = outgoing(old), outgoing(new)
    old_rel = {(r.subject, r.predicate, r.object): r for r in old.relations}
    new_rel = {(r.subject, r.predicate, r.object): r for r in new.relations}
    papers = {p for p in new.papers
              if old.papers.get(p) != new.papers[p] or old_out.get(p) != new_out.get(p)}
    entities = {e for e in new.entities
                if old.entities.get(e) != new.entities[e] or old_out.get(e) != new_out.get(e)}
    relations = [r for k, r in new_rel.items() if old_rel.get(k) != r]
    old_ev: set[Evidence] = {ev for r in old.relations for ev in r.evidence}
    new_ev: set[Evidence] = {ev for r in new.relations for ev in r.evidence}
    added_ev = new_ev - old_ev

    wanted = {paper_iri(base_iri, new.papers[p]) for p in papers}
    wanted |= {entity_iri(base_iri, e) for e in entities}
    wanted |= {year_count_iri(base_iri, c) for e in entities
               for c in year_counts(new.entities[e], new.papers)}
    wanted |= {statement_iri(base_iri, r) for r in relations}
    wanted |= {evidence_iri(base_iri, ev) for ev in added_ev}
    gone = {paper_iri(base_iri, old.papers[p]) for p in old.papers if p not in new.papers}
    gone |= {entity_iri(base_iri, e) for e in old.entities if e not in new.entities}
    gone |= {year_count_iri(base_iri, c) for e, entity in old.entities.items()
             if e in entities or e not in new.entities for c in year_counts(entity, old.papers)}
    gone |= {statement_iri(base_iri, r) for k, r in old_rel.items() if k not in new_rel}
    gone |= {evidence_iri(base_iri, ev) for ev in old_ev - new_ev}

    # the part of `new` that yields those triples: the changed resources, the relations that
    # leave them, the changed relations, and every paper these refer to (IRIs and span texts)
    parts = [r for r in new.relations if r.subject in papers or r.subject in entities
             or (r.predicate == CO_OCCURS_WITH and r.object in entities)]
    parts += relations
    context = set(papers) | {ev.paper_id for ev in added_ev}
    for r in parts:
        context.update(x for x in (r.subject, r.object) if x in new.papers)
        context.update(ev.paper_id for ev in r.evidence)
    unique = {(r.subject, r.predicate, r.object): r for r in parts}
    part = KnowledgeGraph(
        papers={p: new.papers[p] for p in sorted(context) if p in new.papers},
        entities={e: new.entities[e] for e in sorted(entities)},
        relations=sorted(unique.values(), key=lambda r: (r.predicate, r.subject, r.object)),
    )
    return wanted, part, gone


def graph_delta(store: GraphStore, old: KnowledgeGraph, new: KnowledgeGraph,
                base_iri: str) -> Delta:
    """The triples to remove from and add to ``store`` to turn graph ``old`` into ``new``."""
    wanted, part, gone = changed_subjects(old, new, base_iri)
    fresh = {t for t in iter_triples(part, base_iri, new.papers) if t.subject.value in wanted}
    stored = store.subject_triples(wanted | gone)
    return Delta(remove=stored - fresh, add=fresh - stored)


def _data_block(triples: Iterable[ox.Triple], quads: Iterable[ox.Quad]) -> str:
    parts = [f"{t} ." for t in triples]
    by_graph: dict[str, list[str]] = defaultdict(list)
    for q in quads:
        by_graph[str(q.graph_name)].append(f"{q.subject} {q.predicate} {q.object} .")
    for graph, lines in by_graph.items():
        parts.append(f"GRAPH {graph} {{\n" + "\n".join(lines) + "\n}")
    return "{\n" + "\n".join(parts) + "\n}"


# --------------------------------------------------------------------------- building


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
    options,
    on_paper: Callable[[Paper], None] | None = None,
) -> StoreReport:
    """Add the papers of ``inputs`` that the store at ``store_dir`` lacks (create it if needed).

    ``options`` is a :class:`kg.pipeline.BuildOptions`.
    """
    from kg.engines import learned_names, names_index, open_runner, papers_to_redo, run
    from kg.engines.worker import lexicon_of, pattern_spec
    from kg.linking import link, slim
    from kg.pipeline import BuildReport, read_inputs

    started = time.perf_counter()
    store_dir = Path(store_dir)
    base_iri = check_base_iri(options.export.base_iri)
    spec = pattern_spec(options.patterns)
    digest = patterns_digest(spec)
    if store_dir.exists() and not (store_dir.is_dir() and (is_store(store_dir)
                                                          or not any(store_dir.iterdir()))):
        raise PaperkgError(f"{store_dir}: exists and is not a paperkg store; give a new or "
                           "empty directory")
    if not is_store(store_dir):
        return _first_build(inputs, store_dir, options, base_iri, digest, on_paper, started)

    ro = GraphStore(store_dir)
    meta = ro.meta
    if meta.base_iri != base_iri:
        raise PaperkgError(f"{store_dir}: the store's base IRI is {meta.base_iri}, not "
                           f"{base_iri}; build with --base-iri {meta.base_iri}")
    if meta.patterns != digest:
        raise PaperkgError(f"{store_dir}: the store was built with other --patterns; use the "
                           "same pattern files, or build a new store")
    ids = ro.paper_index()
    titles = {key: paper_id for paper_id, key in ids.items() if key}
    build_report = BuildReport(read=ReadReport())
    report = StoreReport(read=build_report.read)

    def new_papers() -> Iterator[Paper]:
        for paper in read_inputs(inputs, options, build_report):
            if on_paper is not None:
                on_paper(paper)
            key = title_key(paper.title)
            if ids.get(paper.id) == key:  # the same paper again
                report.already += 1
                continue
            kept = paper.id if paper.id in ids else titles.get(key)
            if kept is not None:  # another paper with a stored id or title: a duplicate
                report.already += 1
                build_report.read.duplicates.append((kept, paper.source, paper.record))
                continue
            yield paper

    runner = open_runner(options.engine, spec)
    try:
        first = list(run(runner, new_papers(), None, options.engine.partition_size, slim))
        report.papers = len(ids) + len(first)
        if not first:  # nothing new: the store stays as it is
            report.triples = len(ro)
            ro.close()
            report.seconds = time.perf_counter() - started
            return report
        records = ro.records(lines=False)  # the lines are read once, to parse them
        with tempfile.TemporaryDirectory(prefix="paperkg-store-") as tmp:
            tmp_dir = Path(tmp)
            old_teaching = teaching_of(records, tmp_dir)
            names_old = learned_names(old_teaching)
            names = learned_names([*old_teaching, *(t for _, _, t in first)])
            index = names_index(names)
            changed = names_index(f for f in names.keys() | names_old.keys()
                                  if names.get(f) != names_old.get(f))

            def learns(paper: Paper) -> bool:
                return index is not None and index.occurs_in(paper.text)

            new_records = [Record(len(records) + i, x.paper, line, teaching_line(t), False)
                           for i, (line, x, t) in enumerate(first)]
            new_extractions = [x for _, x, _ in first]
            del first
            occurs = {i: r.paper for i, r in enumerate(new_records) if learns(r.paper)}
            for i in occurs:  # pass 2's extraction: pass 1's where no learned name is new
                new_records[i].learned = True
            again = [] if index is None else papers_to_redo(
                (r.line for r in new_records), occurs, index)
            results = run(runner, [new_records[i].paper for i in again], names,
                          options.engine.partition_size, slim)
            for i, (line, x, _) in zip(again, results, strict=True):
                new_records[i].line = line
                new_extractions[i] = x
            # stored papers that contain a name whose type the new papers changed or taught
            redo = [] if changed is None else [
                i for i, r in enumerate(records)
                if learns(r.paper) != r.learned or (r.learned and changed.occurs_in(r.paper.text))]
            old_extractions = extractions_of(records, tmp_dir, ro.lines(records))
            lexicon = lexicon_of(spec)
            old_graph = link(old_extractions, lexicon)
            redone: dict[int, Record] = {}
            for target in (True, False):
                picked = [i for i in redo if learns(records[i].paper) == target]
                results = run(runner, (records[i].paper for i in picked),
                              names if target else None, options.engine.partition_size, slim)
                for i, (line, x, _) in zip(picked, results, strict=True):
                    r = records[i]
                    redone[i] = Record(r.seq, r.paper, line, r.teaching, target)
                    old_extractions[i] = x
            report.reextracted = len(redone)
            graph = link([*old_extractions, *new_extractions], lexicon)
            del old_extractions, new_extractions
            meta.absorb(build_report.read)
            delta = graph_delta(ro, old_graph, graph, base_iri)
            del old_graph
            meta.triples = len(ro) - len(delta.remove) + len(delta.add)
            if len(delta.remove) + len(delta.add) > MAX_DELTA_TRIPLES:
                del records
                all_records = [redone.get(i, r) for i, r in enumerate(ro.records())]
                ro.close()
                report.triples = _write_store(store_dir, all_records + new_records, graph, meta,
                                              base_iri)
                report.rewritten = True
            else:
                old_meta = ro.meta_quad
                ro.close()
                _apply(store_dir, delta, old_meta, meta, base_iri,
                       [records[i].paper.id for i in redone], [*redone.values(), *new_records])
                report.triples_removed, report.triples_added = len(delta.remove), len(delta.add)
                report.triples = meta.triples
    finally:
        runner.close()
    report.added = len(new_records)
    report.seconds = time.perf_counter() - started
    return report


def _apply(store_dir: Path, delta: Delta, old_meta: ox.Quad, meta: StoreMeta, base_iri: str,
           replaced: Sequence[str], new_records: Sequence[Record]) -> None:
    """One SPARQL update (one transaction): graph delta, the records of ``new_records`` in
    place of those of the papers ``replaced`` (ids), and metadata."""
    added = [q for r in new_records for q in record_quads(r, base_iri)]
    try:
        store = ox.Store(str(store_dir))
    except OSError as exc:
        raise PaperkgError(f"{store_dir}: cannot open the store for writing (is another build "
                           f"using it?): {exc}") from None
    try:
        if old_meta not in store:  # we hold the store's lock from here on
            raise PaperkgError(f"{store_dir}: another build changed the store meanwhile; "
                               "run this build again")
        removed = [q for paper_id in replaced for q in store.quads_for_pattern(
            ox.NamedNode(paper_iri(base_iri, paper_id)), None, None, G_RECORDS)]
        store.update(f"DELETE DATA {_data_block(delta.remove, [*removed, old_meta])} ;\n"
                     f"INSERT DATA {_data_block(delta.add, [*added, meta.quad()])}")
        store.flush()
    finally:
        del store


def _first_build(inputs, store_dir: Path, options, base_iri: str, digest: str,
                 on_paper, started: float) -> StoreReport:
    from kg.linking import link, slim
    from kg.pipeline import BuildReport, extract_inputs

    build_report = BuildReport(read=ReadReport())
    report = StoreReport(read=build_report.read, rewritten=True)
    with tempfile.TemporaryDirectory(prefix="paperkg-store-") as tmp:
        lines_path = Path(tmp) / "extractions.jsonl"
        corpus, lexicon = extract_inputs(inputs, options, build_report, lines_path, on_paper,
                                         keep=slim)
        graph = link(corpus.extractions, lexicon)
        meta = StoreMeta(base_iri=base_iri, patterns=digest)
        meta.absorb(build_report.read)

        def records() -> Iterator[Record]:
            with lines_path.open(encoding="utf-8") as fh:
                for seq, (line, x, t, learned) in enumerate(zip(
                        fh, corpus.extractions, corpus.teaching, corpus.learned, strict=True)):
                    yield Record(seq, x.paper, line.rstrip("\n"), teaching_line(t), learned)

        report.triples = _write_store(store_dir, records(), graph, meta, base_iri)
        report.added = report.papers = len(corpus.extractions)
    report.seconds = time.perf_counter() - started
    return report


def _write_store(store_dir: Path, records: Iterable[Record], graph: KnowledgeGraph,
                 meta: StoreMeta, base_iri: str) -> int:
    """Write a complete store beside ``store_dir`` and put it in place; return its triples."""
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = store_dir.parent / f".{store_dir.name}.new-{os.getpid()}-{time.time_ns()}"
    tmp.mkdir()  # (not mkdtemp: the store gets the usual permissions)
    try:
        store = ox.Store(str(tmp))
        count = 0

        def quads() -> Iterator[ox.Quad]:
            nonlocal count
            for t in iter_triples(graph, base_iri):
                count += 1
                yield ox.Quad(t.subject, t.predicate, t.object)

        store.bulk_extend(quads())
        store.bulk_extend(q for r in records for q in record_quads(r, base_iri))
        meta.triples = count
        store.extend([meta.quad()])
        store.flush()
        del store
        _replace_dir(tmp, store_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return count


def _replace_dir(new: Path, target: Path) -> None:
    """Put directory ``new`` in place of ``target`` (in one atomic step where possible)."""
    from kg.atomic import exchange

    if target.exists() and exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old store
        return
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "store")
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- export


def load_graph(store_dir: Path, tmp_dir: Path | None = None, options=None
               ) -> tuple[KnowledgeGraph, list[Record], StoreMeta]:
    """The store's knowledge graph (linked from its records), records and metadata."""
    from kg.engines.worker import lexicon_of, pattern_spec
    from kg.linking import link

    store = GraphStore(Path(store_dir))
    records, meta = store.records(), store.meta
    store.close()
    spec = pattern_spec(options.patterns) if options is not None else ()
    if patterns_digest(spec) != meta.patterns:
        raise PaperkgError(f"{store_dir}: the store was built with --patterns; give the same "
                           "pattern files to read it")
    with tempfile.TemporaryDirectory(prefix="paperkg-store-") as tmp:
        extractions = extractions_of(records, Path(tmp_dir or tmp))
    graph = link(extractions, lexicon_of(spec))
    return graph, records, meta


def export_store(store_dir: Path, out_dir: Path, options) -> list[Path]:
    """Write every output file of the store's graph into ``out_dir`` (as ``build`` would).

    ``options`` is a :class:`kg.pipeline.BuildOptions`; its base IRI is replaced by the store's.
    """
    from dataclasses import replace

    from kg.pipeline import EXTRACTIONS, BuildReport, count_graph, finish_outputs, frozen_heap

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
