"""Where extraction runs: in this process, in N local processes, or on a Dask cluster.

An engine is a :class:`kg.corpus.Runner`: it maps partitions of papers to extraction results
(:func:`kg.engines.worker.extract_partition`) and yields them in input order, with a bounded
number of partitions in flight, so a build streams: memory holds the partitions being worked
on, not the input.  The corpus extraction itself (two passes, learned names) is
:func:`kg.corpus.extract_corpus`, the same whatever the engine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from kg.engines.dask import DaskRunner
from kg.engines.local import LocalRunner
from kg.engines.worker import PatternSpec
from kg.errors import PaperkgError

ENGINES: tuple[str, ...] = ("local", "dask")


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How extraction is run."""

    engine: str = "local"  #: ``local`` (this machine) or ``dask`` (a Dask cluster)
    #: local worker processes (1: extract in the build's own process; ``None``: one per core)
    workers: int | None = None
    scheduler: str | None = None  #: Dask scheduler address, e.g. ``tcp://10.0.0.5:8786``
    batch_size: int = 256  #: documents per ``nlp.pipe`` batch
    partition_size: int = 512  #: papers per task sent to a worker

    def check(self) -> EngineOptions:
        """``self`` with ``workers`` resolved, if the options make sense; else raise
        :class:`PaperkgError`."""
        if self.engine not in ENGINES:
            raise PaperkgError(f"--engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.workers is not None and self.workers < 1:
            raise PaperkgError(f"--workers must be at least 1, not {self.workers}")
        if self.batch_size < 1 or self.partition_size < 1:
            raise PaperkgError("batch and partition sizes must be at least 1")
        if self.engine == "dask" and not self.scheduler:
            raise PaperkgError("--engine dask needs --scheduler ADDRESS (e.g. tcp://HOST:8786)")
        if self.engine == "local" and self.scheduler:
            raise PaperkgError("--scheduler is only used with --engine dask")
        return self if self.workers is not None else replace(self, workers=available_cores())


def open_runner(options: EngineOptions, patterns: PatternSpec) -> LocalRunner | DaskRunner:
    """The runner of ``options.engine`` (close it when done)."""
    options = options.check()
    if options.engine == "dask":
        return DaskRunner(options.scheduler or "", patterns, options.batch_size)
    return LocalRunner(patterns, options.workers or 1, options.batch_size)
