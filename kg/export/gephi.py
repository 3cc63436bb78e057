"""``graph.graphml`` and ``graph.gexf``: the graph for Gephi, Cytoscape, yEd and other graph tools.

Both are written by NetworkX from :func:`kg.graph.networkx.to_networkx`.  GraphML and GEXF hold
only scalar attributes, so the graph is flattened first (:func:`flat_graph`):

- nodes: ``type``, ``label``, ``degree`` (edges in + out, co-occurrence included), ``color``
  (``#rrggbb``, the HTML view's colour of the type) and ``size``; papers ``year`` and ``url``;
  entities ``aliases`` (joined with ``"; "``), ``paper_count`` and one ``ext_<key>`` per
  external id.  Missing values (a paper without a year) are left out, not written as empty.
- edges: ``relation`` (also the edge ``label``), ``weight`` and ``evidence_count``; edge ids are
  ``e0``, ``e1`` … in the graph's relation order (parallel edges of different relations between
  the same two nodes stay apart).  ``co_occurs_with`` is stored once per pair, directed from the
  smaller id to the larger: read it as undirected.

Colours: GraphML carries them as ``r``/``g``/``b`` and ``color`` node attributes (Gephi's GraphML
importer reads both), GEXF as ``viz:color`` and ``viz:size``.  Characters XML 1.0 cannot hold
(control characters) are dropped from every text, so both files always parse.  The GEXF
``lastmodifieddate`` is left out: the same graph gives byte-identical files.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from kg.export.html import NODE_STYLES
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
    return {k: xml_text(v) if isinstance(v, str) else v for k, v in flat.items()}


def flat_graph(graph: KnowledgeGraph) -> nx.MultiDiGraph:
    """:func:`to_networkx` with scalar attributes only, plus degree, colour and size."""
    source = to_networkx(graph)
    flat = nx.MultiDiGraph(name="paperkg")
    for node, data in source.nodes(data=True):
        flat.add_node(xml_text(node), **_flat_node(data, source.degree(node)))
    for n, (u, v, data) in enumerate(source.edges(data=True)):
        flat.add_edge(xml_text(u), xml_text(v), key=f"e{n}", label=data["relation"],
                      **{k: xml_text(x) if isinstance(x, str) else x for k, x in data.items()})
    return flat


def write_graphml(graph: KnowledgeGraph, out_dir: Path, options: object = None) -> None:
    """Write ``graph.graphml`` (colours as ``r``/``g``/``b`` and ``color`` attributes)."""
    flat = flat_graph(graph)
    for _, data in flat.nodes(data=True):
        data["r"], data["g"], data["b"] = _rgb(data["color"])
    nx.write_graphml(flat, out_dir / GRAPHML, encoding="utf-8", prettyprint=True)


def write_gexf(graph: KnowledgeGraph, out_dir: Path, options: object = None) -> None:
    """Write ``graph.gexf`` (GEXF 1.2, colours and sizes as ``viz`` elements)."""
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
