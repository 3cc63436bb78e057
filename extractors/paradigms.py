"""Learning paradigms named by their adjective: ``self-supervised pre-training``,
``a semi-supervised approach``, ``self-supervised PT`` are the paradigm (``self-supervised
learning``), written with another head.

The adjective (``self-supervised``, ``semi-supervised``, ``weakly supervised``) followed, at most
one word later, by a method head (``pre-training``, ``algorithm``, ``approach`` …) is a mention
of the lexicon entry ``<adjective> learning``.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from extractors.normalize import name_key

#: adjectives of learning paradigms (their ``… learning`` entries are in the lexicon)
ADJECTIVES = ("self-supervised", "semi-supervised", "weakly supervised", "weakly-supervised")
#: words that make the adjective's phrase a method: "self-supervised algorithms"
HEADS = frozenset(
    "pretraining training pt algorithm algorithms method methods approach approaches objective "
    "objectives paradigm paradigms framework frameworks manner fashion".split()
)


class Paradigms:
    """Finds paradigm adjectives with a method head; returns ``(start, end, entry id)``."""

    def __init__(self, nlp: Language, keys: dict[str, tuple[str, str]]) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.entries: dict[str, str] = {}
        for adjective in ADJECTIVES:
            hit = keys.get(name_key(adjective + " learning"))
            if hit is not None:
                self.entries[name_key(adjective)] = hit[0]
                self.matcher.add(name_key(adjective), [nlp.make_doc(adjective)])

    def __call__(self, doc: Doc) -> list[tuple[int, int, str]]:
        found = []
        strings = doc.vocab.strings
        for match_id, start, end in self.matcher(doc) if self.entries else ():
            head_end = _head_end(doc, end) or _head_end(doc, end + 1)
            if head_end is not None:
                found.append((start, head_end, self.entries[strings[match_id]]))
        return found


def _head_end(doc: Doc, i: int) -> int | None:
    """End of a method head starting at token ``i`` (``pre-training`` is three tokens)."""
    if i >= len(doc) or (i > 0 and not doc[i - 1].is_alpha and doc[i - 1].text != "-"):
        return None
    word = doc[i].lower_
    if word in HEADS:
        return i + 1
    if word == "pre" and i + 2 < len(doc) and doc[i + 1].text == "-" and doc[i + 2].lower_ in (
        "training",
        "train",
    ):
        return i + 3
    return None
