"""Compound task names: a task term with the modifiers in front of it is one task.

``volumetric medical image segmentation``, ``chest X-ray report generation`` and ``lung disease
classification`` are tasks of their own, not mentions of ``image segmentation``.  A Task span
is extended to the left over up to three modifier words (domain, organ, modality and setting
words such as ``medical``, ``lung``, ``3D``, ``zero-shot``; not part of another entity); a bare
generic head (``diagnosis``, ``classification``) with no modifier and no task cue is dropped.
"""

from __future__ import annotations

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from extractors.chunks import JOINER_TEXTS
from extractors.sentence_index import sentence_index, sentence_span
from extractors.token_view import TokenView, text_of, token_view

MAX_MODIFIERS = 3
#: words that make a task name more specific: domain, organ, modality, data and setting words
MODIFIERS = frozenset(
    """medical clinical biomedical health healthcare radiology radiological pathology pathological
    histopathology histopathological surgical dermatology dermatological ophthalmic ophthalmology
    retinal fundus dental cardiac cardiology cardiovascular brain tumor tumour lung pulmonary
    liver kidney renal breast prostate colon colorectal skin cancer disease diseases organ
    multi-organ organs lesion lesions polyp nodule nodules cell cells nuclei nucleus gland vessel
    chest x ray x-ray xray ultrasound endoscopy endoscopic microscopy ecg eeg ct mri pet oct
    image images imaging video videos text textual document report reports radiograph
    radiographs visual vision multimodal multi-modal cross-modal crossmodal vision-language 2d 3d
    volumetric semantic instance panoptic interactive promptable universal zero-shot few-shot
    one-shot open-ended open-domain closed-domain multiple-choice multi-choice multi-label
    multilabel multi-class multiclass binary fine-grained long-form abstractive extractive
    discharge summary clinical-trial trial patient patients event entity entities relation
    named icd icd-10 rare mortality readmission drug molecule protein gene genomic genomics
    biomedical-domain evidence dialogue conversational question answer visual-question
    scientific legal financial code language speech audio sentence document-level
    rhythm arrhythmia sleep stroke alzheimer's alzheimer covid-19 pneumonia diabetic
    retinopathy glaucoma ocular eye mammography mammogram""".split()
)
#: task heads that alone are too vague to be a task name
GENERIC_HEADS = frozenset(
    "diagnosis classification segmentation detection generation prediction retrieval reasoning "
    "recognition understanding analysis estimation forecasting".split()
)
TASK_CUES = frozenset({"task", "tasks", "problem", "challenge"})


def _is_modifier(token) -> bool:
    return token.text in JOINER_TEXTS or token.lower_ in MODIFIERS


def compound_tasks(doc: Doc, spans: list[Span]) -> list[Span]:
    """Extend Task spans over their modifiers; drop bare generic heads (see module docstring)."""
    taken = bytearray(len(doc))
    for span in spans:
        taken[span.start : span.end] = b"\x01" * (span.end - span.start)
    out = []
    for span in spans:
        if span.label_ != "Task":
            out.append(span)
            continue
        start, words = span.start, 0
        while start > 0 and words < MAX_MODIFIERS and not taken[start - 1]:
            token = doc[start - 1]
            if not _is_modifier(token):
                break
            if token.text in JOINER_TEXTS:
                if start < 2 or doc[start - 2].whitespace_ or token.whitespace_:
                    break  # a joiner glues words: "X-ray", "multi-label"
            else:
                words += 1
            start -= 1
        # never end inside a chunk: "zero-shot" is taken whole or not at all
        while start < span.start and (
            doc[start].text in JOINER_TEXTS
            or (
                start > 0 and doc[start - 1].text in JOINER_TEXTS and not doc[start - 1].whitespace_
            )
        ):
            start += 1
        if start == span.start and _is_generic(span) and not _cued(doc, span):
            continue
        if start < span.start:
            new = Span(doc, start, span.end, label=span.label_, kb_id="")
            new._.rule = "compound:" + (span._.rule or "")
            new._.proposed = span._.proposed
            span = new
        out.append(span)
    return out


_VAGUE = frozenset({"medical", "clinical", "biomedical", "automated", "automatic", "general"})


def _is_generic(span: Span) -> bool:
    """``diagnosis``, ``medical diagnosis``, ``automated classification``: too vague alone."""
    words = [w for w in text_of(span).lower().split() if w not in _VAGUE]
    return len(words) == 1 and words[0] in GENERIC_HEADS


def _cued(doc: Doc, span: Span) -> bool:
    """``the task of X`` / ``X task``."""
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    before = {t.lower_ for t in doc[max(span.start - 3, 0) : span.start]}
    return after in TASK_CUES or bool(before & TASK_CUES)


#: heads of method names: "sparse fine-tuning", "soft prompting", "stratified sampling"
METHOD_HEADS = frozenset(
    "fine-tuning finetuning tuning pre-training pretraining training prompting learning sampling "
    "distillation merging regularization regularisation augmentation alignment "
    "optimization optimisation search decoding".split()
)
#: modifiers that make a method name of such a head
METHOD_MODIFIERS = frozenset(
    """sparse dense soft hard full partial continual continued preference contrastive supervised
    self-supervised unsupervised semi-supervised weakly weakly-supervised multitask multi-task
    multimodal multi-modal cross-modal domain-specific domain-adaptive instruction visual prompt
    prefix adapter representation federated personalized personalised transfer curriculum active
    meta reinforcement imitation ensemble adversarial stratified hierarchical progressive
    incremental selective layer-wise low-rank parameter-efficient zero-shot few-shot one-shot
    in-context chain-of-thought knowledge contextual generative discriminative
    full-parameter prompt-based adapter-based retrieval-augmented uncertainty-guided
    privacy-preserving context-aware cube-based physics-informed knowledge-guided
    memory-efficient""".split()
)


class MethodCompounds:
    """Finds ``<modifier…> <method head>`` compounds (``continual pre-training``).

    Heads are found with a PhraseMatcher; only at a head are the words before it looked at.
    """

    def __init__(self, nlp) -> None:
        self.heads = PhraseMatcher(nlp.vocab, attr="NORM")
        self.heads.add("METHOD_HEAD", [nlp.make_doc(h) for h in sorted(METHOD_HEADS)])

    def __call__(self, doc: Doc) -> list[tuple[int, int]]:
        found = []
        view = token_view(doc)
        for _, head_start, head_end in self.heads(doc):
            start = head_start
            while start > 0:
                word_start = _word_start(view, start - 1)
                if view.span_text(word_start, start).lower() not in METHOD_MODIFIERS:
                    break
                start = word_start
            if start < head_start:
                found.append((start, head_end))
        return found


def _word_start(view: TokenView, end_token: int) -> int:
    """Start of the chunk ending at token ``end_token`` (``self-supervised`` is one word)."""
    start = end_token
    while (
        start >= 2
        and view.text[start - 1] in JOINER_TEXTS
        and not view.ws[start - 1]
        and not view.ws[start - 2]
    ):
        start -= 2
    return start


#: metric names that are also everyday words: kept only in an evaluation context
GENERIC_METRICS = frozenset({"accuracy", "precision", "recall", "sensitivity", "specificity"})
_METRIC_CONTEXT = frozenset(
    "metric metrics score scores measured measure measures terms achieves achieved achieve "
    "reaching reached improves improved improvement higher lower top-1 top-5 mean average "
    "measuring evaluate evaluates evaluated evaluating compute computes computed reported".split()
)


def in_metric_context(doc: Doc, span: Span, metric_spans: list[Span]) -> bool:
    """A generic metric word (``accuracy``) is a metric when a number, another metric or an
    evaluation word is near it in the same sentence, not in ``precision medicine``."""
    if text_of(span).lower() not in GENERIC_METRICS:
        return True
    sent = sentence_span(doc, sentence_index(doc, span.start))
    window = doc[max(span.start - 6, sent.start) : min(span.end + 6, sent.end)]
    if any(t.like_num or t.text == "%" or t.lower_ in _METRIC_CONTEXT for t in window):
        return True
    # a list of metrics: "precision, recall and F1"
    return any(o is not span and abs(o.start - span.start) <= 4 for o in metric_spans)
