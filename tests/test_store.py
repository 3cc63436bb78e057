"""The incremental on-disk store: adding papers gives the graph of a one-shot build, the same
build twice changes nothing, and ``paperkg export`` writes the files of a normal build."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from scale_corpus import TEACHING_PAIR, demo_records, files_of, write_corpus
from typer.testing import CliRunner

import kg.store.update
from kg.errors import PaperkgError
from kg.export import ExportOptions
from kg.graph.rdf import iter_triples
from kg.pipeline import BuildOptions, build, build_graph
from kg.store import GraphStore, build_store, export_store

BASE = ExportOptions().base_iri


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> dict[str, Path]:
    """Two halves of a corpus: the second teaches a name ("KSGT") that the first uses, and
    repeats one paper of the first under another id (a duplicate by title)."""
    root = tmp_path_factory.mktemp("store-corpus")
    demo = demo_records()
    half = len(demo) // 2
    clone = {**demo[0], "id": "clone:1"}
    return {
        "a": write_corpus(root / "a.jsonl", [TEACHING_PAIR[0], *demo[:half]]),
        "b": write_corpus(root / "b.jsonl", [*demo[half:], clone, TEACHING_PAIR[1]]),
        "all": write_corpus(root / "all.jsonl",
                            [TEACHING_PAIR[0], *demo[:half], *demo[half:], clone,
                             TEACHING_PAIR[1]]),
    }


@pytest.fixture(scope="module")
def incremental(parts, tmp_path_factory):
    """A store built from part a, then part b added: (store dir, first report, second)."""
    store = tmp_path_factory.mktemp("store") / "kg"
    first = build_store([parts["a"]], store, BuildOptions(id_namespace="demo"))
    second = build_store([parts["b"]], store, BuildOptions(id_namespace="demo"))
    return store, first, second


def default_graph(store_dir: Path) -> set[ox.Triple]:
    store = GraphStore(store_dir)
    try:
        return {q.triple for q in store.store.quads_for_pattern(None, None, None,
                                                                 ox.DefaultGraph())}
    finally:
        store.close()


def digest_dir(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_adding_papers_gives_the_one_shot_graph(parts, incremental) -> None:
    store, first, second = incremental
    assert first.rewritten and first.added == len(demo_records()) // 2 + 1
    assert second.added == len(demo_records()) - len(demo_records()) // 2 + 1
    assert second.already == 1  # the clone: a stored title under another id
    assert second.reextracted >= 1  # the stored paper that uses KSGT learned it
    assert not second.rewritten and second.triples_added > 0

    graph, _, _ = build_graph([parts["all"]], BuildOptions(id_namespace="demo"))
    expected = set(iter_triples(graph, BASE))
    assert default_graph(store) == expected
    assert second.triples == len(expected)
    ksgt = [e for e in graph.entities.values() if e.name == "KSGT"]
    assert ksgt and set(ksgt[0].papers) == {"t:uses", "t:teaches"}


def test_export_writes_the_files_of_a_normal_build(parts, incremental, tmp_path) -> None:
    store, _, _ = incremental
    export_store(store, tmp_path / "exported", BuildOptions(id_namespace="demo"))
    build([parts["a"], parts["b"]], tmp_path / "built", BuildOptions(id_namespace="demo"))
    exported, built = files_of(tmp_path / "exported"), files_of(tmp_path / "built")
    assert exported.keys() == built.keys()
    assert [name for name in exported if exported[name] != built[name]] == []


def test_the_same_build_twice_changes_nothing(parts, incremental) -> None:
    store, _, _ = incremental
    before = digest_dir(store)
    again = build_store([parts["b"], parts["a"]], store, BuildOptions(id_namespace="demo"))
    assert (again.added, again.reextracted) == (0, 0)
    assert again.already >= len(demo_records())
    assert digest_dir(store) == before


def test_a_large_change_rewrites_the_store(parts, tmp_path, monkeypatch) -> None:
    store = tmp_path / "kg"
    build_store([parts["a"]], store, BuildOptions(id_namespace="demo"))
    monkeypatch.setattr(kg.store.update, "MAX_DELTA_TRIPLES", 0)
    report = build_store([parts["b"]], store, BuildOptions(id_namespace="demo"))
    assert report.rewritten
    graph, _, _ = build_graph([parts["all"]], BuildOptions(id_namespace="demo"))
    assert default_graph(store) == set(iter_triples(graph, BASE))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_store_answers_sparql(incremental) -> None:
    store = GraphStore(incremental[0])
    try:
        rows = list(store.query("SELECT ?p WHERE { ?p a <https://w3id.org/paperkg/ontology#Paper> "
                                "}"))
        assert len(rows) == len(demo_records()) + 2
        assert len(store) > 0
    finally:
        store.close()


def test_records_can_be_read_without_their_lines(incremental) -> None:
    store = GraphStore(incremental[0])
    try:
        full, light = store.records(), store.records(lines=False)
        assert [r.line for r in light] == [""] * len(full)
        assert list(store.lines(light)) == [r.line for r in full]
        assert [(r.seq, r.paper, r.teaching, r.learned) for r in light] == \
            [(r.seq, r.paper, r.teaching, r.learned) for r in full]
    finally:
        store.close()


def test_store_errors_are_clear(parts, incremental, tmp_path) -> None:
    store = incremental[0]
    other_base = BuildOptions(export=ExportOptions(base_iri="https://example.org/kg/"))
    with pytest.raises(PaperkgError, match="base IRI is https://w3id.org/paperkg/"):
        build_store([parts["a"]], store, other_base)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(PaperkgError, match="not a paperkg store"):
        build_store([parts["a"]], tmp_path, BuildOptions(id_namespace="demo"))
    with pytest.raises(PaperkgError, match="not a paperkg store"):
        export_store(tmp_path / "missing", tmp_path / "out", BuildOptions(id_namespace="demo"))
    patterns = tmp_path / "p.jsonl"
    patterns.write_text(json.dumps({"label": "Model", "pattern": "ZetaNet"}) + "\n")
    with pytest.raises(PaperkgError, match="other --patterns"):
        build_store([parts["a"]], store, BuildOptions(patterns=patterns))
    bare = tmp_path / "bare"
    ox.Store(str(bare)).flush()
    with pytest.raises(PaperkgError, match="not one paperkg made"):
        GraphStore(bare)


def test_cli_store_and_export(parts, tmp_path) -> None:
    from kg.cli import app

    runner = CliRunner()
    store = tmp_path / "kg"
    result = runner.invoke(app, ["build", str(parts["a"]), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "papers added" in result.output and not (tmp_path / "output").exists()
    result = runner.invoke(app, ["build", str(parts["a"]), str(parts["b"]), "--store", str(store),
                                 "-o", str(tmp_path / "out1")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["export", str(store), "-o", str(tmp_path / "out2")])
    assert result.exit_code == 0, result.output
    assert files_of(tmp_path / "out1") == files_of(tmp_path / "out2")
    result = runner.invoke(app, ["build", str(parts["b"]), "--store", str(store)])
    assert "Nothing new: the store is unchanged." in result.output
    result = runner.invoke(app, ["export", str(tmp_path / "nothing"), "-o", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: ") and "not a paperkg store" in result.output
    assert len(result.output.strip().splitlines()) == 1
