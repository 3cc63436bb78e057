"""A paperkg store on disk (a pyoxigraph RocksDB store), opened for reading or for one update."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import PaperkgError
from kg.graph.rdf import paper_iri
from kg.store.records import (
    FORMAT,
    G_META,
    G_RECORDS,
    P_EXTRACTION,
    P_INDEX,
    P_LEARNED,
    P_PAPER,
    P_SEQ,
    P_STATE,
    P_TEACHING,
    S_STORE,
    Record,
    StoreMeta,
    paper_from_json,
)


def term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The text of an IRI or literal the store holds (a triple term there is damage)."""
    if isinstance(term, ox.Triple):
        raise PaperkgError(f"unexpected RDF-star triple term in a paperkg store: {term}")
    return term.value


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
            fmt = json.loads(term_text(quads[0].object)).get("format")
            self.meta = StoreMeta.from_json(term_text(quads[0].object))
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
        assert isinstance(solutions, ox.QuerySolutions)
        return int(term_text(next(iter(solutions))["n"]))

    def records(self, lines: bool = True) -> list[Record]:
        """Every paper's record, in order of arrival; without ``lines``, the records' ``line`` is
        empty (read the lines with :meth:`lines` when needed: they are most of a record)."""
        values: dict[str, dict[str, str]] = defaultdict(dict)
        fields = [("seq", P_SEQ), ("paper", P_PAPER), ("teaching", P_TEACHING),
                  ("learned", P_LEARNED)] + ([("line", P_EXTRACTION)] if lines else [])
        for name, predicate in fields:
            for quad in self.store.quads_for_pattern(None, predicate, None, G_RECORDS):
                values[term_text(quad.subject)][name] = term_text(quad.object)
        records = []
        for subject, v in values.items():
            try:
                records.append(Record(seq=int(v["seq"]), paper=paper_from_json(v["paper"]),
                                      line=v["line"] if lines else "", teaching=v.get("teaching"),
                                      learned=v["learned"] == "true"))
            except (KeyError, ValueError, TypeError) as exc:
                raise PaperkgError(f"{self.path}: damaged record of {subject} "
                                   f"({exc})") from None
        records.sort(key=lambda r: r.seq)
        return records

    def lines(self, records: Iterable[Record]) -> Iterator[str]:
        """The records' ``extractions.jsonl`` lines, read one at a time, in the records' order."""
        base_iri = self.meta.base_iri
        for record in records:
            subject = ox.NamedNode(paper_iri(base_iri, record.paper.id))
            for quad in self.store.quads_for_pattern(subject, P_EXTRACTION, None, G_RECORDS):
                yield term_text(quad.object)
                break
            else:
                raise PaperkgError(f"{self.path}: damaged record of {subject.value} (no "
                                   "extraction)")

    def paper_index(self) -> dict[str, str]:
        """Paper id -> normalised title of every stored paper (cheap: no records are read)."""
        index = {}
        for quad in self.store.quads_for_pattern(None, P_INDEX, None, G_RECORDS):
            paper_id, key = json.loads(term_text(quad.object))
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
