"""Names learned from the corpus: what one paper defines, every paper recognises.

A name no lexicon knows is typed in the paper that introduces it (``we propose KSGT``,
``Kidney Stone Grading Tuning (KSGT)``, ``the RetinaTalk dataset``); other papers often use it
bare.  :func:`extract_corpus` extracts every paper, collects those names with their types, adds
them to the entity matcher and extracts again the papers where one of them occurs outside the
mentions the first pass found.

That last test is what keeps the second pass small, and it changes no result: the entity
component resolves overlapping candidates longest first, and a learned name has the lowest
priority, so a learned match that lies within a span the first pass chose loses to that span and
the paper's extraction stays what it was.  Task spans that ``compound_tasks`` widened over their
modifiers after resolution do not count as cover (the learned name could have stopped the
widening).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence

import ahocorasick
from spacy.language import Language

from extractors.extract import extract
from kg.model import Paper, PaperExtraction

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
                if len(form) >= 3:
                    votes[form][entity.type] += 1
    return {
        form: sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        for form, counter in sorted(votes.items())
    }


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


def first_pass_spans(entities: Iterable[dict], title_length: int) -> list[tuple[int, int]]:
    """Character spans (in ``Paper.text``) of the mentions of a paper's first pass that a learned
    match cannot win over; ``entities`` as in an ``extractions.jsonl`` line."""
    spans = []
    for entity in entities:
        widened_task = entity["type"] == "Task"
        for m in entity["mentions"]:
            if widened_task and m["rule"].startswith("compound:"):
                continue
            offset = 0 if m["field"] == "title" else title_length + 1
            spans.append((m["start"] + offset, m["end"] + offset))
    return spans


def learns_something(text: str, spans: Sequence[tuple[int, int]], index: NameIndex) -> bool:
    """Whether a learned name occurs in ``text`` outside every first-pass span: only then can a
    second pass change the paper's extraction."""
    return any(
        not any(a <= start and end <= b for a, b in spans)
        for start, end in index.occurrences(text)
    )


def extract_corpus(
    papers: Sequence[Paper], nlp: Language, batch_size: int = 256
) -> list[PaperExtraction]:
    """Extract ``papers`` in two passes so that names learned in one paper apply in all."""
    extractions = list(extract(papers, nlp, batch_size=batch_size))
    names = learned_names(extractions)
    if not names:
        return extractions
    index = NameIndex(names)
    again = [
        i for i, x in enumerate(extractions)
        if learns_something(x.paper.text, first_pass_spans(x.to_json()["entities"],
                                                           len(x.paper.title)), index)
    ]
    matcher = nlp.get_pipe("paperkg_entities")
    matcher.learn(names)
    try:
        redone = extract([papers[i] for i in again], nlp, batch_size)
        for i, extraction in zip(again, redone, strict=True):
            extractions[i] = extraction
    finally:
        matcher.learn({})
    return extractions
