"""Output writers: each is a pure function of a :class:`~kg.model.KnowledgeGraph`.

An exporter is ``write(graph, out_dir, options) -> None`` and writes its files into
``out_dir`` (a staging directory: the build moves everything into place atomically).
Exporters are looked up lazily by name so that a build imports only what it writes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.model import KnowledgeGraph

DEFAULT_BASE_IRI = "https://w3id.org/paperkg/"


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Settings shared by the exporters."""

    base_iri: str = DEFAULT_BASE_IRI
    max_nodes: int = 1500  #: largest HTML view; bigger graphs keep the top entities


Exporter = Callable[[KnowledgeGraph, Path, ExportOptions], None]

#: name -> "module:function"; the order is the order of the build's file list.
EXPORTERS: dict[str, str] = {
    "entities": "kg.export.tables:write",
    "html": "kg.export.html:write",
    "rdf": "kg.export.rdf:write",
    "stats": "kg.export.stats:write",
    "neo4j": "kg.export.neo4j:write",
    "graphml": "kg.export.gephi:write_graphml",
    "gexf": "kg.export.gephi:write_gexf",
    "owl": "kg.export.owl:write",
}


def get_exporter(name: str) -> Exporter:
    """Import and return the exporter registered as ``name``."""
    module_name, _, func = EXPORTERS[name].partition(":")
    return getattr(importlib.import_module(module_name), func)


def export_all(
    graph: KnowledgeGraph,
    out_dir: Path,
    options: ExportOptions,
    names: Iterable[str] | None = None,
) -> None:
    """Run the named exporters (default: all) into ``out_dir``."""
    for name in names if names is not None else EXPORTERS:
        get_exporter(name)(graph, out_dir, options)
