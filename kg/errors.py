"""Errors that paperkg reports to users as one line, without a traceback."""

from __future__ import annotations


class PaperkgError(Exception):
    """Base class of every error the CLI reports as ``error: <message>`` with exit code 1."""


class InputError(PaperkgError):
    """A problem with one input file or record: names the file, the line/record and the problem."""

    def __init__(self, source: str, problem: str, record: int | None = None) -> None:
        self.source = str(source)
        self.record = record
        self.problem = problem
        where = self.source if record is None else f"{self.source}:{record}"
        super().__init__(f"{where}: {problem}")
