"""Sentence boundaries as token offsets, computed once per doc (``Span.sent`` rescans the doc)."""

from __future__ import annotations

from bisect import bisect_right

import numpy
from spacy.attrs import SENT_START
from spacy.tokens import Doc, Span

from extractors.token_view import token_view

_KEY = "paperkg_sentence_starts"
_TEXTS = "paperkg_sentence_texts"


def sentence_starts(doc: Doc) -> list[int]:
    """Token index of the first token of every sentence (``[0]`` for an unsegmented doc)."""
    starts = doc.user_data.get(_KEY)
    if starts is None:
        flags = doc.to_array(SENT_START) if len(doc) else numpy.zeros(0)
        starts = [0, *(int(i) for i in numpy.flatnonzero(flags == 1) if i)]
        doc.user_data[_KEY] = starts
    return starts


def body_start(doc: Doc) -> int:
    """Token index of the abstract's first sentence (the title is the first), or ``len(doc)``."""
    starts = sentence_starts(doc)
    return starts[1] if len(starts) > 1 else len(doc)


def sentence_index(doc: Doc, token: int) -> int:
    """Index of the sentence that holds token ``token``."""
    return bisect_right(sentence_starts(doc), token) - 1


def sentence_text(doc: Doc, index: int) -> str:
    """The text of sentence ``index``, stripped (``Span.text`` creates a Token per token)."""
    texts = doc.user_data.get(_TEXTS)
    if texts is None:
        texts = doc.user_data[_TEXTS] = _sentence_texts(doc)
    return texts[index]


def _sentence_texts(doc: Doc) -> list[str]:
    view = token_view(doc)
    bounds = [*sentence_starts(doc), len(doc)]
    return [view.span_text(a, b).strip() for a, b in zip(bounds, bounds[1:], strict=False)]


def sentence_span(doc: Doc, index: int) -> Span:
    """Sentence ``index`` as a span."""
    starts = sentence_starts(doc)
    end = starts[index + 1] if index + 1 < len(starts) else len(doc)
    return doc[starts[index] : end]
