"""`paperkg info`: what is in the inputs, and what is wrong with them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kg.cli.common import (
    ColumnsOpt,
    FormatOpt,
    app,
    check_on_error,
    columns_of,
    console,
    reports_errors,
)


@app.command()
@reports_errors
def info(
    inputs: Annotated[
        list[Path], typer.Argument(help="Files, directories or globs to read.", show_default=False)
    ],
    fmt: FormatOpt = None,
    columns: ColumnsOpt = None,
    on_error: Annotated[
        str,
        typer.Option("--on-error", help="'stop' (default): the first bad record is an error. "
                     "'skip': go on and list every bad record."),
    ] = "stop",
) -> None:
    """Read inputs without extracting: per file the format, papers, duplicates and skipped records.

    Exit code 0 when every record could be read, 1 when some were skipped (they are listed)
    or the input is unreadable.

    Examples:

        paperkg info papers.jsonl

        paperkg info corpus/ 'more/*.csv' --on-error skip
    """
    from kg.ingest import summarize_inputs

    files, report = summarize_inputs(
        [str(p) for p in inputs],
        fmt=fmt,
        on_error=check_on_error(on_error),
        columns=columns_of(columns),
    )
    table = Table(title="paperkg info")
    table.add_column("file", overflow="fold")
    table.add_column("format")
    for column in ("papers", "duplicates", "skipped"):
        table.add_column(column, justify="right")
    for f in files:
        table.add_row(escape(f.source), f.format, str(f.papers), str(f.duplicates), str(f.skipped))
    if len(files) > 1:
        table.add_row("[bold]total[/]", "", str(report.papers), str(len(report.duplicates)),
                      str(len(report.skipped)))
    console.print(table)
    if report.skipped:
        problems = Table(title=f"{len(report.skipped)} records skipped")
        for column in ("file", "line/record", "problem"):
            problems.add_column(column, overflow="fold")
        for s in report.skipped:
            problems.add_row(escape(s.source), str(s.record), escape(s.problem))
        console.print(problems)
        raise typer.Exit(1)
