"""What a paperkg store keeps besides the graph: one record per paper, and the build metadata.

Records live in the named graph ``<urn:paperkg:store:records>`` (per paper, subject its IRI: order
of arrival, metadata, ``extractions.jsonl`` line, what it teaches the corpus, whether its
extraction used the learned names); metadata in ``<urn:paperkg:store:meta>``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import PaperkgError
from kg.extractions import extraction_line, parse_line
from kg.graph.rdf import paper_iri
from kg.ingest import ReadReport, SkippedRecord, title_key
from kg.linking import slim
from kg.model import Paper, PaperExtraction, RecordError

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
    """The inverse of :func:`paper_to_json`."""
    data = json.loads(text)
    return Paper(id=data["id"], title=data["title"], abstract=data["abstract"], url=data["url"],
                 year=data["year"], authors=tuple(data["authors"]), venue=data["venue"],
                 source=data["source"], record=data["record"], doi=data.get("doi"),
                 arxiv_id=data.get("arxiv_id"), pmid=data.get("pmid"), pmcid=data.get("pmcid"),
                 date=data.get("date"), subjects=tuple(data.get("subjects", ())),
                 journal_ref=data.get("journal_ref"), namespace=data.get("namespace", ""))


def record_quads(record: Record, base_iri: str) -> Iterator[ox.Quad]:
    """The quads that keep ``record`` in the store's records graph."""
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
    """What a paper teaches the corpus, as an extractions line (``None``: nothing)."""
    return None if teaching is None else extraction_line(teaching)


@dataclass(slots=True)
class StoreMeta:
    """What the store was built with, and what its builds read."""

    base_iri: str
    patterns: str  #: digest of the user pattern files ("" for none)
    model: str = ""  #: digest of ``--model`` ("" for the shipped model)
    inputs: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str, int]] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    triples: int | None = None  #: triples of the knowledge graph (the default graph)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "base_iri": self.base_iri, "patterns": self.patterns,
            "model": self.model, "triples": self.triples,
            "inputs": self.inputs, "duplicates": [list(d) for d in self.duplicates],
            "skipped": [[s.source, s.record, s.problem, s.raw] for s in self.skipped],
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> StoreMeta:
        data = json.loads(text)
        return cls(base_iri=data["base_iri"], patterns=data["patterns"],
                   model=data.get("model", ""), inputs=data["inputs"],
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
    """A short digest of user pattern files or a model ("" for none): a store is read with the
    same."""
    if not spec:
        return ""
    h = hashlib.sha256()
    for name, content in spec:
        h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(content).digest())
    return h.hexdigest()[:16]


def _parsed(line: str, record: Record) -> PaperExtraction:
    try:
        extraction = parse_line(line)
    except (ValueError, RecordError) as exc:
        raise PaperkgError(f"damaged record of paper {record.paper.id!r} in the store "
                           f"({exc})") from None
    extraction.paper = record.paper
    return extraction


def extractions_of(records: Sequence[Record], lines: Iterable[str] | None = None
                   ) -> list[PaperExtraction]:
    """The records' extractions, each with its full paper, slimmed for linking
    (:func:`kg.linking.slim`); ``lines`` are the records' lines if not in the records."""
    lines = (r.line for r in records) if lines is None else lines
    return [slim(_parsed(line, record)) for line, record in zip(lines, records, strict=True)]


def teaching_of(records: Sequence[Record]) -> list[PaperExtraction]:
    """What the records teach the corpus (see :func:`extractors.learning.teaching_part`)."""
    return [_parsed(r.teaching, r) for r in records if r.teaching is not None]
