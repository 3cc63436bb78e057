"""`paperkg query`, `validate` and `serve`: SPARQL, SHACL and the endpoint."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kg.cli.common import app, console, err_console, reports_errors
from kg.errors import PaperkgError

if TYPE_CHECKING:
    from kg.query.sparql import NamedQuery, QueryResult


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
        execute,
        load_store,
        named_query_info,
        serialize_result,
    )

    if list_queries:
        _print_named_queries(named_query_info().values())
        return
    if graph_or_dir is None:
        raise PaperkgError("give a graph file or build directory (or --list)")
    result = execute(load_store(graph_or_dir), _query_text(text, file, name), _bindings(bind))
    if fmt == "table" and result.kind != "graph":
        _print_table(result)
        return
    try:
        data = serialize_result(result, "turtle" if fmt == "table" else fmt)
    except QueryError as exc:
        raise PaperkgError(str(exc)) from None
    sys.stdout.buffer.write(data)
    if not data.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def _print_named_queries(queries: Iterable[NamedQuery]) -> None:
    table = Table(title="named queries")
    table.add_column("name", no_wrap=True)
    table.add_column("question", overflow="fold")
    for q in queries:
        table.add_row(q.name, f"[bold]{escape(q.title)}[/]\n{escape(q.description)}")
    console.print(table)


def _query_text(text: str | None, file: Path | None, name: str | None) -> str:
    """The query given as text, as a file or by name (exactly one of them)."""
    from kg.query.sparql import named_query

    if len([x for x in (text, file, name) if x is not None]) != 1:
        raise PaperkgError("give exactly one of: a query text, --file q.rq, --name NAME")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PaperkgError(f"{file}: cannot read the query: {exc}") from None
    return named_query(name) if name is not None else text or ""


def _bindings(items: list[str] | None) -> dict[str, str]:
    bindings = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise PaperkgError(f"--bind needs NAME=VALUE, not {item!r}")
        bindings[key.strip()] = value
    return bindings


def _print_table(result: QueryResult) -> None:
    """A SELECT result as a table, an ASK result as true/false."""
    from kg.query.sparql import display_value

    if result.kind == "ask":
        console.print("true" if result.boolean else "false")
        return
    table = Table(show_lines=False)
    for var in result.variables:
        table.add_column(var, overflow="fold")
    for row in result.rows:
        table.add_row(*(escape(display_value(v)) for v in row))
    console.print(table)
    console.print(f"{len(result.rows)} rows", style="dim")


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
    from kg.query.shacl import validate_path

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


WorkerMemoryOpt = Annotated[
    int, typer.Option("--worker-memory", help="MB of address space one query worker may use "
                      "(the graph included); a query over it gets 500.")
]
MaxResponseOpt = Annotated[
    float, typer.Option("--max-response-mb", help="Largest answer in MB; longer answers are cut "
                        "to the solutions/triples that fit.")
]
CorsOpt = Annotated[
    list[str] | None,
    typer.Option("--cors-origin", help="An origin browsers may query from (repeatable; default "
                 "*, any; 'none' sends no CORS headers)."),
]
ServeBaseIriOpt = Annotated[
    str | None, typer.Option("--base-iri", help="Base IRI of the graph: a GET on /paper/…, "
                             "/model/… describes BASE + path (default: the build's).")
]


def _build_base_iri(directory: Path, default: str) -> str:
    """The base IRI a build used (the ``paper:`` prefix of its ``graph.ttl``), else ``default``."""
    try:
        with open(directory / "graph.ttl", encoding="utf-8", errors="replace") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return default
    match = re.search(r"^@prefix paper: <([^<>\s]+/)paper/> \.$", head, re.MULTILINE)
    return match.group(1) if match else default


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
    worker_memory: WorkerMemoryOpt = 1024,
    max_response_mb: MaxResponseOpt = 32.0,
    cors_origin: CorsOpt = None,
    base_iri: ServeBaseIriOpt = None,
) -> None:
    """Serve a build: a read-only SPARQL 1.1 endpoint at /sparql, plus graph.html and the files.

    GET or POST /sparql; results as JSON, XML, CSV or TSV (SELECT/ASK) or Turtle, N-Triples,
    JSON-LD, RDF/XML (CONSTRUCT/DESCRIBE), chosen by the Accept header. UPDATE, LOAD and
    SERVICE are refused. A bare GET /sparql gives the service description; a GET on a
    resource path (/model/llama-2) its description. Limits: docs/security.md. Stop with Ctrl-C.

    Examples:

        paperkg serve output/

        paperkg serve output/ --port 3030 --timeout 10 --max-rows 1000
    """
    from kg.export import DEFAULT_BASE_IRI
    from kg.query.endpoint import LOOPBACK_HOSTS, EndpointConfig, start_endpoint

    origins = tuple(o for o in (cors_origin or ["*"]) if o.lower() != "none")
    config = EndpointConfig(directory=directory, host=host, port=port, timeout=timeout,
                            max_rows=max_rows, workers=workers, worker_memory_mb=worker_memory,
                            max_response_bytes=int(max_response_mb * 2**20),
                            cors_origins=origins,
                            base_iri=base_iri or _build_base_iri(directory, DEFAULT_BASE_IRI))
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
