"""Data resources named in title case with their head noun: ``the Harvard-Emory ECG Database``,
``benchmarks including NEJM Image Challenges``.

A run of capitalised words (acronyms, hyphenated words) ending in a capitalised dataset head
(``Database``, ``Dataset``, ``Benchmark``, ``Corpus``, ``Challenge`` …) is the name of a dataset,
head included, when it follows ``the``, a preposition or a list word (not ``a``/``an``: ``a
large-scale Medical Multi-modal Dataset`` describes one).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token

from extractors.chunks import JOINER_TEXTS

#: capitalised heads that end a resource name
HEADS = frozenset(
    "dataset datasets database databases corpus corpora benchmark benchmarks challenge "
    "challenges atlas biobank archive registry".split()
)
#: words a resource name may follow
_BEFORE = frozenset("the on in from of including include includes and or , with across".split())
MAX_WORDS = 6


class TitledResources:
    """Finds title-case resource names (see the module docstring)."""

    def __init__(self, nlp: Language) -> None:
        self.heads = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.heads.add("HEAD", [nlp.make_doc(h) for h in sorted(HEADS)])

    def __call__(self, doc: Doc, first_sentence_end: int) -> list[tuple[int, int]]:
        """``(start, end)`` of the names after ``first_sentence_end`` (the title's words are all
        capitalised)."""
        return titled_resources(
            doc, [doc[s] for _, s, _ in self.heads(doc) if s >= first_sentence_end],
            first_sentence_end,
        )


def titled_resources(
    doc: Doc, heads: list[Token], first_sentence_end: int
) -> list[tuple[int, int]]:
    """``(start, end)`` of the resource names ending at one of ``heads``."""
    found = []
    for tok in heads:
        if not tok.is_title:
            continue
        start, words = tok.i, 0
        while start > first_sentence_end and words < MAX_WORDS:
            prev = doc[start - 1]
            if prev.text in JOINER_TEXTS and not prev.whitespace_:
                start -= 1
                continue
            if not prev.text[:1].isupper() or not any(c.isalpha() for c in prev.text):
                break
            start -= 1
            words += 1
        follows = start > 0 and doc[start - 1].lower_ in _BEFORE
        if words and follows and not doc[start].is_sent_start:
            found.append((start, tok.i + 1))
    return found
