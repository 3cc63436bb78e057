"""``graph.html``: an interactive view of the graph that works offline (pyvis + vis-network).

The page is rendered by pyvis with ``cdn_resources="in_line"`` and paperkg's own template
(``templates/graph.html``), which inlines pyvis' bundled copy of vis-network and nothing else: no
Bootstrap, no tom-select, no CDN.  It opens from ``file://`` with no network at all, and a
Content-Security-Policy forbids every fetch anyway.

What a view shows:

- papers and entities as nodes, coloured and shaped per type (:data:`NODE_STYLES`), sized by degree;
  edges styled per relation (:data:`RELATION_STYLES`); a legend whose check boxes filter node types
  and relations; search by name, alias or id;
- a tooltip (and a details panel on click) per node and edge: name, type, aliases, number of
  papers, external links and up to two evidence sentences.  Every piece of paper text in them is
  HTML-escaped here, in Python; the page turns the escaped HTML into elements;
- physics (forceAtlas2) that runs a bounded number of stabilisation iterations and is then
  switched off, so large views stop moving and stay responsive;
- above ``max_nodes`` the best-connected nodes (by degree, ties by id) are kept and the page
  says how many nodes and edges were left out.

``co_occurs_with`` edges are left out of the paper view (papers already connect the entities
they share); the entity projection (``projection="entities"``) shows entities only, with their
co-occurrence and typed relations.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyvis
from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from pyvis.network import Network

from kg.export import ExportOptions
from kg.export.styles import NODE_STYLES, OTHER_RELATION, RELATION_STYLES
from kg.graph.views import (  # noqa: F401  (re-exported: the view API's old home)
    PROJECTIONS,
    Projection,
    View,
    graph_view,
    neighbourhood_view,
    resolve_node,
)
from kg.model import CO_OCCURS_WITH, Evidence, KnowledgeGraph, Relation

TEMPLATE_DIR = Path(__file__).parent / "templates"
PYVIS_TEMPLATE_DIR = Path(pyvis.__file__).parent / "templates"

#: evidence sentences shown per node or edge
MAX_SENTENCES = 2
#: aliases listed per entity
MAX_ALIASES = 8
MIDDOT = " \u00b7 "
#: default largest view (the build's ``--max-nodes``)
DEFAULT_MAX_NODES = ExportOptions().max_nodes


# ---------------------------------------------------------------------------------------------
# Tooltips: every value from the graph goes through esc()


def esc(text: object) -> str:
    """HTML-escape ``text`` (quotes included, so it is safe in attributes too)."""
    return html.escape(str(text), quote=True)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def safe_url(url: str) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no ``javascript:``, no ``data:``)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


_WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")


def external_links(external_ids: dict[str, str]) -> list[tuple[str, str | None, str]]:
    """``(label, url or None, shown text)`` for each external id, in key order."""
    links = []
    for key, value in sorted(external_ids.items()):
        if key == "wikidata" and _WIKIDATA_ID.fullmatch(value):
            links.append(("Wikidata", f"https://www.wikidata.org/wiki/{value}", value))
        elif key == "huggingface" and not safe_url(value):
            url = f"https://huggingface.co/{quote(value.strip(), safe='/-_.')}"
            links.append(("Hugging Face", url, value))
        else:
            links.append((key.replace("_", " ").capitalize() if key != "huggingface"
                          else "Hugging Face", safe_url(value), value))
    return links


def _link(label: str, url: str | None, text: str) -> str:
    if url is None:
        return f"{esc(label)}: {esc(text)}"
    return (f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer" '
            f'title="{esc(text)}">{esc(label)}</a>')


def _sentences(evidence: Iterable[Evidence], limit: int = MAX_SENTENCES) -> list[Evidence]:
    seen: set[str] = set()
    chosen = []
    for ev in evidence:
        text = " ".join(ev.sentence_text.split())
        if text and text not in seen:
            seen.add(text)
            chosen.append(ev)
            if len(chosen) == limit:
                break
    return chosen


def _quotes(evidence: Iterable[Evidence]) -> str:
    return "".join(
        f"<blockquote>{esc(_clip(ev.sentence_text, 320))} "
        f"<span class=\"kind\">({esc(ev.paper_id)})</span></blockquote>"
        for ev in _sentences(evidence)
    )


#: which relations' evidence is quoted first in an entity's tooltip
_EVIDENCE_ORDER = {"based_on": 0, "trained_on": 0, "evaluated_on": 0, "uses_method": 0,
                   "proposes": 1, "uses": 2}


class _Index:
    """Lookups the tooltips need, built once per page from the relations of the view's nodes."""

    def __init__(self, graph: KnowledgeGraph, nodes: set[str]) -> None:
        self.graph = graph
        self.relation: dict[tuple[str, str, str], Relation] = {}
        evidence: dict[str, list[tuple[int, Evidence]]] = defaultdict(list)
        self.entity_count: Counter = Counter()
        self.proposes: dict[str, list[str]] = defaultdict(list)
        for rel in graph.relations:
            if rel.subject not in nodes and rel.object not in nodes:
                continue
            self.relation[(rel.subject, rel.predicate, rel.object)] = rel
            rank = _EVIDENCE_ORDER.get(rel.predicate, 3)
            for ev in rel.evidence:
                if rel.object in graph.entities:
                    evidence[rel.object].append((rank, ev))
                if rel.subject in graph.entities:
                    evidence[rel.subject].append((rank, ev))
            if rel.predicate in ("proposes", "uses"):
                self.entity_count[rel.subject] += 1
                if rel.predicate == "proposes" and rel.object in graph.entities:
                    self.proposes[rel.subject].append(graph.entities[rel.object].name)
        self.evidence = {n: [ev for _, ev in sorted(evs)] for n, evs in evidence.items()}

    def label(self, node: str) -> str:
        if node in self.graph.entities:
            return self.graph.entities[node].name
        paper = self.graph.papers.get(node)
        return _clip(paper.title, 80) if paper is not None and paper.title else node


def entity_tooltip(index: _Index, entity_id: str, degree: int) -> str:
    """Escaped HTML: name, type, aliases, papers, external links, evidence sentences, id."""
    e = index.graph.entities[entity_id]
    parts = [f'<b class="name">{esc(e.name)}</b> <span class="kind">{esc(e.type)}</span>']
    if e.aliases:
        shown = ", ".join(esc(a) for a in e.aliases[:MAX_ALIASES])
        more = len(e.aliases) - MAX_ALIASES
        parts.append(f"<div>Also: {shown}{f' (+{more} more)' if more > 0 else ''}</div>")
    line = f"{plural(e.paper_count, 'paper')}{MIDDOT}degree {degree}"
    if e.proposed_by:
        line += f"{MIDDOT}proposed in {esc(', '.join(e.proposed_by[:3]))}"
        if len(e.proposed_by) > 3:
            line += " \u2026"
    parts.append(f"<div>{line}</div>")
    for name, values in sorted(e.attributes.items()):
        parts.append(f"<div>{esc(name)}: {esc(', '.join(values))}</div>")
    links = external_links(e.external_ids)
    if links:
        parts.append("<div>" + MIDDOT.join(_link(*link) for link in links) + "</div>")
    parts.append(_quotes(index.evidence.get(entity_id, ())))
    parts.append(f'<div class="kind">{esc(entity_id)}</div>')
    return "".join(parts)


def paper_tooltip(index: _Index, paper_id: str, degree: int) -> str:
    """Escaped HTML: title, year, venue, authors, entity counts, link, id."""
    paper = index.graph.papers[paper_id]
    facts = MIDDOT.join(["Paper"] + [esc(x) for x in (paper.year, paper.venue) if x])
    title = esc(paper.title or paper_id)
    parts = [f'<b class="name">{title}</b> <span class="kind">{facts}</span>']
    if paper.authors:
        authors = ", ".join(paper.authors[:4]) + (" et al." if len(paper.authors) > 4 else "")
        parts.append(f"<div>{esc(authors)}</div>")
    count = index.entity_count.get(paper_id, 0)
    parts.append(f"<div>{plural(count, 'entity')}{MIDDOT}degree {degree}</div>")
    if index.proposes.get(paper_id):
        parts.append(f"<div>Proposes: {esc(', '.join(sorted(index.proposes[paper_id])))}</div>")
    url = safe_url(paper.url) if paper.url else None
    if url:
        parts.append(f"<div>{_link('Open the paper', url, url)}</div>")
    parts.append(f'<div class="kind">{esc(paper_id)}</div>')
    return "".join(parts)


def edge_tooltip(index: _Index, subject: str, predicate: str, obj: str, weight: int) -> str:
    """Escaped HTML: subject, relation, object, support and evidence sentences."""
    parts = [f"<b>{esc(index.label(subject))}</b> <span class=\"kind\">{esc(predicate)}</span> "
             f"<b>{esc(index.label(obj))}</b>"]
    rel = index.relation.get((subject, predicate, obj))
    if predicate == CO_OCCURS_WITH:
        parts.append(f"<div>{plural(weight, 'shared paper')}</div>")
    else:
        parts.append(f"<div>{plural(weight, 'supporting mention')}</div>")
    if rel is not None:
        parts.append(_quotes(rel.evidence))
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Rendering


def _physics(n: int) -> dict:
    """forceAtlas2 with a stabilisation budget that shrinks as the view grows.

    Barnes-Hut costs ~50 ms per iteration at 5,000 nodes in headless Chromium on 2 cores, so
    large views get fewer iterations and a coarser approximation (``theta``); the page switches
    physics off once they are done (``bench/html_view.py`` measures the time to stable).
    """
    iterations = 1000 if n <= 200 else max(100, min(1000, 250_000 // n))
    theta = 0.5 if n <= 500 else 1.0 if n <= 2000 else 1.5
    return {
        "enabled": True,
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {
            "gravitationalConstant": -60,
            "centralGravity": 0.012,
            "springLength": 80,
            "springConstant": 0.08,
            "damping": 0.5,
            "avoidOverlap": 0.2 if n <= 500 else 0.0,
            "theta": theta,
        },
        "maxVelocity": 60,
        "minVelocity": 1.5,
        "timestep": 0.5,
        "stabilization": {"enabled": True, "iterations": iterations, "updateInterval": 20,
                          "fit": True},
    }


def vis_options(n: int) -> dict:
    """vis-network options for a view of ``n`` nodes (fixed seed: the same layout every time)."""
    large = n > 800
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": n <= 150},
        "nodes": {
            "borderWidth": 1,
            "font": {"size": 12, "face": "system-ui, sans-serif"},
            "scaling": {"min": 8, "max": 42, "label": {
                "enabled": True, "min": 12, "max": 24, "drawThreshold": 5 if n <= 300 else 7,
            }},
        },
        "edges": {
            "smooth": False if large else {"type": "continuous", "roundness": 0.3},
            "selectionWidth": 2,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "multiselect": True,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
        },
        "physics": _physics(n),
    }


def plural(n: int, word: str) -> str:
    """``"1 paper"``, ``"2,000 papers"``, ``"3 entities"``."""
    if n == 1:
        return f"1 {word}"
    return f"{n:,} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def _summary(view: View) -> str:
    g = view.graph
    types = Counter(t for _, t in g.nodes(data="type"))
    papers = types.pop("Paper", 0)
    parts = [plural(papers, "paper")] if papers else []
    parts += [plural(sum(types.values()), "entity"), plural(g.number_of_edges(), "edge")]
    return ", ".join(parts) + ". Hover or click for details; scroll to zoom."


def truncation_note(view: View) -> str:
    """The sentence that says how much of the graph the view leaves out ("" when nothing)."""
    if not view.left_out_nodes:
        return ""
    kinds = ", ".join(
        plural(n, t.lower())
        for t, n in sorted(view.left_out_by_type.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return (
        f"Showing the {view.graph.number_of_nodes():,} best-connected of {view.total_nodes:,} "
        f"nodes: {view.left_out_nodes:,} nodes ({kinds}) and {view.left_out_edges:,} edges are "
        "left out. Raise --max-nodes to see more."
    )


def _legend(view: View) -> tuple[list[dict], list[dict]]:
    g = view.graph
    type_counts = Counter(t for _, t in g.nodes(data="type"))
    types = [
        {"name": t, "color": s.color, "symbol": s.symbol, "count": f"{type_counts[t]:,}"}
        for t, s in NODE_STYLES.items() if type_counts[t]
    ]
    rel_counts = Counter(r for _, _, r in g.edges(data="relation"))
    names = [r for r in RELATION_STYLES if rel_counts[r]] + sorted(
        r for r in rel_counts if r not in RELATION_STYLES
    )
    relations = []
    for name in names:
        style = RELATION_STYLES.get(name, OTHER_RELATION)
        relations.append({
            "name": name, "color": style.color, "legend_width": max(style.width, 1.5),
            "dasharray": " ".join(map(str, style.dashes)), "count": f"{rel_counts[name]:,}",
        })
    return types, relations


def _network(graph: KnowledgeGraph, view: View) -> Network:
    """A pyvis Network holding the view's nodes and edges, styled, with escaped tooltips."""
    g = view.graph
    index = _Index(graph, set(g))
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line",
                  heading=view.title)
    net.templateEnv = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATE_DIR), FileSystemLoader(PYVIS_TEMPLATE_DIR)]),
        autoescape=True,
        keep_trailing_newline=True,
    )
    net.path = "graph.html"
    for node, data in g.nodes(data=True):
        kind = data["type"]
        style = NODE_STYLES.get(kind, NODE_STYLES["Paper"])
        degree = view.degree[node]
        if kind == "Paper":
            title = paper_tooltip(index, node, degree)
            label = _clip(data.get("label") or node, 40)
            haystack = [node, data.get("label") or ""]
        else:
            title = entity_tooltip(index, node, degree)
            label = data["label"]
            haystack = [node, label, *data.get("aliases", ())]
        extra = {"borderWidth": 3} if node == view.centre else {}
        net.add_node(
            node, label=label, shape=style.shape, color=style.color, title=title, value=degree,
            kind=kind, search="\n".join(haystack).lower(), **extra,
        )
    for i, (subject, obj, data) in enumerate(g.edges(data=True)):
        relation = data["relation"]
        style = RELATION_STYLES.get(relation, OTHER_RELATION)
        weight = data.get("weight", 1)
        net.add_edge(
            subject, obj, id=f"e{i}", relation=relation,
            title=edge_tooltip(index, subject, relation, obj, weight),
            color=style.color, width=style.width + 0.5 * min(max(weight - 1, 0), 6),
            dashes=list(style.dashes) if style.dashes else False,
            arrows={"to": {"enabled": style.arrow, "scaleFactor": 0.5}},
        )
    net.options = vis_options(g.number_of_nodes())
    types, relations = _legend(view)
    net.templateEnv.globals["paperkg"] = {
        "title": view.title,
        "centre": view.centre,
        "summary": _summary(view),
        "note": truncation_note(view),
        "types": types,
        "relations": relations,
    }
    return net


def render_html(graph: KnowledgeGraph, view: View) -> str:
    """The complete, self-contained HTML page of ``view``."""
    page = _network(graph, view).generate_html(name="graph.html")
    return page if page.endswith("\n") else page + "\n"


def write_view(graph: KnowledgeGraph, view: View, path: Path) -> None:
    """Write the page of ``view`` to ``path`` (UTF-8; byte-identical for the same input)."""
    path.write_text(render_html(graph, view), encoding="utf-8", newline="\n")


def write(graph: KnowledgeGraph, out_dir: Path, options: ExportOptions) -> None:
    """Exporter: ``graph.html``, the whole graph (top ``options.max_nodes`` nodes)."""
    view = graph_view(graph, max_nodes=options.max_nodes)
    write_view(graph, view, out_dir / "graph.html")


def page_data(page: str) -> dict[str, list[dict]]:
    """The node and edge records embedded in a page written by :func:`render_html` (for tests)."""
    found = {}
    for name in ("nodeData", "edgeData"):
        match = re.search(rf"var {name} = (\[.*?\]);\n", page, re.S)
        if match is None:
            raise ValueError(f"no {name} in the page")
        found[name] = json.loads(match.group(1))
    return {"nodes": found["nodeData"], "edges": found["edgeData"]}
