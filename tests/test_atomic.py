"""Atomic writes: a failed write or build leaves the previous output as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kg.atomic import atomic_path, staged_directory, write_text_atomic
from kg.export import EXPORTERS


def test_atomic_path_replaces_only_on_success(tmp_path: Path):
    target = tmp_path / "graph.ttl"
    write_text_atomic(target, "old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a fi", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]  # no temp file left
    write_text_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"


def test_an_atomic_write_gets_the_permissions_a_plain_write_would(tmp_path: Path):
    old_mask = os.umask(0o027)
    try:
        new = tmp_path / "pred.jsonl"
        write_text_atomic(new, "{}\n")  # not mkstemp's private 0600
        assert stat.S_IMODE(new.stat().st_mode) == 0o640
        kept = tmp_path / "view.html"
        kept.write_text("old", encoding="utf-8")
        kept.chmod(0o604)
        write_text_atomic(kept, "new")  # the replaced file's permissions stay
        assert stat.S_IMODE(kept.stat().st_mode) == 0o604
    finally:
        os.umask(old_mask)


def test_staged_directory_moves_everything_or_nothing(tmp_path: Path):
    out = tmp_path / "output"
    with staged_directory(out) as stage:
        (stage / "a.txt").write_text("1", encoding="utf-8")
        (stage / "neo4j").mkdir()
        (stage / "neo4j" / "nodes.csv").write_text("x", encoding="utf-8")
    with pytest.raises(RuntimeError), staged_directory(out) as stage:
        (stage / "a.txt").write_text("2", encoding="utf-8")
        (stage / "neo4j").mkdir()
        raise RuntimeError("exporter failed")
    assert (out / "a.txt").read_text(encoding="utf-8") == "1"
    assert (out / "neo4j" / "nodes.csv").read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "neo4j"]  # staging removed


def test_a_failing_exporter_leaves_the_previous_build(tmp_path: Path, monkeypatch):
    from kg.pipeline import BuildOptions, build_graph, write_outputs

    options = BuildOptions(outputs=["entities"])
    graph, extractions, report = build_graph([], options)
    out = tmp_path / "output"
    write_outputs(graph, extractions, report, out, options)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setitem(EXPORTERS, "broken", "tests.test_atomic:_broken_exporter")
    with pytest.raises(RuntimeError):
        write_outputs(graph, extractions, report, out,
                      BuildOptions(outputs=["entities", "broken"]))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _broken_exporter(graph, out_dir: Path, options) -> None:
    (out_dir / "entities.csv").write_text("truncated", encoding="utf-8")
    raise RuntimeError("disk full")
