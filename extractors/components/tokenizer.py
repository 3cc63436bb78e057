"""``paperkg.tokenizer.v1``: a fast tokenizer for titles and abstracts.

One compiled regular expression splits text into words, numbers, URLs and single punctuation
marks; every hyphen, dash, slash, ``=`` and ``+`` is its own token, so surface variants of a name
line up token by token (``Med-PaLM``, ``Med‐PaLM``; ``ViT-B/16``) and one lexicon pattern matches
them all.  Abbreviations with periods (``e.g.``, ``et al.``, ``U.S.``) stay one token so that the
sentencizer does not split there.  It is several times faster than spaCy's rule-based English
tokenizer, which dominates the cost of extraction.  ``doc.text`` always equals the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from spacy.attrs import NORM
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from extractors.token_view import LexicalAttrs, attach_view

TOKEN = re.compile(
    r"""
    (   (?:https?://|www\.)[^\s<>"]*[^\s<>".,;:!?)\]}'] # URLs
      | \b(?:e\.g|i\.e|al|vs|etc|cf|approx|resp|Fig|Figs|Eq|No|ca)\.  # abbreviations
      | (?:[A-Z]\.){2,}                             # U.S., U.K.
      | \w+(?:(?:[.,]\d+)+\w*)?                      # words; 0.91, 1,000, v1.5, Qwen2.5, 5.5M
      | [^\w\s]                                     # one punctuation mark or symbol
    ) (\x20?)                                       # and the single space after it
    | (\s)                                          # whitespace other than that space
    """,
    re.VERBOSE,
)


def split(text: str) -> tuple[list[str], list[bool]]:
    """The words of ``text`` and whether a space follows each."""
    matches = TOKEN.findall(text)  # (token, its trailing space, whitespace token)
    return [token or space for token, _, space in matches], [bool(t) for _, t, _ in matches]


class Tokenizer:
    """A regex tokenizer producing :class:`~spacy.tokens.Doc` objects whose text is the input,
    each with its :class:`~extractors.token_view.TokenView` attached."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.lexical = LexicalAttrs(vocab)

    def __call__(self, text: str) -> Doc:
        words, spaces = split(text)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        attach_view(doc, text, words, spaces, self.lexical)
        return doc

    def phrase_pattern(self, text: str, attr: str) -> tuple[int, ...]:
        """A phrase pattern as :class:`~spacy.matcher.PhraseMatcher` stores it: the ``ORTH`` or
        ``NORM`` hash of each token (``PhraseMatcher.add`` takes these in place of a Doc, as
        its own unpickling does).  Start-up adds about 50,000 patterns: making a Doc of each,
        and a lexeme of each new word, was most of its time."""
        words, _ = split(text)
        strings = self.vocab.strings
        if attr == "ORTH":
            return tuple(strings.add(word) for word in words)
        norm = self.vocab.lex_attr_getters[NORM]  # type: ignore[attr-defined]  # not in the stub
        # a word's lexeme, once made, has this norm (or the one set on it: unicode dashes)
        return tuple(self.vocab[word].norm if word in self.vocab else strings.add(norm(word))
                     for word in words)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    # serialisation: the tokenizer has no state beyond the vocab
    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> Tokenizer:
        return self

    def to_disk(self, path: str | Path, **kwargs) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: str | Path, **kwargs) -> Tokenizer:
        return self


@spacy.registry.tokenizers("paperkg.tokenizer.v1")
def create_tokenizer():
    """Registered factory: ``[nlp.tokenizer] @tokenizers = "paperkg.tokenizer.v1"``."""

    def make(nlp: Language) -> Tokenizer:
        return Tokenizer(nlp.vocab)

    return make
