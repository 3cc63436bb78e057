"""``paperkg_decide``: a trained model decides which candidates are entities, of which type, and
which the paper proposes.

Runs after ``paperkg_entities`` (whose resolved ``doc.ents`` are candidates, with the rule that
chose them) and before ``paperkg_relations``.  Extra candidates (head-noun chunks, name-shaped
words; :mod:`extractors.decider.candidates`) compete for the tokens no rule entity holds.  The
model (:mod:`extractors.decider.model`, a JSON file of weights) scores every candidate over
{none, Model, Dataset, Method, Task, Metric}; kept candidates are resolved by confidence.

``model``: ``"default"`` (the model shipped in ``extractors/models/default``), a model directory
or file, or ``"rules"`` (no model: the rule pipeline's entities stay as they are).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span

from extractors.candidates import set_span_extensions, span_key
from extractors.components.abbreviations import EXTENSION as ABBREVIATIONS
from extractors.components.relations import EXTENSION as RELATIONS
from extractors.components.relations import unique_relations
from extractors.decider.candidates import EntityCandidate, all_candidates
from extractors.decider.features import DocContext, entity_features, proposed_features
from extractors.decider.model import NONE, DeciderModel, default_model_dir, load_model
from extractors.decider.relations import Mention, candidate_pairs, pair_features, rule_relations
from extractors.decider.tagger import SequenceTagger, token_features
from extractors.normalize import name_key
from extractors.token_view import text_of, token_view

RULES_ONLY = "rules"
DEFAULT = "default"
#: ``doc.user_data`` key of the candidates and their features (kept when ``record`` is set)
RECORD = "paperkg_decider_candidates"
#: a candidate is an entity when the model gives "none" less than this probability (recall
#: matters more than the arg-max: the relation step and linking skip what is not kept)
NONE_BELOW = 0.7
#: the same for candidates no rule chose (head-noun chunks, name shapes): they need more
#: (cross-validated with 1,915 training papers: 0.5 gained more general-ML recall than it lost
#: medical precision; 0.4 and 0.6 scored lower on general-ML)
EXTRA_NONE_BELOW = 0.5
#: a pair without a rule relation gets the model's predicate when it has at least this
#: probability; a rule relation stays unless the model gives "none" at least VETO_FROM
#: (cross-validated on both dev sets and the training set: dropping every rule relation lost
#: more than it won)
ADD_FROM, VETO_FROM = 0.6, 0.9
#: ``proposed`` when the model's probability is at least the first (the rules said proposed) or
#: the second (they did not): the rules' cue is a strong prior (cross-validated)
PROPOSED_KEEP, PROPOSED_ADD = 0.3, 0.7
#: a paper of which no kept entity is proposed: its likeliest proposed candidate (P(entity) x
#: P(proposed)) becomes a proposed entity when at least this (cross-validated: 0.2-0.45 all
#: gained training-set relations; abstracts mostly propose something the relations hang on)
PROPOSAL_FALLBACK = 0.3


@dataclass(slots=True)
class Decision:
    """A candidate with its features, as recorded for training."""

    candidate: EntityCandidate
    key: str  #: normalised form
    features: list[str]


@Language.factory("paperkg_decide", default_config={"model": DEFAULT, "record": False})
def make_decider(nlp: Language, name: str, model: str, record: bool) -> EntityDecider:
    """Factory: ``nlp.add_pipe("paperkg_decide", config={"model": "my_model_dir"})``."""
    if model == RULES_ONLY:
        loaded = None
    else:
        loaded = load_model(default_model_dir() if model == DEFAULT else model)
    return EntityDecider(loaded, record)


def doc_decisions(doc: Doc) -> list[Decision]:
    """Every candidate of ``doc`` with its features."""
    ctx = DocContext(doc)
    view = ctx.view
    out = []
    for cand in all_candidates(doc):
        key = name_key(view.span_text(cand.start, cand.end))
        out.append(Decision(cand, key, entity_features(ctx, cand, key)))
    return out


class EntityDecider:
    """Applies a :class:`DeciderModel` to the candidates of each doc."""

    def __init__(self, model: DeciderModel | None, record: bool = False) -> None:
        set_span_extensions()
        self.model = model
        self.record = record

    def __call__(self, doc: Doc) -> Doc:
        if self.model is None and not self.record:
            return doc
        decisions = doc_decisions(doc)
        if self.record:
            doc.user_data[RECORD] = decisions
        if self.model is not None:
            doc.ents = self.decide(doc, decisions)
        return doc

    def decide(self, doc: Doc, decisions: list[Decision]) -> list[Span]:
        """The spans the model keeps, without overlaps (most confident first)."""
        model = self.model
        assert model is not None
        classes = model.entity.classes
        none = classes.index(NONE)
        typed = [_typed(probs, classes, none)
                 for probs in _shared_probabilities(doc, decisions, model)]
        kept = []
        for d, (label, p_none, p_label) in zip(decisions, typed, strict=True):
            if p_none < (NONE_BELOW if d.candidate.chosen else EXTRA_NONE_BELOW):
                kept.append((-p_label, d.candidate.start, d.candidate.end, label, d))
        kept.sort(key=lambda k: (k[0], k[1] - k[2], k[1]))
        taken = bytearray(len(doc))
        chosen = []
        for _, start, end, label, d in kept:
            if claim(taken, start, end):
                chosen.append((label, d))
        if model.tagger is not None:
            chosen += tagged_outside(doc, decisions, model.tagger, taken)
        p_yes = _proposed_probabilities(model, [(d, label) for label, d in chosen])
        spans = [_entity_span(doc, d, label,
                              p >= (PROPOSED_KEEP if d.candidate.proposed else PROPOSED_ADD))
                 for (label, d), p in zip(chosen, p_yes, strict=True)]
        if not any(span._.proposed for span in spans):
            spans = _with_likeliest_proposal(doc, decisions, typed, spans, model)
        return sorted(spans, key=lambda s: s.start)


def _typed(probs: numpy.ndarray, classes: list[str], none: int) -> tuple[str, float, float]:
    """A candidate's likeliest type other than ``none`` (the index of :data:`NONE` in
    ``classes``), with P(none) and P(that type)."""
    others = probs.copy()
    others[none] = -1.0
    best = int(others.argmax())
    return classes[best], float(probs[none]), float(probs[best])


def _proposed_probabilities(model: DeciderModel, typed: list[tuple[Decision, str]]
                            ) -> list[float]:
    """P(proposed) of each (candidate, type); 0 for a model that never saw a proposed entity."""
    classes = model.proposed.classes
    if "yes" not in classes or not typed:
        return [0.0] * len(typed)
    yes = classes.index("yes")
    probs = model.proposed.probabilities_many([proposed_features(d.features, label)
                                               for d, label in typed])
    return [float(p[yes]) for p in probs]


def _entity_span(doc: Doc, d: Decision, label: str, proposed: bool) -> Span:
    cand = d.candidate
    span = Span(doc, cand.start, cand.end, label=label, kb_id=cand.kb_id)
    span._.rule = cand.rule
    span._.proposed = proposed
    return span


def _with_likeliest_proposal(doc: Doc, decisions: list[Decision],
                             typed: list[tuple[str, float, float]], spans: list[Span],
                             model: DeciderModel) -> list[Span]:
    """``spans`` of a paper with no proposed entity, and its likeliest proposed candidate:
    P(entity) x P(proposed) at least :data:`PROPOSAL_FALLBACK`, among the kept spans and the
    candidates that cross no kept span's bounds (one holding kept spans replaces them)."""
    bounds = {(s.start, s.end): s for s in spans}

    def crosses(start: int, end: int) -> bool:
        return any(s.start < end and start < s.end and not (start <= s.start and s.end <= end)
                   for s in spans)

    options = [(d, label, 1.0 - p_none) for d, (label, p_none, _) in zip(decisions, typed,
                                                                           strict=True)
               if (d.candidate.start, d.candidate.end) in bounds
               or not crosses(d.candidate.start, d.candidate.end)]
    p_yes = _proposed_probabilities(model, [(d, label) for d, label, _ in options])
    scores = [p_entity * p for (_, _, p_entity), p in zip(options, p_yes, strict=True)]
    if not scores or max(scores) < PROPOSAL_FALLBACK:
        return spans
    d, label, _ = options[scores.index(max(scores))]
    start, end = d.candidate.start, d.candidate.end
    if (start, end) in bounds:
        bounds[start, end]._.proposed = True
        return spans
    return [*(s for s in spans if s.end <= start or s.start >= end),
            _entity_span(doc, d, label, True)]


def claim(taken: bytearray, start: int, end: int) -> bool:
    """Mark tokens ``start:end`` taken unless one of them already is; whether they were free."""
    if any(taken[start:end]):
        return False
    taken[start:end] = b"\x01" * (end - start)
    return True


def tagged_outside(doc: Doc, decisions: list[Decision], tagger: SequenceTagger,
                   taken: bytearray) -> list[tuple[str, Decision]]:
    """The sequence tagger's spans where no decided entity lies, as (type, decision) with the
    rule ``tagger`` (and the lexicon entry and features of a candidate of that span and type)."""
    same = {(d.candidate.start, d.candidate.end, d.candidate.label): d for d in decisions}
    view = token_view(doc)
    out = []
    for start, end, label in tagger.tag(token_features(doc, (d.candidate for d in decisions))):
        if not claim(taken, start, end):
            continue
        found = same.get((start, end, label))
        kb_id, features = (found.candidate.kb_id, found.features) if found else ("", [])
        out.append((label, Decision(EntityCandidate(start, end, label, "tagger", kb_id),
                                    name_key(view.span_text(start, end)), features)))
    return out


def _shared_probabilities(doc: Doc, decisions: list[Decision], model: DeciderModel
                          ) -> list[numpy.ndarray]:
    """Each candidate's class probabilities, averaged over the candidates of the same form and
    over the two forms of an abbreviation pair: one paper calls one thing by one type."""
    group: dict[str, str] = {}

    def find(key: str) -> str:
        while group.setdefault(key, key) != key:
            key = group[key]
        return key

    pairs = doc._.get(ABBREVIATIONS) if Doc.has_extension(ABBREVIATIONS) else None
    for long_span, short_span in pairs or ():
        a, b = find(name_key(text_of(long_span))), find(name_key(text_of(short_span)))
        if a != b:
            group[max(a, b)] = min(a, b)
    probs = list(model.entity.probabilities_many([d.features for d in decisions]))
    totals: dict[str, list[numpy.ndarray]] = {}
    for d, p in zip(decisions, probs, strict=True):
        totals.setdefault(find(d.key), []).append(p)
    means: dict[str, numpy.ndarray] = {k: cast(numpy.ndarray, sum(v) / len(v))
                                       for k, v in totals.items() if len(v) > 1}
    return [means[find(d.key)].copy() if find(d.key) in means else p
            for d, p in zip(decisions, probs, strict=True)]


@Language.factory("paperkg_decide_relations")
def make_relation_decider(nlp: Language, name: str) -> RelationDecider:
    """Factory: after ``paperkg_relations``; uses the model of the pipeline's ``paperkg_decide``."""
    return RelationDecider(nlp)


def entity_decider(nlp: Language) -> EntityDecider:
    """``nlp``'s :class:`EntityDecider` (its model: ``None`` when the rules decide)."""
    return cast(EntityDecider, nlp.get_pipe("paperkg_decide"))


class RelationDecider:
    """Adds the predicate the model gives a candidate pair of entities
    (:mod:`extractors.decider.relations`) that no rule relates; the rule relations stay, and are
    features of the pairs."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    def __call__(self, doc: Doc) -> Doc:
        decider = entity_decider(self.nlp)
        model = decider.model.relation if decider.model is not None else None
        if model is None:
            return doc
        ents = list(doc.ents)
        mentions = [Mention(e.start, e.end, e.label_, ":".join(span_key(e)), bool(e._.proposed))
                    for e in ents]
        span_of = {(m.start, m.end): e for m, e in zip(mentions, ents, strict=True)}
        rules = doc._.get(RELATIONS) or []
        preds_of = rule_relations(doc)
        found = []
        none = model.classes.index(NONE)
        pairs = candidate_pairs(doc, mentions)
        rows = [pair_features(doc, subj, obj, via_own, preds_of.get((subj.start, obj.start), []))
                for subj, obj, via_own in pairs]
        vetoed: set[tuple[int, int]] = set()
        for (subj, obj, _), probs in zip(pairs, model.probabilities_many(rows), strict=True):
            if preds_of.get((subj.start, obj.start)):
                if probs[none] >= VETO_FROM:
                    vetoed.add((subj.start, obj.start))
                continue
            probs[none] = -1.0
            best = int(probs.argmax())
            if probs[best] >= ADD_FROM:
                found.append((span_of[subj.start, subj.end], model.classes[best],
                              span_of[obj.start, obj.end], "model:" + model.classes[best]))
        rules = [r for r in rules if (r[0].start, r[2].start) not in vetoed]
        doc._.set(RELATIONS, unique_relations(rules + found))
        return doc
