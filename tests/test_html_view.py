"""graph.html and `paperkg view`: content, styles, escaping, top-N, neighbourhoods (no browser).

The browser half (real headless Chromium) is in test_html_browser.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractors.normalize import name_key
from kg.cli import app
from kg.errors import InputError, PaperkgError
from kg.export import ExportOptions
from kg.export.html import page_data, render_html, starting_min_papers, write
from kg.export.html_data import safe_url, utf16
from kg.export.styles import NODE_STYLES, RELATION_STYLES
from kg.graph.load import load_build
from kg.graph.views import base_graph, cut, graph_view, neighbourhood_view, resolve_node
from kg.model import CO_OCCURS_WITH, Entity, Evidence, KnowledgeGraph, Paper, Relation

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def drawn_relations(graph: KnowledgeGraph) -> set[tuple[str, str, str]]:
    """What the paper view must draw: every relation but co-occurrence."""
    return {(r.subject, r.predicate, r.object) for r in graph.relations
            if r.predicate != CO_OCCURS_WITH}


def hostile_graph() -> KnowledgeGraph:
    """Every text field that reaches the page carries markup or a dangerous URL."""
    sentence = f"We fine-tune {HOSTILE} from Llama-2 & test it."
    ev = Evidence("p:1", "abstract", 13, 20, 1, sentence, "test")
    paper = Paper(id="p:1", title=f"A {HOSTILE} title & \"quotes\" <1% of it", abstract=sentence,
                  url="javascript:alert(1)", year=2024, authors=("<b>Mallory</b>",),
                  venue="<i>Venue</i>")
    evil = Entity(id="model/evil", type="Model", name=f"Evil{HOSTILE}",
                  aliases=("<svg onload=alert(1)>",),
                  external_ids={"homepage": "javascript:alert(1)", "huggingface": "a/<b>"},
                  papers=("p:1",), proposed_by=("p:1",))
    llama = Entity(id="model/llama-2", type="Model", name="Llama-2", papers=("p:1",),
                   external_ids={"wikidata": "Q117281413", "homepage": "https://ai.meta.com/"})
    return KnowledgeGraph(
        papers={"p:1": paper},
        entities={"model/evil": evil, "model/llama-2": llama},
        relations=[
            Relation("model/evil", "based_on", "model/llama-2", (ev,), 1),
            Relation("model/evil", CO_OCCURS_WITH, "model/llama-2", (), 1),
            Relation("p:1", "proposes", "model/evil", (ev,), 1),
            Relation("p:1", "uses", "model/llama-2", (ev,), 1),
        ],
    )


# --- the build's graph.html ------------------------------------------------------------------


def test_build_writes_every_entity_and_paper_into_the_page(demo_build):
    graph, out_dir = demo_build
    data = page_data((out_dir / "graph.html").read_text(encoding="utf-8"))
    assert data["entities"]["id"] == sorted(graph.entities)
    assert data["papers"]["id"] == sorted(graph.papers)
    e, p = data["entities"], data["papers"]
    for i, eid in enumerate(e["id"]):
        entity = graph.entities[eid]
        assert e["name"][i] == entity.name and e["aliases"][i] == list(entity.aliases)
        assert {p["id"][k] for k in e["papers"][i]} == set(entity.papers)  # all its papers
        years = [p["year"][k] or 0 for k in e["papers"][i]]
        assert years == sorted(years, reverse=True)  # newest first
    for k, pid in enumerate(p["id"]):
        assert (p["title"][k], p["abstract"][k]) == (graph.papers[pid].title,
                                                      graph.papers[pid].abstract)
    # entity -> entity relations: every typed one, with all its evidence; weight = papers
    typed = {(r.subject, r.predicate, r.object): r for r in graph.relations
             if r.subject in graph.entities and r.object in graph.entities
             and r.predicate != CO_OCCURS_WITH}
    edges = data["edges"]
    seen = {}
    for k in range(len(edges["source"])):
        key = (e["id"][edges["source"][k]], data["relations"][edges["relation"][k]],
               e["id"][edges["target"][k]])
        seen[key] = k
    assert set(typed) <= set(seen)
    for key, rel in typed.items():
        k = seen[key]
        assert edges["weight"][k] == len({ev.paper_id for ev in rel.evidence})
        assert {(p["id"][q[0]], q[1]) for q in edges["evidence"][k]} == {
            (ev.paper_id, ev.sentence_text) for ev in rel.evidence}
    # layout stored in the page, finite numbers
    assert len(e["x"]) == len(e["id"]) and all(abs(v) < 1e6 for v in e["x"] + e["y"])


def test_mentions_point_at_the_entity_names_in_the_paper(demo_build):
    graph, out_dir = demo_build
    data = page_data((out_dir / "graph.html").read_text(encoding="utf-8"))
    p, e = data["papers"], data["entities"]
    checked = 0
    for k in range(len(p["id"])):
        for field, start, end, ent in p["mentions"][k]:
            text = p["title"][k] if field == 0 else p["abstract"][k]
            entity = graph.entities[e["id"][ent]]
            names = {name_key(n) for n in (entity.name, *entity.aliases)}
            if name_key(text[start:end]) in names:
                checked += 1
    total = sum(len(m) for m in p["mentions"])
    assert total > 100 and checked / total > 0.8


def test_page_fetches_nothing_and_inlines_sigma(demo_build):
    page = (demo_build[1] / "graph.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src" not in page and "<link" not in page
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:)?//""", page)
    for cdn in ("bootstrap", "cdnjs", "jsdelivr", "unpkg", "googleapis", "sourcemappingurl"):
        assert cdn not in page.lower()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "WebGL" in page and "graphology" in page  # sigma.js and graphology, inlined
    assert ".innerHTML" not in page.split("paperkg explorer, part 1")[1]


def test_vendored_renderer_is_package_data_with_its_licences():
    vendor = Path(__file__).resolve().parents[1] / "kg" / "export" / "vendor"
    for name in ("LICENSE-sigma.txt", "LICENSE-graphology.txt"):
        assert "MIT" in (vendor / name).read_text(encoding="utf-8") or "Permission is hereby" in (
            vendor / name).read_text(encoding="utf-8")
    pyproject = (vendor.parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"vendor/*.js"' in pyproject and '"templates/*.js"' in pyproject


def test_page_is_deterministic(demo_build, tmp_path):
    graph, out_dir = demo_build
    write(graph, tmp_path, ExportOptions())
    assert (tmp_path / "graph.html").read_bytes() == (out_dir / "graph.html").read_bytes()


def test_pages_do_not_depend_on_the_hash_seed(demo_build, tmp_path):
    """Same input -> same bytes in another process (set order changes with PYTHONHASHSEED)."""
    graph, out_dir = demo_build
    hub = _hub(graph)
    script = (
        "import sys; from pathlib import Path\n"
        "from kg.graph.load import load_build\n"
        "from kg.export.html import render_html\n"
        "from kg.graph.views import graph_view, neighbourhood_view\n"
        "g = load_build(Path(sys.argv[1]))\n"
        "pages = [render_html(g, graph_view(g, max_nodes=30)),\n"
        "         render_html(g, neighbourhood_view(g, sys.argv[2], hops=1)),\n"
        "         render_html(g, neighbourhood_view(g, sys.argv[2], projection='entities'))]\n"
        "Path(sys.argv[3]).write_text('\\n'.join(pages), encoding='utf-8')\n"
    )
    outputs = []
    for seed in ("1", "2"):
        target = tmp_path / f"pages-{seed}.html"
        subprocess.run([sys.executable, "-c", script, str(out_dir), hub.id, str(target)],
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed},
                       cwd=Path(__file__).resolve().parents[1])
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


def test_styles_communities_and_label_ranks(demo_build):
    graph, out_dir = demo_build
    data = page_data((out_dir / "graph.html").read_text(encoding="utf-8"))
    assert set(data["styles"]["types"]) == {e.type for e in graph.entities.values()}
    for t, style in data["styles"]["types"].items():
        assert style["color"] == NODE_STYLES[t].color
    for r, style in data["styles"]["relations"].items():
        assert style["color"] == RELATION_STYLES[r].color
    e = data["entities"]
    assert sorted(e["rank"]) == list(range(len(e["id"])))
    top = e["rank"].index(0)
    assert e["degree"][top] == max(e["degree"])
    assert data["forcedLabels"] == 30
    assert max(e["community"]) >= 3 and e["community"].count(0) >= e["community"].count(1)


def test_untrusted_text_stays_data():
    graph = hostile_graph()
    page = render_html(graph, graph_view(graph))
    assert HOSTILE not in page and "<img src=x" not in page and "<svg onload" not in page
    data = page_data(page)
    assert data["papers"]["title"] == [graph.papers["p:1"].title]  # exact, as text
    assert data["papers"]["url"] == [None]  # javascript: is no link
    e = data["entities"]
    evil = e["id"].index("model/evil")
    assert e["name"][evil] == f"Evil{HOSTILE}"
    links = {label: url for label, url, _ in e["links"][evil]}
    assert links == {"Homepage": None, "Hugging Face": "https://huggingface.co/a/%3Cb%3E"}
    view = neighbourhood_view(graph, "model/evil", hops=1)
    heading = render_html(graph, view).split('<h1 id="heading">')[1].split("</h1>")[0]
    assert heading.startswith("Evil&lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;img")


@pytest.mark.parametrize("url, ok", [
    ("https://example.org/x?a=1", True), ("http://example.org", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,x", False),
    ("//example.org", False), ("example.org", False), ("", False), ("http://[bad", False),
])
def test_safe_url(url, ok):
    assert (safe_url(url) is not None) is ok


def test_utf16_offsets_match_javascript():
    text = "a\U0001F600b <x> c"
    assert utf16(text, 2) == 3 and utf16(text, 1) == 1


# --- large graphs: all entities in the page, the first view drawn down to max_nodes ----------


def test_max_nodes_sets_the_starting_minimum_paper_count(demo_build, tmp_path):
    graph, _ = demo_build
    write(graph, tmp_path, ExportOptions(max_nodes=25))
    data = page_data((tmp_path / "graph.html").read_text(encoding="utf-8"))
    assert len(data["entities"]["id"]) == len(graph.entities)  # everything stays searchable
    counts = [len(p) for p in data["entities"]["papers"]]
    assert sum(c >= data["minPapers"] for c in counts) <= 25
    assert sum(c >= data["minPapers"] - 1 for c in counts) > 25
    assert starting_min_papers([1, 1, 2], 5) == 1
    with pytest.raises(ValueError, match="--max-nodes"):
        starting_min_papers([1], 0)


def test_large_view_shortcut_equals_cutting_the_full_graph(demo_build):
    graph, _ = demo_build
    for max_nodes in (1, 25, 120):
        fast = graph_view(graph, max_nodes=max_nodes)
        slow = cut(base_graph(graph, "papers"), max_nodes, fast.title)
        assert list(fast.graph.nodes(data=True)) == list(slow.graph.nodes(data=True))
        assert list(fast.graph.edges(keys=True, data=True)) == list(
            slow.graph.edges(keys=True, data=True))
        assert (fast.degree, fast.total_nodes, fast.total_edges, fast.left_out_by_type) == (
            slow.degree, slow.total_nodes, slow.total_edges, slow.left_out_by_type)


def test_max_nodes_must_be_positive(demo_build):
    with pytest.raises(PaperkgError, match="--max-nodes"):
        graph_view(demo_build[0], max_nodes=0)


# --- neighbourhoods and `paperkg view` -----------------------------------------------------------


def _hub(graph: KnowledgeGraph) -> Entity:
    return max(graph.entities.values(), key=lambda e: (e.paper_count, e.id))


def test_neighbourhood_hops(demo_build):
    graph, _ = demo_build
    hub = _hub(graph)
    triples = drawn_relations(graph)
    one = {o for s, _, o in triples if s == hub.id} | {s for s, _, o in triples if o == hub.id}
    view = neighbourhood_view(graph, hub.id, hops=1)
    assert set(view.graph) == one | {hub.id}
    assert view.centre == hub.id
    two = set(one)
    for n in one:
        two |= {o for s, _, o in triples if s == n} | {s for s, _, o in triples if o == n}
    assert set(neighbourhood_view(graph, hub.id, hops=2).graph) == two | {hub.id}
    assert set(neighbourhood_view(graph, hub.id, hops=0).graph) == {hub.id}
    small = neighbourhood_view(graph, hub.id, hops=2, max_nodes=5)
    assert hub.id in small.graph and small.graph.number_of_nodes() == 5


def test_entity_projection(demo_build):
    graph, _ = demo_build
    hub = _hub(graph)
    view = neighbourhood_view(graph, hub.id, hops=1, projection="entities")
    assert {t for _, t in view.graph.nodes(data="type")} <= set(NODE_STYLES) - {"Paper"}
    cooccurring = {r.object if r.subject == hub.id else r.subject
                   for r in graph.relations_of(CO_OCCURS_WITH) if hub.id in (r.subject, r.object)}
    assert cooccurring <= set(view.graph)
    relations = {d["relation"] for _, _, d in view.graph.edges(data=True)}
    assert CO_OCCURS_WITH in relations and not relations & {"proposes", "uses"}
    with pytest.raises(PaperkgError, match="is a paper"):
        neighbourhood_view(graph, next(iter(graph.papers)), projection="entities")


def test_resolve_node_by_id_name_alias(demo_build):
    graph, _ = demo_build
    with_alias = next(e for e in graph.entities.values() if e.aliases)
    assert resolve_node(graph, with_alias.id) == with_alias.id
    assert resolve_node(graph, with_alias.name.upper()) == with_alias.id
    paper = next(iter(graph.papers))
    assert resolve_node(graph, paper) == paper
    with pytest.raises(PaperkgError, match="no entity or paper 'no such thing'"):
        resolve_node(graph, "no such thing")
    hub = _hub(graph)
    with pytest.raises(PaperkgError, match="did you mean"):
        resolve_node(graph, hub.name + "x")


def test_resolve_node_ambiguous_name():
    graph = hostile_graph()
    graph.entities["dataset/llama-2"] = Entity("dataset/llama-2", "Dataset", "Llama-2")
    with pytest.raises(PaperkgError, match="names 2 entities: dataset/llama-2, model/llama-2"):
        resolve_node(graph, "llama 2")


def test_cli_view(demo_build, tmp_path):
    graph, out_dir = demo_build
    hub = _hub(graph)
    out = tmp_path / "hub.html"
    runner = CliRunner()
    result = runner.invoke(app, ["view", str(out_dir), hub.name, "--hops", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    expected = neighbourhood_view(graph, hub.id, hops=1)
    assert page == render_html(graph, expected)
    assert set(page_data(page)["entities"]["id"]) == set(expected.graph) & set(graph.entities)
    assert page_data(page)["centre"] == hub.id
    result = runner.invoke(app, ["view", str(out_dir), hub.id, "--projection", "entities",
                                 "-o", str(tmp_path / "e.html")])
    assert result.exit_code == 0, result.output
    assert page_data((tmp_path / "e.html").read_text())["entities"]["id"]
    for args, message in [
        ([str(out_dir), "zzz-no-such", "-o", str(out)], "no entity or paper"),
        ([str(out_dir), hub.id, "--projection", "papers2", "-o", str(out)], "--projection"),
        ([str(tmp_path), hub.id, "-o", str(out)], "no extractions.jsonl"),
        ([str(out_dir), hub.id, "--hops", "-1", "-o", str(out)], "--hops"),
    ]:
        result = runner.invoke(app, ["view", *args])
        assert result.exit_code == 1
        assert "error:" in result.output and message in result.output
        assert "Traceback" not in result.output


# --- reading a build back -------------------------------------------------------------------


def test_load_build_gives_the_build_graph(demo_build):
    graph, out_dir = demo_build
    loaded = load_build(out_dir)
    assert loaded.entities == graph.entities
    assert loaded.relations == graph.relations
    assert loaded.papers == graph.papers  # metadata re-read from the inputs in report.json
    assert load_build(out_dir / "extractions.jsonl").papers == graph.papers


def test_load_build_without_inputs(demo_build, tmp_path):
    """No report.json: papers keep their ids and titles recovered from title evidence."""
    graph, out_dir = demo_build
    (tmp_path / "extractions.jsonl").write_bytes((out_dir / "extractions.jsonl").read_bytes())
    loaded = load_build(tmp_path)
    assert loaded.relations == graph.relations and loaded.entities == graph.entities
    assert set(loaded.papers) == set(graph.papers)
    recovered = 0
    for pid, paper in loaded.papers.items():
        original = graph.papers[pid].title
        sentences = re.split(r"(?<=[.?!])\s+", paper.title) if paper.title else []
        assert all(s in original for s in sentences), (paper.title, original)
        recovered += paper.title == original
    assert recovered > len(graph.papers) // 2


@pytest.mark.parametrize("text, problem", [
    ('{"id": "a"}\nnot json\n', ":2: malformed JSON"),
    ('[1]\n', ":1: expected a JSON object"),
    ('{"id": "a", "entities": [{"name": "X", "type": "Gadget"}]}\n', ":1: entity 'X': type"),
    ('{"id": "a", "entities": [{"name": "X", "type": "Model", "mentions": [{"text": "X"}]}]}\n',
     ":1: evidence without 'paper'"),
    ('{"id": "a", "relations": [{"subject": "X"}]}\n', ":1: each relation needs"),
])
def test_load_build_errors_name_file_and_line(tmp_path: Path, text, problem):
    (tmp_path / "extractions.jsonl").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_build(tmp_path)
    assert str(info.value).startswith(str(tmp_path / "extractions.jsonl"))
    assert problem in str(info.value)
