"""The corpus extraction: every build, engine and store extracts a corpus with this algorithm.

A name no lexicon knows is typed in the paper that introduces it (``we propose KSGT``); other
papers use it bare.  So a corpus is extracted in two passes over a :class:`Runner`:

1. **pass 1** extracts every paper; each result carries the paper's ``extractions.jsonl`` line and
   the entities that teach a name to the corpus (:func:`extractors.learning.teaching_part`);
2. the corpus' **learned names** are the majority types of the names those entities define
   (:func:`extractors.learning.learned_names`);
3. **pass 2** extracts again, with the learned names, only the papers where one occurs outside the
   mentions of their pass-1 line (:func:`papers_to_redo`): elsewhere the result would not change.

A runner maps partitions (:class:`ExtractionTask`) to results in input order, so the outcome is
the same extractions in the same order whatever runs them: this process (:class:`NlpRunner`),
worker processes or a Dask cluster (:mod:`kg.engines`).  Lines are spooled to disk, never held.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Protocol

from spacy.language import Language

from extractors import extract
from extractors.learning import (
    NameIndex,
    learned_names,
    learns_something,
    names_index,
    teach,
    teaching_part,
)
from kg.extractions import EXTRACTIONS, extraction_line, parse_line
from kg.model import Paper, PaperExtraction

#: What a runner makes of each extraction before returning it (e.g. :func:`kg.linking.slim`), so
#: that the client never holds full extractions; a module-level function (it is pickled by name).
Keep = Callable[[PaperExtraction], PaperExtraction]


@dataclass(frozen=True, slots=True)
class PaperResult:
    """One paper extracted: its ``extractions.jsonl`` line (no newline), the extraction (as the
    task's ``keep`` makes it) and the entities that teach a name to the corpus (pass 1 only)."""

    line: str
    extraction: PaperExtraction
    teaching: PaperExtraction | None


@dataclass(frozen=True, slots=True)
class ExtractionTask:
    """A partition for a runner: its papers, the learned names (``None``: pass 1) and what to
    keep of each extraction (``None``: all of it)."""

    papers: list[Paper]
    names: dict[str, str] | None = None
    keep: Keep | None = None


class Runner(Protocol):
    """Maps partitions to their results, in order."""

    def map(self, tasks: Iterable[ExtractionTask]) -> Iterator[list[PaperResult]]: ...

    def close(self) -> None: ...


def extract_results(nlp: Language, task: ExtractionTask, batch_size: int = 256
                    ) -> list[PaperResult]:
    """Extract a partition with ``nlp``, taught the task's names (it keeps them afterwards:
    teaching the same names to the next partition is then free)."""
    teach(nlp, task.names)
    results = []
    for extraction in extract(task.papers, nlp, batch_size=batch_size):
        teaching = teaching_part(extraction) if task.names is None else None
        kept = extraction if task.keep is None else task.keep(extraction)
        results.append(PaperResult(extraction_line(extraction), kept, teaching))
    return results


class NlpRunner:
    """A runner in this process over one pipeline (``extractors.build_nlp()``)."""

    def __init__(self, nlp: Language, batch_size: int = 256) -> None:
        self.nlp, self.batch_size = nlp, batch_size

    def map(self, tasks: Iterable[ExtractionTask]) -> Iterator[list[PaperResult]]:
        for task in tasks:
            yield extract_results(self.nlp, task, self.batch_size)

    def close(self) -> None:
        teach(self.nlp, None)


def partitions(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    """``papers`` in lists of ``size`` (the last may be shorter)."""
    iterator = iter(papers)
    while chunk := list(islice(iterator, size)):
        yield chunk


def run(runner: Runner, papers: Iterable[Paper], names: dict[str, str] | None = None,
        size: int = 512, keep: Keep | None = None) -> Iterator[PaperResult]:
    """The results of ``papers`` one by one, in order."""
    tasks = (ExtractionTask(chunk, names, keep) for chunk in partitions(papers, size))
    for results in runner.map(tasks):
        yield from results


@dataclass(slots=True)
class CorpusExtraction:
    """A corpus extracted: per paper (input order) its extraction, what it teaches, and whether
    its extraction is pass 2's (made with the learned names)."""

    extractions: list[PaperExtraction] = field(default_factory=list)
    teaching: list[PaperExtraction | None] = field(default_factory=list)
    learned: list[bool] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def extract_corpus(
    papers: Iterable[Paper],
    runner: Runner,
    lines_path: Path,
    partition_size: int = 512,
    keep: Keep | None = None,
) -> CorpusExtraction:
    """Extract ``papers`` in two passes; write their ``extractions.jsonl`` lines to
    ``lines_path`` (spooled to files beside it)."""
    out = CorpusExtraction()
    first = lines_path.with_name(f".{lines_path.name}.pass1")
    second = lines_path.with_name(f".{lines_path.name}.pass2")
    try:
        with first.open("w", encoding="utf-8", newline="\n") as fh:
            for result in run(runner, papers, None, partition_size, keep):
                fh.write(result.line + "\n")
                out.extractions.append(result.extraction)
                out.teaching.append(result.teaching)
        out.names = learned_names([t for t in out.teaching if t is not None])
        index = names_index(out.names)
        # a paper that contains a learned name has pass 2's extraction, redone or not
        occurs = {} if index is None else {
            i: x.paper for i, x in enumerate(out.extractions) if index.occurs_in(x.paper.text)}
        out.learned = [i in occurs for i in range(len(out.extractions))]
        again = []
        if index is not None:
            with first.open(encoding="utf-8") as fh:
                again = papers_to_redo(fh, occurs, index)
        if not again:
            os.replace(first, lines_path)
            return out
        with second.open("w", encoding="utf-8", newline="\n") as fh:
            results = run(runner, (out.extractions[i].paper for i in again), out.names,
                          partition_size, keep)
            for i, result in zip(again, results, strict=True):
                fh.write(result.line + "\n")
                out.extractions[i] = result.extraction
        merge_lines(first, second, again, lines_path)
        return out
    finally:
        first.unlink(missing_ok=True)
        second.unlink(missing_ok=True)


def extract_all(papers: Sequence[Paper], nlp: Language, batch_size: int = 256
                ) -> list[PaperExtraction]:
    """:func:`extract_corpus` of ``papers`` in this process, extractions in memory."""
    runner = NlpRunner(nlp, batch_size)
    try:
        with tempfile.TemporaryDirectory(prefix="paperkg-") as tmp:
            return extract_corpus(papers, runner, Path(tmp) / EXTRACTIONS).extractions
    finally:
        runner.close()


def papers_to_redo(lines: Iterable[str], candidates: dict[int, Paper], index: NameIndex
                   ) -> list[int]:
    """The line numbers of ``candidates`` (line number -> paper) whose extraction with the
    learned names can differ from their pass-1 ``lines``: see
    :func:`extractors.learning.learns_something`."""
    picked = []
    for i, line in enumerate(lines):
        paper = candidates.get(i)
        if paper is not None and learns_something(paper, parse_line(line).entities, index):
            picked.append(i)
    return picked


def merge_lines(first: Path, second: Path, replaced: Sequence[int], out: Path) -> None:
    """``first``'s lines with line ``replaced[k]`` taken from ``second``'s line ``k``."""
    wanted = set(replaced)
    with (first.open(encoding="utf-8") as a, second.open(encoding="utf-8") as b,
          out.open("w", encoding="utf-8", newline="\n") as fh):
        for i, line in enumerate(a):
            fh.write(next(b) if i in wanted else line)
