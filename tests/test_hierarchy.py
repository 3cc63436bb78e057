"""skos:broader for tasks and methods: the lexicons' links, their checks, the suffix rule and the
links a graph gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lexicon_checker import LEXICONS, load_checker
from typer.testing import CliRunner

from kg.cli import app
from kg.hierarchy import Hierarchy, broader_in_graph, bundled_hierarchy
from kg.model import Entity

CHECK = load_checker()


def _entity(entity_id: str, name: str) -> Entity:
    kind = entity_id.split("/", 1)[0]
    return Entity(entity_id, kind.capitalize(), name)


# --------------------------------------------------------------------------- the lexicons


def test_bundled_lexicons_link_hundreds_of_tasks_and_methods():
    report = CHECK.check_files(sorted(LEXICONS.glob("*.jsonl")))
    assert report.errors == []
    parents = bundled_hierarchy().parents
    tasks = sum(1 for i in parents if i.startswith("task/"))
    methods = sum(1 for i in parents if i.startswith("method/"))
    assert tasks >= 150 and methods >= 300, (tasks, methods)
    for child, parent in [
        ("task/medical-image-segmentation", "task/image-segmentation"),
        ("task/semantic-segmentation", "task/image-segmentation"),
        ("task/brain-tumor-segmentation", "task/tumor-segmentation"),
        ("task/medical-vqa", "task/vqa"),
        ("method/dqn", "method/q-learning"),
        ("method/q-learning", "method/temporal-difference-learning"),
        ("method/qlora", "method/lora"),
        ("method/lora", "method/peft"),
        ("method/adamw", "method/adam"),
        ("method/gcn", "method/gnn"),
    ]:
        assert parents[child] == (parent,), child


def _write(tmp_path: Path, lines: list[dict]) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(obj) + "\n" for obj in lines), encoding="utf-8")
    return path


def _task(slug: str, **extra) -> dict:
    name = slug.replace("-", " ")
    return {"label": "Task", "pattern": name, "id": f"task/{slug}", "name": name, **extra}


@pytest.mark.parametrize(("lines", "problem"), [
    ([_task("aa-x", broader="task/no-such-task")],
     "broader 'task/no-such-task' of 'task/aa-x' is no lexicon entry"),
    ([_task("aa-x", broader="task/bb-x"), _task("bb-x", broader=["task/aa-x"])],
     "broader links form a cycle: task/aa-x -> task/bb-x -> task/aa-x"),
    ([_task("aa-x", broader="method/lora")], "broader 'method/lora' is not a task id"),
    ([_task("aa-x", broader="task/aa-x")], "'task/aa-x' is broader than itself"),
    ([_task("aa-x", broader=[])], "broader must be an id or a non-empty list of ids"),
    ([_task("aa-x", broader=7)], "broader must be an id or a non-empty list of ids"),
])
def test_checker_rejects_bad_broader_links(tmp_path, lines, problem):
    path = _write(tmp_path, lines)
    report = CHECK.check_files([path])
    assert any(problem in e and e.startswith(f"{path}:1:") for e in report.errors), report.errors
    result = CliRunner().invoke(app, ["lexicons", "check", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_checker_accepts_a_user_file_placing_entries_under_bundled_ones(tmp_path):
    path = _write(tmp_path, [_task("retinal-layer-segmentation",
                                   broader="task/medical-image-segmentation")])
    assert CHECK.check_files([path]).errors == []


def test_cycles_are_found_once_each():
    links = {"task/a": ["task/b"], "task/b": ["task/c", "task/a"], "task/c": ["task/b"],
             "task/d": ["task/d2"], "task/d2": []}
    cycles = CHECK.broader_cycles(links)
    assert sorted(tuple(c) for c in cycles) == [("task/a", "task/b", "task/a"),
                                                ("task/b", "task/c", "task/b")]


# --------------------------------------------------------------------------- a graph's links


def test_links_go_to_the_nearest_ancestor_in_the_graph():
    hierarchy = Hierarchy(parents={"task/c": ("task/b",), "task/b": ("task/a",)},
                          known={"task/a", "task/b", "task/c"})
    entities = {e.id: e for e in (_entity("task/a", "a"), _entity("task/c", "c"))}
    assert broader_in_graph(entities, hierarchy) == {"task/c": ("task/a",)}
    entities["task/b"] = _entity("task/b", "b")
    assert broader_in_graph(entities, hierarchy) == {"task/b": ("task/a",),
                                                     "task/c": ("task/b",)}


def test_suffix_rule_for_tasks_the_lexicons_do_not_know():
    entities = {e.id: e for e in (
        _entity("task/image-segmentation", "image segmentation"),
        _entity("task/medical-image-segmentation", "medical image segmentation"),
        _entity("task/summarization", "summarization"),
        _entity("task/3d-medical-image-segmentation", "3D medical image segmentation"),
        _entity("task/question-summarization", "question summarization"),
        _entity("task/health-question-summarization", "health question summarization"),
        _entity("task/retinal-vessel-segmentation", "retinal vessel segmentation"),
        _entity("task/segmentation-of-livers", "segmentation of livers"),
        _entity("method/masked-lora", "masked LoRA"),
        _entity("method/lora", "LoRA"),
    )}
    broader = broader_in_graph(entities)
    # the longest ending that names a task wins; a lexicon task, or another task of the graph
    assert broader["task/3d-medical-image-segmentation"] == ("task/medical-image-segmentation",)
    assert broader["task/question-summarization"] == ("task/summarization",)
    assert broader["task/health-question-summarization"] == ("task/question-summarization",)
    # vessel segmentation is a lexicon task missing from this graph: its parent stands in
    assert broader["task/retinal-vessel-segmentation"] == ("task/medical-image-segmentation",)
    assert broader["task/medical-image-segmentation"] == ("task/image-segmentation",)
    assert "task/segmentation-of-livers" not in broader  # a name's start is no parent
    assert "method/masked-lora" not in broader  # methods: the lexicon's links only
    assert "task/image-segmentation" not in broader  # a lexicon entry without a link


def test_graph_links_on_the_shared_corpora(medical_build, ml_build):
    """Every link joins two entities of the graph of the same type (task or method), and the
    shared corpora get links from the lexicons and from the suffix rule."""
    known = bundled_hierarchy().known
    # today: 80 links on the medical corpus (24 by the suffix rule), 18 on the ML corpus
    for (graph, _), least, by_rule in ((medical_build, 60, 15), (ml_build, 12, 0)):
        links = [(e, b) for e in graph.entities.values() for b in e.broader]
        assert len(links) >= least, len(links)
        for entity, parent in links:
            assert graph.entities[parent].type == entity.type in ("Task", "Method")
        assert sum(e.id not in known for e, _ in links) >= by_rule  # the suffix rule
        assert any(e.id in known and e.type == "Method" for e, _ in links)
    graph, _ = medical_build
    assert graph.entities["task/liver-tumor-segmentation"].broader == (
        "task/tumor-segmentation",)
