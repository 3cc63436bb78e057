"""What an update changes in a store's graph, found by difference, and applied in one
transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import PaperkgError
from kg.graph.rdf import (
    entity_iri,
    evidence_iri,
    iter_triples,
    paper_iri,
    statement_iri,
    year_count_iri,
    year_counts,
)
from kg.model import CO_OCCURS_WITH, Evidence, KnowledgeGraph
from kg.store.graphstore import GraphStore, term_text
from kg.store.records import G_RECORDS, Record, StoreMeta, record_quads


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
    fresh = {t for t in iter_triples(part, base_iri, new.papers)
             if term_text(t.subject) in wanted}
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


def apply_update(store_dir: Path, delta: Delta, old_meta: ox.Quad, meta: StoreMeta, base_iri: str,
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
