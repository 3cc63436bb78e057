"""Extraction as Dask tasks on an existing cluster (``--engine dask --scheduler tcp://HOST:8786``).

The client reads the input, cuts it into partitions and submits one task per partition
(:func:`kg.engines.worker.extract_partition`); at most two tasks per worker thread are in flight,
and results come back in input order, so linking and writing — the merge — happen on the client
exactly as with the local engine, and the outputs are byte-identical.  Workers need paperkg
installed (the same version as the client); user pattern files are shipped with the tasks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kg.corpus import ExtractionTask, PaperResult
from kg.engines.bounded import BoundedMap
from kg.engines.worker import PatternSpec, extract_partition
from kg.errors import PaperkgError

#: Seconds to wait for the scheduler before giving up.
CONNECT_TIMEOUT = 30


class DaskRunner:
    """A :class:`~kg.corpus.Runner` over a ``distributed.Client``."""

    def __init__(self, scheduler: str, patterns: PatternSpec, batch_size: int = 256) -> None:
        try:  # an optional dependency: paperkg[dask]
            from distributed import Client
        except ImportError:
            raise PaperkgError("--engine dask needs Dask: pip install 'paperkg[dask]' "
                               "(dask[distributed])") from None
        try:
            self.client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise PaperkgError(f"cannot connect to the Dask scheduler at {scheduler}: "
                               f"{exc}") from None
        self.patterns, self.batch_size = patterns, batch_size
        threads = sum(self.client.nthreads().values())
        if threads == 0:
            self.client.close()
            raise PaperkgError(f"the Dask cluster at {scheduler} has no workers")
        self._names: tuple[object, object] | None = None  # (names, their scattered future)
        self.used = threads
        self._bounded = BoundedMap(self._submit, lambda f: f.result(), 2 * threads)

    def _scattered(self, names: dict[str, str] | None):
        if not names:
            return None
        if self._names is None or self._names[0] is not names:
            self._names = (names, self.client.scatter(names, broadcast=True, hash=True))
        return self._names[1]

    def _submit(self, task: ExtractionTask):
        return self.client.submit(extract_partition, task.papers, self._scattered(task.names),
                                  task.keep, self.patterns, self.batch_size, pure=False)

    def map(self, tasks: Iterable[ExtractionTask]) -> Iterator[list[PaperResult]]:
        yield from self._bounded.map(tasks)

    def close(self) -> None:
        self.client.close()
