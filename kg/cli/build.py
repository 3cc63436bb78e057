"""`paperkg build`, `export` and `extract`: read, extract, link and write."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from kg.cli.common import (
    ColumnsOpt,
    FormatOpt,
    Inputs,
    ModelOpt,
    OnErrorOpt,
    PatternsOpt,
    WorkersOpt,
    app,
    check_on_error,
    columns_of,
    console,
    progress_bar,
    reports_errors,
)

if TYPE_CHECKING:
    from kg.pipeline import BuildOptions

BaseIriOpt = Annotated[str, typer.Option("--base-iri", help="Base IRI of the graph's resources.")]
MaxNodesOpt = Annotated[
    int, typer.Option("--max-nodes", help="Entities graph.html draws first (all searchable).")
]
CsvRawOpt = Annotated[
    bool, typer.Option("--csv-raw", help="Keep entities.csv/relations.csv cells that start with "
                       "= + - @ as they are (default: a leading ' so spreadsheets do not run "
                       "them as formulas).")
]
IdNamespaceOpt = Annotated[
    str | None, typer.Option("--id-namespace", help="Corpus namespace of the IRIs of papers that "
                             "have only a local id (paper/local/NS/…; default: each input file's "
                             "name).", show_default=False)
]
LicenseOpt = Annotated[
    str | None, typer.Option("--license", help="Licence of the graph's data for void.ttl: an "
                             "SPDX id (CC-BY-4.0) or an IRI.", show_default=False)
]
StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Keep the graph in this on-disk Oxigraph store and "
                              "add only the papers it does not have yet.", show_default=False)
]
EngineOpt = Annotated[
    str, typer.Option("--engine", help="'local' (this machine) or 'dask' (a Dask cluster, see "
                      "--scheduler).")
]
SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://HOST:8786 "
                             "(with --engine dask).", show_default=False)
]


@app.command()
@reports_errors
def build(
    inputs: Inputs = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output directory (default: output/; "
                                  "with --store, outputs are written only when -o is given).",
                                  show_default=False)
    ] = None,
    fmt: FormatOpt = None,
    columns: ColumnsOpt = None,
    on_error: OnErrorOpt = "stop",
    patterns: PatternsOpt = None,
    model: ModelOpt = None,
    base_iri: BaseIriOpt = "https://w3id.org/paperkg/",
    id_namespace: IdNamespaceOpt = None,
    max_nodes: MaxNodesOpt = 1500,
    license: LicenseOpt = None,
    csv_raw: CsvRawOpt = False,
    store: StoreOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
) -> None:
    """Read papers, extract entities and relations, and write the graph in every format.

    Examples:

        paperkg build                                  # the bundled demo corpus -> output/

        paperkg build papers.jsonl -o out/ --workers 2

        paperkg build export.csv --columns 'title=Title,abstract=Abstract' --on-error skip

        paperkg build new-papers.jsonl --store kg-store/      # add to a store; then:

        paperkg export kg-store/ -o out/

        paperkg build papers.jsonl --engine dask --scheduler tcp://10.0.0.5:8786 -o out/
    """
    from kg.engines import EngineOptions
    from kg.export import ExportOptions
    from kg.pipeline import BuildOptions
    from kg.pipeline import build as run_build

    options = BuildOptions(
        fmt=fmt,
        on_error=check_on_error(on_error),
        columns=columns_of(columns),
        patterns=patterns,
        model=model,
        id_namespace=id_namespace,
        export=ExportOptions(base_iri=base_iri, max_nodes=max_nodes, license=license,
                             csv_neutralise=not csv_raw),
        engine=EngineOptions(engine=engine, workers=workers, scheduler=scheduler).check(),
    )
    paths = [str(p) for p in inputs or []]
    if store is not None:
        _build_store(paths, store, out, options)
        return
    started = time.perf_counter()
    out = out or Path("output")
    with progress_bar() as progress:
        task = progress.add_task("reading and extracting", total=None)
        report = run_build(paths, out, options, on_paper=lambda _p: progress.advance(task),
                           on_stage=lambda stage: progress.update(task, description=stage))
    report.seconds = time.perf_counter() - started
    print_build_summary(report, out)
    print_engine(report)
    console.print(f"Wrote {len(report.files)} files to [bold]{escape(str(out))}/[/]")
    if (out / "graph.html").is_file():
        console.print(f"Open [bold]{escape(str(out / 'graph.html'))}[/] in a browser to explore "
                      "the graph (it works offline).")


def _build_store(paths: list[str], store: Path, out: Path | None,
                 options: BuildOptions) -> None:
    """``build --store``: add to the store, then write the outputs if ``out`` is given."""
    from kg.store import build_store, export_store

    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("reading and extracting", total=None)
        result = build_store(paths, store, options, on_paper=lambda _p: progress.advance(task))
        if out is not None:
            progress.update(task, description="writing outputs")
            files = export_store(store, out, options)
    result.seconds = time.perf_counter() - started
    print_store_summary(result, store)
    if out is not None:
        console.print(f"Wrote {len(files)} files to [bold]{escape(str(out))}/[/]")


@app.command("export")
@reports_errors
def export_command(
    store: Annotated[
        Path, typer.Argument(help="A store made by `paperkg build --store DIR`.",
                             show_default=False)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("output"),
    patterns: PatternsOpt = None,
    max_nodes: MaxNodesOpt = 1500,
    csv_raw: CsvRawOpt = False,
) -> None:
    """Write every output file of a store's graph (the files `paperkg build` writes).

    The base IRI is the store's; give the same --patterns files the store was built with.

    Example:

        paperkg export kg-store/ -o output/
    """
    from kg.export import ExportOptions
    from kg.pipeline import BuildOptions
    from kg.store import export_store

    options = BuildOptions(patterns=patterns, export=ExportOptions(max_nodes=max_nodes,
                                                                   csv_neutralise=not csv_raw))
    started = time.perf_counter()
    with progress_bar() as progress:
        progress.add_task("reading the store and writing outputs", total=None)
        files = export_store(store, out, options)
    console.print(f"Wrote {len(files)} files to [bold]{escape(str(out))}/[/] in "
                  f"{time.perf_counter() - started:.1f}s")


def print_store_summary(report: Any, store: Path) -> None:
    """The table printed at the end of a ``build --store``."""
    table = Table(title=f"paperkg build --store {escape(str(store))}", show_header=False)
    table.add_row("papers added", str(report.added))
    table.add_row("papers already in the store", str(report.already))
    table.add_row("stored papers extracted again", str(report.reextracted))
    table.add_row("records skipped", str(len(report.read.skipped)))
    table.add_row("papers in the store", str(report.papers))
    if report.rewritten:
        table.add_row("store written anew", "yes")
    else:
        table.add_row("triples removed / added",
                      f"{report.triples_removed} / {report.triples_added}")
    table.add_row("triples", str(report.triples))
    table.add_row("seconds", f"{report.seconds:.1f}")
    console.print(table)
    if not report.added and not report.reextracted:
        console.print("Nothing new: the store is unchanged.")


def print_engine(report: Any) -> None:
    """How many processes extracted."""
    n = report.workers
    console.print(f"Extracted with {n} process{'es' if n > 1 else ''}" + (
        " (one partition: in this process)" if n == 1 and report.cores > 1 else "") + ".")


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
    model: ModelOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Extract entities and relations per paper, in the gold-annotation JSONL format.

    Each line: `{"id", "entities": [{"name", "type", "aliases", "proposed", "mentions"}],
    "relations": [{"subject", "predicate", "object", "evidence"}]}`.

    Examples:

        paperkg extract papers.jsonl -o pred.jsonl

        paperkg extract listing.txt --patterns my_field.jsonl -o pred.jsonl

        paperkg extract papers.jsonl --model my_model/ -o pred.jsonl
    """
    from kg.atomic import atomic_path
    from kg.engines import EngineOptions
    from kg.ingest import ReadReport
    from kg.pipeline import BuildOptions, BuildReport, extract_inputs

    options = BuildOptions(
        fmt=fmt, on_error=check_on_error(on_error), columns=columns_of(columns), patterns=patterns,
        model=model, engine=EngineOptions(workers=workers).check(),
    )
    report = BuildReport(read=ReadReport())
    # the same two-pass corpus extraction as a build: names learned in one paper apply in all
    with progress_bar() as progress, atomic_path(out) as tmp:
        task = progress.add_task("extracting", total=None)
        extract_inputs([str(p) for p in inputs or []], options, report, tmp,
                       on_paper=lambda _p: progress.advance(task))
    skipped = report.read.skipped
    console.print(f"Wrote {report.read.papers} papers to [bold]{out}[/]"
                  + (f" ({len(skipped)} skipped)" if skipped else ""))
    print_engine(report)
