"""``paperkg_sentences``: sentence boundaries for titles and abstracts.

spaCy's rule-based ``Sentencizer`` splits after every ``.``/``!``/``?``; this component also
splits after a newline (the title is sentence 0) and undoes splits before a lower-case word,
which abstracts produce with ``w.r.t``, ``approx.``, ``Fig.`` and decimals written oddly.
A run of more than :data:`MAX_SENTENCE_TOKENS` tokens without a boundary (no real sentence is
that long) is cut every :data:`MAX_SENTENCE_TOKENS` tokens, so that the per-sentence work of the
later components stays bounded on hostile text.
"""

from __future__ import annotations

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

PUNCT_CHARS = [*Sentencizer.default_punct_chars, "\n"]
#: longest sentence, in tokens (the longest of the shared corpus has well under 200)
MAX_SENTENCE_TOKENS = 400


@Language.factory("paperkg_sentences")
def make_sentence_splitter(nlp: Language, name: str) -> SentenceSplitter:
    """Factory: ``nlp.add_pipe("paperkg_sentences")`` (instead of ``sentencizer``)."""
    return SentenceSplitter(name)


class SentenceSplitter:
    """The Sentencizer with newlines as boundaries and no boundary before a lower-case word."""

    def __init__(self, name: str = "paperkg_sentences") -> None:
        self.sentencizer = Sentencizer(name, punct_chars=PUNCT_CHARS)

    def __call__(self, doc: Doc) -> Doc:
        doc = self.sentencizer(doc)
        if len(doc):
            for i in numpy.flatnonzero(doc.to_array(SENT_START) == 1)[1:]:
                token = doc[int(i)]
                if token.is_lower and doc[int(i) - 1].text != "\n":
                    token.is_sent_start = False
            _cap_sentences(doc)
        return doc


def _cap_sentences(doc: Doc) -> None:
    """Start a new sentence every :data:`MAX_SENTENCE_TOKENS` tokens of an over-long one."""
    starts = numpy.flatnonzero(doc.to_array(SENT_START) == 1).tolist() + [len(doc)]
    for begin, end in zip(starts, starts[1:], strict=False):
        for i in range(begin + MAX_SENTENCE_TOKENS, end, MAX_SENTENCE_TOKENS):
            doc[i].is_sent_start = True
