"""Entity candidates for the trained decider: the rule pipeline's entities plus generous extras.

The rule components (lexicons, name morphology, abbreviations, head nouns, proposal cues, title
names, compounds) resolve their candidates into ``doc.ents``; those spans are candidates here,
with the rule that chose them.  Cheap families add what no rule proposes:

- **head-noun chunks** (``chunk:head``): a run of up to four words before a task or method head
  word (``text classification``, ``graph neural networks``, ``policy optimization``), every
  suffix of the run that ends at the head;
- **name-shaped tokens** (``shape:name``): a word with inner capitals or digits (``ResNeXt``,
  ``bAbI``, ``CIFAR10``) or a run of capitalised words before a head noun that no rule took;
- **modified names**, **list items**, **capitalised runs** and **abbreviation definitions**
  (below);
- **title names** (``title:prefix``): the words before a title's ``:``, whatever their shape;
- **title phrases** (``title:head``, ``title:means``): the title's first phrase before a
  preposition (``Out-of-Order Decoding`` for …) and each phrase after ``via``/``through``/
  ``using``/``with``/``by``; a candidate of another family with the same span gets a feature
  saying it is one;
- **architecture words** (``word:architecture``): ``Transformer(s)``, a Model or a Method by
  context.

Each candidate becomes a feature dict (:mod:`extractors.decider.features`); the model decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

from extractors.components.abbreviations import EXTENSION as ABBREVIATIONS
from extractors.components.names import title_name_bounds, title_segments, title_token_end
from extractors.cues import HEAD_TYPES
from extractors.sentence_index import body_start
from extractors.token_view import TokenView, token_view

#: head words of task- and method-shaped noun phrases, with the type they suggest
CHUNK_HEADS: dict[str, str] = {
    **dict.fromkeys(
        "classification detection segmentation translation recognition generation answering "
        "retrieval summarization summarisation prediction estimation parsing tagging captioning "
        "labeling labelling localization localisation tracking reconstruction synthesis "
        "completion inference forecasting reasoning understanding matching alignment "
        "registration extraction diagnosis navigation control planning"
        " modeling modelling separation verification repair manipulation compression "
        "disambiguation restoration editing grounding transfer adaptation denoising "
        "inpainting watermarking clustering ranking generalization generalisation "
        "exploration".split(),
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
        "estimator estimators kernel kernels forest trees classifier layer unit pooling "
        "convolution memory replay ensemble ensembling boosting attribution decay stereo "
        "function architecture module block".split(),
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
#: words that may join the capitalised words of a name: "Animals with Attributes"
_CONNECTORS = frozenset("of with for and to in on from".split())
#: separators of the items of a list: "A, B and C"
_LIST_SEPARATORS = frozenset({",", "and", "or"})
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


def head_type(word: str) -> str | None:
    """The type a chunk head suggests (``networks`` as ``network``), or ``None``."""
    found = CHUNK_HEADS.get(word)
    if found is None and len(word) > 4 and word[-1] == "s":
        found = CHUNK_HEADS.get(word[:-1])
    return found


def extra_candidates(doc: Doc, taken: bytearray) -> list[EntityCandidate]:
    """Head-noun chunks and name-shaped words that overlap no rule entity (``taken`` marks the
    tokens of the rule entities)."""
    view = token_view(doc)
    lower, texts, ws = view.lower, view.text, view.ws
    out: list[EntityCandidate] = []
    for i, word in enumerate(lower):
        head = head_type(word)
        if head is None or taken[i]:
            continue
        start = run_start(view, taken, i, MAX_CHUNK_WORDS)
        out.extend(
            EntityCandidate(s, i + 1, head, "chunk:head", widest=s == start)
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


def _glued_hyphen(view: TokenView, k: int) -> bool:
    """Token ``k`` is a hyphen with no space on either side: ``self-supervised``."""
    return view.text[k] == "-" and k > 0 and not view.ws[k - 1] and not view.ws[k]


def run_start(view: TokenView, taken: bytearray, end: int, limit: int) -> int:
    """Start of the run of up to ``limit`` chunk words (hyphenated compounds count as one
    word, ``graph-based`` too) before token ``end``."""
    start, words = end, 0
    while start > 0 and words < limit:
        k = start - 1
        if _glued_hyphen(view, k) and not taken[k - 1] and _chunk_word(view, k - 1):
            start, words = k - 1, words + 1  # "self-supervised learning"
        elif (k > 1 and _glued_hyphen(view, k - 1) and not taken[k] and view.is_alpha[k]
              and not taken[k - 2] and _chunk_word(view, k - 2)):
            start, words = k - 2, words + 1  # "graph-based", "off-policy": any word after "-"
        elif taken[k] or not _chunk_word(view, k):
            break
        else:
            start, words = k, words + 1
    return start


def run_end(view: TokenView, taken: bytearray, start: int, limit: int) -> int:
    """End of the run of up to ``limit`` chunk words from token ``start`` on."""
    end, words, n = start, 0, len(view.lower)
    while end < n and words < limit and not taken[end] and _chunk_word(view, end):
        end += 1
        while (end + 1 < n and _glued_hyphen(view, end) and not taken[end + 1]
               and view.is_alpha[end + 1]):
            end += 2
        words += 1
    return end


def list_candidates(doc: Doc, taken: bytearray) -> list[EntityCandidate]:
    """The items of a list (``image denoising, demosaicing, and super-resolution``) one of
    whose items is a rule entity or a head-noun chunk: the first item with every suffix, the
    others whole (the last also without a final head noun: ``translation tasks``)."""
    view = token_view(doc)
    lower = view.lower
    n = len(lower)
    # (left item start, left item end, right item start, right item end) of every separator
    links = []
    for i, word in enumerate(lower):
        if word not in _LIST_SEPARATORS or i == 0 or i + 1 >= n:
            continue
        if word == "," and lower[i + 1] in ("and", "or"):
            continue  # ", and": the conjunction joins the items
        left_end = i - 1 if lower[i - 1] == "," and word != "," else i
        right_start = i + 1
        links.append((run_start(view, taken, left_end, MAX_CHUNK_WORDS), left_end, right_start,
                      run_end(view, taken, right_start, MAX_CHUNK_WORDS)))
    out: list[EntityCandidate] = []
    group: list[tuple[int, int, int, int]] = []
    for link in links:
        if group and not (group[-1][3] == link[1] and group[-1][2] < group[-1][3]):
            out.extend(_list_items(view, taken, group))
            group = []
        group.append(link)
    out.extend(_list_items(view, taken, group))
    return out


def _list_items(view: TokenView, taken: bytearray, group: list[tuple[int, int, int, int]]
                ) -> list[EntityCandidate]:
    """The candidates of one list (its separators' items, left to right)."""
    if not group:
        return []
    items = [(group[0][0], group[0][1])] + [(a, b) for _, _, a, b in group]
    anchored = any(
        (b < len(taken) and taken[b] and a == b) or (a > 0 and a == b and taken[a - 1])
        or (a < b and head_type(view.lower[b - 1]) is not None)
        or (b < len(taken) and view.lower[b] in HEAD_TYPES)
        for a, b in items
    )
    if not anchored:
        return []
    out: list[EntityCandidate] = []
    last = len(items) - 1
    for position, (a, b) in enumerate(items):
        if a >= b:
            continue
        if position == 0:  # every suffix of two words or more: "learned contact model"
            spans = [(s, b) for s in range(a, b - 1) if view.text[s] != "-"
                     and not (s > 0 and _glued_hyphen(view, s - 1))] or [(a, b)]
        elif position == last and b - a > 1 and view.lower[b - 1] in HEAD_TYPES:
            spans = [(a, b), (a, b - 1)]  # "translation tasks": also without the head noun
        else:
            spans = [(a, b)]
        out.extend(EntityCandidate(s, e, head_type(view.lower[e - 1]) or "", "list:item",
                                   widest=(s, e) == (a, b)) for s, e in spans
                   if e - s > 1 or _item_word(view.lower[s]))
    return out


#: one-word list items that are verbs or bare heads: "we train and evaluate", "data and model"
_NOT_ITEMS = frozenset(
    "train trained evaluate evaluated test tested compare compared propose use show study "
    "analyze analyse improve learn learned apply model models method methods data task tasks "
    "approach approaches results".split()
)


def _item_word(word: str) -> bool:
    return word not in _NOT_ITEMS and len(word) > 2


def caps_candidates(doc: Doc, taken: bytearray) -> list[EntityCandidate]:
    """Runs of capitalised words outside the title that no rule took (``Shortest Path``,
    ``Monte Carlo``, ``Animals with Attributes 2``), without a leading sentence word
    (``We``, ``The``)."""
    view = token_view(doc)
    texts, lower = view.text, view.lower
    n = len(texts)
    out = []
    i = body_start(doc)
    while i < n:
        if not _capitalised(view, i) or taken[i] or lower[i] in _STOP:
            i += 1
            continue
        end, caps = i + 1, 1
        while end < n and not taken[end]:
            if _capitalised(view, end) or (view.like_num[end] and caps):
                end, caps = end + 1, caps + 1
            elif _glued_hyphen(view, end) and end + 1 < n and view.is_alpha[end + 1]:
                end += 2
            elif (lower[end] in _CONNECTORS and end + 1 < n and _capitalised(view, end + 1)
                  and not taken[end + 1]):
                end += 1
            else:
                break
        if caps >= 2 and end - i <= 8:
            out.append(EntityCandidate(i, end, "", "caps:run"))
            # "Polyvore Outfits and Animals with Attributes 2": each side too
            out.extend(EntityCandidate(a, b, "", "caps:run", widest=False)
                       for a, b in _split_at_and(lower, i, end))
        i = end
    return out


def _split_at_and(lower: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """The parts of ``lower[start:end]`` between its ``and`` words (none if it has none)."""
    cuts = [k for k in range(start, end) if lower[k] == "and"]
    if not cuts:
        return []
    bounds = [start - 1, *cuts, end]
    return [(a + 1, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a + 1]


def _capitalised(view: TokenView, k: int) -> bool:
    text = view.text[k]
    return text[:1].isupper() and any(c.isalpha() for c in text) and len(text) > 1


def abbreviation_candidates(doc: Doc, taken: bytearray) -> list[EntityCandidate]:
    """Both forms of every abbreviation definition no rule entity overlaps
    (``Monte Carlo (MC)``): the paper names something."""
    pairs = doc._.get(ABBREVIATIONS) if Doc.has_extension(ABBREVIATIONS) else None
    out = []
    for long_span, short_span in pairs or ():
        for span, rule in ((long_span, "abbr:long"), (short_span, "abbr:short")):
            if not any(taken[span.start : span.end]):
                out.append(EntityCandidate(span.start, span.end, "", rule))
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
            elif (k > 1 and _glued_hyphen(view, k - 1) and not taken[k] and view.is_alpha[k]
                  and not taken[k - 2] and _chunk_word(view, k - 2)):
                start, words = k - 2, words + 1  # "surprise-based intrinsic motivation"
            elif not taken[k] and _chunk_word(view, k) and _modifier(texts[k], k, view):
                start, words = k, words + 1
            else:
                break
            # a modified name is another entity than the one it modifies: no lexicon id, so
            # that it is neither labelled nor linked as that entry
            out.append(EntityCandidate(start, c.end, c.label, "chunk:modified", "",
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


#: words that name an architecture as a Model ("the Transformer") or as a family of them, a
#: Method ("CNNs, Transformers, and MLPs"): no lexicon type fits both, so the decider types them
_ARCHITECTURE_WORDS = frozenset({"transformer", "transformers"})


def architecture_candidates(doc: Doc, taken: bytearray) -> list[EntityCandidate]:
    """``Transformer`` and its plural where no rule entity holds them."""
    lower = token_view(doc).lower
    return [EntityCandidate(i, i + 1, "", "word:architecture")
            for i, word in enumerate(lower) if word in _ARCHITECTURE_WORDS and not taken[i]]


def title_name_candidates(doc: Doc) -> list[EntityCandidate]:
    """The words before a title's ``:`` (``Stackelberg GAN: Towards …``), whatever their shape
    and whatever rule entity they hold: the title convention names what the paper proposes."""
    bounds = title_name_bounds(doc, title_token_end(doc))
    return [EntityCandidate(0, bounds[0], "", "title:prefix")] if bounds and bounds[0] else []


def title_segment_candidates(doc: Doc) -> list[EntityCandidate]:
    """The title's head phrase and the phrases after ``via``/``through``/``using``/``with``/
    ``by`` (:func:`~extractors.components.names.title_segments`)."""
    return [EntityCandidate(a, b, "", f"title:{kind}") for a, b, kind in title_segments(doc)]


def all_candidates(doc: Doc) -> list[EntityCandidate]:
    """Rule entities first, then the extras (deterministic order); a span two families
    propose is one candidate, of the first family."""
    rules = rule_candidates(doc)
    taken = bytearray(len(doc))
    for c in rules:
        taken[c.start : c.end] = b"\x01" * (c.end - c.start)
    seen: dict[tuple[int, int], EntityCandidate] = {}
    for c in [*extra_candidates(doc, taken), *modified_candidates(doc, rules, taken),
              *list_candidates(doc, taken), *caps_candidates(doc, taken),
              *abbreviation_candidates(doc, taken), *architecture_candidates(doc, taken),
              *title_name_candidates(doc), *title_segment_candidates(doc)]:
        seen.setdefault((c.start, c.end), c)
    return rules + list(seen.values())
