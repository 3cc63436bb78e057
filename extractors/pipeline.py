"""The paperkg spaCy pipeline: ``spacy.blank("en")`` plus our registered components."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import spacy
from spacy.language import Language

# importing the component modules registers their factories
from extractors.components import abbreviations, entities, names, relations, tokenizer  # noqa: F401

TOKENIZER = "paperkg.tokenizer.v1"
#: pipe names, in order
PIPES = (
    "sentencizer",
    "paperkg_abbreviations",
    "paperkg_names",
    "paperkg_entities",
    "paperkg_relations",
)


def build_nlp(patterns: Path | str | Iterable[Path | str] | None = None) -> Language:
    """A blank English pipeline with a sentencizer and the paperkg components.

    ``patterns``: user EntityRuler JSONL files that add to or override the bundled lexicons.
    The title of a paper (the text before the first newline) is always its own sentence.
    """
    if patterns is None:
        paths: list[str] = []
    elif isinstance(patterns, str | Path):
        paths = [str(patterns)]
    else:
        paths = [str(p) for p in patterns]
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    punct = [*spacy.pipeline.Sentencizer.default_punct_chars, "\n"]
    nlp.add_pipe("sentencizer", config={"punct_chars": punct})
    nlp.add_pipe("paperkg_abbreviations")
    nlp.add_pipe("paperkg_names")
    nlp.add_pipe("paperkg_entities", config={"patterns": paths})
    nlp.add_pipe("paperkg_relations")
    return nlp
