"""Names that leave out what a neighbour spells: coordinated names that share their head
(``supervised and self-supervised learning``) and numbers after a slash (``CIFAR-10/100``).

A lexicon term (``self-supervised learning``) often follows conjuncts that leave out its head:
``weakly supervised, and self-supervised learning``, ``zero- and few-shot prompting``.  Each
conjunct plus the shared head that spells another entry of the lexicon is that entry, its
mention being the conjunct alone (``weakly supervised`` -> weakly supervised learning).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.tokens import Doc

from extractors.chunks import JOINER_TEXTS
from extractors.normalize import name_key

#: what may separate conjuncts
_CONJUNCTIONS = frozenset({"and", "or", ","})
#: words that end a conjunct on its left
_STOPS = frozenset(
    "a an the of in on for to with by from as via using and or both either than their its our "
    "we".split()
)
#: at most this many words in one conjunct ("weakly supervised")
_MAX_WORDS = 3
#: at most this many conjuncts before the full term
_MAX_CONJUNCTS = 4


def lexicon_keys(entries: Iterable[tuple[str, str, list[str]]]) -> dict[str, tuple[str, str]]:
    """Name key of every pattern -> (entry id, label), from ``(id, label, patterns)``."""
    keys: dict[str, tuple[str, str]] = {}
    for entry_id, label, patterns in entries:
        for pattern in patterns:
            keys.setdefault(name_key(pattern), (entry_id, label))
    return keys


def elided_terms(
    doc: Doc, start: int, end: int, keys: dict[str, tuple[str, str]]
) -> Iterator[tuple[int, int, str, str]]:
    """``(start, end, entry id, label)`` of the conjuncts before the term ``doc[start:end]``
    whose text with the term's shared tail is a lexicon entry."""
    if start == 0 or end - start < 2 or doc[start - 1].lower_ not in _CONJUNCTIONS:
        return
    tails = [doc[j:end].text for j in range(start + 1, end)]
    k = start
    for _ in range(_MAX_CONJUNCTS):
        # the separator: ", and", "and", "or", ","
        sep = k - 1
        while sep >= 0 and doc[sep].lower_ in _CONJUNCTIONS and sep > k - 3:
            sep -= 1
        if sep == k - 1 or sep < 0:
            return
        conj_end = sep + 1
        found = next(
            (
                (conj_start, hit)
                for conj_start in _conjunct_starts(doc, conj_end)
                if (hit := _lookup(doc[conj_start:conj_end].text, tails, keys)) is not None
            ),
            None,
        )
        if found is None:
            return
        conj_start, (entry_id, label) = found
        yield conj_start, conj_end, entry_id, label
        k = conj_start


def _conjunct_starts(doc: Doc, end: int) -> list[int]:
    """Possible starts of the conjunct that ends at ``end``, longest first: up to three words
    (hyphen-glued parts count as one), ending in a word or a dangling hyphen (``zero-``)."""
    starts: list[int] = []
    i, words = end, 0
    while i > 0 and words < _MAX_WORDS:
        tok = doc[i - 1]
        if tok.text in JOINER_TEXTS and (i == end or not tok.whitespace_):
            i -= 1
            continue
        if not tok.is_alpha or tok.lower_ in _STOPS:
            break
        i -= 1
        if i > 0 and doc[i - 1].text in JOINER_TEXTS and not doc[i - 1].whitespace_:
            continue  # "weakly-supervised": one word with what it is glued to
        words += 1
        starts.append(i)
    return starts[::-1]


def _lookup(
    conjunct: str, tails: list[str], keys: dict[str, tuple[str, str]]
) -> tuple[str, str] | None:
    """The entry spelled by the conjunct and one of the tails (longest tail first)."""
    for tail in tails:
        if conjunct.endswith(tuple(JOINER_TEXTS)):  # "zero-" + "shot prompting"
            joined = conjunct + tail.lstrip("".join(JOINER_TEXTS))
        else:
            joined = conjunct + " " + tail.lstrip("".join(JOINER_TEXTS))
        hit = keys.get(name_key(joined))
        if hit is not None:
            return hit
    return None


def slashed_versions(
    doc: Doc, start: int, end: int, keys: dict[str, tuple[str, str]]
) -> Iterator[tuple[int, int, str, str]]:
    """``(start, end, entry id, label)`` of each number glued by a slash after the name
    ``doc[start:end]``, which ends in a number, that spells another lexicon entry in its place:
    ``CIFAR-10/100`` -> CIFAR-100, ``ResNet-18/34/50`` -> ResNet-34 and ResNet-50."""
    if end - start < 2 or not doc[end - 1].like_num:
        return
    stem = doc[start : end - 1].text_with_ws
    i = end
    while (i + 1 < len(doc) and doc[i].text == "/" and not doc[i - 1].whitespace_
           and not doc[i].whitespace_ and doc[i + 1].like_num):
        hit = keys.get(name_key(stem + doc[i + 1].text))
        if hit is not None:
            yield i + 1, i + 2, *hit
        i += 2
