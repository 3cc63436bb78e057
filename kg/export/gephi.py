"""``graph.graphml`` and ``graph.gexf``: the graph for Gephi, Cytoscape, yEd and other graph tools.

Both hold the bytes NetworkX's writers make of :func:`kg.graph.networkx.to_networkx`, but are
streamed from the graph's array layout (:mod:`kg.graph.multigraph`) instead of built as one
element tree in memory (at 100k papers that tree took gigabytes); ``write_*_networkx`` at the end
of this module are those NetworkX writers, kept as the reference the tests compare against.
GraphML and GEXF hold only scalar attributes, so the graph is flattened first (:func:`flat_graph`):

- nodes: ``type``, ``label``, ``degree`` (edges in + out, co-occurrence included), ``color``
  (``#rrggbb``, the HTML view's colour of the type) and ``size``; papers ``year`` and ``url``;
  entities ``aliases`` (joined with ``"; "``), ``paper_count`` and one ``ext_<key>`` per
  external id.  Missing values (a paper without a year) are left out, not written as empty.
- edges: ``relation`` (also the edge ``label``), ``weight`` and ``evidence_count``; edge ids are
  ``e0``, ``e1`` … in the graph's relation order (parallel edges of different relations between
  the same two nodes stay apart).  ``co_occurs_with`` is symmetric, and both formats are
  read as directed graphs (NetworkX refuses an undirected edge in a directed GraphML or GEXF
  graph), so each pair is written both ways, ``u -> v`` and ``v -> u`` with the same weight:
  a tool that follows out-edges, in-edges or either sees every pair from both ends, and
  ``degree`` counts both edges.

Colours: GraphML carries them as ``r``/``g``/``b`` and ``color`` node attributes (Gephi's GraphML
importer reads both), GEXF as ``viz:color`` and ``viz:size``.  Characters XML 1.0 cannot hold
(control characters) are dropped from every text, so both files always parse.  The GEXF
``lastmodifieddate`` is left out: the same graph gives byte-identical files.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter
from networkx.readwrite.graphml import GraphMLWriter

from kg.export.styles import NODE_STYLES
from kg.graph import multigraph
from kg.graph.multigraph import Layout
from kg.graph.networkx import to_networkx
from kg.model import KnowledgeGraph

GRAPHML = "graph.graphml"
GEXF = "graph.gexf"
ALIAS_SEPARATOR = "; "
#: colour of a node type missing from the HTML view's styles
_FALLBACK_COLOUR = "#7f7f7f"
XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot represent (NUL, other C0 controls …)."""
    return XML_INVALID.sub("", value)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def node_size(degree: int) -> float:
    """Node size for graph tools: grows with the square root of the degree."""
    return round(6.0 + 3.0 * math.sqrt(degree), 2)


def _flat_node(data: dict[str, Any], degree: int) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if key == "aliases":
            if value:
                flat[key] = ALIAS_SEPARATOR.join(value)
        elif key == "external_ids":
            flat.update({f"ext_{k}": v for k, v in sorted(value.items())})
        else:
            flat[key] = value
    colour = NODE_STYLES[data["type"]].color if data["type"] in NODE_STYLES else _FALLBACK_COLOUR
    flat.update(degree=degree, color=colour, size=node_size(degree))
    # keys too: an external-id key from the data becomes an attribute name in the XML
    return {xml_text(k): xml_text(v) if isinstance(v, str) else v for k, v in flat.items()}


def flat_graph(graph: KnowledgeGraph) -> nx.MultiDiGraph:
    """:func:`to_networkx` with scalar attributes only, plus degree, colour and size; each
    co-occurrence pair both ways."""
    source = to_networkx(multigraph.with_reversed_cooccurrence(graph))
    flat = nx.MultiDiGraph(name="paperkg")
    for node, data in source.nodes(data=True):
        flat.add_node(xml_text(node), **_flat_node(data, source.degree(node)))
    for n, (u, v, data) in enumerate(source.edges(data=True)):
        flat.add_edge(xml_text(u), xml_text(v), key=f"e{n}", label=data["relation"],
                      **{k: xml_text(x) if isinstance(x, str) else x for k, x in data.items()})
    return flat


# --------------------------------------------------------------------------- streamed


def flat_nodes(graph: KnowledgeGraph, plan: Layout) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(id, attributes)`` of :func:`flat_graph`'s nodes, in its order, made one at a time."""
    papers, entities = graph.papers, graph.entities
    for node, degree in zip(plan.nodes, plan.degree.tolist(), strict=True):
        entity = entities.get(node)
        if entity is not None:
            data: dict[str, Any] = dict(
                type=entity.type, label=entity.name, aliases=list(entity.aliases),
                paper_count=entity.paper_count, external_ids=dict(entity.external_ids))
        else:
            paper = papers[node]
            data = dict(type="Paper", label=paper.title, year=paper.year, url=paper.url)
        yield xml_text(node), _flat_node(data, degree)


def flat_edges(graph: KnowledgeGraph, plan: Layout) -> Iterator[tuple[str, str, str, dict]]:
    """``(source, target, key, attributes)`` of :func:`flat_graph`'s edges, in its order."""
    for key, rel in multigraph.edges(graph, plan):
        data = {"label": rel.predicate, "relation": rel.predicate, "weight": rel.weight,
                "evidence_count": len(rel.evidence)}
        yield (xml_text(rel.subject), xml_text(rel.object), key,
               {k: xml_text(x) if isinstance(x, str) else x for k, x in data.items()})


def _cdata(text: str) -> str:
    """Element text escaped as ElementTree escapes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    """An attribute value escaped as ElementTree escapes it."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;")
            .replace("\t", "&#09;"))


def _element(tag: str, attrs: dict[str, str], text: str | None = None) -> str:
    head = tag + "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())
    return f"<{head}>{_cdata(text)}</{tag}>" if text else f"<{head} />"


_XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"
_GRAPHML_ROOT = (
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
)


def _graphml_node(data: dict[str, Any]) -> dict[str, Any]:
    r, g, b = _rgb(data["color"])
    return {**data, "r": r, "g": g, "b": b}


def write_graphml(graph: KnowledgeGraph, out_dir: Path, options: object = None) -> None:
    """Write ``graph.graphml`` (colours as ``r``/``g``/``b`` and ``color`` attributes).

    Streamed: the bytes NetworkX's writer gives for :func:`flat_graph`, without the graph or the
    document in memory (one pass finds the keys, a second writes).
    """
    xml_type = GraphMLWriter().get_xml_type
    plan = multigraph.layout(graph, both_ways=True)
    keys: dict[tuple[str, str, str], str] = {}

    def key(name: str, value: Any, scope: str) -> str:
        k = (name, xml_type(type(value)), scope)
        found = keys.get(k)
        if found is None:
            found = keys[k] = f"d{len(keys)}"
        return found

    key("name", "paperkg", "graph")
    for _, data in flat_nodes(graph, plan):
        for name, value in _graphml_node(data).items():
            key(name, value, "node")
    weight_types: set[type] = set()
    for _, _, _, data in flat_edges(graph, plan):
        if type(data["weight"]) not in weight_types:
            weight_types.add(type(data["weight"]))
            for name, value in data.items():
                key(name, value, "edge")
    with (out_dir / GRAPHML).open("w", encoding="utf-8", newline="",
                                  errors="xmlcharrefreplace") as fh:
        fh.write(_XML_DECLARATION + _GRAPHML_ROOT)
        for (name, attr_type, scope), kid in reversed(keys.items()):
            fh.write("\n  " + _element("key", {"id": kid, "for": scope, "attr.name": name,
                                               "attr.type": attr_type}))
        fh.write('\n  <graph edgedefault="directed">')
        for node, data in flat_nodes(graph, plan):
            _graphml_item(fh, "node", {"id": node}, _graphml_node(data), "node", key)
        for u, v, ekey, data in flat_edges(graph, plan):
            _graphml_item(fh, "edge", {"source": u, "target": v, "id": ekey}, data, "edge", key)
        name_key = key("name", "paperkg", "graph")
        fh.write(f'\n    <data key="{name_key}">paperkg</data>\n  </graph>\n</graphml>\n')


def _graphml_item(fh: TextIO, tag: str, attrs: dict[str, str], data: dict[str, Any],
                  scope: str, key: Callable[[str, Any, str], str]) -> None:
    if not data:
        fh.write("\n    " + _element(tag, attrs))
        return
    fh.write("\n    " + _element(tag, attrs)[:-3] + ">")
    for name, value in data.items():
        fh.write("\n      " + _element("data", {"key": key(name, value, scope)}, str(value)))
    fh.write(f"\n    </{tag}>")


_GEXF_NS = "http://www.gexf.net/1.2draft"
_GEXF_ROOT = (
    f'xmlns="{_GEXF_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    f'xsi:schemaLocation="{_GEXF_NS} {_GEXF_NS}/gexf.xsd" version="1.2">'
)


def _gexf_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    if isinstance(value, float):
        text = {"inf": "INF", "nan": "NaN", "-inf": "-INF"}.get(text, text)
    return text


def write_gexf(graph: KnowledgeGraph, out_dir: Path, options: object = None) -> None:
    """Write ``graph.gexf`` (GEXF 1.2, colours and sizes as ``viz`` elements).

    Streamed: the bytes NetworkX's writer gives for :func:`flat_graph` (without its
    ``lastmodifieddate``, creator ``paperkg``), without the graph or the document in memory.
    """
    xml_type = GEXFWriter().xml_type
    plan = multigraph.layout(graph, both_ways=True)
    ids: dict[str, dict[str, tuple[str, str]]] = {"node": {}, "edge": {}}  # title -> id, type
    counter = iter(range(1 << 62))

    def attr_id(scope: str, title: str, value: Any) -> str:
        found = ids[scope].get(title)
        if found is None:
            found = ids[scope][title] = (str(next(counter)), xml_type[type(value)])
        return found[0]

    body = out_dir / f".{GEXF}.body"
    try:
        with body.open("w", encoding="utf-8", newline="", errors="xmlcharrefreplace") as fh:
            _gexf_nodes(fh, graph, plan, attr_id)
            _gexf_edges(fh, graph, plan, attr_id)
        with (out_dir / GEXF).open("w", encoding="utf-8", newline="",
                                   errors="xmlcharrefreplace") as out:
            viz = ' xmlns:viz="http://www.gexf.net/1.2draft/viz"' if plan.nodes else ""
            out.write(f"{_XML_DECLARATION}<gexf{viz} {_GEXF_ROOT}\n  <meta>\n    "
                      "<creator>paperkg</creator>\n  </meta>\n  "
                      '<graph defaultedgetype="directed" mode="static" name="paperkg">')
            for scope in ("edge", "node"):  # each block goes first when it is made: edges last
                if ids[scope]:
                    out.write(f'\n    <attributes mode="static" class="{scope}">')
                    for title, (aid, attr_type) in ids[scope].items():
                        out.write("\n      " + _element(
                            "attribute", {"id": aid, "title": title, "type": attr_type}))
                    out.write("\n    </attributes>")
            with body.open(encoding="utf-8") as fh:
                shutil.copyfileobj(fh, out)
            out.write("\n  </graph>\n</gexf>\n")
    finally:
        body.unlink(missing_ok=True)


def _gexf_nodes(fh: TextIO, graph: KnowledgeGraph, plan: Layout,
                attr_id: Callable[[str, str, Any], str]) -> None:
    if not plan.nodes:
        fh.write("\n    <nodes />")
        return
    fh.write("\n    <nodes>")
    for node, data in flat_nodes(graph, plan):
        data = dict(data)
        label = str(data.pop("label", node))
        r, g, b = _rgb(data["color"])
        fh.write("\n      " + _element("node", {"id": node, "label": label})[:-3] + ">")
        fh.write(f'\n        <viz:color r="{r}" g="{g}" b="{b}" a="1.0" />'
                 f'\n        <viz:size value="{_attr(str(data["size"]))}" />')
        _gexf_attvalues(fh, "node", data, attr_id)
        fh.write("\n      </node>")
    fh.write("\n    </nodes>")


def _gexf_edges(fh: TextIO, graph: KnowledgeGraph, plan: Layout,
                attr_id: Callable[[str, str, Any], str]) -> None:
    if not len(plan.edges):
        fh.write("\n    <edges />")
        return
    fh.write("\n    <edges>")
    for u, v, key, data in flat_edges(graph, plan):
        data = dict(data)
        attrs = {"source": u, "target": v, "id": key, "label": str(data.pop("label")),
                 "weight": str(data.pop("weight"))}
        data["networkx_key"] = key
        fh.write("\n      " + _element("edge", attrs)[:-3] + ">")
        _gexf_attvalues(fh, "edge", data, attr_id)
        fh.write("\n      </edge>")
    fh.write("\n    </edges>")


def _gexf_attvalues(fh: TextIO, scope: str, data: dict[str, Any],
                    attr_id: Callable[[str, str, Any], str]) -> None:
    if not data:
        return
    fh.write("\n        <attvalues>")
    for title, value in data.items():
        fh.write("\n          " + _element(
            "attvalue", {"for": attr_id(scope, title, value), "value": _gexf_value(value)}))
    fh.write("\n        </attvalues>")


# --------------------------------------------------------------------------- NetworkX (reference)


def write_graphml_networkx(graph: KnowledgeGraph, out_dir: Path) -> None:
    """``graph.graphml`` as NetworkX writes :func:`flat_graph` (the reference of
    :func:`write_graphml`; the whole document is built in memory)."""
    flat = flat_graph(graph)
    for _, data in flat.nodes(data=True):
        data["r"], data["g"], data["b"] = _rgb(data["color"])
    nx.write_graphml(flat, out_dir / GRAPHML, encoding="utf-8", prettyprint=True)


def write_gexf_networkx(graph: KnowledgeGraph, out_dir: Path) -> None:
    """``graph.gexf`` as NetworkX writes :func:`flat_graph` (the reference of
    :func:`write_gexf`; the whole document is built in memory)."""
    flat = flat_graph(graph)
    for _, data in flat.nodes(data=True):
        r, g, b = _rgb(data["color"])
        data["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": data["size"]}
    for _, _, key, data in flat.edges(keys=True, data=True):
        data["id"] = key
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    if meta is not None:  # no date: the same graph must give the same bytes
        meta.attrib.pop("lastmodifieddate", None)
        creator = meta.find("creator")
        if creator is not None:
            creator.text = "paperkg"
    writer.add_graph(flat)
    writer.write(out_dir / GEXF)
