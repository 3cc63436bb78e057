"""Output writers: each is a pure function of a :class:`~kg.model.KnowledgeGraph`.

An exporter is ``write(graph, out_dir, options) -> None`` and writes its files into
``out_dir`` (a staging directory: the build moves everything into place atomically).
Exporters are looked up lazily by name so that a build imports only what it writes.  Some
exporters share one pass over the graph when they run together (``JOINT_EXPORTERS``: the RDF
files and ``graph.owl``); :func:`export_steps` groups the names so.
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
    max_nodes: int = 1500  #: entities graph.html draws first (the rest stay searchable)
    #: entities.csv/relations.csv: cells a spreadsheet would run as formulas get a leading "'"
    csv_neutralise: bool = True
    license: str | None = None  #: the data's licence (SPDX id or IRI), for ``void.ttl``


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
    "void": "kg.export.void:write",
}


#: names that one exporter writes together, sharing a pass over the graph -> "module:function"
JOINT_EXPORTERS: dict[tuple[str, ...], str] = {
    ("rdf", "owl"): "kg.export.owl:write_with_rdf",
}


def get_exporter(name: str | tuple[str, ...]) -> Exporter:
    """Import and return the exporter registered as ``name`` (or a joint one, for a step)."""
    if isinstance(name, tuple):
        spec = EXPORTERS[name[0]] if len(name) == 1 else JOINT_EXPORTERS[name]
    else:
        spec = EXPORTERS[name]
    module_name, _, func = spec.partition(":")
    return getattr(importlib.import_module(module_name), func)


def export_steps(names: Iterable[str]) -> list[tuple[str, ...]]:
    """The exporters as they run: the names of a joint exporter together, where the first of
    them is; the others one by one, in the given order (each once)."""
    wanted = list(dict.fromkeys(names))
    steps: list[tuple[str, ...]] = []
    done: set[str] = set()
    for name in wanted:
        if name in done:
            continue
        step = next((joint for joint in JOINT_EXPORTERS
                     if name in joint and set(joint) <= set(wanted)), (name,))
        steps.append(step)
        done.update(step)
    return steps


def export_all(
    graph: KnowledgeGraph,
    out_dir: Path,
    options: ExportOptions,
    names: Iterable[str] | None = None,
) -> None:
    """Run the named exporters (default: all) into ``out_dir``."""
    for step in export_steps(names if names is not None else EXPORTERS):
        get_exporter(step)(graph, out_dir, options)
