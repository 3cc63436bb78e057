"""Relation candidates and their features: entity pairs of a sentence, and the paper's own
proposed entity paired with the entities of every sentence it is not in ("Experiments on
CIFAR-10 show..."; whether the sentence says ``we``/``our`` is a feature).

A pair's features are its types and order, the token distance, the cue words between and before
the two (``trained``, ``evaluated``, ``based on``, ``using``…), whether the subject is the paper's
own entity, and which predicate the rule relations (``paperkg_relations``) gave the pair.  A
trained classifier decides the predicate or ``none``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc

from extractors.components.relations import (
    APPLY_WORDS,
    EVAL_WORDS,
    EXTENSION,
    TRAIN_WORDS,
    USE_WORDS,
    WE_WORDS,
)
from extractors.sentence_index import sentence_index, sentence_starts
from extractors.token_view import token_view

#: subject types, and the object types each predicate allows
SUBJECT_TYPES = frozenset({"Model", "Method"})
OBJECT_TYPES = frozenset({"Model", "Dataset", "Method"})
_BASED_WORDS = frozenset("based built builds building upon top initialized initialised adapted "
                         "derived variant version extends extending".split())
MAX_DISTANCE = 40


@dataclass(slots=True)
class Mention:
    """An entity mention as the relation step sees it."""

    start: int
    end: int
    label: str
    key: str  #: what makes two mentions the same entity (gold name, or kb id / normalised text)
    proposed: bool


def own_mention(mentions: Sequence[Mention]) -> Mention | None:
    """The paper's own proposed Model, else its proposed Method."""
    for label in ("Model", "Method"):
        for m in mentions:
            if m.label == label and m.proposed:
                return m
    return None


def candidate_pairs(doc: Doc, mentions: Sequence[Mention]
                    ) -> list[tuple[Mention, Mention, bool]]:
    """(subject, object, through the paper's own entity) pairs of ``mentions``."""
    by_sentence: dict[int, list[Mention]] = {}
    for m in mentions:
        by_sentence.setdefault(sentence_index(doc, m.start), []).append(m)
    own = own_mention(mentions)
    pairs = []
    for _, ments in sorted(by_sentence.items()):
        for subj in ments:
            if subj.label not in SUBJECT_TYPES:
                continue
            for obj in ments:
                if obj is subj or obj.label not in OBJECT_TYPES or obj.key == subj.key:
                    continue
                if abs(obj.start - subj.start) <= MAX_DISTANCE:
                    pairs.append((subj, obj, False))
        if own is not None and not any(m.key == own.key for m in ments):
            pairs.extend((own, obj, True) for obj in ments
                         if obj.label in OBJECT_TYPES and obj.key != own.key)
    return pairs


def pair_features(doc: Doc, subj: Mention, obj: Mention, via_own: bool,
                  rule_predicates: Sequence[str]) -> list[str]:
    """The feature strings of one candidate pair."""
    lower = token_view(doc).lower
    types = f"{subj.label}>{obj.label}"
    feats = ["bias", f"types={types}", f"via_own={via_own}|{types}"]
    if via_own:
        lo, hi = max(obj.start - 8, 0), obj.start
        order = "own"
    elif subj.start < obj.start:
        lo, hi, order = subj.end, obj.start, "forward"
    else:
        lo, hi, order = obj.end, subj.start, "backward"
    between = lower[lo:hi]
    distance = hi - lo
    feats += [f"order={order}|{types}", f"dist={min(distance // 3, 6)}|{order}"]
    before_obj = lower[max(obj.start - 4, 0) : obj.start]
    feats += [f"bw={w}|{types}" for w in sorted(set(between[-8:]))]
    feats += [f"pre_obj={w}|{obj.label}" for w in before_obj]
    sentence = sentence_index(doc, obj.start)
    bounds = [*sentence_starts(doc), len(doc)]
    sent_words = set(lower[bounds[sentence] : bounds[sentence + 1]])
    for name, cue_words in (("train", TRAIN_WORDS), ("eval", EVAL_WORDS), ("use", USE_WORDS),
                            ("based", _BASED_WORDS), ("apply", APPLY_WORDS)):
        if set(between) & cue_words:
            feats.append(f"cue_between={name}|{types}")
        if sent_words & cue_words:
            feats.append(f"cue_sentence={name}|{types}")
        if set(before_obj) & cue_words:
            feats.append(f"cue_before_obj={name}|{types}")
    if sent_words & WE_WORDS:
        feats.append(f"we|{types}")
        feats.append(f"we_own={via_own}|{types}")
    if subj.proposed:
        feats.append(f"subj_proposed|{types}")
    if obj.proposed:
        feats.append(f"obj_proposed|{types}")
    feats += [f"rule={p}|{types}" for p in rule_predicates] or [f"rule=none|{types}"]
    return feats


def rule_relations(doc: Doc) -> dict[tuple[int, int], list[str]]:
    """(subject start, object start) -> the predicates ``paperkg_relations`` found."""
    found: dict[tuple[int, int], list[str]] = {}
    if not Doc.has_extension(EXTENSION):
        return found
    for subj, pred, obj, _ in doc._.get(EXTENSION) or ():
        found.setdefault((subj.start, obj.start), []).append(pred)
    return found
