"""``extractions.jsonl``: the per-paper extraction records every build writes and reads back.

One line per paper, the JSON of :meth:`kg.model.PaperExtraction.to_json` (the gold-annotation
format of ``paperkg extract`` plus mentions and evidence).  This module is the file's one owner:
its name, how a line is written, and how lines are parsed back with errors that name the file and
line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import InputError
from kg.jsonlines import read_objects
from kg.model import PaperExtraction, RecordError

#: The file's name in a build's output directory.
EXTRACTIONS = "extractions.jsonl"


def extraction_line(extraction: PaperExtraction) -> str:
    """The paper's line of ``extractions.jsonl`` (no newline)."""
    return json.dumps(extraction.to_json(), ensure_ascii=False)


def parse_line(line: str) -> PaperExtraction:
    """A line made by :func:`extraction_line`, parsed back (the paper carries its id only)."""
    return PaperExtraction.from_json(json.loads(line))


def read_extractions(path: Path) -> Iterator[PaperExtraction]:
    """Parse an ``extractions.jsonl`` file; errors name the file and line.

    Papers carry only their id (and a title recovered from title evidence, if any).
    """
    source = str(path)
    for lineno, record in read_objects(path):
        try:
            extraction = PaperExtraction.from_json(record)
        except RecordError as exc:
            raise InputError(source, str(exc), lineno) from None
        extraction.paper = extraction.paper.located(source, lineno)
        yield extraction


def write_extractions(path: Path, extractions: Iterable[PaperExtraction]) -> None:
    """Write ``extractions`` as an ``extractions.jsonl`` file."""
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for extraction in extractions:
            fh.write(extraction_line(extraction) + "\n")
