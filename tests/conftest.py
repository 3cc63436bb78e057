"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from kg.model import KnowledgeGraph

# Hypothesis profiles: "ci" (the default) keeps the property tests to a few dozen examples each,
# derandomized so that a run is repeatable; HYPOTHESIS_PROFILE=thorough searches much longer.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: The slowest test files, slowest first (``pytest --durations``).  They run first, so that under
#: ``make test`` (pytest-xdist, ``--dist loadfile --no-loadscope-reorder``) no long file is left to
#: run alone at the end while the other worker idles.
SLOWEST_FILES = (
    "test_hardening_interrupt.py", "test_ontology_agreement.py",
    "test_hardening_interrupt_store.py", "test_rdf_export.py",
    "test_decider.py", "test_hardening_determinism.py", "test_hardening_limits.py",
    "test_dask_engine.py", "test_hardening_fuzz.py", "test_shacl.py", "test_engines.py",
    "test_notebook.py", "test_html_view.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the tests of :data:`SLOWEST_FILES` first, in that order (otherwise as collected)."""
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def rules_nlp():
    """The rule pipeline (``--model rules``), built once per session (per pytest-xdist worker):
    the tests of what the rules and lexicons extract, which they can name exactly."""
    from extractors import build_nlp

    return build_nlp(model="rules")


@pytest.fixture(scope="session")
def recording_nlp():
    """The rule pipeline recording every decider candidate with its features
    (``doc.user_data[RECORD]``), built once per session: the tests of candidates and features."""
    from extractors import build_nlp

    return build_nlp(model="rules", record=True)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeGraph, Path]:
    """The bundled demo corpus built once per session: ``(graph, output directory)``.

    Built with the rules alone (``--model rules``): the query and export tests name exact rows,
    which should not change when the shipped model is retrained."""
    from kg.pipeline import BuildOptions, build_graph, write_outputs

    options = BuildOptions(model=Path("rules"))
    graph, extractions, report = build_graph([], options)
    out_dir = tmp_path_factory.mktemp("demo-build")
    write_outputs(graph, extractions, report, out_dir, options)
    return graph, out_dir


SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus"


def _shared_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory, name: str
                  ) -> tuple[KnowledgeGraph, Path]:
    """A shared corpus built with every exporter (skipped where ``../shared`` is missing)."""
    from kg.pipeline import BuildOptions, build_graph, write_outputs

    if not corpus.is_file():
        pytest.skip(f"the shared corpus is not at {corpus}")
    options = BuildOptions()
    graph, extractions, report = build_graph([corpus], options)
    out_dir = tmp_path_factory.mktemp(name)
    write_outputs(graph, extractions, report, out_dir, options)
    return graph, out_dir


@pytest.fixture(scope="session")
def medical_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeGraph, Path]:
    """The shared 142-paper corpus (``../shared``) built once per session with every exporter."""
    return _shared_build(SHARED_CORPUS / "medical-ai-dev.jsonl", tmp_path_factory,
                         "medical-build")


@pytest.fixture(scope="session")
def ml_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeGraph, Path]:
    """The shared 60-paper ML corpus (``../shared/data/corpus-ml``) built once per session."""
    return _shared_build(SHARED_CORPUS.parent / "corpus-ml" / "ml-openreview-dev.jsonl",
                         tmp_path_factory, "ml-build")
