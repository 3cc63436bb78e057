"""Text: what every output can hold, and how the extractor reads a title."""

from __future__ import annotations

import re

#: Unicode noncharacters (U+FDD0..U+FDEF and the last two code points of every plane): "not for
#: interchange", refused by XML 1.0 and by some RDF parsers (raptor).  Read as U+FFFD.
NONCHARACTERS = re.compile("[\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
) + "]")


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` with every Unicode noncharacter and lone surrogate (a JSON ``\\ud800`` escape
    that is not half of a pair, which no UTF-8 output can hold) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", NONCHARACTERS.sub("\ufffd", value))


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_INNER_CAPITAL = re.compile(r"[a-z\d][A-Z]")
_VOWELS = frozenset("aeiouy")
#: lower case inside a title in title case
_TITLE_LOWER = frozenset(
    "a an and as at but by for from in into nor of on or over per than the to via vs with".split()
)


def _name_cased(word: str) -> bool:
    """Spelt as a name: GAN, GANs, 3D, ResNet, Seq2Seq (not HORizon, where an acronym comes
    from)."""
    return word.removesuffix("s").isupper() or bool(_INNER_CAPITAL.search(word))


def reading_title(title: str, abstract: str) -> str:
    """``title`` as the extractor reads it.

    A title in capitals (``PRUNING WITH HINTS: AN EFFICIENT FRAMEWORK``; one OpenReview title in
    28) makes every word look like an acronym.  When all its words of three letters or more are
    in capitals (but one, of three or more: ``textTOvec: DEEP …``), those words are read in title
    case: spelt as the abstract spells them, or their plural or singular, where that spelling is
    a name's (``GANs``, ``ResNet``), else capitalised, ``of``/``for``/``with``… in lower case.  A
    one-word name before the colon (``SNIP: …``), words with digits and words without vowels
    (``CNNS``) keep their capitals.  The reading has the title's length, so character offsets
    hold for both.
    """
    words = [w for w in _WORD.findall(title) if len(w) > 2]
    if len(words) < 2 or sum(not w.isupper() for w in words) > (len(words) > 2):
        return title
    named: dict[str, str] = {}  #: lower case -> the abstract's spelling of a name
    for word in sorted(_WORD.findall(abstract)):
        if _name_cased(word):
            named.setdefault(word.lower(), word)
    colon = title.find(":")
    name_end = colon if colon > 0 and len(title[:colon].split()) == 1 else 0

    def recase(match: re.Match[str]) -> str:
        word = match.group()
        if not word.isupper():  # as its author wrote it
            return word
        lower = word.lower()
        spelt = (named.get(lower)
                 or (named[lower[:-1]] + lower[-1] if lower[:-1] in named else "")  # GANS
                 or named.get(lower + "s", "")[:-1])  # GCN, the abstract's GCNs
        before = title[:match.start()].rstrip()
        if spelt:
            new = spelt
        elif (match.end() <= name_end or any(c.isdigit() for c in word)
              or not _VOWELS.intersection(lower)):
            new = word
        elif lower in _TITLE_LOWER and before and before[-1] not in ":?!.":
            new = lower
        else:
            new = word[:1] + word[1:].lower()
        return new if len(new) == len(word) else word

    return _WORD.sub(recase, title)
