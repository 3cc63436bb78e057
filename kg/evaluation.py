"""``paperkg eval``: precision, recall and F1 of extracted entities and relations against gold.

Scoring rule (document level): a predicted entity matches a gold entity of the same type when their
normalised name/alias sets share a form (:func:`extractors.normalize.name_key`); matching is
one-to-one (maximum bipartite matching per paper and type).  A relation matches when its subject
and object match gold entities and the predicate is equal.  "core" = Model + Dataset + Method.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy
from scipy.optimize import linear_sum_assignment

from extractors.normalize import name_key
from kg.errors import InputError
from kg.jsonlines import read_objects
from kg.model import ENTITY_TYPES

CORE_TYPES = ("Model", "Dataset", "Method")


@dataclass(slots=True)
class Counts:
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(slots=True)
class PaperScore:
    """Errors of one paper, for error analysis."""

    id: str
    missed: list[str] = field(default_factory=list)  #: gold entities not found ("Type: name")
    false_alarms: list[str] = field(default_factory=list)
    missed_relations: list[str] = field(default_factory=list)
    false_relations: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.missed or self.false_alarms or self.missed_relations
                    or self.false_relations)


@dataclass(slots=True)
class Scores:
    """All scores of one evaluation."""

    by_type: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in ENTITY_TYPES})
    relations: Counts = field(default_factory=Counts)
    by_predicate: dict[str, Counts] = field(default_factory=dict)
    proposed_correct: int = 0
    proposed_total: int = 0
    papers: list[PaperScore] = field(default_factory=list)

    def total(self, types: Iterable[str]) -> Counts:
        out = Counts()
        for t in types:
            out.add(self.by_type[t])
        return out

    @property
    def core(self) -> Counts:
        return self.total(CORE_TYPES)

    @property
    def all_types(self) -> Counts:
        return self.total(ENTITY_TYPES)

    @property
    def proposed_accuracy(self) -> float:
        return self.proposed_correct / self.proposed_total if self.proposed_total else 0.0

    def to_json(self) -> dict:
        return {
            "entities": {t: c.to_json() for t, c in self.by_type.items()},
            "core": self.core.to_json(),
            "all": self.all_types.to_json(),
            "relations": self.relations.to_json(),
            "relations_by_predicate": {
                p: c.to_json() for p, c in sorted(self.by_predicate.items())
            },
            "proposed_accuracy": round(self.proposed_accuracy, 4),
            "proposed_pairs": self.proposed_total,
        }


def entity_keys(entity: Mapping) -> set[str]:
    """The normalised forms of an entity's name and aliases."""
    forms = [entity.get("name", ""), *entity.get("aliases", [])]
    return {k for k in (name_key(str(f)) for f in forms) if k}


def match_entities(gold: list[Mapping], pred: list[Mapping]) -> dict[int, int]:
    """One-to-one matching (pred index -> gold index) of entities of equal type sharing a form.

    The largest matching (scipy's assignment solver); among equally large ones, the one that
    pairs most entities of equal names, so relations are credited to the obvious partner.
    """
    if not gold or not pred:
        return {}
    gold_keys = [entity_keys(g) for g in gold]
    weights = numpy.zeros((len(pred), len(gold)))
    for i, p in enumerate(pred):
        keys = entity_keys(p)
        for j, g in enumerate(gold):
            if g.get("type") == p.get("type") and keys & gold_keys[j]:
                weights[i, j] = 1000 + (name_key(p["name"]) == name_key(g["name"]))
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return {int(i): int(j) for i, j in zip(rows, cols, strict=True) if weights[i, j] > 0}


def score_paper(gold: Mapping, pred: Mapping, scores: Scores) -> None:
    """Add one paper's counts to ``scores``."""
    g_ents, p_ents = list(gold.get("entities", [])), list(pred.get("entities", []))
    matched = match_entities(g_ents, p_ents)
    paper = PaperScore(id=str(gold.get("id")))
    for etype in ENTITY_TYPES:
        counts = scores.by_type[etype]
        g_idx = [j for j, g in enumerate(g_ents) if g.get("type") == etype]
        p_idx = [i for i, p in enumerate(p_ents) if p.get("type") == etype]
        tp = sum(1 for i in p_idx if i in matched)
        counts.tp += tp
        counts.fp += len(p_idx) - tp
        counts.fn += len(g_idx) - tp
    hit_gold = set(matched.values())
    paper.missed = [f"{g['type']}: {g['name']}" for j, g in enumerate(g_ents) if j not in hit_gold]
    paper.false_alarms = [
        f"{p['type']}: {p['name']}" for i, p in enumerate(p_ents) if i not in matched
    ]
    for i, j in matched.items():
        scores.proposed_total += 1
        scores.proposed_correct += bool(p_ents[i].get("proposed")) == bool(
            g_ents[j].get("proposed")
        )
    # relations: map predicted names to the gold names they matched
    pred_to_gold = {p_ents[i]["name"]: g_ents[j]["name"] for i, j in matched.items()}
    gold_rel = {(r["subject"], r["predicate"], r["object"]) for r in gold.get("relations", [])}
    pred_rel = sorted(
        {(r["subject"], r["predicate"], r["object"]) for r in pred.get("relations", [])}
    )
    credited: set[tuple] = set()
    for ps, p, po in pred_rel:
        counts = scores.by_predicate.setdefault(p, Counts())
        mapped = (pred_to_gold.get(ps), p, pred_to_gold.get(po))
        if mapped in gold_rel and mapped not in credited:
            credited.add(mapped)
            counts.tp += 1
        else:
            counts.fp += 1
            paper.false_relations.append(f"{ps} {p} {po}")
    for s, p, o in sorted(gold_rel - credited):
        scores.by_predicate.setdefault(p, Counts()).fn += 1
        paper.missed_relations.append(f"{s} {p} {o}")
    scores.papers.append(paper)


def evaluate(gold: Iterable[Mapping], pred: Mapping[str, Mapping]) -> Scores:
    """Score predictions (by paper id) against gold records; a paper missing from ``pred`` has no
    predictions."""
    scores = Scores()
    for record in gold:
        score_paper(record, pred.get(str(record.get("id")), {}), scores)
    for counts in scores.by_predicate.values():
        scores.relations.add(counts)
    return scores


def read_annotations(path: Path) -> list[dict]:
    """Read a gold/prediction JSONL file; errors name the file and line."""
    records = []
    for lineno, record in read_objects(path):
        if "id" not in record:
            raise InputError(str(path), "expected an object with an 'id'", lineno)
        if not isinstance(record.get("entities", []), list):
            raise InputError(str(path), "'entities' must be a list", lineno)
        records.append(record)
    return records
