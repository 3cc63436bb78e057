"""The ``paperkg`` command line.  Commands are thin: the work lives in importable functions.

One module per group of commands; each command imports the code it runs when it runs, so that
``paperkg --help`` starts without loading spaCy, rdflib or pandas (those imports are lazy for
start-up time).
"""

from __future__ import annotations

from kg.cli import (  # noqa: F401  (registers the commands)
    build,
    evaluate,
    info,
    lexicons,
    neo4j,
    sparql,
    view,
)
from kg.cli.common import app


def main() -> None:
    """Entry point of the ``paperkg`` script."""
    app(prog_name="paperkg")


__all__ = ["app", "main"]
