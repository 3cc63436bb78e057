"""Text: what every output can hold, and how the extractor reads a paper (a title in capitals,
LaTeX styling)."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

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


#: LaTeX commands that style the words in their braces: ``\emph{``, ``\textit{``, ``{\em ``
_STYLING = re.compile(
    r"\\(?:emph|underline|text(?:it|bf|tt|sc|sf|rm|up|sl|md))\s*\{"
    r"|\{\\(?:em|it|bf|tt|sc|sf|sl)(?![A-Za-z])\s*"
)


@dataclass(frozen=True, slots=True)
class Reading:
    """A text as the extractor reads it, and where its characters stand in the text as given.

    ``cuts`` holds, for each place where characters of the given text were left out, the
    offset in ``text`` before which they were and how many were left out up to there."""

    text: str
    cuts: tuple[tuple[int, int], ...] = ()

    def source_start(self, offset: int) -> int:
        """The given text's offset of the character at ``offset``."""
        k = bisect_right(self.cuts, offset, key=_at)
        return offset + (self.cuts[k - 1][1] if k else 0)

    def source_end(self, offset: int) -> int:
        """The given text's offset just after the character before ``offset`` (an end)."""
        return self.source_start(offset - 1) + 1 if offset else 0

    def reading_offset(self, source: int) -> int:
        """The offset in ``text`` of the given text's offset ``source``, or of the first kept
        character after it."""
        k = bisect_right(self.cuts, source, key=_source_at)
        offset = source - (self.cuts[k - 1][1] if k else 0)
        return min(offset, self.cuts[k][0]) if k < len(self.cuts) else offset


def _at(cut: tuple[int, int]) -> int:
    return cut[0]


def _source_at(cut: tuple[int, int]) -> int:
    """The given text's offset of the first character after the cut."""
    return cut[0] + cut[1]


def read_styling(text: str) -> Reading:
    """``text`` without the LaTeX styling around its words: ``We propose \\textit{LatticeNAS},``
    is read as ``We propose LatticeNAS,`` (``\\emph``, ``\\textbf``, ``{\\em …}`` and their
    kind, with balanced braces; mathematics and other commands stay)."""
    if "\\" not in text:
        return Reading(text)
    left_out: list[tuple[int, int]] = []
    for match in _STYLING.finditer(text):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            depth += (text[i] == "{") - (text[i] == "}")
            i += 1
        if not depth:
            left_out += [(match.start(), match.end()), (i - 1, i)]
    if not left_out:
        return Reading(text)
    parts: list[str] = []
    cuts: list[tuple[int, int]] = []
    kept = gone = 0
    for start, end in sorted(left_out):
        parts.append(text[kept:start])
        gone += end - start
        cuts.append((end - gone, gone))
        kept = end
    parts.append(text[kept:])
    return Reading("".join(parts), tuple(cuts))
