"""``paperkg eval``: precision, recall and F1 of extracted entities and relations against gold.

Scoring rule (document level): a predicted entity matches a gold entity of the same type when their
normalised name/alias sets share a form (:func:`extractors.normalize.name_key`); matching is
one-to-one (maximum bipartite matching per paper and type).  A relation matches when its subject
and object match gold entities and the predicate is equal.  "core" = Model + Dataset + Method.

Partial matching (``--match partial``, the lenient rule of NER evaluations such as TDMSci's): a
predicted and a gold entity of the same type also match when a span of one overlaps a span of the
other in the paper's text.  Gold records name entities without offsets, so a gold entity's spans
are the occurrences of its name and aliases in the title and abstract (:func:`gold_spans`); a
predicted entity's spans are its mentions (or, without mentions, the occurrences of its forms).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy
from scipy.optimize import linear_sum_assignment

from extractors.normalize import name_key
from kg.errors import InputError
from kg.jsonlines import read_objects
from kg.model import ENTITY_PREDICATES, ENTITY_TYPES, Paper, unknown_type

CORE_TYPES = ("Model", "Dataset", "Method")
#: the entity matching rules of ``paperkg eval --match``
MATCH_RULES = ("exact", "partial")

#: where a name occurs: field (``title`` or ``abstract``), start, end (character offsets)
Span = tuple[str, int, int]


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


#: why a gold relation was missed (``Scores.relation_misses``)
RELATION_MISS_CAUSES = ("neither end found", "subject not found", "object not found",
                        "ends found, not related", "ends found, other predicate")


def relation_miss_cause(subject_found: bool, object_found: bool, related: bool) -> str:
    """Which of :data:`RELATION_MISS_CAUSES` a missed gold relation falls under."""
    if not (subject_found or object_found):
        return RELATION_MISS_CAUSES[0]
    if not subject_found:
        return RELATION_MISS_CAUSES[1]
    if not object_found:
        return RELATION_MISS_CAUSES[2]
    return RELATION_MISS_CAUSES[4] if related else RELATION_MISS_CAUSES[3]


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
    #: missed gold relations by cause (:data:`RELATION_MISS_CAUSES`)
    relation_misses: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(RELATION_MISS_CAUSES, 0))
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
            "relation_misses": dict(self.relation_misses),
            "proposed_accuracy": round(self.proposed_accuracy, 4),
            "proposed_pairs": self.proposed_total,
        }


def entity_keys(entity: Mapping) -> set[str]:
    """The normalised forms of an entity's name and aliases."""
    forms = [entity.get("name", ""), *entity.get("aliases", [])]
    return {k for k in (name_key(str(f)) for f in forms) if k}


def match_entities(gold: list[Mapping], pred: list[Mapping], paper: Paper | None = None
                   ) -> dict[int, int]:
    """One-to-one matching (pred index -> gold index) of entities of equal type sharing a form.

    With ``paper`` (partial matching), entities of equal type whose spans in the paper's text
    overlap match too.  The largest matching (scipy's assignment solver); among equally large
    ones, the one that pairs most entities of equal names, so relations are credited to the
    obvious partner.
    """
    if not gold or not pred:
        return {}
    gold_keys = [entity_keys(g) for g in gold]
    g_spans = gold_spans(gold, paper) if paper is not None else []
    weights = numpy.zeros((len(pred), len(gold)))
    for i, p in enumerate(pred):
        keys = entity_keys(p)
        p_spans = predicted_spans(p, paper) if paper is not None else []
        for j, g in enumerate(gold):
            if g.get("type") != p.get("type"):
                continue
            if keys & gold_keys[j] or (p_spans and any_overlap(p_spans, g_spans[j])):
                weights[i, j] = 1000 + (name_key(p["name"]) == name_key(g["name"]))
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return {int(i): int(j) for i, j in zip(rows, cols, strict=True) if weights[i, j] > 0}


def entity_forms(entity: Mapping) -> list[str]:
    """An entity's name and aliases, as written."""
    return [str(f) for f in (entity.get("name", ""), *entity.get("aliases", [])) if str(f).strip()]


def form_pattern(form: str) -> re.Pattern:
    """A form as a case-insensitive pattern at word boundaries (any run of white space between
    its words): ``NER`` occurs in ``NER tagging``, not in ``NERD`` or ``generated``."""
    words = r"\s+".join(re.escape(w) for w in form.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def name_spans(forms: Iterable[str], paper: Paper) -> list[Span]:
    """Every occurrence of the forms in the paper's title and abstract, sorted."""
    spans: set[Span] = set()
    for form in forms:
        pattern = form_pattern(form)
        for fld, text in (("title", paper.title), ("abstract", paper.abstract)):
            spans.update((fld, m.start(), m.end()) for m in pattern.finditer(text))
    return sorted(spans)


def gold_spans(gold: Sequence[Mapping], paper: Paper) -> list[list[Span]]:
    """The spans of each gold entity: the occurrences of its forms in the paper.

    Annotations are flat (a span belongs to one entity), so an occurrence that lies inside a
    longer occurrence of another gold entity is that entity's, not this one's ("translation"
    inside "Chinese-English translation task"), unless the entity has no other occurrence.
    """
    found = [name_spans(entity_forms(g), paper) for g in gold]
    out = []
    for i, own in enumerate(found):
        others = [o for j, spans in enumerate(found) if j != i for o in spans]
        free = [s for s in own if not any(_strictly_inside(s, o) for o in others)]
        out.append(free or own)
    return out


def predicted_spans(entity: Mapping, paper: Paper) -> list[Span]:
    """A predicted entity's spans: its mentions, or the occurrences of its forms without them."""
    spans = [(str(m.get("field")), int(m.get("start", 0)), int(m.get("end", 0)))
             for m in entity.get("mentions", []) if isinstance(m, Mapping)]
    return sorted(set(spans)) or name_spans(entity_forms(entity), paper)


def any_overlap(a: Sequence[Span], b: Sequence[Span]) -> bool:
    """Whether a span of ``a`` and a span of ``b`` share a character (in the same field)."""
    return any(fa == fb and sa < eb and sb < ea for fa, sa, ea in a for fb, sb, eb in b)


def _strictly_inside(inner: Span, outer: Span) -> bool:
    return (inner[0] == outer[0] and outer[1] <= inner[1] and inner[2] <= outer[2]
            and outer[2] - outer[1] > inner[2] - inner[1])


def score_paper(gold: Mapping, pred: Mapping, scores: Scores, text: Paper | None = None,
                types: Collection[str] | None = None) -> None:
    """Add one paper's counts to ``scores``: with ``text`` (the paper), by partial matching in
    its text; with ``types``, only entities of those types (and relations between them) count."""
    g_ents, p_ents = _entities(gold, types), _entities(pred, types)
    matched = match_entities(g_ents, p_ents, text)
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
    gold_rel = _relations(gold, g_ents, types)
    pred_rel = sorted(_relations(pred, p_ents, types))
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
    found_gold = set(pred_to_gold.values())
    related = {(pred_to_gold.get(ps), pred_to_gold.get(po)) for ps, _, po in pred_rel}
    for s, p, o in sorted(gold_rel - credited):
        scores.by_predicate.setdefault(p, Counts()).fn += 1
        cause = relation_miss_cause(s in found_gold, o in found_gold, (s, o) in related)
        scores.relation_misses[cause] += 1
        paper.missed_relations.append(f"{s} {p} {o} ({cause})")
    scores.papers.append(paper)


def _entities(record: Mapping, types: Collection[str] | None) -> list[Mapping]:
    entities = list(record.get("entities", []))
    return entities if types is None else [e for e in entities if e.get("type") in types]


def _relations(record: Mapping, entities: list[Mapping], types: Collection[str] | None
               ) -> set[tuple[str, str, str]]:
    names = {e.get("name") for e in entities}
    return {(r["subject"], r["predicate"], r["object"]) for r in record.get("relations", [])
            if types is None or (r["subject"] in names and r["object"] in names)}


def evaluate(gold: Iterable[Mapping], pred: Mapping[str, Mapping],
             papers: Mapping[str, Paper] | None = None,
             types: Collection[str] | None = None) -> Scores:
    """Score predictions (by paper id) against gold records; a paper missing from ``pred`` has no
    predictions.  With ``papers`` (by id: the annotated texts), entities match partially (spans
    that overlap, see the module docstring); with ``types``, only those entity types count."""
    scores = Scores()
    for record in gold:
        pid = str(record.get("id"))
        paper = None
        if papers is not None:
            paper = papers.get(pid)
            if paper is None:
                raise InputError("--corpus", f"paper {pid!r} of the gold is in no corpus given: "
                                 "partial matching needs its text")
        score_paper(record, pred.get(pid, {}), scores, paper, types)
    for counts in scores.by_predicate.values():
        scores.relations.add(counts)
    return scores


def read_annotations(path: Path) -> list[dict]:
    """Read a gold/prediction JSONL file; errors name the file and line (also an entity type or
    a predicate paperkg does not have: it could be neither scored nor learned)."""
    records = []
    for lineno, record in read_objects(path):
        if "id" not in record:
            raise InputError(str(path), "expected an object with an 'id'", lineno)
        if not isinstance(record.get("entities", []), list):
            raise InputError(str(path), "'entities' must be a list", lineno)
        problem = unknown_kind(record)
        if problem:
            raise InputError(str(path), problem, lineno)
        records.append(record)
    return records


def unknown_kind(record: dict) -> str:
    """The first entity type or predicate of an annotation record that paperkg does not have, as
    an error message, or ``""``."""
    for entity in record.get("entities", []):
        if not isinstance(entity, dict):
            continue
        problem = unknown_type(entity.get("name"), entity.get("type"))
        if problem:
            return problem
    for relation in record.get("relations", []):
        if isinstance(relation, dict) and relation.get("predicate") not in ENTITY_PREDICATES:
            return (f"relation {relation.get('subject')!r} -> {relation.get('object')!r}: "
                    f"predicate must be one of {', '.join(ENTITY_PREDICATES)}, not "
                    f"{relation.get('predicate')!r}")
    return ""

