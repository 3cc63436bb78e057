"""The paperkg spaCy pipeline: ``spacy.blank("en")`` plus our registered components."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

# importing the component modules registers their factories
from extractors.components import (  # noqa: F401
    abbreviations,
    decide,
    entities,
    names,
    relations,
    sentences,
    tokenizer,
)

TOKENIZER = "paperkg.tokenizer.v1"
#: pipe names, in order
PIPES = (
    "paperkg_sentences",
    "paperkg_abbreviations",
    "paperkg_names",
    "paperkg_entities",
    "paperkg_decide",
    "paperkg_relations",
    "paperkg_decide_relations",
)


def build_nlp(
    patterns: Path | str | Iterable[Path | str] | None = None,
    model: Path | str | None = None,
    record: bool = False,
) -> Language:
    """A blank English pipeline with the paperkg components.

    ``patterns``: user EntityRuler JSONL files that add to or override the bundled lexicons.
    ``model``: the decider's model directory, ``None``/``"default"`` for the model shipped with
    paperkg, or ``"rules"``: no model, the rule pipeline decides alone (faster, and what the
    decider is trained from).
    ``record``: keep every candidate's features in ``doc.user_data`` (for training).
    The title of a paper (the text before the first newline) is always its own sentence.
    """
    if patterns is None:
        paths: list[str] = []
    elif isinstance(patterns, str | Path):
        paths = [str(patterns)]
    else:
        paths = [str(p) for p in patterns]
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    configs: dict[str, dict[str, Any]] = {
        "paperkg_entities": {"patterns": paths},
        "paperkg_decide": {"model": str(model) if model is not None else decide.DEFAULT,
                           "record": record},
    }
    for name in PIPES:
        nlp.add_pipe(name, config=configs.get(name, {}))
    return nlp
