"""Names learned from the corpus: what one paper defines, every paper recognises.

A name no lexicon knows is typed in the paper that introduces it (``we propose KSGT``,
``Kidney Stone Grading Tuning (KSGT)``, ``the RetinaTalk dataset``); other papers often use it
bare.  :func:`extract_corpus` extracts every paper, collects those names with their types, adds
them to the entity matcher and extracts again the papers that contain one of them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

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


def extract_corpus(
    papers: Sequence[Paper], nlp: Language, batch_size: int = 256
) -> list[PaperExtraction]:
    """Extract ``papers`` in two passes so that names learned in one paper apply in all."""
    extractions = list(extract(papers, nlp, batch_size=batch_size))
    names = learned_names(extractions)
    if not names:
        return extractions
    matcher = nlp.get_pipe("paperkg_entities")
    matcher.learn(names)
    try:
        pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
        again = [i for i, p in enumerate(papers) if pattern.search(p.text)]
        redone = extract([papers[i] for i in again], nlp, batch_size)
        for i, extraction in zip(again, redone, strict=True):
            extractions[i] = extraction
    finally:
        matcher.learn({})
    return extractions
