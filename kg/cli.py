"""The ``paperkg`` command line.  Commands are thin: the work lives in importable functions."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from kg.errors import PaperkgError

app = typer.Typer(
    name="paperkg",
    help="Build knowledge graphs of papers, models, datasets, methods, tasks and metrics.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn a :class:`PaperkgError` into ``error: <message>`` on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PaperkgError as exc:
            # The message holds file names and record text: escape it, never parse it as markup.
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False,
                              markup=True, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


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


def _columns(spec: str | None) -> dict[str, str] | None:
    from kg.ingest import parse_columns

    return parse_columns(spec) if spec else None


def _check_on_error(value: str) -> str:
    if value not in ("stop", "skip"):
        raise PaperkgError(f"--on-error must be 'stop' or 'skip', not {value!r}")
    return value


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


@app.command()
@reports_errors
def build(
    inputs: Inputs = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("output"),
    fmt: FormatOpt = None,
    columns: ColumnsOpt = None,
    on_error: OnErrorOpt = "stop",
    patterns: PatternsOpt = None,
    base_iri: Annotated[
        str, typer.Option("--base-iri", help="Base IRI of the graph's resources.")
    ] = "https://w3id.org/paperkg/",
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", help="Largest HTML view (top entities by degree).")
    ] = 1500,
) -> None:
    """Read papers, extract entities and relations, and write the graph in every format.

    Examples:

        paperkg build                                  # the bundled demo corpus -> output/

        paperkg build papers.jsonl -o out/

        paperkg build export.csv --columns 'title=Title,abstract=Abstract' --on-error skip
    """
    from kg.export import ExportOptions
    from kg.pipeline import BuildOptions, build_graph, write_outputs

    options = BuildOptions(
        fmt=fmt,
        on_error=_check_on_error(on_error),
        columns=_columns(columns),
        patterns=patterns,
        export=ExportOptions(base_iri=base_iri, max_nodes=max_nodes),
    )
    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("reading and extracting", total=None)
        graph, extractions, report = build_graph(
            [str(p) for p in inputs or []], options, on_paper=lambda _p: progress.advance(task)
        )
        progress.update(task, description="writing outputs")
        files = write_outputs(graph, extractions, report, out, options)
    report.seconds = time.perf_counter() - started
    print_build_summary(report, out)
    console.print(f"Wrote {len(files)} files to [bold]{out}/[/]")


def print_build_summary(report: Any, out: Path) -> None:
    """The table printed at the end of a build."""
    table = Table(title="paperkg build", show_header=False)
    table.add_row("papers read", str(report.papers))
    table.add_row("duplicates merged", str(len(report.read.duplicates)))
    table.add_row("records skipped", str(len(report.read.skipped)))
    for etype, n in report.entities_by_type.items():
        table.add_row(f"entities: {etype}", str(n))
    for pred, n in report.relations_by_predicate.items():
        table.add_row(f"relations: {pred}", str(n))
    table.add_row("files written", str(len(report.files)))
    table.add_row("seconds", f"{report.seconds:.1f}")
    console.print(table)
    if report.read.skipped:
        console.print(f"[yellow]{len(report.read.skipped)} records skipped: see "
                      f"{out / 'skipped.jsonl'}[/]")


@app.command()
@reports_errors
def extract(
    inputs: Inputs = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output JSONL file.")] = Path(
        "output/extractions.jsonl"
    ),
    fmt: FormatOpt = None,
    columns: ColumnsOpt = None,
    on_error: OnErrorOpt = "stop",
    patterns: PatternsOpt = None,
) -> None:
    """Extract entities and relations per paper, in the gold-annotation JSONL format.

    Each line: `{"id", "entities": [{"name", "type", "aliases", "proposed", "mentions"}],
    "relations": [{"subject", "predicate", "object", "evidence"}]}`.

    Examples:

        paperkg extract papers.jsonl -o pred.jsonl

        paperkg extract listing.txt --patterns my_field.jsonl -o pred.jsonl
    """
    from extractors import build_nlp
    from extractors import extract as run_extract
    from kg.atomic import atomic_path
    from kg.ingest import ReadReport, read_papers
    from kg.pipeline import demo_corpus_path, write_jsonl

    report = ReadReport()
    papers = read_papers(
        [str(p) for p in inputs] if inputs else [demo_corpus_path()],
        fmt=fmt,
        on_error=_check_on_error(on_error),  # type: ignore[arg-type]
        columns=_columns(columns),
        report=report,
    )
    nlp = build_nlp(patterns=patterns)
    with progress_bar() as progress, atomic_path(out) as tmp:
        task = progress.add_task("extracting", total=None)

        def records():
            for extraction in run_extract(papers, nlp):
                progress.advance(task)
                yield extraction.to_json()

        write_jsonl(tmp, records())
    console.print(f"Wrote {report.papers} papers to [bold]{out}[/]"
                  + (f" ({len(report.skipped)} skipped)" if report.skipped else ""))


@app.command("eval")
@reports_errors
def evaluate_command(
    gold: Annotated[Path, typer.Argument(help="Gold annotations (JSONL).")],
    pred: Annotated[Path, typer.Argument(help="Predictions from `paperkg extract` (JSONL).")],
    by_paper: Annotated[
        bool, typer.Option("--by-paper", help="List misses and false alarms per paper.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score predictions against gold: P/R/F1 per type, core, all, relations, `proposed`.

    Example:

        paperkg eval gold.jsonl pred.jsonl --by-paper
    """
    import json

    from kg.evaluation import evaluate, read_annotations

    gold_records = read_annotations(gold)
    predictions = {str(r["id"]): r for r in read_annotations(pred)}
    scores = evaluate(gold_records, predictions)
    if as_json:
        console.print_json(json.dumps(scores.to_json()))
        return
    table = Table(title=f"paperkg eval: {len(gold_records)} papers")
    for column in ("", "precision", "recall", "F1", "tp", "fp", "fn"):
        table.add_column(column, justify="right" if column else "left")
    rows = [*scores.by_type.items(), ("core (Model+Dataset+Method)", scores.core),
            ("all types", scores.all_types), ("relations", scores.relations),
            *((f"  {p}", c) for p, c in sorted(scores.by_predicate.items()))]
    for label, c in rows:
        table.add_row(label, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}",
                      str(c.tp), str(c.fp), str(c.fn))
    console.print(table)
    console.print(f"proposed accuracy: {scores.proposed_accuracy:.3f} "
                  f"({scores.proposed_total} matched entities)")
    if by_paper:
        errors = Table(title="errors by paper")
        for column in ("paper", "missed", "false alarms", "missed relations", "false relations"):
            errors.add_column(column)
        for paper in scores.papers:
            if paper.missed or paper.false_alarms or paper.missed_relations or paper.false_relations:
                errors.add_row(paper.id, "\n".join(paper.missed), "\n".join(paper.false_alarms),
                               "\n".join(paper.missed_relations), "\n".join(paper.false_relations))
        console.print(errors)


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
        on_error=_check_on_error(on_error),  # type: ignore[arg-type]
        columns=_columns(columns),
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


def main() -> None:
    """Entry point of the ``paperkg`` script."""
    app(prog_name="paperkg")


if __name__ == "__main__":
    sys.exit(main())
