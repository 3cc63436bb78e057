"""Per-doc token attributes as plain Python lists, computed once per doc.

``doc[i]`` and iterating a doc or span create a new :class:`~spacy.tokens.Token` object for every
token each time; the hot loops of the components read these lists instead.  The paperkg tokenizer
attaches the view to the docs it makes (from its words and a per-word cache of lexical
attributes); for other docs it is built from ``Doc.to_array`` on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from operator import add

from spacy.attrs import (
    IDX,
    IS_ALPHA,
    IS_LOWER,
    IS_PUNCT,
    IS_SPACE,
    IS_TITLE,
    LIKE_NUM,
    LIKE_URL,
    LOWER,
    ORTH,
    SPACY,
)
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

_VIEW = "paperkg_token_view"
_TEXT = "paperkg_text"
_ATTRS = [ORTH, LOWER, IDX, SPACY]
_ATTRS += [IS_LOWER, IS_PUNCT, IS_SPACE, LIKE_NUM, LIKE_URL, IS_ALPHA, IS_TITLE]


@dataclass(frozen=True, slots=True)
class TokenView:
    """Token ``i``'s attributes at index ``i`` of each list (names as on :class:`Token`)."""

    doc_text: str
    text: list[str]
    lower: list[str]
    idx: list[int]  #: character offset
    # flags
    ws: list[bool]  #: followed by a space
    is_lower: list[bool]
    is_punct: list[bool]
    is_space: list[bool]
    like_num: list[bool]
    like_url: list[bool]
    is_alpha: list[bool]
    is_title: list[bool]

    def span_text(self, start: int, end: int) -> str:
        """``doc[start:end].text``."""
        if end <= start:
            return ""
        return self.doc_text[self.idx[start] : self.idx[end - 1] + len(self.text[end - 1])]


def doc_text(doc: Doc) -> str:
    """``doc.text``, read once per doc (the tokenizer stores its input; ``Doc.text`` joins every
    token on each access)."""
    text = doc.user_data.get(_TEXT)
    if text is None:
        text = doc.user_data[_TEXT] = doc.text
    return text


class LexicalAttrs:
    """The lower-case form and flags of words, read from the vocab once per distinct word."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.cache: dict[str, tuple] = {}

    def rows(self, words: list[str]) -> list[tuple]:
        """``(lower, is_lower, is_punct, is_space, like_num, like_url, is_alpha, is_title)`` of
        every word."""
        cache = self.cache
        for word in set(words).difference(cache):
            lex = self.vocab[word]
            cache[word] = (lex.lower_, lex.is_lower, lex.is_punct, lex.is_space, lex.like_num,
                           lex.like_url, lex.is_alpha, lex.is_title)
        return [cache[word] for word in words]


def attach_view(
    doc: Doc, text: str, words: list[str], spaces: list[bool], lexical: LexicalAttrs
) -> None:
    """Record the text and token view of a doc made from ``words`` and ``spaces`` (its text must
    be ``text``)."""
    doc.user_data[_TEXT] = text
    if not words:
        return
    lower, *flags = ([*column] for column in zip(*lexical.rows(words), strict=True))
    idx = [*accumulate(map(add, map(len, words), spaces), initial=0)]  # offset of each token
    doc.user_data[_VIEW] = TokenView(text, words, lower, idx[:-1], spaces, *flags)


def text_of(span: Span) -> str:
    """``span.text``, sliced from the doc's text (``Span.text`` joins a Token per token)."""
    return token_view(span.doc).span_text(span.start, span.end)


def token_view(doc: Doc) -> TokenView:
    """The doc's :class:`TokenView` (built on first use; tokens never change afterwards)."""
    view = doc.user_data.get(_VIEW)
    if view is None:
        view = doc.user_data[_VIEW] = _build(doc)
    return view


def _build(doc: Doc) -> TokenView:
    if not len(doc):
        return TokenView(doc_text(doc), *([] for _ in range(11)))
    columns = doc.to_array(_ATTRS).T.tolist()
    strings = doc.vocab.strings
    return TokenView(
        doc_text(doc),
        [strings[h] for h in columns[0]],
        [strings[h] for h in columns[1]],
        *columns[2:],
    )
