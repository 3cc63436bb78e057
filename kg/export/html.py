"""``graph.html``: an offline explorer of the entity graph (sigma.js + graphology, WebGL).

One self-contained page: paperkg's template (``templates/graph.html``, ``templates/*.js``), the
vendored minified sigma.js and graphology builds (``vendor/``, MIT) and the data of
:mod:`kg.export.html_data`, as gzip + base64 JSON that the browser inflates with its own
``DecompressionStream``.  It opens from ``file://`` with no network; a Content-Security-Policy
forbids every fetch anyway.  No HTML is built here from paper text: the page writes every title,
name and sentence as text nodes.

The build's page holds every entity and every paper; it draws entities (papers are counts and
panels), laid out at build time, and starts with the minimum-paper filter set so that at most
``max_nodes`` entities are drawn.  ``paperkg view`` writes the same page for a neighbourhood
(:func:`kg.graph.views.neighbourhood_view`), opened on its centre.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from kg.export import ExportOptions
from kg.export.html_data import external_links, page_model, safe_url  # noqa: F401  (API)
from kg.export.styles import NODE_STYLES, OTHER_RELATION, RELATION_STYLES
from kg.graph.views import (  # noqa: F401  (re-exported: the view API's old home)
    PROJECTIONS,
    Projection,
    View,
    graph_view,
    neighbourhood_view,
    resolve_node,
)
from kg.model import KnowledgeGraph

TEMPLATE_DIR = Path(__file__).parent / "templates"
VENDOR_DIR = Path(__file__).parent / "vendor"
#: the vendored renderer, in load order
VENDORED = ("graphology-0.26.0.umd.min.js", "sigma-3.0.3.min.js")
SCRIPTS = ("page-core.js", "page-panels.js", "page-controls.js")
#: entities whose labels are always drawn (the most connected)
FORCED_LABELS = 30
DEFAULT_MAX_NODES = ExportOptions().max_nodes
_DATA = re.compile(r'<script type="application/gzip\+base64" id="paperkg-(data|texts)">'
                   r"([A-Za-z0-9+/=]*)</script>")


def plural(n: int, word: str) -> str:
    """``"1 paper"``, ``"2,000 papers"``, ``"3 entities"``."""
    if n == 1:
        return f"1 {word}"
    return f"{n:,} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def starting_min_papers(paper_counts: list[int], max_nodes: int) -> int:
    """The smallest paper count that leaves at most ``max_nodes`` entities drawn (>= 1)."""
    if max_nodes < 1:
        raise ValueError(f"--max-nodes must be at least 1, not {max_nodes}")
    counts = sorted(paper_counts, reverse=True)
    if len(counts) <= max_nodes:
        return 1
    return max(1, counts[max_nodes] + 1)


def _styles(model: dict) -> dict:
    types = {t: {"color": NODE_STYLES[t].color if t in NODE_STYLES else "#7f7f7f",
                 "symbol": NODE_STYLES[t].symbol if t in NODE_STYLES else "\u25cf"}
             for t in model["types"]}
    relations = {r: {"color": RELATION_STYLES.get(r, OTHER_RELATION).color}
                 for r in model["relations"]}
    return {"types": types, "relations": relations}


def encode_data(model: dict) -> str:
    """gzip (no timestamp: same bytes every time) + base64 of the model's compact JSON."""
    raw = json.dumps(model, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def split_texts(model: dict) -> tuple[dict, dict]:
    """The model without its long texts (drawn first), and those texts (read after)."""
    papers = dict(model["papers"])
    edges = dict(model["edges"])
    texts = {"abstract": papers.pop("abstract"), "authors": papers.pop("authors"),
             "mentions": papers.pop("mentions"), "evidence": edges.pop("evidence")}
    return {**model, "papers": papers, "edges": edges}, texts


def render_page(model: dict, max_nodes: int = DEFAULT_MAX_NODES, centre: str | None = None,
                note: str = "") -> str:
    """The complete page for ``model`` (:func:`kg.export.html_data.page_model`)."""
    model = {**model, "styles": _styles(model), "centre": centre, "forcedLabels": FORCED_LABELS,
             "minPapers": starting_min_papers([len(p) for p in model["entities"]["papers"]],
                                              max_nodes)}
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                      keep_trailing_newline=True)
    vendored = "\n".join((VENDOR_DIR / name).read_text(encoding="utf-8") for name in VENDORED)
    script = "\n".join((TEMPLATE_DIR / name).read_text(encoding="utf-8") for name in SCRIPTS)
    n_entities, n_papers = len(model["entities"]["id"]), len(model["papers"]["id"])
    summary = (f"{plural(n_entities, 'entity')} from {plural(n_papers, 'paper')}. "
               "Click an entity for its papers; search finds entities and papers.")
    core, texts = split_texts(model)
    page = env.get_template("graph.html").render(
        title=model["title"], summary=summary, note=note, vendored=vendored, script=script,
        data=encode_data(core), texts=encode_data(texts),
    )
    return page if page.endswith("\n") else page + "\n"


def render_html(graph: KnowledgeGraph, view: View) -> str:
    """The page of a view: its entities (all of their papers), opened on its centre if any."""
    entities = [n for n in view.graph if n in graph.entities]
    if view.centre in graph.papers:
        entities = sorted(set(entities) | {e for e, ent in graph.entities.items()
                                           if view.centre in ent.papers})
    model = page_model(graph, entities, view.title, all_papers=False)
    return render_page(model, max_nodes=max(len(entities), 1), centre=view.centre)


def write_view(graph: KnowledgeGraph, view: View, path: Path) -> None:
    """Write the page of ``view`` to ``path`` (UTF-8; byte-identical for the same input)."""
    path.write_text(render_html(graph, view), encoding="utf-8", newline="\n")


def write(graph: KnowledgeGraph, out_dir: Path, options: ExportOptions) -> None:
    """Exporter: ``graph.html``, every entity and paper of the build."""
    model = page_model(graph, graph.entities, "paperkg graph")
    page = render_page(model, max_nodes=options.max_nodes)
    (out_dir / "graph.html").write_text(page, encoding="utf-8", newline="\n")


def page_data(page: str) -> dict:
    """The data embedded in a page written by :func:`render_page` (for tests and tools)."""
    found = {name: json.loads(gzip.decompress(base64.b64decode(blob)).decode("utf-8"))
             for name, blob in _DATA.findall(page)}
    if set(found) != {"data", "texts"}:
        raise ValueError("no paperkg data in the page")
    model, texts = found["data"], found["texts"]
    model["edges"]["evidence"] = texts.pop("evidence")
    model["papers"].update(texts)
    return model
