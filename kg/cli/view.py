"""`paperkg view`: one entity's neighbourhood as an interactive page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kg.cli.common import (
    app,
    console,
    reports_errors,
)


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
    from kg.export.html import render_html
    from kg.graph.load import load_build
    from kg.graph.views import check_projection, neighbourhood_view

    checked = check_projection(projection)
    graph = load_build(graph_or_dir)
    page = neighbourhood_view(graph, entity, hops=hops, projection=checked, max_nodes=max_nodes)
    write_text_atomic(out, render_html(graph, page))
    shown = page.graph
    console.print(f"Wrote [bold]{escape(str(out))}[/]: {shown.number_of_nodes()} nodes, "
                  f"{shown.number_of_edges()} edges"
                  + (f" ({page.left_out_nodes} nodes left out)" if page.left_out_nodes else ""))
