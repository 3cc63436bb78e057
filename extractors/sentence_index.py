"""Sentence boundaries as token offsets, computed once per doc (``Span.sent`` rescans the doc)."""

from __future__ import annotations

from bisect import bisect_right

import numpy
from spacy.attrs import SENT_START
from spacy.tokens import Doc, Span

_KEY = "paperkg_sentence_starts"


def sentence_starts(doc: Doc) -> list[int]:
    """Token index of the first token of every sentence (``[0]`` for an unsegmented doc)."""
    starts = doc.user_data.get(_KEY)
    if starts is None:
        flags = doc.to_array(SENT_START) if len(doc) else numpy.zeros(0)
        starts = [0, *(int(i) for i in numpy.flatnonzero(flags == 1) if i)]
        doc.user_data[_KEY] = starts
    return starts


def sentence_index(doc: Doc, token: int) -> int:
    """Index of the sentence that holds token ``token``."""
    return bisect_right(sentence_starts(doc), token) - 1


def sentence_span(doc: Doc, index: int) -> Span:
    """Sentence ``index`` as a span."""
    starts = sentence_starts(doc)
    end = starts[index + 1] if index + 1 < len(starts) else len(doc)
    return doc[starts[index] : end]
