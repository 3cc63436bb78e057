"""Entity candidates for the trained decider: the rule pipeline's entities plus generous extras.

The rule components (lexicons, name morphology, abbreviations, head nouns, proposal cues, title
names, compounds) resolve their candidates into ``doc.ents``; those spans are candidates here,
with the rule that chose them.  Two cheap families add what no rule proposes:

- **head-noun chunks** (``chunk:head``): a run of up to four words before a task or method head
  word (``text classification``, ``graph neural networks``, ``policy optimization``), every
  suffix of the run that ends at the head;
- **name-shaped tokens** (``shape:name``): a word with inner capitals or digits (``ResNeXt``,
  ``bAbI``, ``CIFAR10``) or a run of capitalised words before a head noun that no rule took.

Each candidate becomes a feature dict (:mod:`extractors.decider.features`); the model decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

from extractors.token_view import token_view

#: head words of task- and method-shaped noun phrases, with the type they suggest
CHUNK_HEADS: dict[str, str] = {
    **dict.fromkeys(
        "classification detection segmentation translation recognition generation answering "
        "retrieval summarization summarisation prediction estimation parsing tagging captioning "
        "labeling labelling localization localisation tracking reconstruction synthesis "
        "completion inference forecasting reasoning understanding matching alignment "
        "registration extraction diagnosis navigation control planning"
        " modeling modelling separation verification repair manipulation compression "
        "disambiguation restoration editing grounding transfer adaptation".split(),
        "Task",
    ),
    **dict.fromkeys(
        "learning network networks optimization optimisation descent regularization "
        "regularisation normalization normalisation attention autoencoder autoencoders "
        "encoder encoders transformer transformers distillation augmentation sampling "
        "pruning quantization embedding embeddings dropout search gradient gradients "
        "algorithm algorithms machine machines regression tuning training pretraining "
        "mechanism models model perceptron decomposition factorization factorisation "
        "initialization initialisation attack attacks explanation explanations rendering "
        "programming approximation divergence distance schedule representations motivation "
        "aggregation consensus process processes filter filters policy policies loss "
        "estimator estimators kernel kernels forest trees".split(),
        "Method",
    ),
}
#: words that never start or sit inside a chunk
_STOP = frozenset(
    "a an the this that these those our their its his her we they it is are was were be been "
    "being of for in on at to from by with and or but as via into over under than then which "
    "who whom whose what where when how such can could may might will would should must not no "
    "also both each every all any some many most more less few other another new novel "
    "proposed existing standard various several different same first second state art based "
    "using use used uses while whereas however thus hence do does did has have had".split()
)
_INNER_CAPS = re.compile(r"^(?=.*[a-z])(?=.*[A-Z]).*[a-z].*[A-Z]|^[A-Z]{2,}.*\d|^[a-z]+[A-Z]")
MAX_CHUNK_WORDS = 4


@dataclass(slots=True)
class EntityCandidate:
    """A span the decider decides on: from the rules (``rule`` as in the mention) or an extra."""

    start: int
    end: int
    label: str  #: the type the rules gave ("" for an extra with no guess)
    rule: str
    kb_id: str = ""
    proposed: bool = False  #: what the rules said
    chosen: bool = False  #: the rule pipeline kept it (a ``doc.ents`` span)
    widest: bool = True  #: no candidate of its family extends it further left


def rule_candidates(doc: Doc) -> list[EntityCandidate]:
    """The spans of ``doc.ents`` (what the rule pipeline resolved), as candidates."""
    return [
        EntityCandidate(e.start, e.end, e.label_, e._.rule or "", e.kb_id_, bool(e._.proposed),
                        True)
        for e in doc.ents
    ]


def extra_candidates(doc: Doc, taken: bytearray) -> list[EntityCandidate]:
    """Head-noun chunks and name-shaped words that overlap no rule entity (``taken`` marks the
    tokens of the rule entities)."""
    view = token_view(doc)
    lower, texts, ws = view.lower, view.text, view.ws
    out: list[EntityCandidate] = []
    heads = [i for i, w in enumerate(lower) if w in CHUNK_HEADS and not taken[i]]
    for i in heads:
        head_type = CHUNK_HEADS[lower[i]]
        start = i
        words = 0
        while start > 0 and words < MAX_CHUNK_WORDS:
            k = start - 1
            if (texts[k] == "-" and k > 0 and not ws[k - 1] and not ws[k]
                    and not taken[k - 1] and _chunk_word(view, k - 1)):
                start, words = k - 1, words + 1  # "self-supervised learning"
                continue
            if taken[k] or not _chunk_word(view, k):
                break
            start, words = k, words + 1
        out.extend(
            EntityCandidate(s, i + 1, head_type, "chunk:head", widest=s == start)
            for s in range(start, i)
            if texts[s] != "-" and not (s > 0 and texts[s - 1] == "-" and not ws[s - 1])
        )
    # a word with a capital after its first letter, or capitals and digits; not title case
    is_title = view.is_title
    out.extend(
        EntityCandidate(i, i + 1, "", "shape:name")
        for i, (t, w) in enumerate(zip(texts, lower, strict=True))
        if t != w and i > 0 and not is_title[i] and not taken[i] and len(t) > 2
        and t.isalnum() and _INNER_CAPS.match(t)
    )
    return out


def _chunk_word(view, k: int) -> bool:
    word = view.lower[k]
    return bool(
        (view.is_alpha[k] or (any(c.isalpha() for c in word) and word.isalnum()))
        and word not in _STOP
        and not view.is_punct[k]
        and len(word) > 1
    )


def modified_candidates(doc: Doc, rules: list[EntityCandidate], taken: bytearray
                        ) -> list[EntityCandidate]:
    """A rule entity with up to three modifier words before it (``Wasserstein GAN``,
    ``conditional GAN``, ``few-shot image classification``): competes with the entity."""
    view = token_view(doc)
    texts, ws = view.text, view.ws
    out = []
    for c in rules:
        if c.label not in ("Method", "Task", "Model"):
            continue
        start, words = c.start, 0
        while start > 0 and words < 3:
            k = start - 1
            if (texts[k] == "-" and k > 0 and not ws[k - 1] and not ws[k]
                    and not taken[k - 1] and _chunk_word(view, k - 1)):
                start, words = k - 1, words + 1
            elif not taken[k] and _chunk_word(view, k) and _modifier(texts[k], k, view):
                start, words = k, words + 1
            else:
                break
            out.append(EntityCandidate(start, c.end, c.label, "chunk:modified", c.kb_id,
                                       widest=False))
        if out and out[-1].end == c.end and out[-1].rule == "chunk:modified":
            out[-1].widest = True
    return out


#: adjective endings: a modifier word before a known name (no tagger: verbs must not join)
_ADJECTIVE = re.compile(r"(al|ial|ive|ic|ous|ary|ar|ed|less|ful|able|ible)$")


def _modifier(text: str, k: int, view) -> bool:
    """A word that may modify a name before it: capitalised inside a sentence
    (``Wasserstein``), or adjective-shaped (``conditional``, ``graph-based``)."""
    if text[:1].isupper():
        return k > 0 and view.text[k - 1] not in (".", "\n") and not view.is_space[k - 1]
    return bool(_ADJECTIVE.search(text))


def all_candidates(doc: Doc) -> list[EntityCandidate]:
    """Rule entities first, then the extras (deterministic order)."""
    rules = rule_candidates(doc)
    taken = bytearray(len(doc))
    for c in rules:
        taken[c.start : c.end] = b"\x01" * (c.end - c.start)
    return rules + extra_candidates(doc, taken) + modified_candidates(doc, rules, taken)
