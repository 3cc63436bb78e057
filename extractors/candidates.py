"""Candidate entity spans proposed by the matcher components, before resolution."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

from extractors.normalize import name_key
from extractors.token_view import text_of

CANDIDATES = "paperkg_candidates"


@dataclass(slots=True)
class Candidate:
    """A typed span proposed by one rule; ``priority`` orders rules that overlap (lower wins)."""

    start: int  #: token index
    end: int
    label: str
    rule: str  #: lexicon entry id (``lexicon:model/llama-2``) or pattern name
    kb_id: str = ""  #: lexicon entry id, when known
    priority: int = 2
    proposed: bool = False


def candidates(doc: Doc) -> list[Candidate]:
    """The doc's candidate list (created on first use)."""
    if not Doc.has_extension(CANDIDATES):
        Doc.set_extension(CANDIDATES, default=None)
    found = doc._.get(CANDIDATES)
    if found is None:
        found = []
        doc._.set(CANDIDATES, found)
    return found


def span_key(span: Span) -> tuple[str, str]:
    """Which paper-level entity a span belongs to: its type and lexicon id, else its type and
    name key."""
    return (span.label_, span.kb_id_ or name_key(text_of(span)))


def set_span_extensions() -> None:
    """Register the ``Span._.rule`` and ``Span._.proposed`` extensions (idempotent)."""
    for name, default in (("rule", None), ("proposed", False)):
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
