"""Training the decider from gold annotations (scikit-learn's logistic regression).

A candidate is labelled by matching its normalised form (and, for a lexicon match, the forms of
its lexicon entry) against the names and aliases of the paper's gold entities, with the
normalisation of the scorer (:func:`extractors.normalize.name_key`).  The fitted weights go into
a :class:`~extractors.decider.model.DeciderModel`: plain JSON, applied without scikit-learn.
Training is deterministic (fixed solver, sorted features): the same data gives the same file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy
from scipy.sparse import csr_matrix
from spacy.tokens import Doc

from extractors.components.decide import Decision
from extractors.decider.features import proposed_features
from extractors.decider.model import NONE, DeciderModel, LinearClassifier
from extractors.decider.relations import Mention, candidate_pairs, pair_features, rule_relations
from extractors.decider.tagger import OUTSIDE, fit_tagger, gold_tags, token_features
from extractors.lexicon import Lexicon
from extractors.normalize import name_key

#: features seen fewer times than this are dropped (they only memorise one paper)
MIN_COUNT = 2
ENTITY_C = 1.0
PROPOSED_C = 0.5
RELATION_C = 0.5
#: the bias of a class no example had (its probability is about e^-50)
NEVER = -50.0


@dataclass(slots=True)
class PaperExamples:
    """What one annotated paper teaches: entity candidates with labels, relation examples."""

    paper_id: str
    entities: list[tuple[list[str], str, bool]]  #: features, type or "none", gold proposed
    relations: list[tuple[list[str], str]]  #: features, predicate or "none"
    #: for a sequence tagger: each token's features and its gold tag
    tokens: tuple[list[list[str]], list[str]] | None = None


def gold_index(record: Mapping) -> list[tuple[str, set[str], bool, str]]:
    """A gold record's entities as (type, normalised forms, proposed, name)."""
    out = []
    for entity in record.get("entities", []):
        forms = [entity.get("name", ""), *entity.get("aliases", [])]
        keys = {k for k in (name_key(str(f)) for f in forms) if k}
        out.append((str(entity.get("type")), keys, bool(entity.get("proposed")),
                    str(entity.get("name", ""))))
    return out


def candidate_keys(decision: Decision, lexicon: Lexicon) -> set[str]:
    """The forms a candidate stands for: its text, and its lexicon entry's name and patterns."""
    keys = {decision.key}
    kb_id = decision.candidate.kb_id
    if kb_id and kb_id in lexicon.entries:
        entry = lexicon.entries[kb_id]
        keys |= {name_key(p) for p in (entry.name, *entry.patterns)}
    keys.discard("")
    return keys


def label_candidate(
    decision: Decision, gold: list[tuple[str, set[str], bool, str]], lexicon: Lexicon
) -> tuple[str, bool, str]:
    """(type or ``none``, gold ``proposed``, gold name) of one candidate."""
    keys = candidate_keys(decision, lexicon)
    hits = [g for g in gold if g[1] & keys]
    if not hits:
        return NONE, False, ""
    same = [g for g in hits if g[0] == decision.candidate.label]
    best = (same or sorted(hits, key=lambda g: g[0]))[0]
    return best[0], best[2], best[3]


def entity_examples(
    decisions: Sequence[Decision], record: Mapping, lexicon: Lexicon
) -> list[tuple[list[str], str, bool]]:
    """Labelled entity examples of one paper."""
    gold = gold_index(record)
    out = []
    for d in decisions:
        label, proposed, _ = label_candidate(d, gold, lexicon)
        out.append((d.features, label, proposed))
    return out


def _vocabulary(rows: Iterable[list[str]]) -> list[str]:
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(set(row))
    return sorted(f for f, n in counts.items() if n >= MIN_COUNT)


def fit_classifier(rows: Sequence[list[str]], targets: Sequence[str], c: float
                   ) -> LinearClassifier:
    """A logistic regression over indicator features (one column per class, also for two)."""
    # lazily: training only needs scikit-learn, and it is slow to import
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    names = _vocabulary(rows)
    index = {f: i for i, f in enumerate(names)}
    classes = sorted(set(targets))
    if len(classes) < 2:  # nothing to learn: always this class
        return LinearClassifier(classes or [NONE], {}, numpy.zeros((0, max(len(classes), 1))),
                                numpy.zeros(max(len(classes), 1)))
    indptr, indices = [0], []
    for row in rows:
        indices.extend(sorted({index[f] for f in row if f in index}))
        indptr.append(len(indices))
    matrix = csr_matrix((numpy.ones(len(indices)), indices, indptr),
                        shape=(len(rows), len(names)))
    model = LogisticRegression(C=c, max_iter=1000)
    # one BLAS thread: on a busy machine several threads per fit made it 20x slower
    with threadpool_limits(limits=1):
        model.fit(matrix, list(targets))
    coef, bias = model.coef_, model.intercept_
    if len(classes) == 2:  # sklearn keeps one row for two classes: score of the second
        coef = numpy.vstack([numpy.zeros_like(coef[0]), coef[0]])
        bias = numpy.array([0.0, bias[0]])
    return LinearClassifier([str(k) for k in model.classes_], index, numpy.asarray(coef).T.copy(),
                            numpy.asarray(bias))


def with_none(classifier: LinearClassifier) -> LinearClassifier:
    """``classifier`` with a ``none`` class, never predicted, when its examples had none (every
    candidate of a few annotated papers may be an entity): the deciders read P(none)."""
    if NONE in classifier.classes:
        return classifier
    classes = sorted([*classifier.classes, NONE])
    k = classes.index(NONE)
    return LinearClassifier(classes, classifier.index,
                            numpy.insert(classifier.weights, k, 0.0, axis=1),
                            numpy.insert(classifier.bias, k, NEVER))


def token_examples(doc: Doc, decisions: Sequence[Decision], record: Mapping
                   ) -> tuple[list[list[str]], list[str]]:
    """A sequence tagger's example of one annotated paper: token features and gold tags."""
    forms: dict[str, str] = {}
    for etype, keys, _, _ in gold_index(record):
        for key in keys:
            forms.setdefault(key, etype)
    return token_features(doc, (d.candidate for d in decisions)), gold_tags(doc, forms)


def fit_model(examples: Sequence[PaperExamples], info: dict | None = None) -> DeciderModel:
    """Fit the entity, ``proposed`` and relation classifiers on ``examples``, and a sequence
    tagger when they have token examples."""
    ent_rows = [f for p in examples for f, _, _ in p.entities]
    ent_targets = [t for p in examples for _, t, _ in p.entities]
    entity = with_none(fit_classifier(ent_rows, ent_targets, ENTITY_C))
    prop_rows = [proposed_features(f, t) for p in examples for f, t, _ in p.entities if t != NONE]
    prop_targets = ["yes" if g else "no" for p in examples for _, t, g in p.entities if t != NONE]
    proposed = fit_classifier(prop_rows, prop_targets, PROPOSED_C)
    if proposed.classes == [NONE]:
        proposed.classes = ["no"]
    rel_rows = [f for p in examples for f, _ in p.relations]
    rel_targets = [t for p in examples for _, t in p.relations]
    relation = with_none(fit_classifier(rel_rows, rel_targets, RELATION_C)) if rel_rows else None
    details = dict(info or {})
    details.update(papers=len(examples), entity_examples=len(ent_rows),
                   relation_examples=len(rel_rows))
    sequences = [p.tokens for p in examples if p.tokens is not None]
    labelled = any(t != OUTSIDE for _, tags in sequences for t in tags)
    tagger = fit_tagger(sequences) if labelled else None
    if tagger is not None:
        details["tagger_tokens"] = sum(len(tags) for _, tags in sequences)
    return DeciderModel(entity, proposed, relation, details, tagger)


def relation_examples(doc: Doc, decisions: Sequence, gold: Mapping, lexicon: Lexicon
                      ) -> list[tuple[list[str], str]]:
    """Labelled pairs of one annotated paper: pairs over the candidates that gold entities
    match (typed as in the gold), labelled with the gold predicate or ``none``."""
    index = gold_index(gold)
    mentions = []
    for d in decisions:
        label, proposed, name = label_candidate(d, index, lexicon)
        if label != "none":
            mentions.append(Mention(d.candidate.start, d.candidate.end, label, name, proposed))
    gold_relations = {(str(r.get("subject")), str(r.get("object"))): str(r.get("predicate"))
                      for r in gold.get("relations", [])}
    rules = rule_relations(doc)
    out = []
    for subj, obj, via_own in candidate_pairs(doc, mentions):
        target = gold_relations.get((subj.key, obj.key), "none")
        preds = rules.get((subj.start, obj.start), [])
        out.append((pair_features(doc, subj, obj, via_own, preds), target))
    return out
