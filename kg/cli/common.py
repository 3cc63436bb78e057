"""What every ``paperkg`` command shares: the app, the consoles, one-line errors, progress bars
and the common options."""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from kg.errors import PaperkgError

if TYPE_CHECKING:
    from kg.ingest import OnError

app = typer.Typer(
    name="paperkg",
    help="Build knowledge graphs of papers, models, datasets, methods, tasks and metrics.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def os_error_line(exc: OSError) -> str:
    """``FILE: problem`` for a file-system fault (disk full, read-only, permissions …)."""
    problem = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno == errno.ENOSPC:
        problem += " (nothing of the previous output was changed)"
    where = "" if exc.filename is None else str(exc.filename)
    if exc.filename2 is not None:
        where = f"{where} -> {exc.filename2}"
    return f"{where}: {problem}" if where else problem


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`PaperkgError` into ``error: <message>`` on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PaperkgError as exc:
            # The message holds file names and record text: escape it, never parse it as markup.
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False,
                              markup=True, soft_wrap=True)
            raise typer.Exit(1) from None
        except OSError as exc:  # a fault of the machine: disk full, read-only, permissions …
            err_console.print(f"[bold red]error:[/] {escape(os_error_line(exc))}",
                              highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


Inputs = Annotated[
    list[Path] | None,
    typer.Argument(help="Files, directories or globs to read (default: the bundled demo corpus)."),
]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", help="Force the input format: listing, jsonl, json, csv, tsv, "
                 "arxiv, pubmed (default: detected per file)."),
]
ColumnsOpt = Annotated[
    str | None,
    typer.Option("--columns", help="CSV/TSV column names, e.g. 'title=Title,abstract=Summary'."),
]
OnErrorOpt = Annotated[
    str,
    typer.Option("--on-error", help="'stop' (default): first bad record aborts, nothing is "
                 "written. 'skip': bad records are skipped and listed in skipped.jsonl."),
]
PatternsOpt = Annotated[
    Path | None,
    typer.Option("--patterns", help="Extra EntityRuler JSONL patterns (add to or override the "
                 "lexicons)."),
]
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="What decides the entities and relations: 'default' (the "
                 "model shipped with paperkg), a directory made by `paperkg train`, or 'rules' "
                 "(the rule pipeline alone: faster, less recall).", show_default=False),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", "-w", help="Extraction processes on this machine (default: one "
                 "per core; an input of one partition is extracted in-process).",
                 show_default=False),
]


def columns_of(spec: str | None) -> dict[str, str] | None:
    """``--columns``' value, parsed."""
    from kg.ingest import parse_columns

    return parse_columns(spec) if spec else None


def check_on_error(value: str) -> OnError:
    """``--on-error``'s value, checked."""
    if value == "stop":
        return "stop"
    if value == "skip":
        return "skip"
    raise PaperkgError(f"--on-error must be 'stop' or 'skip', not {value!r}")


def progress_bar() -> Progress:
    """A progress display on stderr (silent when stderr is not a terminal)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
    )
