"""Names learned from the corpus: what one paper defines, every paper recognises.

A name no lexicon knows is typed in the paper that introduces it (``we propose KSGT``,
``Kidney Stone Grading Tuning (KSGT)``, ``the RetinaTalk dataset``); other papers often use it
bare.  The corpus extraction (:mod:`kg.corpus`) extracts every paper, collects those names with
their types (:func:`learned_names`), teaches them to the entity matcher (:func:`teach`) and
extracts again the papers where one of them occurs outside the mentions the first pass found
(:func:`learns_something`).

That last test is what keeps the second pass small, and it changes no result: the entity
component resolves overlapping candidates longest first, and a learned name has the lowest
priority, so a learned match that lies within a span the first pass chose loses to that span and
the paper's extraction stays what it was.  Task spans that ``compound_tasks`` widened over their
modifiers after resolution do not count as cover (the learned name could have stopped the
widening).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence

import ahocorasick
from spacy.language import Language

from extractors.components.entities import entity_matcher
from kg.model import Paper, PaperEntity, PaperExtraction
from kg.text import Reading

#: rules strong enough to teach a name to the whole corpus (morphology alone is not)
TEACHING_RULES = (
    "abbreviation",
    "pattern:title-name",
    "pattern:head-noun",
    "pattern:apposition",
    "pattern:proposal",
    "pattern:cue-object",
)


def learned_names(extractions: Sequence[PaperExtraction]) -> dict[str, str]:
    """Surface form -> type, for the names papers define (majority type; ties by name)."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for extraction in extractions:
        for entity in extraction.entities:
            if entity.lexicon_id:
                continue
            if not any(m.evidence.rule in TEACHING_RULES for m in entity.mentions):
                continue
            for form in {entity.name, *entity.aliases}:
                if len(form) >= 3 and not _capitalised_word(form, extraction.paper):
                    votes[form][entity.type] += 1
    return {
        form: sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        for form, counter in sorted(votes.items())
    }


def _capitalised_word(form: str, paper: Paper) -> bool:
    """Whether ``form`` is a capitalised word the paper also writes in lower case (a title's
    ``Learning``): a word of the language, not a name to teach the corpus."""
    if not (form.isalpha() and form[0].isupper() and form[1:].islower()):
        return False
    word = re.compile(rf"\b{form.lower()}\b")
    return any(word.search(field) for field in (paper.title, paper.abstract))


class NameIndex:
    """Where learned names occur in a text: an Aho-Corasick automaton (pyahocorasick), one scan of
    the text whatever the number of names (a corpus of 100k papers teaches tens of thousands)."""

    def __init__(self, names: Iterable[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        for name in sorted(names):
            self._automaton.add_word(name, len(name))
        self._automaton.make_automaton()

    def occurs_in(self, text: str) -> bool:
        """Whether one of the names occurs in ``text``."""
        return next(self._automaton.iter(text), None) is not None

    def occurrences(self, text: str) -> Iterator[tuple[int, int]]:
        """The character span of every occurrence of every name (overlapping ones too)."""
        for last, length in self._automaton.iter(text):
            yield last + 1 - length, last + 1


def names_index(names: Iterable[str]) -> NameIndex | None:
    """A :class:`NameIndex` of ``names``; ``None`` when there are none."""
    names = list(names)
    return NameIndex(names) if names else None


def first_pass_spans(entities: Iterable[PaperEntity], reading: Reading, title_length: int
                     ) -> list[tuple[int, int]]:
    """Character spans (in ``reading.text``, the paper as read) of the mentions of a paper's
    first pass that a learned match cannot win over."""
    spans = []
    for entity in entities:
        widened_task = entity.type == "Task"
        for m in entity.mentions:
            if widened_task and m.evidence.rule.startswith("compound:"):
                continue
            offset = 0 if m.evidence.field == "title" else title_length + 1
            spans.append((reading.reading_offset(m.evidence.start + offset),
                          reading.reading_offset(m.evidence.end + offset)))
    return spans


def learns_something(paper: Paper, first_pass: Iterable[PaperEntity], index: NameIndex) -> bool:
    """Whether a learned name occurs in the paper outside every mention of its first pass: only
    then can a second pass change the paper's extraction."""
    reading = paper.reading
    spans = first_pass_spans(first_pass, reading, len(paper.title))
    return any(
        not any(a <= start and end <= b for a, b in spans)
        for start, end in index.occurrences(reading.text)
    )


def teaching_part(extraction: PaperExtraction) -> PaperExtraction | None:
    """The entities of ``extraction`` that :func:`learned_names` counts.

    Each entity is asked on its own, so the corpus' learned names can be computed from these
    parts alone, without keeping every extraction.
    """
    teaching = [e for e in extraction.entities
                if learned_names([PaperExtraction(extraction.paper, [e])])]
    return PaperExtraction(extraction.paper, teaching) if teaching else None


def teach(nlp: Language, names: dict[str, str] | None) -> None:
    """Make ``nlp``'s entity component recognise ``names`` (``None``: only the lexicons)."""
    entity_matcher(nlp).learn(names or {})
