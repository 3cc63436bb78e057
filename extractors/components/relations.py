"""``paperkg_relations``: typed relations between the entities of one paper.

Relations (as in the annotation guideline) come from three kinds of evidence, each recorded as
the relation's rule:

- cue phrases within a sentence (``cue:…``): ``X is built on / based on / fine-tuned from /
  initialised from / adapted from Y`` (``based_on``), ``trained / fine-tuned / pre-trained on D``
  (``trained_on``), ``evaluated / benchmarked / tested on D``, ``results / accuracy on D``,
  ``outperforms … on D`` (``evaluated_on``), ``X … using / with / via M`` (``uses_method``);
- the paper's own contribution (``paper:…``): abstracts describe what *their* model does without
  naming it in every sentence, so in a sentence that says ``we``/``our`` or names it, the
  paper's proposed Model (else proposed Method) is the subject: it uses the Methods, is trained
  on the Datasets of training sentences and evaluated on those of evaluation sentences; models
  named in an evaluation sentence are evaluated on a benchmark the paper proposes;
- name composition (``name:composition``): a proposed model whose name contains a known model's
  name is built on it (``LLaVA-Med`` on ``LLaVA``, ``Med-Gemini`` on ``Gemini``).

Sets ``doc._.relations`` to ``[(subject_span, predicate, object_span, rule), …]``.
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from extractors.normalize import name_key
from extractors.sentence_index import sentence_index, sentence_span
from extractors.token_view import text_of, token_view

EXTENSION = "relations"
Triple = tuple[Span, str, Span, str]

BASED_ON_CUES = (
    ("based", "on"),
    ("built", "on"),
    ("built", "upon"),
    ("builds", "on"),
    ("builds", "upon"),
    ("building", "on"),
    ("building", "upon"),
    ("fine", "-", "tuned", "from"),
    ("finetuned", "from"),
    ("fine", "-", "tuned", "on"),
    ("initialized", "from"),
    ("initialised", "from"),
    ("initialized", "with"),
    ("initialised", "with"),
    ("adapted", "from"),
    ("adapts",),
    ("adapting",),
    ("derived", "from"),
    ("on", "top", "of"),
    ("variant", "of"),
    ("version", "of"),
    ("extends",),
    ("extending",),
    ("upon",),
    ("-", "based"),
    ("continual", "pre", "-", "training", "of"),
    ("further", "pre", "-", "trained"),
)
TRAIN_WORDS = frozenset(
    "trained train training pre pretrained pretrain pretraining tuned tune tuning finetuned "
    "finetune finetuning learned learns curated distilled".split()
)
EVAL_WORDS = frozenset(
    "evaluated evaluate evaluates evaluating evaluation evaluations benchmarked benchmark "
    "benchmarks benchmarking tested test testing validated validate validation experiments "
    "experiment results result performance performances accuracy achieves achieve achieved "
    "achieving outperforms outperform outperformed outperforming surpasses surpass surpassing "
    "score scores scored sota state art compared comparison assessed assess".split()
)
USE_WORDS = frozenset(
    "using use uses used with via through by employ employs employing employed leverage "
    "leverages leveraging leveraged apply applies applying applied adopt adopts adopting adopted "
    "incorporate incorporates incorporating incorporated integrate integrates integrating "
    "integrated combine combines combining combined utilize utilizes utilizing utilized "
    "trained tuned fine finetuned pre pretrained".split()
)
APPLY_WORDS = frozenset("apply applied applying applies experiments experiment".split())
WE_WORDS = frozenset({"we", "our", "ours", "us", "it"})


@Language.factory("paperkg_relations")
def make_relation_finder(nlp: Language, name: str) -> RelationFinder:
    """Factory: ``nlp.add_pipe("paperkg_relations")`` after ``paperkg_entities``."""
    return RelationFinder()


class RelationFinder:
    """Finds relations between the ``doc.ents`` of a paper (see the module docstring)."""

    def __init__(self) -> None:
        if not Doc.has_extension(EXTENSION):
            Doc.set_extension(EXTENSION, default=None)

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        own = _own_subject(ents)
        by_sentence: dict[int, list[Span]] = {}
        for ent in ents:
            by_sentence.setdefault(sentence_index(doc, ent.start), []).append(ent)
        found: list[Triple] = []
        for index, sent_ents in sorted(by_sentence.items()):
            sent = sentence_span(doc, index)
            found.extend(_cue_relations(doc, sent, sent_ents, own))
        found.extend(_own_datasets(doc, ents))
        found.extend(_composition(ents))
        doc._.set(EXTENSION, unique_relations(found))
        return doc


def unique_relations(found: list[Triple]) -> list[Triple]:
    """One relation per (subject, predicate, object) name triple; no self-relations."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for subj, pred, obj, rule in found:
        key = (name_key(text_of(subj)), pred, name_key(text_of(obj)))
        if key[0] != key[2] and key not in seen and not (subj.kb_id_ and subj.kb_id_ == obj.kb_id_):
            seen.add(key)
            out.append((subj, pred, obj, rule))
    return out


def _own_subject(ents: list[Span]) -> Span | None:
    """The paper's own proposed Model, else its proposed Method."""
    for label in ("Model", "Method"):
        for ent in ents:
            if ent.label_ == label and ent._.proposed:
                return ent
    return None


def _words(doc: Doc, start: int, end: int) -> list[str]:
    """The lower-case words of ``doc[start:end]``, without space tokens."""
    view = token_view(doc)
    lower, is_space = view.lower, view.is_space
    return [lower[i] for i in range(start, end) if not is_space[i]]


def _has_cue(words: list[str], cue: tuple[str, ...]) -> bool:
    n, first = len(cue), cue[0]
    return first in words and any(
        tuple(words[i : i + n]) == cue for i, w in enumerate(words) if w == first
    )


def _cue_relations(doc: Doc, sent: Span, ents: list[Span], own: Span | None) -> Iterator[Triple]:
    sent_words = _words(doc, sent.start, sent.end)
    words = set(sent_words)
    own_here = own is not None and (
        bool(words & WE_WORDS)
        or any(name_key(text_of(e)) == name_key(text_of(own)) for e in ents)
        or _refers_to_own(sent_words, own)
    )
    is_eval = bool(words & EVAL_WORDS)
    proposed_benchmarks = [e for e in ents if e.label_ == "Dataset" and e._.proposed]
    for obj in ents:
        before = [e for e in ents if e.end <= obj.start]
        models_before = [e for e in before if e.label_ == "Model" and not _same(e, obj)]
        window = _words(doc, max(sent.start, obj.start - 8), obj.start)
        if obj.label_ == "Model":
            cue = next((c for c in BASED_ON_CUES if _has_cue(window, c)), None)
            # the model named right before the cue ("Med-PaLM, built on Flan-PaLM"), skipping
            # bases ("X, based on CLIP whose encoder is initialised from ClinicalBERT")
            heads = [m for m in models_before if not _based_on_cue_before(doc, sent, m)]
            subject = heads[-1] if heads else (own if own_here else None)
            if cue is not None and subject is not None and subject.label_ == "Model":
                yield subject, "based_on", obj, "cue:" + " ".join(cue).replace(" - ", "-")
            if is_eval and not _same(obj, own):
                for bench in proposed_benchmarks:
                    yield obj, "evaluated_on", bench, "paper:benchmark"
        elif obj.label_ == "Dataset":
            models_after = [e for e in ents if e.label_ == "Model" and e.start >= obj.end]
            subject = models_before[0] if models_before else (own if own_here else None)
            if subject is None and not models_after:
                continue
            train = max((i for i, w in enumerate(window) if w in TRAIN_WORDS), default=-1)
            evals = max((i for i, w in enumerate(window) if w in EVAL_WORDS), default=-1)
            if subject is None:
                # "Using MedReview, we fine-tuned PRIMERA and LongT5": the data comes first
                after = _words(doc, obj.end, models_after[0].start)
                if set(after) & TRAIN_WORDS and not set(after) & EVAL_WORDS:
                    for model in models_after:
                        yield model, "trained_on", obj, "cue:trained on"
                elif is_eval:
                    for model in models_after:
                        yield model, "evaluated_on", obj, "cue:evaluated on"
            elif train > evals and subject.label_ == "Model":
                yield subject, "trained_on", obj, "cue:trained on"
            elif evals >= 0 or (is_eval and _on_phrase(doc, obj)):
                # every model compared in the sentence is evaluated on the dataset, but not
                # the base of "X, built on Y, is evaluated on D"
                bases = {e.start for e in models_before if _based_on_cue_before(doc, sent, e)}
                compared = [m for m in models_before + models_after if m.start not in bases]
                for model in compared or [subject]:
                    yield model, "evaluated_on", obj, "cue:evaluated on"
        elif obj.label_ == "Method":
            models = [e for e in ents if e.label_ == "Model" and not _same(e, own)]
            if own_here and own is not None and own.label_ == "Model" and not _same(obj, own):
                yield own, "uses_method", obj, "paper:uses method"
            elif models_before and words & USE_WORDS:
                yield models_before[-1], "uses_method", obj, "cue:using"
            elif len(models) == 1 and words & TRAIN_WORDS and not obj._.proposed:
                # "… baselines (e.g. LoRA) in fine-tuning models such as LLaMA"
                yield models[0], "uses_method", obj, "cue:fine-tuning with"
            elif own is not None and own.label_ == "Method" and _same(obj, own) and (
                words & (USE_WORDS | TRAIN_WORDS | APPLY_WORDS)
            ):
                # the paper's own method applied to the models it is tried on
                for model in models:
                    yield model, "uses_method", obj, "paper:method applied to"


#: "The model was pre-trained on …", "These models are built on …": the paper's own
_ANAPHORS = frozenset({"the", "this", "these"})
_OWN_NOUNS = {
    "Model": frozenset({"model", "models"}),
    "Method": frozenset({"method", "framework", "approach"}),
}


def _refers_to_own(sent_words: list[str], own: Span) -> bool:
    """The sentence (its words) starts with ``The/This/These model(s)`` (``method``/``framework``
    for a proposed Method): it speaks of the paper's own contribution."""
    words = sent_words[:2]
    return (
        len(words) == 2 and words[0] in _ANAPHORS and words[1] in _OWN_NOUNS.get(own.label_, ())
    )


def _based_on_cue_before(doc: Doc, sent: Span, ent: Span) -> bool:
    window = _words(doc, max(sent.start, ent.start - 8), ent.start)
    return any(_has_cue(window, c) for c in BASED_ON_CUES)


def _same(a: Span, b: Span | None) -> bool:
    return b is not None and name_key(text_of(a)) == name_key(text_of(b))


def _on_phrase(doc: Doc, obj: Span) -> bool:
    """``on (the popular) X``, ``across X``, also for a later item of a list: ``on the VQA-RAD,
    SLAKE and Path-VQA datasets``."""
    k = obj.start - 1
    steps = 0
    while k >= 0 and steps < 12:
        word = doc[k]
        if word.lower_ in ("on", "across"):
            return True
        if word.is_space or word.text in {".", ";", ":", "(", ")"} or word.lower_ in _CLAUSE:
            return False
        k -= 1
        steps += 1
    return False


#: words that end the noun phrase before a dataset name
_CLAUSE = frozenset("we our is are was were has have to for with by from using than".split())


def _composition(ents: list[Span]) -> list[Triple]:
    """A model the paper proposes, whose name is built from another model's name, is based on it.

    ``Med-Gemini`` on ``Gemini`` (a hyphen-separated part) or, for names no lexicon knows, by
    prefix or suffix: ``MedSAM`` on ``SAM``, ``BioMistral`` on ``Mistral``.  Both must be named
    in the paper.
    """
    found = []
    models = [e for e in ents if e.label_ == "Model"]
    for ent in models:
        if not ent._.proposed:
            continue
        name = name_key(text_of(ent))
        parts = {name_key(p) for p in text_of(ent).replace("/", "-").split("-")}
        for base in models:
            key = name_key(text_of(base))
            if len(key) < 3 or key == name or not (base.kb_id_ or text_of(base).isupper()):
                continue
            if key in parts or (not ent.kb_id_ and (name.startswith(key) or name.endswith(key))):
                found.append((ent, "based_on", base, "name:composition"))
    return found


def _own_datasets(doc: Doc, ents: list[Span]) -> list[Triple]:
    """The paper's proposed model is trained on the data it proposes, evaluated on its benchmark.

    A proposed dataset is a benchmark when it is called one (or is named ``…Bench``).
    """
    models = [e for e in ents if e.label_ == "Model" and e._.proposed]
    if not models:
        return []
    model = models[0]
    found = []
    for ent in ents:
        if ent.label_ != "Dataset" or not ent._.proposed:
            continue
        context = {t.lower_ for t in doc[max(ent.start - 3, 0) : ent.end + 3]}
        if "bench" in text_of(ent).lower() or context & {
            "benchmark",
            "benchmarks",
            "test",
            "evaluation",
        }:
            found.append((model, "evaluated_on", ent, "paper:own benchmark"))
        else:
            found.append((model, "trained_on", ent, "paper:own data"))
    return found
