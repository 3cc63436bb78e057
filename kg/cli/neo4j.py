"""`paperkg neo4j-load`: a build into a running Neo4j."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kg.cli.common import (
    app,
    console,
    reports_errors,
)


@app.command("neo4j-load")
@reports_errors
def neo4j_load(
    directory: Annotated[
        Path, typer.Argument(help="A build's neo4j/ folder (or the build output directory).",
                             show_default=False)
    ],
    uri: Annotated[
        str, typer.Option("--uri", help="Bolt or neo4j URI of the running database.")
    ] = "bolt://localhost:7687",
    user: Annotated[str, typer.Option("--user", "-u", help="User name.")] = "neo4j",
    password: Annotated[
        str | None, typer.Option("--password", "-p", envvar="NEO4J_PASSWORD",
                                 help="Password (default: $NEO4J_PASSWORD; none: no auth).")
    ] = None,
    database: Annotated[
        str | None, typer.Option("--database", "-d", help="Database (default: the server's).")
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Rows sent per UNWIND statement.")
    ] = 1000,
) -> None:
    """Load a build's graph into a running Neo4j: runs `neo4j/import.cypher` with the driver.

    Constraints first, then every CSV file in batches of `UNWIND $rows ... MERGE`; running it
    again changes nothing.

    Examples:

        paperkg neo4j-load output/neo4j --uri bolt://localhost:7687 -p secret

        NEO4J_PASSWORD=secret paperkg neo4j-load output/ --uri neo4j://db.example:7687 -d kg
    """
    from kg.export.neo4j import NEO4J_DIR, SCRIPT
    from kg.query.neo4j_load import load_into_neo4j

    if not (directory / SCRIPT).is_file() and (directory / NEO4J_DIR / SCRIPT).is_file():
        directory = directory / NEO4J_DIR
    started = time.perf_counter()
    counts = load_into_neo4j(directory, uri, user=user, password=password, database=database,
                             batch_size=batch_size)
    table = Table(title=f"neo4j-load: {escape(uri)}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in counts.items():
        table.add_row(escape(name), f"{rows:,}")
    console.print(table)
    console.print(f"Loaded {sum(counts.values()):,} rows in "
                  f"{time.perf_counter() - started:.1f}s")
