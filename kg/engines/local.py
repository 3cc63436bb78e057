"""The local engine: extraction in this process or in a pool of worker processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from kg.corpus import ExtractionTask, PaperResult
from kg.engines.bounded import BoundedMap
from kg.engines.worker import PatternSpec, extract_partition, forget_names
from kg.lifetime import bind_to_parent


class LocalRunner:
    """Extraction in this process or in a pool of ``workers`` worker processes.

    The pool starts when a pass has more than one partition: a corpus that fits in one partition
    is extracted here, sooner than worker processes could load their pipelines.
    """

    def __init__(self, patterns: PatternSpec, workers: int = 1, batch_size: int = 256) -> None:
        self.patterns, self.batch_size, self.workers = patterns, batch_size, workers
        self.pool: ProcessPoolExecutor | None = None
        #: the most processes that extracted at once (1: this process only)
        self.used = 1

    def _submit(self, task: ExtractionTask) -> Future:
        assert self.pool is not None
        return self.pool.submit(extract_partition, task.papers, task.names, task.keep,
                                self.patterns, self.batch_size)

    def _here(self, task: ExtractionTask) -> list[PaperResult]:
        return extract_partition(task.papers, task.names, task.keep, self.patterns,
                                 self.batch_size)

    def map(self, tasks: Iterable[ExtractionTask]) -> Iterator[list[PaperResult]]:
        iterator = iter(tasks)
        first = next(iterator, None)
        if first is None:
            return
        second = next(iterator, None) if self.workers > 1 else None
        if second is None and self.pool is None:  # one partition (or one worker): here
            yield self._here(first)
            for task in iterator:
                yield self._here(task)
            return
        if self.pool is None:
            # spawn: a fresh interpreter per worker (forking a process with threads is unsafe);
            # workers exit when the build does, whatever signal ended it (kill -9 included)
            self.pool = ProcessPoolExecutor(self.workers,
                                            mp_context=multiprocessing.get_context("spawn"),
                                            initializer=bind_to_parent, initargs=(0.5, False))
            self.used = self.workers
        bounded = BoundedMap(self._submit, lambda f: f.result(), 2 * self.workers)
        rest = [first] if second is None else [first, second]
        yield from bounded.map(_chain(rest, iterator))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        forget_names(self.patterns)


def _chain(head: list[ExtractionTask], tail: Iterator[ExtractionTask]
           ) -> Iterator[ExtractionTask]:
    yield from head
    yield from tail
