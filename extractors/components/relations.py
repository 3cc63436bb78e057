"""``paperkg_relations``: typed relations between the entities of one paper, from cue phrases.

Relations (as in the annotation guideline):

- ``based_on`` Model -> Model: ``X is built on / based on / fine-tuned from / initialised from /
  adapted from Y``, ``Y-based X``, and name composition (``LLaVA-Med`` is built on ``LLaVA`` when
  both are named in the paper);
- ``trained_on`` Model -> Dataset: ``trained / fine-tuned / pre-trained on X``;
- ``evaluated_on`` Model or Method -> Dataset: ``evaluated / benchmarked / tested on X``,
  ``results / performance / accuracy on X``, ``outperforms … on X``;
- ``uses_method`` Model -> Method: a Model and a Method of one sentence joined by ``using``,
  ``with``, ``via``, ``trained with`` ….

When a sentence has no explicit subject (``we fine-tune our model on X``), the paper's proposed
Model (or Method) is the subject.  Sets ``doc._.relations`` to ``[(subject, predicate, object,
rule), …]`` of entity spans.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from extractors.chunks import chunk_bounds

EXTENSION = "relations"

BASED_ON_CUES = (
    ("based", "on"), ("built", "on"), ("built", "upon"), ("builds", "on"), ("builds", "upon"),
    ("building", "on"), ("building", "upon"), ("fine-tuned", "from"), ("finetuned", "from"),
    ("initialized", "from"), ("initialised", "from"), ("initialized", "with"),
    ("initialised", "with"), ("adapted", "from"), ("derived", "from"), ("on", "top", "of"),
    ("variant", "of"), ("version", "of"), ("extends",), ("extending",), ("adapts",),
    ("adapting",), ("upon",),
)
TRAIN_WORDS = frozenset(
    "trained train training pre-trained pretrained pre-train pretrain pre-training pretraining "
    "fine-tuned fine-tune fine-tuning finetuned finetune finetuning tuned tuning instruction-tuned "
    "learned learns".split()
)
EVAL_WORDS = frozenset(
    "evaluated evaluate evaluating evaluation evaluations benchmarked benchmark benchmarking "
    "tested test testing validated validate validation experiments experiment results result "
    "performance performances accuracy achieves achieve achieved achieving outperforms outperform "
    "outperformed outperforming surpasses surpass score scores scored sota state-of-the-art "
    "evaluations".split()
)
USE_WORDS = frozenset(
    "using use uses used with via through by employ employs employing employed leverage leverages "
    "leveraging leveraged apply applies applying applied adopt adopts adopting adopted "
    "incorporate incorporates incorporating incorporated integrate integrates integrating "
    "integrated combine combines combining combined utilize utilizes utilizing utilized".split()
)
MODEL_LIKE = {"Model"}


@Language.factory("paperkg_relations")
def make_relation_finder(nlp: Language, name: str) -> RelationFinder:
    """Factory: ``nlp.add_pipe("paperkg_relations")`` after ``paperkg_entities``."""
    return RelationFinder()


class RelationFinder:
    """Finds relations between ``doc.ents`` of each sentence."""

    def __init__(self) -> None:
        if not Doc.has_extension(EXTENSION):
            Doc.set_extension(EXTENSION, default=None)

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[Span, str, Span, str]] = []
        ents = list(doc.ents)
        default_subject = _default_subject(ents)
        by_sentence: dict[int, list[Span]] = {}
        for ent in ents:
            by_sentence.setdefault(ent.sent.start, []).append(ent)
        for sent_ents in by_sentence.values():
            found.extend(_sentence_relations(doc, sent_ents, default_subject))
        found.extend(_composition(ents))
        seen: set[tuple[str, str, str]] = set()
        unique = []
        for subj, pred, obj, rule in found:
            key = (subj.text.lower(), pred, obj.text.lower())
            if key not in seen and subj.text.lower() != obj.text.lower():
                seen.add(key)
                unique.append((subj, pred, obj, rule))
        doc._.set(EXTENSION, unique)
        return doc


def _default_subject(ents: list[Span]) -> Span | None:
    """The paper's own proposed Model, else its proposed Method."""
    for label in ("Model", "Method"):
        for ent in ents:
            if ent.label_ == label and ent._.proposed:
                return ent
    return None


def _words(doc: Doc, start: int, end: int) -> list[str]:
    return [t.lower_ for t in doc[start:end] if not t.is_space]


def _has_cue(words: list[str], cue: tuple[str, ...]) -> bool:
    n = len(cue)
    return any(tuple(words[i : i + n]) == cue for i in range(len(words) - n + 1))


def _sentence_relations(
    doc: Doc, ents: list[Span], default_subject: Span | None
) -> list[tuple[Span, str, Span, str]]:
    found = []
    sent = ents[0].sent
    sent_words = _words(doc, sent.start, sent.end)
    mentions_we = any(w in ("we", "our", "ours") for w in sent_words)
    for obj in ents:
        before = [e for e in ents if e.end <= obj.start]
        subjects = [e for e in before if e.label_ in MODEL_LIKE]
        fallback = default_subject if default_subject is not None and mentions_we else None
        left = _words(doc, sent.start, obj.start)
        window = left[-8:]
        if obj.label_ == "Model":
            cue = next((c for c in BASED_ON_CUES if _has_cue(window, c)), None)
            subj = subjects[-1] if subjects else fallback
            if cue is not None and subj is not None and subj.label_ == "Model":
                found.append((subj, "based_on", obj, "cue:" + " ".join(cue)))
        elif obj.label_ == "Dataset":
            subj = (subjects[-1] if subjects else None) or fallback
            if subj is None:
                subj = next((e for e in before if e.label_ == "Method"), None)
            if subj is None:
                continue
            train = [i for i, w in enumerate(window) if w in TRAIN_WORDS]
            evals = [i for i, w in enumerate(window) if w in EVAL_WORDS]
            if train and (not evals or train[-1] > evals[-1]) and subj.label_ == "Model":
                found.append((subj, "trained_on", obj, "cue:trained on"))
            elif evals or _benchmark_phrase(doc, obj):
                found.append((subj, "evaluated_on", obj, "cue:evaluated on"))
        elif obj.label_ == "Method":
            subj = subjects[-1] if subjects else fallback
            if subj is not None and subj.label_ == "Model" and any(w in USE_WORDS for w in window):
                found.append((subj, "uses_method", obj, "cue:using"))
    return found


def _benchmark_phrase(doc: Doc, obj: Span) -> bool:
    """``on the X benchmark`` / ``on X``."""
    return obj.start > 0 and doc[obj.start - 1].lower_ in {"on", "across"} or (
        obj.start > 1 and doc[obj.start - 2].lower_ == "on"
    )


def _composition(ents: list[Span]) -> list[tuple[Span, str, Span, str]]:
    """``LLaVA-Med`` is based on ``LLaVA`` when both are named: the base is a part of the name."""
    found = []
    models = [e for e in ents if e.label_ == "Model"]
    for ent in models:
        if ent.kb_id_ and not ent._.proposed:
            continue
        doc = ent.doc
        parts = {t.text.lower() for t in doc[ent.start : ent.end] if t.is_alpha or t.like_num}
        for other in models:
            if other.text.lower() == ent.text.lower() or not other.kb_id_:
                continue
            other_start, other_end = chunk_bounds(doc, other.start, other.end)
            base = other.text.lower().replace("-", "")
            name = ent.text.lower().replace("-", "")
            if name != base and name.startswith(base) or (
                other.end - other.start == 1 and other.text.lower() in parts and name != base
            ):
                found.append((ent, "based_on", other, "name-composition"))
    return found
