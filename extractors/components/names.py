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

from collections import Counter
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from extractors.candidates import Candidate, candidates
from extractors.chunks import JOINER_TEXTS, chunk_bounds
from extractors.cues import (
    HEAD_TYPES,
    NAMING_WORDS,
    PROPOSE_VERBS,
    is_name_shaped,
    type_from_shape,
)

NAME_PRIORITY = 2
_SKIPPABLE = frozenset({",", "and", "or", "&", "the", "new", "novel", "-"})
_TITLE_SEPARATORS = (":", "--", "\u2013", "\u2014")


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
        occurrences = list(self._occurrences(doc))
        votes: dict[str, Counter] = {}
        for occ in occurrences:
            if occ.type is not None:
                weight = 1 if occ.rule in ("morphology", "title-name") else 2
                votes.setdefault(occ.text, Counter())[occ.type] += weight
        proposed = {occ.text for occ in occurrences if occ.proposed}
        found = candidates(doc)
        for occ in occurrences:
            counter = votes.get(occ.text)
            if not counter:
                continue
            label = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            found.append(
                Candidate(occ.start, occ.end, label, f"pattern:{occ.rule}", "", NAME_PRIORITY,
                          occ.text in proposed)
            )
        return doc

    def _occurrences(self, doc: Doc):
        title_end = next((t.i for t in doc if t.text == "\n"), len(doc))
        yield from self._title_name(doc, title_end)
        propose_from = self._proposal_starts(doc)
        i, n = 0, len(doc)
        while i < n:
            tok = doc[i]
            if tok.is_space or tok.is_punct or tok.like_num or tok.is_lower or tok.like_url:
                i += 1
                continue
            start, end = chunk_bounds(doc, i, i + 1)
            end = _strip_suffixes(doc, start, end)
            end = self._with_version(doc, end)
            text = doc[start:end].text
            i = max(end, i + 1)
            if not is_name_shaped(text):
                continue
            ctx_type, rule = self._context_type(doc, start, end)
            if ctx_type is None:
                ctx_type, rule = type_from_shape(text), "morphology"
            proposed = (
                propose_from.get(doc[start].sent.start, n) <= start
                or (start > 0 and doc[start - 1].lower_ == "our")
                or (start > 0 and doc[start - 1].lower_ in NAMING_WORDS)
            )
            yield _Occurrence(start, end, text, ctx_type, rule, proposed)

    @staticmethod
    def _with_version(doc: Doc, end: int) -> int:
        """Include a following one-digit version number: ``Med-PaLM 2``."""
        if end < len(doc) and doc[end - 1].whitespace_ and len(doc[end].text) == 1 and doc[
            end
        ].text.isdigit():
            nxt = doc[end + 1] if end + 1 < len(doc) else None
            if nxt is None or (nxt.is_punct and nxt.text != "%") or nxt.is_space or nxt.is_lower:
                return end + 1
        return end

    @staticmethod
    def _proposal_starts(doc: Doc) -> dict[int, int]:
        """Sentence start -> token index after which names are introduced by the paper."""
        starts: dict[int, int] = {}
        for sent in doc.sents:
            for tok in sent:
                if tok.lower_ in PROPOSE_VERBS and tok.i > sent.start and doc[
                    tok.i - 1
                ].lower_ in {"we", "here", "paper", "study", "work", "this"}:
                    starts[sent.start] = tok.i
                    break
        return starts

    @staticmethod
    def _context_type(doc: Doc, start: int, end: int) -> tuple[str | None, str]:
        n = len(doc)
        # right: "X dataset", "X and Y benchmarks", "X 7B model"
        j = end
        while j < n and j < end + 8:
            word = doc[j]
            low = word.lower_
            if low in HEAD_TYPES:
                return HEAD_TYPES[low], "head-noun"
            if low in _SKIPPABLE or word.like_num or (not word.is_lower and not word.is_punct):
                j += 1
                continue
            if low in {"language", "foundation", "vision", "vision-language", "large", "medical"}:
                j += 1
                continue
            break
        # left: "a benchmark called X", "our medical LLM X"
        if start >= 1 and doc[start - 1].lower_ in HEAD_TYPES and doc[start - 1].lower_ not in (
            "tuning", "fine-tuning", "prompting", "score", "task", "tasks"
        ):
            return HEAD_TYPES[doc[start - 1].lower_], "head-noun"
        if start >= 2 and doc[start - 1].lower_ in NAMING_WORDS:
            for k in range(start - 2, max(start - 5, -1), -1):
                if doc[k].lower_ in HEAD_TYPES:
                    return HEAD_TYPES[doc[k].lower_], "head-noun"
        # apposition: "X, a new benchmark for …", "X (a … model)"
        if end < n and doc[end].text in {",", "("} and end + 1 < n and doc[end + 1].lower_ in {
            "a", "an", "the"
        }:
            for k in range(end + 2, min(end + 10, n)):
                word = doc[k]
                if word.is_punct and word.text not in JOINER_TEXTS:
                    break
                if word.lower_ in HEAD_TYPES:
                    return HEAD_TYPES[word.lower_], "apposition"
        return None, ""

    @staticmethod
    def _title_name(doc: Doc, title_end: int):
        sep = next(
            (t.i for t in doc[:title_end] if t.text in _TITLE_SEPARATORS), None
        )
        if sep is None or sep == 0 or sep > 4:
            return
        if doc[sep].text == "-" and not doc[sep - 1].whitespace_:
            return
        start, end = 0, sep
        while end > start and doc[end - 1].is_punct and doc[end - 1].text not in JOINER_TEXTS:
            end -= 1
        chunk_end = chunk_bounds(doc, 0, 1)[1]
        if end == 0 or end not in (chunk_end, NameFinder._with_version(doc, chunk_end)):
            return  # the name must be one chunk (and a version number): "Med-PaLM 2: …"
        text = doc[start:end].text
        if not is_name_shaped(text) and not (end - start == 1 and doc[0].is_title):
            return
        label = type_from_shape(text)
        for tok in doc[sep + 1 : min(sep + 8, title_end)] if label is None else ():
            if tok.lower_ in HEAD_TYPES:
                label = HEAD_TYPES[tok.lower_]
                break
        label = label or "Method"
        yield _Occurrence(start, end, text, label, "title-name", True)


def _strip_suffixes(doc: Doc, start: int, end: int) -> int:
    """Drop trailing joiners and lower-case suffixes from a chunk: ``GPT4-simulated`` -> ``GPT4``."""
    while end > start and (
        doc[end - 1].text in JOINER_TEXTS
        or (end - start > 2 and doc[end - 2].text in JOINER_TEXTS and doc[end - 1].is_lower
            and doc[end - 1].is_alpha)
    ):
        end -= 1
    return end
