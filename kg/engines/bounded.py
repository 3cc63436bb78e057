"""A bounded map over futures: what keeps a streaming build's memory flat."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kg.corpus import ExtractionTask, PaperResult


class BoundedMap:
    """Submit tasks with at most ``limit`` in flight; yield their results in submission order.

    ``submit`` returns a future (``concurrent.futures`` or ``distributed``); ``result`` waits for
    one and returns its value.
    """

    def __init__(self, submit: Callable[[ExtractionTask], Any],
                 result: Callable[[Any], list[PaperResult]], limit: int) -> None:
        self.submit, self.result, self.limit = submit, result, max(1, limit)

    def map(self, tasks: Iterable[ExtractionTask]) -> Iterator[list[PaperResult]]:
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
