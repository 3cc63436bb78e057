"""Writing a whole store: beside the old one, then put in its place."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.atomic import exchange, reclaim_stale
from kg.graph.rdf import iter_triples
from kg.model import KnowledgeGraph
from kg.store.records import Record, StoreMeta, record_quads


def write_store(store_dir: Path, records: Iterable[Record], graph: KnowledgeGraph,
                meta: StoreMeta, base_iri: str) -> int:
    """Write a complete store beside ``store_dir`` and put it in place; return its triples."""
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    reclaim_stale(store_dir.parent, f".{store_dir.name}.new-")  # left by killed builds
    tmp = store_dir.parent / f".{store_dir.name}.new-{os.getpid()}-{time.time_ns()}"
    tmp.mkdir()  # (not mkdtemp: the store gets the usual permissions)
    try:
        store = ox.Store(str(tmp))
        counted = _Counted(iter_triples(graph, base_iri))
        store.bulk_extend(counted)
        store.bulk_extend(q for r in records for q in record_quads(r, base_iri))
        meta.triples = counted.count
        store.extend([meta.quad()])
        store.flush()
        del store
        replace_dir(tmp, store_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return counted.count


class _Counted:
    """The default graph's quads of ``triples``, counted as they go."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.triples, self.count = triples, 0

    def __iter__(self) -> Iterator[ox.Quad]:
        for t in self.triples:
            self.count += 1
            yield ox.Quad(t.subject, t.predicate, t.object)


def replace_dir(new: Path, target: Path) -> None:
    """Put directory ``new`` in place of ``target`` (in one atomic step where possible)."""
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
