"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.model import KnowledgeGraph


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeGraph, Path]:
    """The bundled demo corpus built once per session: ``(graph, output directory)``."""
    from kg.pipeline import BuildOptions, build_graph, write_outputs

    options = BuildOptions()
    graph, extractions, report = build_graph([], options)
    out_dir = tmp_path_factory.mktemp("demo-build")
    write_outputs(graph, extractions, report, out_dir, options)
    return graph, out_dir
