"""``entities.csv`` and ``relations.csv``: the graph as two flat tables (pandas; RFC 4180)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import pandas as pd

from kg.export.csvtext import write_csv
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


ENTITY_COLUMNS = ("id", "type", "name", "aliases", "paper_count", "proposed_by")
RELATION_COLUMNS = ("subject", "predicate", "object", "weight", "evidence_papers",
                    "evidence_sentence")


def _write_frame(frame: pd.DataFrame, columns: tuple[str, ...], path: Path,
                 neutralise: bool = False) -> None:
    """A frame as CSV (header even when empty; missing values empty; every field quoted where a
    reader needs it, see :mod:`kg.export.csvtext`)."""
    header = list(frame.columns) if len(frame.columns) else list(columns)
    rows = ([_text(v) for v in record] for record in frame.itertuples(index=False, name=None))
    write_csv(path, [header, *rows], neutralise)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def relation_rows(graph: KnowledgeGraph) -> Iterator[list[str]]:
    """The rows of :func:`relations_frame` as text, made one at a time."""
    for r in graph.relations:
        yield [r.subject, r.predicate, r.object, str(r.weight),
               "; ".join(sorted({ev.paper_id for ev in r.evidence})),
               r.evidence[0].sentence_text if r.evidence else ""]


def write(graph: KnowledgeGraph, out_dir: Path, options: object = None) -> None:
    """Write ``entities.csv`` and ``relations.csv`` into ``out_dir`` (relations streamed).

    Formula-like cells are neutralised unless ``options.csv_neutralise`` is false (see
    :mod:`kg.export.csvtext`)."""
    neutralise = getattr(options, "csv_neutralise", True)
    _write_frame(entities_frame(graph), ENTITY_COLUMNS, out_dir / "entities.csv", neutralise)
    write_csv(out_dir / "relations.csv", chain([list(RELATION_COLUMNS)], relation_rows(graph)),
              neutralise)
