"""Where extraction runs: in this process, in N local processes, or on a Dask cluster.

An engine is a :class:`Runner`: it maps partitions of papers to extraction results (see
:func:`kg.engines.worker.extract_partition`) and yields them in input order, with a bounded
number of partitions in flight, so a build streams: memory holds the partitions being worked
on, not the input.

:func:`extract_corpus_stream` is the corpus extraction of :func:`extractors.learning.
extract_corpus` done as a stream over a runner: pass 1 extracts every paper; the names papers
teach (:func:`~extractors.learning.learned_names`) are gathered from small per-paper parts; pass 2
extracts again, with those names learned, the papers where one occurs outside the mentions of
their pass-1 line (:func:`papers_to_redo`).  The result is the same extractions in the same order,
whatever the engine and the number of workers.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kg.engines.worker import Keep, PatternSpec, Result, extract_partition, forget_names
from kg.errors import PaperkgError
from kg.lifetime import bind_to_parent
from kg.model import Paper, PaperExtraction

if TYPE_CHECKING:
    from extractors.learning import NameIndex

ENGINES: tuple[str, ...] = ("local", "dask")


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How extraction is run."""

    engine: str = "local"  #: ``local`` (this machine) or ``dask`` (a Dask cluster)
    workers: int = 1  #: local worker processes (1: extract in the build's own process)
    scheduler: str | None = None  #: Dask scheduler address, e.g. ``tcp://10.0.0.5:8786``
    batch_size: int = 256  #: documents per ``nlp.pipe`` batch
    partition_size: int = 512  #: papers per task sent to a worker

    def check(self) -> EngineOptions:
        """Return ``self`` if the options make sense, else raise :class:`PaperkgError`."""
        if self.engine not in ENGINES:
            raise PaperkgError(f"--engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.workers < 1:
            raise PaperkgError(f"--workers must be at least 1, not {self.workers}")
        if self.batch_size < 1 or self.partition_size < 1:
            raise PaperkgError("batch and partition sizes must be at least 1")
        if self.engine == "dask" and not self.scheduler:
            raise PaperkgError("--engine dask needs --scheduler ADDRESS (e.g. tcp://HOST:8786)")
        if self.engine == "local" and self.scheduler:
            raise PaperkgError("--scheduler is only used with --engine dask")
        return self


#: A partition: its papers, the learned names (``None``: pass 1) and what the worker keeps of
#: each extraction (``None``: all of it).
Task = tuple[list[Paper], dict[str, str] | None, Keep | None]


class Runner(Protocol):
    """Maps partitions (:data:`Task`) to results, in order."""

    def map(self, tasks: Iterable[Task]) -> Iterator[list[Result]]: ...

    def close(self) -> None: ...


class _Bounded:
    """Submit tasks with at most ``limit`` in flight; yield their results in submission order."""

    def __init__(self, submit: Callable[[Task], object], result: Callable[[object], list[Result]],
                 limit: int) -> None:
        self.submit, self.result, self.limit = submit, result, max(1, limit)

    def map(self, tasks: Iterable[Task]) -> Iterator[list[Result]]:
        pending: deque = deque()
        try:
            for task in tasks:
                pending.append(self.submit(task))
                if len(pending) >= self.limit:
                    yield self.result(pending.popleft())
            while pending:
                yield self.result(pending.popleft())
        finally:
            for future in pending:
                future.cancel()


class LocalRunner:
    """Extraction in this process (``workers=1``) or in a pool of worker processes."""

    def __init__(self, patterns: PatternSpec, workers: int = 1, batch_size: int = 256) -> None:
        self.patterns, self.batch_size = patterns, batch_size
        self.pool = None
        if workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn: a fresh interpreter per worker (forking a process with threads is unsafe)
            context = multiprocessing.get_context("spawn")
            # workers exit when the build does, whatever signal ended it (kill -9 included)
            self.pool = ProcessPoolExecutor(workers, mp_context=context,
                                            initializer=bind_to_parent,
                                            initargs=(0.5, False))
            self._bounded = _Bounded(self._submit, lambda f: f.result(), 2 * workers)

    def _submit(self, task: Task):
        papers, names, keep = task
        return self.pool.submit(extract_partition, papers, self.patterns, names, self.batch_size,
                                keep)

    def map(self, tasks: Iterable[Task]) -> Iterator[list[Result]]:
        if self.pool is None:
            for papers, names, keep in tasks:
                yield extract_partition(papers, self.patterns, names, self.batch_size, keep)
        else:
            yield from self._bounded.map(tasks)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        forget_names(self.patterns)


def open_runner(options: EngineOptions, patterns: PatternSpec) -> Runner:
    """The runner of ``options.engine`` (close it when done)."""
    options.check()
    if options.engine == "dask":
        from kg.engines.dask import DaskRunner

        return DaskRunner(options.scheduler or "", patterns, options.batch_size)
    return LocalRunner(patterns, options.workers, options.batch_size)


def partitions(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    """``papers`` in lists of ``size`` (the last may be shorter)."""
    iterator = iter(papers)
    while chunk := list(islice(iterator, size)):
        yield chunk


def run(runner: Runner, papers: Iterable[Paper], names: dict[str, str] | None,
        size: int, keep: Keep | None = None) -> Iterator[Result]:
    """Results of ``papers`` one by one, in order, each extraction as the worker's ``keep``
    makes it."""
    for results in runner.map((chunk, names, keep) for chunk in partitions(papers, size)):
        yield from results


# --------------------------------------------------------------------------- learned names


def learned_names(teaching: Iterable[PaperExtraction | None]) -> dict[str, str]:
    """The corpus' learned names from the papers' teaching parts (see ``teaching_part``)."""
    from extractors.learning import learned_names as names_of

    return names_of([t for t in teaching if t is not None])


def names_index(names: Iterable[str]) -> NameIndex | None:
    """:func:`extractors.learning.names_index`: where the learned names occur."""
    from extractors.learning import names_index as index_of

    return index_of(names)


@dataclass(slots=True)
class CorpusExtraction:
    """A corpus extracted: per paper (input order) its extraction, how, and what it teaches."""

    extractions: list[PaperExtraction] = field(default_factory=list)
    teaching: list[PaperExtraction | None] = field(default_factory=list)
    #: whether the paper's extraction is pass 2's (made with the learned names)
    learned: list[bool] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def extract_corpus_stream(
    papers: Iterable[Paper],
    runner: Runner,
    lines_path: Path,
    partition_size: int = 512,
    keep: Keep | None = None,
) -> CorpusExtraction:
    """Extract ``papers`` in two passes; write the ``extractions.jsonl`` lines to ``lines_path``.

    Lines are spooled to files beside ``lines_path`` (never held in memory); the result keeps the
    extractions for linking, each as ``keep`` makes it (e.g. :func:`kg.linking.slim`) in the
    worker, so that full extractions never reach this process.
    """
    out = CorpusExtraction()
    first = lines_path.with_name(f".{lines_path.name}.pass1")
    second = lines_path.with_name(f".{lines_path.name}.pass2")
    try:
        with first.open("w", encoding="utf-8", newline="\n") as fh:
            for line, extraction, teaching in run(runner, papers, None, partition_size, keep):
                fh.write(line + "\n")
                out.extractions.append(extraction)
                out.teaching.append(teaching)
        out.learned = [False] * len(out.extractions)
        out.names = learned_names(out.teaching)
        index = names_index(out.names)
        occurs = {} if index is None else {
            i: x.paper for i, x in enumerate(out.extractions) if index.occurs_in(x.paper.text)}
        for i in occurs:  # their extractions are pass 2's (the same when nothing new is learned)
            out.learned[i] = True
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
            for i, (line, extraction, _teaching) in zip(again, results, strict=True):
                fh.write(line + "\n")
                out.extractions[i] = extraction
        merge_lines(first, second, again, lines_path)
        return out
    finally:
        first.unlink(missing_ok=True)
        second.unlink(missing_ok=True)


def papers_to_redo(lines: Iterable[str], candidates: dict[int, Paper], index: NameIndex
                   ) -> list[int]:
    """The line numbers of ``candidates`` (line number -> paper) whose extraction with the
    learned names can differ from their pass-1 ``lines``: see
    :func:`extractors.learning.learns_something`."""
    from extractors.learning import first_pass_spans, learns_something

    picked = []
    for i, line in enumerate(lines):
        paper = candidates.get(i)
        if paper is not None and learns_something(
            paper.text, first_pass_spans(json.loads(line)["entities"], len(paper.title)), index
        ):
            picked.append(i)
    return picked


def merge_lines(first: Path, second: Path, replaced: Sequence[int], out: Path) -> None:
    """``first``'s lines with line ``replaced[k]`` taken from ``second``'s line ``k``."""
    wanted = set(replaced)
    with (first.open(encoding="utf-8") as a, second.open(encoding="utf-8") as b,
          out.open("w", encoding="utf-8", newline="\n") as fh):
        for i, line in enumerate(a):
            fh.write(next(b) if i in wanted else line)
