"""``paperkg_sentences``: sentence boundaries for titles and abstracts.

spaCy's rule-based ``Sentencizer`` splits after every ``.``/``!``/``?``; this component also
splits after a newline (the title is sentence 0) and undoes splits before a lower-case word,
which abstracts produce with ``w.r.t``, ``approx.``, ``Fig.`` and decimals written oddly.
A run of more than :data:`MAX_SENTENCE_TOKENS` tokens without a boundary (no real sentence is
that long) is cut every :data:`MAX_SENTENCE_TOKENS` tokens, so that the per-sentence work of the
later components stays bounded on hostile text.

The Sentencizer's rule is applied to the doc's :class:`~extractors.token_view.TokenView` and the
boundaries are written in one ``Doc.from_array`` call.
"""

from __future__ import annotations

from typing import cast

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from thinc.types import Ints2d

from extractors.token_view import TokenView, token_view

PUNCT_CHARS = frozenset([*Sentencizer.default_punct_chars, "\n"])
#: longest sentence, in tokens (the longest of the shared corpus has well under 200)
MAX_SENTENCE_TOKENS = 400


@Language.factory("paperkg_sentences")
def make_sentence_splitter(nlp: Language, name: str) -> SentenceSplitter:
    """Factory: ``nlp.add_pipe("paperkg_sentences")`` (instead of ``sentencizer``)."""
    return SentenceSplitter(name)


class SentenceSplitter:
    """The Sentencizer with newlines as boundaries and no boundary before a lower-case word."""

    def __init__(self, name: str = "paperkg_sentences") -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if len(doc):
            view = token_view(doc)
            starts = _cap_sentences(_join_lower(view, _punct_starts(view)), len(doc))
            flags = numpy.full((len(doc), 1), -1, dtype=numpy.int64)
            flags[starts] = 1
            # -1 (as uint64): inside a sentence; thinc's Ints2d is this array type
            doc.from_array([SENT_START], cast(Ints2d, flags.view(numpy.uint64)))
        return doc


def _punct_starts(view: TokenView) -> list[int]:
    """Sentence starts by spaCy's ``Sentencizer`` rule: a sentence starts at the first token that
    is no punctuation after a sentence-final mark."""
    starts = [0]
    seen_period = False
    for i, (text, is_punct) in enumerate(zip(view.text, view.is_punct, strict=True)):
        final = text in PUNCT_CHARS
        if seen_period and not is_punct and not final:
            starts.append(i)
            seen_period = False
        elif final:
            seen_period = True
    return starts


def _join_lower(view: TokenView, starts: list[int]) -> list[int]:
    """Drop the starts at a lower-case word that does not follow a newline."""
    return starts[:1] + [
        i for i in starts[1:] if not view.is_lower[i] or view.text[i - 1] == "\n"
    ]


def _cap_sentences(starts: list[int], n: int) -> list[int]:
    """Add a start every :data:`MAX_SENTENCE_TOKENS` tokens of an over-long sentence."""
    capped: list[int] = []
    for begin, end in zip(starts, [*starts[1:], n], strict=True):
        capped.extend(range(begin, end, MAX_SENTENCE_TOKENS))
    return capped
