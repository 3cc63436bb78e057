"""Read the graph of a finished build back from its output directory.

Route: every build writes ``extractions.jsonl`` (the per-paper entities, mentions, relations and
their evidence); :func:`load_build` parses it back into :class:`~kg.model.PaperExtraction`
records and links them again with the bundled lexicons.  Linking is deterministic, so entity ids,
relations, weights and evidence are the build's (entities of a user ``--patterns`` file keep
their ids but fall back to the name used in the papers).

``extractions.jsonl`` holds no paper metadata, so titles, years, venues, authors and URLs come
from the build's input files listed in ``report.json`` when they can still be read (matched by
paper id); otherwise a paper's title is recovered from its title evidence, if any.
"""

from __future__ import annotations

import json
from pathlib import Path

from extractors.lexicon import load_lexicon
from kg.errors import InputError, PaperkgError
from kg.extractions import EXTRACTIONS, read_extractions
from kg.ingest import ReadReport, read_papers, with_merged_identifiers
from kg.linking import link
from kg.model import KnowledgeGraph, Paper

REPORT = "report.json"


def _input_papers(out_dir: Path, wanted: set[str]) -> dict[str, Paper]:
    """The build's papers re-read from the inputs named in ``report.json`` (best effort)."""
    try:
        inputs = json.loads((out_dir / REPORT).read_text(encoding="utf-8")).get("inputs", [])
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(inputs, list) or not inputs:
        return {}
    papers: dict[str, Paper] = {}
    report = ReadReport()
    try:
        for paper in read_papers([str(i) for i in inputs], on_error="skip", report=report):
            if paper.id in wanted:
                papers[paper.id] = paper
    except (PaperkgError, OSError):
        return papers
    return with_merged_identifiers(papers, report)


def load_build(path: Path) -> KnowledgeGraph:
    """The graph of a build output directory (or of one ``extractions.jsonl`` file)."""
    path = Path(path)
    if path.is_dir():
        out_dir, file = path, path / EXTRACTIONS
        if not file.is_file():
            raise InputError(str(path), f"no {EXTRACTIONS} here: is this a paperkg build "
                             "output directory?")
    elif path.is_file():
        out_dir, file = path.parent, path
    else:
        raise InputError(str(path), "no such file or directory")
    extractions = list(read_extractions(file))
    originals = _input_papers(out_dir, {x.paper.id for x in extractions})
    for extraction in extractions:
        original = originals.get(extraction.paper.id)
        if original is not None:
            extraction.paper = original
    return link(extractions, load_lexicon())
