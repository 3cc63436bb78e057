"""`paperkg lexicons check`: validate lexicon / pattern files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kg.cli.common import app, console, reports_errors
from kg.errors import PaperkgError

lexicons_app = typer.Typer(help="The lexicons: EntityRuler JSONL pattern files.",
                           no_args_is_help=True)
app.add_typer(lexicons_app, name="lexicons")


@lexicons_app.command("check")
@reports_errors
def check(
    targets: Annotated[
        list[Path] | None,
        typer.Argument(help="Lexicon files or folders (default: the bundled lexicons).",
                       show_default=False),
    ] = None,
) -> None:
    """Check lexicon files: ids, names, labels, order, repeated and colliding patterns.

    Prints one `file:line: problem` per error or warning and a summary per file; exit code 1
    when there is an error.

    Examples:

        paperkg lexicons check

        paperkg lexicons check my_field.jsonl
    """
    from extractors.lexicon_check import check_files, lexicon_files

    paths = lexicon_files(list(targets or []))
    if not paths:
        raise PaperkgError("no lexicon files found")
    report = check_files(paths)
    for line in report.errors:
        console.print(f"[red]error:[/] {escape(line)}", highlight=False)
    for line in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(line)}", highlight=False)
    for name, s in report.stats.items():
        console.print(f"{escape(name)}: {s['entries']} entries, {s['aliases']} aliases, "
                      f"wikidata {s['wikidata']}, huggingface {s['huggingface']}, "
                      f"homepage {s['homepage']}", highlight=False)
    console.print(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    if report.errors:
        raise typer.Exit(1)
