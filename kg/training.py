"""``paperkg train`` and ``paperkg eval --cv``: the decider learned from gold annotations.

Training data are gold files (the format ``paperkg eval`` reads) and the corpora whose papers
they annotate.  The rule pipeline runs once over the annotated papers and records every
candidate with its features (:mod:`extractors.components.decide`); candidates are labelled from
the gold (:mod:`extractors.decider.training`) and scikit-learn fits the weights.

Cross-validation splits the annotated papers into K folds (paper ``i`` of the sorted ids goes to
fold ``i mod K``), trains on K-1 folds and extracts the held-out fold with that model, the way
``paperkg build`` does (two passes); the scores of all folds are added up.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractors import build_nlp
from extractors.components.decide import RECORD, RULES_ONLY, entity_decider
from extractors.components.entities import entity_matcher
from extractors.decider.model import DeciderModel
from extractors.decider.training import (
    PaperExamples,
    candidate_keys,
    entity_examples,
    fit_model,
    relation_examples,
    token_examples,
)
from kg.corpus import extract_all
from kg.errors import InputError
from kg.evaluation import Scores, entity_keys, evaluate, match_entities, read_annotations
from kg.ingest import read_papers
from kg.model import Paper


@dataclass(slots=True)
class Annotated:
    """Annotated papers: each paper with its gold record, and which gold file it came from."""

    papers: list[Paper] = field(default_factory=list)
    gold: list[dict] = field(default_factory=list)
    source: list[str] = field(default_factory=list)


def read_annotated(gold_paths: Sequence[Path], corpus_paths: Sequence[Path]) -> Annotated:
    """The papers of ``corpus_paths`` that the gold files annotate, in gold order.

    A gold record whose paper is in no corpus is an error naming the gold file and line.
    """
    papers = {p.id: p for p in read_papers(list(corpus_paths))}
    data = Annotated()
    for path in gold_paths:
        for line, record in enumerate(read_annotations(path), start=1):
            paper = papers.get(str(record["id"]))
            if paper is None:
                raise InputError(str(path), f"paper {record['id']!r} is in none of the corpora "
                                 "given with --corpus", line)
            data.papers.append(paper)
            data.gold.append(record)
            data.source.append(str(path))
    if not data.papers:
        raise InputError(", ".join(map(str, gold_paths)), "no annotated papers")
    return data


def collect_examples(data: Annotated, patterns: Sequence[Path] = (),
                     on_paper: Callable[[], None] | None = None, tagger: bool = False
                     ) -> list[PaperExamples]:
    """Run the rule pipeline over the annotated papers; label every candidate from the gold
    (and, with ``tagger``, every token, for a sequence tagger)."""
    nlp = build_nlp(patterns=list(patterns) or None, model=RULES_ONLY, record=True)
    lexicon = entity_matcher(nlp).lexicon
    examples = []
    stream = ((p.text, (p, g)) for p, g in zip(data.papers, data.gold, strict=True))
    for doc, (paper, gold) in nlp.pipe(stream, as_tuples=True, batch_size=64):
        decisions = doc.user_data.pop(RECORD)
        entities = entity_examples(decisions, gold, lexicon)
        relations = relation_examples(doc, decisions, gold, lexicon)
        tokens = token_examples(doc, decisions, gold) if tagger else None
        examples.append(PaperExamples(paper.id, entities, relations, tokens))
        if on_paper is not None:
            on_paper()
    return examples


def train(gold_paths: Sequence[Path], corpus_paths: Sequence[Path], out_dir: Path,
          patterns: Sequence[Path] = (), tagger: bool = False
          ) -> tuple[DeciderModel, Path, float]:
    """Train on the gold files and write ``out_dir/model.json`` (with ``tagger``, also a
    sequence tagger); returns the model, its file and the seconds it took."""
    started = time.perf_counter()
    data = read_annotated(gold_paths, corpus_paths)
    examples = collect_examples(data, patterns, tagger=tagger)
    sources = sorted({Path(s).name for s in data.source})
    model = fit_model(examples, {"gold": sources})
    path = model.save(out_dir)
    return model, path, time.perf_counter() - started


def folds_of(ids: Sequence[str], k: int) -> list[int]:
    """Fold of each paper: the ``i``-th of the sorted ids goes to fold ``i mod k``."""
    order = {pid: i for i, pid in enumerate(sorted(ids))}
    return [order[pid] % k for pid in ids]


@dataclass(slots=True)
class CrossValidation:
    """Scores of a cross-validation: pooled over all papers, and per gold file."""

    k: int
    pooled: Scores
    by_source: dict[str, Scores]
    predictions: dict[str, dict]


def cross_validate(gold_paths: Sequence[Path], corpus_paths: Sequence[Path], k: int,
                   patterns: Sequence[Path] = (), also_train: Annotated | None = None,
                   tagger: bool = False) -> CrossValidation:
    """K-fold cross-validation by paper of training on the rest and scoring each fold.

    ``also_train``: annotated papers added to every fold's training data and never scored (a
    training set beside the scored ones).  ``tagger``: the models have a sequence tagger.
    """
    if k < 2:
        raise InputError("--cv", f"needs at least 2 folds, got {k}")
    data = read_annotated(gold_paths, corpus_paths)
    if len(data.papers) < k:
        raise InputError("--cv", f"{k} folds need at least {k} annotated papers, "
                         f"got {len(data.papers)}")
    examples = collect_examples(data, patterns, tagger=tagger)
    extra = ([] if also_train is None
             else collect_examples(also_train, patterns, tagger=tagger))
    fold = folds_of([p.id for p in data.papers], k)
    nlp = build_nlp(patterns=list(patterns) or None, model=RULES_ONLY)
    decider = entity_decider(nlp)
    predictions: dict[str, dict] = {}
    for f in range(k):
        decider.model = fit_model([e for e, g in zip(examples, fold, strict=True) if g != f]
                                  + extra)
        held_out = [p for p, g in zip(data.papers, fold, strict=True) if g == f]
        for x in extract_all(held_out, nlp):
            predictions[x.paper.id] = x.to_json()
    decider.model = None
    by_source = {
        source: evaluate([g for g, s in zip(data.gold, data.source, strict=True) if s == source],
                         predictions)
        for source in dict.fromkeys(data.source)
    }
    return CrossValidation(k, evaluate(data.gold, predictions), by_source, predictions)


def rules_only_scores(gold_paths: Sequence[Path], corpus_paths: Sequence[Path],
                      patterns: Sequence[Path] = ()) -> dict[str, Scores]:
    """Scores of the rule pipeline alone (no model), per gold file."""
    data = read_annotated(gold_paths, corpus_paths)
    nlp = build_nlp(patterns=list(patterns) or None, model=RULES_ONLY)
    predictions = {x.paper.id: x.to_json() for x in extract_all(data.papers, nlp)}
    return {
        source: evaluate([g for g, s in zip(data.gold, data.source, strict=True) if s == source],
                         predictions)
        for source in dict.fromkeys(data.source)
    }


@dataclass(slots=True)
class Coverage:
    """Gold entities of one type: how many have a candidate of the same form (the decider's
    ceiling), and why the missed ones are missed."""

    total: int = 0
    candidate: int = 0  #: some candidate's normalised form is one of the entity's forms
    no_candidate: int = 0  #: missed; no candidate form contains one of its forms or lies within one
    boundary: int = 0  #: missed; only candidates that contain it or lie within it
    rejected: int = 0  #: missed although a candidate had its form (the decider said no or typed it
    #: otherwise)

    @property
    def recall(self) -> float:
        return self.candidate / self.total if self.total else 0.0

    def to_json(self) -> dict:
        return {"total": self.total, "candidate": self.candidate,
                "candidate_recall": round(self.recall, 4), "no_candidate": self.no_candidate,
                "boundary": self.boundary, "rejected": self.rejected}


def candidate_coverage(data: Annotated, predictions: dict[str, dict] | None = None,
                       patterns: Sequence[Path] = ()) -> dict[str, dict[str, Coverage]]:
    """Per gold file and gold type, the :class:`Coverage` of the first pass' candidates;
    ``predictions`` (by paper id, e.g. a cross-validation's) tell which gold entities were
    missed."""
    nlp = build_nlp(patterns=list(patterns) or None, model=RULES_ONLY, record=True)
    lexicon = entity_matcher(nlp).lexicon
    out: dict[str, dict[str, Coverage]] = {}
    stream = ((p.text, (g, s)) for p, g, s in zip(data.papers, data.gold, data.source,
                                                    strict=True))
    for doc, (gold, source) in nlp.pipe(stream, as_tuples=True, batch_size=64):
        keys = set().union(*(candidate_keys(d, lexicon) for d in doc.user_data.pop(RECORD)))
        found = _found_gold(gold, (predictions or {}).get(str(gold["id"])))
        by_type = out.setdefault(source, {})
        for j, entity in enumerate(gold.get("entities", [])):
            c = by_type.setdefault(str(entity.get("type")), Coverage())
            forms = entity_keys(entity)
            c.total += 1
            has = bool(forms & keys)
            c.candidate += has
            if predictions is None or j in found:
                continue
            if has:
                c.rejected += 1
            elif any(f in k or k in f for f in forms for k in keys if len(k) > 2):
                c.boundary += 1
            else:
                c.no_candidate += 1
    return {s: dict(sorted(t.items())) for s, t in out.items()}


def _found_gold(gold: dict, pred: dict | None) -> set[int]:
    """Indices of the gold entities ``pred`` matches."""
    return set(match_entities(gold.get("entities", []), (pred or {}).get("entities", []))
               .values())


def temporary_model_dir() -> tempfile.TemporaryDirectory:
    """A scratch directory for a model (tests, benchmarks)."""
    return tempfile.TemporaryDirectory(prefix="paperkg-model-")
