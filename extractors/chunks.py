"""Name chunks: maximal runs of word tokens glued by joiners (``-``, ``/``, ``+``…) with no space.

``GMAI-VL-5.5M``, ``Llama-3-8B-Instruct`` and ``ViT-B/16`` are each one chunk.  A lexicon match
that is only part of a chunk (``SAM`` in ``SAM-Med2D``) names something else, unless the rest
of the chunk is a suffix such as ``-based`` or a model size.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from extractors.token_view import TokenView, token_view

JOINER_TEXTS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212+=")
#: what may follow a name inside its chunk without making it another name: "Llama-2-based"
FREE_SUFFIXES = frozenset(
    "based like style specific derived driven powered guided enhanced tuned finetuned "
    "only free level scale aware assisted informed augmented pretrained trained generated "
    "initialized initialised inspired built centric friendly compatible sized "
    # size variants merge into their model: "BART-Large", "BERT-base"
    "base large small tiny medium xl xxl huge family series".split()
)
SIZE = re.compile(r"^\d+(\.\d+)?[kKmMbBtT]$|^[xX]?\d+[bB]$|^v\d+(\.\d+)?$")
#: a chunk grows at most this many tokens each way: names are far shorter, and an unbounded
#: chunk (``7B-7B-7B-…`` thousands of times) made name finding quadratic in the text length
MAX_CHUNK_REACH = 24


def _is_word(token_text: str) -> bool:
    return any(c.isalnum() for c in token_text)


def chunk_bounds(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Token bounds of the chunk around ``doc[start:end]`` (at most :data:`MAX_CHUNK_REACH` tokens
    beyond it on either side)."""
    view = token_view(doc)
    floor, ceiling = max(1, start - MAX_CHUNK_REACH), end + MAX_CHUNK_REACH
    while start > floor and _glued(view, start - 2, start - 1) and _glued(view, start - 1, start):
        start -= 2
    n = len(doc)
    while (
        end + 1 < n and end < ceiling and _glued(view, end - 1, end) and _glued(view, end, end + 1)
    ):
        end += 2
    return start, end


def _glued(view: TokenView, i: int, j: int) -> bool:
    """Tokens i and j=i+1 are glued: no space between, one a joiner and the other a word."""
    if view.ws[i]:
        return False
    a, b = view.text[i], view.text[j]
    if a in JOINER_TEXTS:
        return _is_word(b) and (a != "/" or _slash_glues(view, i))
    return b in JOINER_TEXTS and _is_word(a) and (b != "/" or _slash_glues(view, j))


def _slash_glues(view: TokenView, k: int) -> bool:
    """A slash glues a name only next to a number (``ViT-B/16``); ``radiology/cardiology`` and
    ``ensemble/self-consistency`` are two words."""
    texts = view.text
    return any(0 <= x < len(texts) and texts[x][:1].isdigit() for x in (k - 1, k + 1))


def is_whole_name(span: Span) -> bool:
    """True when ``span`` is its whole chunk, or the rest of the chunk is a free suffix/size."""
    doc = span.doc
    start, end = chunk_bounds(doc, span.start, span.end)
    if start < span.start:
        return False
    # the tokens after the span: joiner, word, joiner, word…
    rest = token_view(doc).text[span.end + 1 : end : 2]
    return all(w.lower() in FREE_SUFFIXES or SIZE.match(w) or w.isdigit() for w in rest[:1]) and (
        len(rest) <= 2
    )


#: suffixes that make a model's name describe a kind of model: "a GPT-style decoder"
LIKENESS_SUFFIXES = frozenset({"style", "like", "type"})


def is_likeness(doc: Doc, end: int) -> bool:
    """``GPT-style``, ``BERT-like``: the name describes a kind, it names no model used."""
    view = token_view(doc)
    return (
        end + 1 < len(doc)
        and view.text[end] == "-"
        and not view.ws[end - 1]
        and not view.ws[end]
        and view.lower[end + 1] in LIKENESS_SUFFIXES
    )
