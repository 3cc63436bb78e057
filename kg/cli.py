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
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output directory (default: output/; "
                                  "with --store, outputs are written only when -o is given).",
                                  show_default=False)
    ] = None,
    fmt: FormatOpt = None,
    columns: ColumnsOpt = None,
    on_error: OnErrorOpt = "stop",
    patterns: PatternsOpt = None,
    base_iri: Annotated[
        str, typer.Option("--base-iri", help="Base IRI of the graph's resources.")
    ] = "https://w3id.org/paperkg/",
    id_namespace: Annotated[
        str | None, typer.Option("--id-namespace", help="Corpus namespace of the IRIs of papers "
                                 "that have only a local id (paper/local/NS/…; default: each "
                                 "input file's name).", show_default=False)
    ] = None,
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", help="Largest HTML view (top entities by degree).")
    ] = 1500,
    license: Annotated[
        str | None, typer.Option("--license", help="Licence of the graph's data for void.ttl: "
                                 "an SPDX id (CC-BY-4.0) or an IRI.", show_default=False)
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="Keep the graph in this on-disk Oxigraph store "
                                  "and add only the papers it does not have yet.",
                                  show_default=False)
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", help="Extraction processes on this machine.")
    ] = 1,
    engine: Annotated[
        str, typer.Option("--engine", help="'local' (this machine) or 'dask' (a Dask cluster, "
                          "see --scheduler).")
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address, e.g. "
                                 "tcp://HOST:8786 (with --engine dask).", show_default=False)
    ] = None,
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
        on_error=_check_on_error(on_error),
        columns=_columns(columns),
        patterns=patterns,
        id_namespace=id_namespace,
        export=ExportOptions(base_iri=base_iri, max_nodes=max_nodes, license=license),
        engine=EngineOptions(engine=engine, workers=workers, scheduler=scheduler).check(),
    )
    paths = [str(p) for p in inputs or []]
    started = time.perf_counter()
    if store is not None:
        from kg.store import build_store, export_store

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
        return
    out = out or Path("output")
    with progress_bar() as progress:
        task = progress.add_task("reading and extracting", total=None)
        report = run_build(paths, out, options, on_paper=lambda _p: progress.advance(task),
                           on_stage=lambda stage: progress.update(task, description=stage))
    report.seconds = time.perf_counter() - started
    print_build_summary(report, out)
    console.print(f"Wrote {len(report.files)} files to [bold]{escape(str(out))}/[/]")
    if (out / "graph.html").is_file():
        console.print(f"Open [bold]{escape(str(out / 'graph.html'))}[/] in a browser to explore "
                      "the graph (it works offline).")


@app.command("export")
@reports_errors
def export_command(
    store: Annotated[
        Path, typer.Argument(help="A store made by `paperkg build --store DIR`.",
                             show_default=False)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("output"),
    patterns: PatternsOpt = None,
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", help="Largest HTML view (top entities by degree).")
    ] = 1500,
) -> None:
    """Write every output file of a store's graph (the files `paperkg build` writes).

    The base IRI is the store's; give the same --patterns files the store was built with.

    Example:

        paperkg export kg-store/ -o output/
    """
    from kg.export import ExportOptions
    from kg.pipeline import BuildOptions
    from kg.store import export_store

    options = BuildOptions(patterns=patterns, export=ExportOptions(max_nodes=max_nodes))
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
    from kg.atomic import atomic_path
    from kg.ingest import ReadReport
    from kg.pipeline import BuildOptions, BuildReport, extract_inputs

    options = BuildOptions(
        fmt=fmt, on_error=_check_on_error(on_error), columns=_columns(columns), patterns=patterns
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
            if paper.has_errors:
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


@app.command()
@reports_errors
def view(
    graph_or_dir: Annotated[
        Path, typer.Argument(help="A build output directory (or its extractions.jsonl).",
                             show_default=False)
    ],
    entity: Annotated[
        str, typer.Argument(help="Entity id, name or alias (e.g. model/llama-2, 'Llama 2'), "
                            "or a paper id.", show_default=False)
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The HTML file to write.", show_default=False)
    ],
    hops: Annotated[int, typer.Option("--hops", help="How many edges away to go.")] = 2,
    projection: Annotated[
        str, typer.Option("--projection", help="'papers': papers and entities; 'entities': "
                          "entities only, linked by co-occurrence and typed relations.")
    ] = "papers",
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", help="Largest view (best-connected nodes kept).")
    ] = 1500,
) -> None:
    """Write an interactive HTML view of one entity's neighbourhood (works offline).

    The graph is read back from the build's `extractions.jsonl` and linked again.

    Examples:

        paperkg view output/ 'Llama 2' -o llama2.html

        paperkg view output/ dataset/mimic-iii --hops 1 --projection entities -o mimic.html
    """
    from kg.atomic import write_text_atomic
    from kg.export.html import PROJECTIONS, neighbourhood_view, render_html
    from kg.graph.load import load_build

    if projection not in PROJECTIONS:
        raise PaperkgError(f"--projection must be one of {', '.join(PROJECTIONS)}, "
                           f"not {projection!r}")
    graph = load_build(graph_or_dir)
    page = neighbourhood_view(graph, entity, hops=hops, projection=projection,  # type: ignore[arg-type]
                              max_nodes=max_nodes)
    write_text_atomic(out, render_html(graph, page))
    shown = page.graph
    console.print(f"Wrote [bold]{escape(str(out))}[/]: {shown.number_of_nodes()} nodes, "
                  f"{shown.number_of_edges()} edges"
                  + (f" ({page.left_out_nodes} nodes left out)" if page.left_out_nodes else ""))


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
    from kg.export.neo4j import NEO4J_DIR, SCRIPT, load_into_neo4j

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


@app.command()
@reports_errors
def query(
    graph_or_dir: Annotated[
        Path | None,
        typer.Argument(help="A graph file (.ttl, .nt, .jsonld, .owl …) or a build output "
                       "directory.", show_default=False),
    ] = None,
    text: Annotated[
        str | None, typer.Argument(help="The SPARQL query.", show_default=False)
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Read the query from a .rq file.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Run a named query (see --list).")
    ] = None,
    bind: Annotated[
        list[str] | None,
        typer.Option("--bind", "-b", help="Pre-bind a variable: NAME=VALUE (a string; an "
                     "integer; <iri> for an IRI). Repeatable."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, csv, tsv, json or xml (SELECT/ASK); "
                          "turtle, ntriples, jsonld or rdfxml (CONSTRUCT/DESCRIBE).")
    ] = "table",
    list_queries: Annotated[
        bool, typer.Option("--list", help="List the named queries and exit.")
    ] = False,
) -> None:
    """Run a SPARQL query on a graph: ad hoc, from a file, or one of the named queries.

    The vocabulary prefixes (pkg:, dcterms:, skos:, prov:, schema:, rdf:, rdfs:, xsd:, owl:,
    mls:, fabio:) need not be declared. Queries are read-only (no UPDATE, LOAD or SERVICE).

    Examples:

        paperkg query --list

        paperkg query output/ --name models-based-on --bind baseName=Llama-2

        paperkg query output/graph.ttl 'SELECT ?m WHERE { ?m a pkg:Model }' -f csv

        paperkg query output/ --file my.rq --format json
    """
    from kg.query.sparql import (
        QueryError,
        display_value,
        execute,
        load_store,
        named_query,
        named_query_info,
        serialize_result,
    )

    if list_queries:
        table = Table(title="named queries")
        table.add_column("name", no_wrap=True)
        table.add_column("question", overflow="fold")
        for q in named_query_info().values():
            table.add_row(q.name, f"[bold]{escape(q.title)}[/]\n{escape(q.description)}")
        console.print(table)
        return
    if graph_or_dir is None:
        raise PaperkgError("give a graph file or build directory (or --list)")
    given = [x for x in (text, file, name) if x is not None]
    if len(given) != 1:
        raise PaperkgError("give exactly one of: a query text, --file q.rq, --name NAME")
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PaperkgError(f"{file}: cannot read the query: {exc}") from None
    elif name is not None:
        text = named_query(name)
    bindings = {}
    for item in bind or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise PaperkgError(f"--bind needs NAME=VALUE, not {item!r}")
        bindings[key.strip()] = value
    result = execute(load_store(graph_or_dir), text or "", bindings)
    if fmt == "table":
        if result.kind == "ask":
            console.print("true" if result.boolean else "false")
            return
        if result.kind == "graph":
            fmt = "turtle"
        else:
            table = Table(show_lines=False)
            for var in result.variables:
                table.add_column(var, overflow="fold")
            for row in result.rows:
                table.add_row(*(escape(display_value(v)) for v in row))
            console.print(table)
            console.print(f"{len(result.rows)} rows", style="dim")
            return
    try:
        data = serialize_result(result, fmt)
    except QueryError as exc:
        raise PaperkgError(str(exc)) from None
    sys.stdout.buffer.write(data)
    if not data.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


@app.command()
@reports_errors
def validate(
    graph_or_dir: Annotated[
        Path, typer.Argument(help="A graph file or a build output directory.",
                             show_default=False)
    ],
    shapes: Annotated[
        Path | None, typer.Option("--shapes", help="SHACL shapes to use instead of the "
                                  "bundled schemas/shapes.ttl.")
    ] = None,
) -> None:
    """Check a graph against the SHACL shapes (pyshacl); exit 1 if it does not conform.

    Prints every violation and warning (focus node, property, value, message). Warnings, e.g.
    a relation between entity types the annotation guideline does not expect, do not fail.

    Examples:

        paperkg validate output/

        paperkg validate output/graph.ttl --shapes my-shapes.ttl
    """
    from kg.graph.shacl import validate_path

    report = validate_path(graph_or_dir, shapes)
    for result in report.results:
        style = "red" if result.severity == "Violation" else "yellow"
        console.print(f"[{style}]{escape(str(result))}[/]", highlight=False)
    n_v, n_w = len(report.violations), len(report.warnings)
    if report.conforms:
        console.print(f"[green]conforms[/]: {report.triples:,} triples, {n_w} warnings")
        return
    console.print(f"[bold red]does not conform[/]: {n_v} violations, {n_w} warnings "
                  f"({report.triples:,} triples)")
    raise typer.Exit(1)


@app.command()
@reports_errors
def serve(
    directory: Annotated[
        Path, typer.Argument(help="A build output directory.", show_default=False)
    ] = Path("output"),
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port to listen on.")] = 8000,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds a query may run before it is stopped.")
    ] = 30.0,
    max_rows: Annotated[
        int, typer.Option("--max-rows", help="Most solutions/triples one query returns.")
    ] = 10_000,
    workers: Annotated[
        int, typer.Option("--workers", help="Queries that may run at the same time.")
    ] = 2,
) -> None:
    """Serve a build: a read-only SPARQL 1.1 endpoint at /sparql, plus graph.html and the files.

    GET or POST /sparql; results as JSON, XML, CSV or TSV (SELECT/ASK) or Turtle, N-Triples,
    JSON-LD, RDF/XML (CONSTRUCT/DESCRIBE), chosen by the Accept header. UPDATE, LOAD and
    SERVICE are refused. Stop with Ctrl-C.

    Examples:

        paperkg serve output/

        paperkg serve output/ --port 3030 --timeout 10 --max-rows 1000
    """
    from kg.query.endpoint import LOOPBACK_HOSTS, EndpointConfig, start_endpoint

    config = EndpointConfig(directory=directory, host=host, port=port, timeout=timeout,
                            max_rows=max_rows, workers=workers)
    if host not in LOOPBACK_HOSTS:
        err_console.print(f"[yellow]warning:[/] listening on {escape(host)}: other machines "
                          f"can query this graph")
    endpoint = start_endpoint(config, background=False)
    base = endpoint.url.removesuffix("/sparql")
    console.print(f"SPARQL endpoint: [bold]{endpoint.url}[/] ({endpoint.pool.triples:,} triples)")
    if (directory / "graph.html").is_file():
        console.print(f"Graph view: [bold]{base}/graph.html[/]")
    console.print("Press Ctrl-C to stop.", style="dim")
    try:
        endpoint.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.server.server_close()
        endpoint.pool.close()


def main() -> None:
    """Entry point of the ``paperkg`` script."""
    app(prog_name="paperkg")


if __name__ == "__main__":
    sys.exit(main())
