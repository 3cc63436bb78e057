"""``paperkg_names``: names no lexicon knows, typed from context and morphology.

Rules (each candidate records the rule that fired):

- ``title-name``: the title convention ``Name: subtitle`` (also ``Name -- subtitle``); the name is
  proposed by the paper and typed by the subtitle's head noun (``A Benchmark for …``).
- ``head-noun``: a name followed by a head noun (``the MIMIC-IV dataset``, ``X and Y benchmarks``)
  or preceded by one with a naming word (``a benchmark called X``).
- ``apposition``: ``X, a new benchmark for …`` / ``X (a … model)``.
- ``morphology``: name shape alone: ``-QA``/``-Bench``/``-5.5M`` Dataset, ``-GPT``/``-BERT`` Model.

A name is proposed when the paper introduces it: the title rule, ``we propose/present/… X``,
``our X``, or a naming word.  Every occurrence of a name in the paper gets the type its best
context gave.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import groupby

from spacy.language import Language
from spacy.tokens import Doc

from extractors.candidates import Candidate, candidates
from extractors.chunks import FREE_SUFFIXES, JOINER_TEXTS, chunk_bounds, is_likeness
from extractors.components.abbreviation_types import is_generic_class
from extractors.components.abbreviations import EXTENSION as ABBREVIATIONS
from extractors.cues import (
    HEAD_TYPES,
    NAMING_WORDS,
    PROPOSE_VERBS,
    is_introduced,
    is_name_shaped,
    type_from_shape,
)
from extractors.normalize import name_key
from extractors.sentence_index import body_start, sentence_starts
from extractors.token_view import TokenView, token_view

NAME_PRIORITY = 2
#: how much one occurrence's context says about a name's type: a definition (``X, a new
#: benchmark``) most, the name's form (``-GPT``, ``-QA``) and the title convention least
RULE_WEIGHTS = {"apposition": 3, "morphology": 1, "title-name": 1}
_SKIPPABLE = frozenset({",", "and", "or", "&", "the", "new", "novel", "-"})


@dataclass(slots=True)
class _Occurrence:
    start: int
    end: int
    text: str
    type: str | None
    rule: str
    proposed: bool


@Language.factory("paperkg_names")
def make_name_finder(nlp: Language, name: str) -> NameFinder:
    """Factory: ``nlp.add_pipe("paperkg_names", before="paperkg_entities")``."""
    return NameFinder()


class NameFinder:
    """Adds candidates for unseen names (see the module docstring)."""

    def __call__(self, doc: Doc) -> Doc:
        generic = _generic_short_forms(doc)
        occurrences = [
            occ for occ in self._occurrences(doc) if occ.text.removesuffix("s") not in generic
        ]
        votes: dict[str, Counter] = {}
        shape_voted: set[str] = set()
        for occ in occurrences:
            if occ.type is None:
                continue
            key = name_key(occ.text)
            if occ.rule == "morphology":  # the name's form is one piece of evidence, however often
                if key in shape_voted:
                    continue
                shape_voted.add(key)
            votes.setdefault(key, Counter())[occ.type] += RULE_WEIGHTS.get(occ.rule, 2)
        proposed = {occ.text for occ in occurrences if occ.proposed}
        found = candidates(doc)
        for occ in occurrences:
            counter = votes.get(name_key(occ.text))
            if not counter:
                continue
            label = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            found.append(
                Candidate(
                    occ.start,
                    occ.end,
                    label,
                    f"pattern:{occ.rule}",
                    "",
                    NAME_PRIORITY,
                    occ.text in proposed,
                )
            )
        return doc

    def _occurrences(self, doc: Doc):
        starts = sentence_starts(doc)
        title_end = title_token_end(doc)
        yield from self._title_name(doc, title_end)
        view = token_view(doc)
        sentence_start = set(starts)
        i = 0
        for candidate in _name_starts(view):
            if candidate < i:
                continue
            start, end = chunk_bounds(doc, candidate, candidate + 1)
            end = _strip_suffixes(doc, start, end)
            if is_likeness(doc, end):
                i = max(end, candidate + 1)
                continue  # "a GPT-style model" names no model
            end = self._with_version(doc, end)
            text = view.span_text(start, end)
            i = max(end, candidate + 1)
            in_title = start < title_end  # everything is capitalised in a title
            shaped = is_name_shaped(text)
            if not shaped and (in_title or start in sentence_start or not view.is_title[start]):
                continue  # a plain capitalised word is a name only after a cue, mid-sentence
            introduced = not in_title and _introduced(doc, start, end)
            cue_object = not in_title and _after_based_on(doc, start)
            if not (shaped or introduced or cue_object):
                continue
            ctx_type, rule = self._context_type(doc, start, end)
            if ctx_type is None and cue_object:
                ctx_type, rule = "Model", "cue-object"
            if ctx_type is None:
                ctx_type, rule = type_from_shape(text), "morphology"
            proposed = introduced or is_introduced(doc, doc[start:end])
            if ctx_type is None and introduced:
                ctx_type, rule = own_type(doc), "proposal"
            yield _Occurrence(start, end, text, ctx_type, rule, proposed)

    @staticmethod
    def _with_version(doc: Doc, end: int) -> int:
        """Include a following one-digit version number: ``Med-PaLM 2``."""
        view = token_view(doc)
        texts = view.text
        if end < len(texts) and view.ws[end - 1] and len(texts[end]) == 1 and texts[end].isdigit():
            k = end + 1
            if (
                k == len(texts)
                or (view.is_punct[k] and texts[k] != "%")
                or view.is_space[k]
                or view.is_lower[k]
            ):
                return end + 1
        return end

    @staticmethod
    def _context_type(doc: Doc, start: int, end: int) -> tuple[str | None, str]:
        view = token_view(doc)
        texts, lower, is_lower, is_punct = view.text, view.lower, view.is_lower, view.is_punct
        n = len(texts)
        # right: "X dataset", "X and Y benchmarks", "X 7B model", "Long Name (X) technique"
        j = end + 1 if end < n and texts[end] == ")" and texts[start - 1] == "(" else end
        while j < n and j < end + 8:
            low = lower[j]
            if low in HEAD_TYPES:
                return HEAD_TYPES[low], "head-noun"
            if low in _SKIPPABLE or view.like_num[j] or (not is_lower[j] and not is_punct[j]):
                j += 1
                continue
            if view.is_alpha[j] and low not in _CLAUSE_WORDS and j < end + 4 and _adjective(low):
                j += 1  # adjectives before the head: "the X multilingual medical dataset"
                continue
            break
        # left: "a benchmark called X", "our medical LLM X", "an ECG Foundation Model (X)"
        left = start - 1
        while (
            left >= max(start - 8, 0)
            and lower[left] not in HEAD_TYPES
            and (
                texts[left] in _LEFT_PUNCT
                or lower[left] in _LIST_WORDS
                or (not is_lower[left] and not is_punct[left] and left < start - 1)
                or texts[left] in JOINER_TEXTS
                or _hyphen_tail(doc, left)  # "Gradient-based Parameter Selection (X)"
            )
        ):
            left -= 1  # "datasets R-RAD, R-SLAKE and R-Path", "Dataset, MedMD", "LLMs such as X"
        listed = any(w in _EXAMPLE_WORDS for w in lower[max(left, 0) : start])
        if (
            left >= 0
            and lower[left] in HEAD_TYPES
            and lower[left] not in ("tuning", "fine-tuning", "prompting", "score", "task", "tasks")
            # "methods such as X": papers call the models they compare methods
            and not (listed and HEAD_TYPES[lower[left]] == "Method")
        ):
            return HEAD_TYPES[lower[left]], "head-noun"
        if start >= 2 and lower[start - 1] in NAMING_WORDS:
            # "a benchmark called X", "a … language model for the biomedical domain, named X"
            for k in range(start - 2, max(start - 13, -1), -1):
                low = lower[k]
                if low in HEAD_TYPES:
                    return HEAD_TYPES[low], "head-noun"
                if low in PROPOSE_VERBS or texts[k] in _CLAUSE_ENDS or view.is_space[k]:
                    break
        # apposition: "X, a new benchmark for …", "X (a … model)", "Long Name (X), a …"
        k = end + 1 if end + 1 < n and texts[end] == ")" and texts[start - 1] == "(" else end
        if k < n and texts[k] in {",", "("} and k + 1 < n and lower[k + 1] in {"a", "an", "the"}:
            head = phrase_head(doc, k + 2)
            if head is not None:
                return HEAD_TYPES[lower[head]], "apposition"
        return None, ""

    @staticmethod
    def _title_name(doc: Doc, title_end: int):
        bounds = title_name_bounds(doc, title_end)
        if bounds is None:
            return
        end, sep = bounds
        chunk_end = chunk_bounds(doc, 0, 1)[1]
        if end == 0 or end not in (chunk_end, NameFinder._with_version(doc, chunk_end)):
            return  # the name must be one chunk (and a version number): "Med-PaLM 2: …"
        text = doc[:end].text
        if not is_name_shaped(text) and not (end == 1 and doc[0].is_title):
            return
        label = type_from_shape(text) or subtitle_type(doc[sep + 1 : title_end]) or own_type(doc)
        yield _Occurrence(0, end, text, label, "title-name", True)


#: words that join a list of names to the head noun before it: "LLMs, namely X", "such as X"
_LIST_WORDS = frozenset("and or namely including like such as e.g. i.e. especially".split())
#: irregular participles that end a noun phrase: "a model built on …"
_PARTICIPLES = frozenset("built made written grown known given taken run".split())
#: punctuation between a name and a head noun before it: "method, X", "approach "X""
_LEFT_PUNCT = frozenset({"(", ",", '"', "\u201c", "'", "\u2018"})
#: the list words that introduce examples of a class
_EXAMPLE_WORDS = frozenset("namely including like such e.g. i.e. especially".split())
#: "a collection of models": the head is what the collection holds
_CONTAINERS = frozenset("collection suite family series".split())


def _name_starts(view: TokenView) -> list[int]:
    """Tokens that can start a name: not lower-case, punctuation, a number, space or a URL."""
    flags = zip(
        view.is_space, view.is_punct, view.like_num, view.is_lower, view.like_url, strict=True
    )
    return [i for i, token_flags in enumerate(flags) if not any(token_flags)]


def phrase_head(doc: Doc, k: int, depth: int = 0) -> int | None:
    """The head noun of the noun phrase starting at token ``k``, when it is a type word of
    :data:`HEAD_TYPES`: ``a new LLM fine-tuning technique that …`` -> ``technique``;
    ``a prompting platform which …`` -> None (``prompting`` only modifies ``platform``);
    ``a collection of large language models`` -> ``models``."""
    n = len(doc)
    last_word = head = None
    for i in range(k, min(k + 16, n)):
        word = doc[i]
        low = word.lower_
        if word.text in _CLAUSE_ENDS or word.text == "(" or word.is_space or low in _CLAUSE_WORDS:
            break
        if word.text == ",":
            if head is not None:
                break
            continue  # between adjectives: "a large-scale, open-source dataset"
        glued = (i + 1 < n and doc[i + 1].text in JOINER_TEXTS and not word.whitespace_) or (
            i > 0 and doc[i - 1].text in JOINER_TEXTS and not doc[i - 1].whitespace_
        )
        modifier = low.endswith("ing") and i + 1 < n and doc[i + 1].lower_ in HEAD_TYPES
        if (
            word.is_lower
            and low not in HEAD_TYPES
            and not glued
            and not modifier  # "a model merging framework"
            and (low.endswith(("ly", "ed", "ing", "able", "ible")) or low in _PARTICIPLES)
        ):
            break  # "designed to", "built on", "comprising", "specifically", "capable of"
        if word.is_alpha:
            last_word = i
            head = i if low in HEAD_TYPES or low in _CONTAINERS else head
    else:
        return None
    if head is None or head != last_word:
        return None
    if doc[head].lower_ in _CONTAINERS and depth == 0 and doc[head + 1].lower_ == "of":
        inner = phrase_head(doc, head + 2, 1)
        if inner is not None:
            return inner
    return head if doc[head].lower_ in HEAD_TYPES else None


_ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "ary", "lingual", "modal", "scale", "source",
                      "domain", "purpose", "level", "based")


def _hyphen_tail(doc: Doc, i: int) -> bool:
    """Token ``i`` ends a hyphenated word: ``based`` in ``Gradient-based``."""
    view = token_view(doc)
    return i >= 2 and view.text[i - 1] in JOINER_TEXTS and not view.ws[i - 1] and not view.ws[i - 2]


def _generic_short_forms(doc: Doc) -> frozenset[str]:
    """Short forms the paper defines by a generic class name: ``classical machine learning
    models (CMLs)`` names no particular model, nor does ``CML`` later."""
    pairs = doc._.get(ABBREVIATIONS) if Doc.has_extension(ABBREVIATIONS) else None
    return frozenset(
        short.text.removesuffix("s")
        for long, short in pairs or ()
        if is_generic_class([t.text for t in long if not t.is_punct])
    )


def _adjective(word: str) -> bool:
    """A word that can stand between a name and its head noun (by its ending: ``medical``,
    ``multilingual``, ``large-scale``); verbs and nouns end the phrase."""
    return word.endswith(_ADJECTIVE_ENDINGS) or word in {"large", "new", "open", "public"}


#: words that end the noun phrase after a name
_CLAUSE_WORDS = frozenset(
    """on in of for to with by from at as than that which who is are was were be been has have
    had can could will would may might should achieves achieved achieve outperforms outperform
    outperformed shows show showed demonstrates demonstrate reaches reached uses use used using
    provides provide including includes include while whereas but not also only""".split()
)
_CLAUSE_ENDS = frozenset({".", ";", ":", ")", "!", "?"})
#: after these a capitalised word is the paper's own new thing: "we introduce Hippo, a …"
_INTRO_FOLLOWERS = frozenset({",", "(", ":", ".", ";"})
_BASED_ON = (("based", "on"), ("built", "on"), ("built", "upon"), ("from",), ("upon",))
_NOT_NAMES = frozenset(
    "a an the this that these our we it its their they in on for to of and with by from".split()
)


def _introduced(doc: Doc, start: int, end: int) -> bool:
    """``we present X,`` / ``we introduce X (…)`` / ``named X``: a capitalised X the paper names."""
    view = token_view(doc)
    if start < 1 or not view.text[start][:1].isupper() or view.lower[start] in _NOT_NAMES:
        return False
    if end >= len(view.text) or view.text[end] not in _INTRO_FOLLOWERS:
        return False
    prev = view.lower[start - 1]
    if prev in NAMING_WORDS:
        return True
    return prev in PROPOSE_VERBS and is_introduced(doc, doc[start:end])


def _after_based_on(doc: Doc, start: int) -> bool:
    """A capitalised word right after ``based on`` / ``built upon`` / ``fine-tuned from``."""
    view = token_view(doc)
    if not view.text[start][:1].isupper() or view.lower[start] in _NOT_NAMES:
        return False
    before = tuple(view.lower[max(start - 2, 0) : start])
    if before[-1:] == ("from",):
        return start >= 2 and view.lower[start - 2] in {
            "tuned",
            "initialized",
            "initialised",
            "adapted",
            "derived",
            "distilled",
        }
    return any(before[-len(c) :] == c for c in _BASED_ON if len(c) == 2 or c == ("upon",))


_OWN_WORDS = frozenset({"our", "proposed", "new", "novel"})


def own_type(doc: Doc) -> str:
    """What the paper mostly calls its own contribution: ``our model`` / ``the proposed method``.

    Counts the head nouns within three words after ``our``/``proposed``/``new``/``novel``;
    ``Method`` when there are none.
    """
    cached = doc.user_data.get(_OWN_TYPE)
    if cached is not None:
        return cached
    counts: Counter = Counter()
    lower = token_view(doc).lower
    for i, word in enumerate(lower):
        if word in _OWN_WORDS:
            for nxt in lower[i + 1 : i + 4]:
                if nxt in HEAD_TYPES:
                    counts[HEAD_TYPES[nxt]] += 1
                    break
    found = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if counts else "Method"
    doc.user_data[_OWN_TYPE] = found
    return found


_OWN_TYPE = "paperkg_own_type"


def title_token_end(doc: Doc) -> int:
    """End of the title's tokens: the line break before the abstract (its first sentence), or
    the doc's end."""
    start = body_start(doc)
    return start - 1 if start < len(doc) else start


def title_name_bounds(doc: Doc, title_end: int) -> tuple[int, int] | None:
    """(end of the name, index of the separator) of a title ``Name: subtitle`` (or ``Name --
    subtitle``), the name's trailing punctuation left out; ``None`` without a separator."""
    sep = _title_separator(doc, title_end)
    if sep is None:
        return None
    end = sep
    while end > 0 and doc[end - 1].is_punct and doc[end - 1].text not in JOINER_TEXTS:
        end -= 1
    return end, sep


_SEGMENT_BREAKS = frozenset(
    "for with via through using by in on to from towards toward under and as of".split())
_SEGMENT_MEANS = frozenset("via through using with by".split())
MAX_TITLE_SEGMENT_WORDS = 6


def title_segments(doc: Doc) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the title's phrases between prepositions, after a ``Name:`` prefix:
    its ``head`` phrase (``Out-of-Order Decoding`` for …) and, ``means``, each phrase after
    ``via``/``through``/``using``/``with``/``by`` (… through ``Top-Down Image Pyramid
    Traversal``), of at most six words; where titles name what the paper proposes.  Computed
    once per doc (candidates and features both read them)."""
    found = doc.user_data.get(_TITLE_SEGMENTS)
    if found is None:
        found = doc.user_data[_TITLE_SEGMENTS] = _title_segments(doc)
    return found


_TITLE_SEGMENTS = "paperkg_title_segments"


def _title_segments(doc: Doc) -> list[tuple[int, int, str]]:
    view = token_view(doc)
    lower, texts, ws = view.lower, view.text, view.ws
    end = title_token_end(doc)
    bounds = title_name_bounds(doc, end)
    start = bounds[1] + 1 if bounds else 0

    def breaks(k: int) -> bool:
        if view.is_punct[k]:
            return texts[k] not in JOINER_TEXTS
        glued = (k > start and texts[k - 1] in JOINER_TEXTS and not ws[k - 1]) or (
            k + 1 < end and texts[k + 1] in JOINER_TEXTS and not ws[k])
        return lower[k] in _SEGMENT_BREAKS and not glued  # "Out-of-Order" does not break

    runs = [list(group) for is_break, group in groupby(range(start, end), key=breaks)
            if not is_break]
    out = []
    for n, run in enumerate(runs):
        a, b = run[0], run[-1] + 1
        kind = "head" if n == 0 else "means" if lower[a - 1] in _SEGMENT_MEANS else ""
        a += lower[a] in ("a", "an", "the") and b > a + 1
        if kind and sum(view.is_alpha[a:b]) <= MAX_TITLE_SEGMENT_WORDS:
            out.append((a, b, kind))
    return out


def _title_separator(doc: Doc, title_end: int) -> int | None:
    """Token index of the ``:`` (or spaced dash) after a title's leading name, if any."""
    view = token_view(doc)
    for i, text in enumerate(view.text[: min(title_end, 6)]):
        if text == ":" or (text in JOINER_TEXTS and i > 0 and view.ws[i - 1]):
            return i or None
    return None


_SUBTITLE_STOPS = frozenset(
    "for of with via in on to from through using and towards toward by based that which".split()
)
_SUBTITLE_SKIP = frozenset("a an the towards toward".split())


def subtitle_type(subtitle) -> str | None:
    """Type given by the head of a subtitle's first noun phrase: ``A Benchmark for …`` Dataset.

    A subtitle that starts with a verb (``Enhancing …``, ``Aligning …``) says what the named thing
    does, not what it is: no type.
    """
    words = [t for t in subtitle if not t.is_punct or t.text in JOINER_TEXTS]
    while words and words[0].lower_ in _SUBTITLE_SKIP:
        words = words[1:]
    if not words:
        return None
    first = words[0].lower_
    if first.endswith("ing") and first not in HEAD_TYPES and first != "learning":
        return None
    for tok in words:
        low = tok.lower_
        if low in _SUBTITLE_STOPS:
            break
        if low in HEAD_TYPES:
            return HEAD_TYPES[low]
        if low in ("learning", "training", "pre-training", "pretraining"):
            return "Method"
    return None


def _strip_suffixes(doc: Doc, start: int, end: int) -> int:
    """Drop trailing joiners, lower-case suffixes and parameter counts of a chunk:
    ``GPT4-simulated`` -> ``GPT4``, ``LlaMA2-13B`` -> ``LlaMA2`` (sizes merge into the model)."""
    view = token_view(doc)
    texts = view.text
    while end > start and (
        texts[end - 1] in JOINER_TEXTS
        or (
            end - start > 2
            and texts[end - 2] in JOINER_TEXTS
            and (
                (view.is_lower[end - 1] and _is_free_suffix(texts[end - 1]))
                or _PARAMETER_COUNT.match(texts[end - 1])
            )
        )
    ):
        end -= 1
    return end


_PARAMETER_COUNT = re.compile(r"^\d+(\.\d+)?[bB]$")


def _is_free_suffix(word: str) -> bool:
    """``-based``, ``-simulated``, ``-driven``: a suffix that is not part of the name
    (``MIMIC-III-full`` and ``DoctorFLAN-test`` keep theirs)."""
    return word in FREE_SUFFIXES or (
        word.isalpha() and len(word) > 4 and word.endswith(("ed", "ing"))
    )
