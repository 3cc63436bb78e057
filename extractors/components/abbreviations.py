"""``paperkg_abbreviations``: Schwartz–Hearst abbreviation detection.

Finds definitions written ``long form (SF)`` (and ``SF (long form)``) and exposes them as
``doc._.abbreviations``: a list of ``(long_span, short_span)`` pairs.  The algorithm is the one of
A. S. Schwartz and M. A. Hearst, *A simple algorithm for identifying abbreviation definitions in
biomedical text*, PSB 2003: the short form's characters are found right-to-left in the words
before the parenthesis, the first character of the short form starting a word; the long form has
at most ``min(|SF| + 5, 2·|SF|)`` words.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from extractors.sentence_index import sentence_index, sentence_span
from extractors.token_view import doc_text

EXTENSION = "abbreviations"


def short_form_ok(text: str) -> bool:
    """A plausible short form: 2–10 characters, starts alphanumeric, has a letter, ≤ 2 words."""
    return (
        2 <= len(text) <= 10
        and text[0].isalnum()
        and any(c.isalpha() for c in text)
        and len(text.split()) <= 2
        and any(c.isupper() for c in text)
    )


def find_long_form(short: str, candidate: str) -> int | None:
    """Start offset in ``candidate`` of the long form for ``short`` (Schwartz–Hearst), or None."""
    s_idx, l_idx = len(short) - 1, len(candidate) - 1
    while s_idx >= 0:
        c = short[s_idx].lower()
        if not c.isalnum():
            s_idx -= 1
            continue
        while l_idx >= 0 and (
            candidate[l_idx].lower() != c
            or (s_idx == 0 and l_idx > 0 and candidate[l_idx - 1].isalnum())
        ):
            l_idx -= 1
        if l_idx < 0:
            return None
        l_idx -= 1
        s_idx -= 1
    start = candidate.rfind(" ", 0, l_idx + 1) + 1
    return start


def without_wrapping(span: Span) -> Span:
    """``span`` without the quotes, brackets and LaTeX markup around it: the long form of
    “nonlinear channels aggregation networks” (NCAN) or \\emph{Word Mover's Distance} (WMD)."""
    doc, start, end = span.doc, span.start, span.end
    while start < end:
        tok = doc[start]
        if tok.text == "\\" and start + 1 < end and doc[start + 1].is_alpha:
            start += 2  # \emph
        elif tok.is_quote or tok.is_left_punct:
            start += 1
        else:
            break
    while end > start and (doc[end - 1].is_quote or doc[end - 1].is_right_punct):
        end -= 1
    return doc[start:end]


@Language.factory("paperkg_abbreviations")
def make_abbreviation_detector(nlp: Language, name: str) -> AbbreviationDetector:
    """Factory: ``nlp.add_pipe("paperkg_abbreviations")`` (needs sentence boundaries)."""
    return AbbreviationDetector()


class AbbreviationDetector:
    """Sets ``doc._.abbreviations`` to ``[(long_span, short_span), …]``."""

    def __init__(self) -> None:
        if not Doc.has_extension(EXTENSION):
            Doc.set_extension(EXTENSION, default=None)

    def __call__(self, doc: Doc) -> Doc:
        pairs: list[tuple[Span, Span]] = []
        text = doc_text(doc)
        pos = text.find("(")
        while pos != -1:
            close = text.find(")", pos)
            if close == -1:
                break
            pair = self._definition(doc, text, pos, close)
            if pair is not None:
                pairs.append(pair)
            pos = text.find("(", pos + 1)
        doc._.set(EXTENSION, pairs)
        return doc

    @staticmethod
    def _definition(
        doc: Doc, text: str, open_pos: int, close_pos: int
    ) -> tuple[Span, Span] | None:
        inner = text[open_pos + 1 : close_pos]
        inner_core = inner.split(";")[0].split(",")[0].strip()
        open_tok = doc.char_span(open_pos, open_pos + 1, alignment_mode="expand")
        if open_tok is None:
            return None
        sent_start = sentence_span(doc, sentence_index(doc, open_tok.start)).start_char
        before = text[sent_start:open_pos].rstrip()
        words = before.split()
        if short_form_ok(inner_core):
            short = inner_core
            max_words = min(len(short) + 5, len(short) * 2)
            window = " ".join(words[-max_words:])
            start = find_long_form(short, window)
            if start is None:
                return None
            long_text = window[start:]
            if len(long_text) <= len(short) or short.lower() == long_text.lower():
                return None
            long_start = sent_start + before.rfind(long_text)
            s_start = text.find(short, open_pos)
            long_span = doc.char_span(
                long_start, long_start + len(long_text), alignment_mode="expand"
            )
            short_span = doc.char_span(s_start, s_start + len(short), alignment_mode="expand")
        elif words and short_form_ok(words[-1].strip(",;:")) and len(inner_core.split()) >= 2:
            short = words[-1].strip(",;:")
            start = find_long_form(short, inner_core)
            if start is None:
                return None
            long_text = inner_core[start:]
            l_start = text.find(long_text, open_pos)
            s_start = text.rfind(short, 0, open_pos)
            long_span = doc.char_span(l_start, l_start + len(long_text), alignment_mode="expand")
            short_span = doc.char_span(s_start, s_start + len(short), alignment_mode="expand")
        else:
            return None
        if long_span is not None:
            long_span = without_wrapping(long_span)
        if (
            long_span is None
            or short_span is None
            or not len(long_span)
            or long_span.start >= short_span.start
            and (long_span.end <= short_span.end)
        ):
            return None
        return long_span, short_span
