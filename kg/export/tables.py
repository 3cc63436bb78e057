"""``entities.csv`` and ``relations.csv``: the graph as two flat tables (pandas; RFC 4180)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kg.model import KnowledgeGraph


def entities_frame(graph: KnowledgeGraph) -> pd.DataFrame:
    """One row per canonical entity, sorted by id."""
    rows = [
        {
            "id": e.id,
            "type": e.type,
            "name": e.name,
            "aliases": "; ".join(e.aliases),
            "paper_count": e.paper_count,
            "proposed_by": "; ".join(e.proposed_by),
            **{f"ext_{k}": v for k, v in sorted(e.external_ids.items())},
        }
        for e in sorted(graph.entities.values(), key=lambda e: e.id)
    ]
    return pd.DataFrame(rows)


def relations_frame(graph: KnowledgeGraph) -> pd.DataFrame:
    """One row per relation: subject, predicate, object, weight and the first evidence sentence."""
    rows = [
        {
            "subject": r.subject,
            "predicate": r.predicate,
            "object": r.object,
            "weight": r.weight,
            "evidence_papers": "; ".join(sorted({ev.paper_id for ev in r.evidence})),
            "evidence_sentence": r.evidence[0].sentence_text if r.evidence else "",
        }
        for r in graph.relations
    ]
    return pd.DataFrame(rows)


def write(graph: KnowledgeGraph, out_dir: Path, options: object = None) -> None:
    """Write ``entities.csv`` and ``relations.csv`` into ``out_dir``."""
    entities_frame(graph).to_csv(out_dir / "entities.csv", index=False, lineterminator="\n")
    relations_frame(graph).to_csv(out_dir / "relations.csv", index=False, lineterminator="\n")
