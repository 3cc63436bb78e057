"""graph.html and `paperkg view`: content, styles, escaping, top-N, neighbourhoods (no browser).

The browser half (real headless Chromium) is in test_html_browser.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError, PaperkgError
from kg.export import ExportOptions
from kg.export.html import page_data, render_html, safe_url, truncation_note, write
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


def test_build_writes_graph_html_with_every_node_and_edge(demo_build):
    graph, out_dir = demo_build
    data = page_data((out_dir / "graph.html").read_text(encoding="utf-8"))
    assert {n["id"] for n in data["nodes"]} == set(graph.papers) | set(graph.entities)
    edges = {(e["from"], e["relation"], e["to"]) for e in data["edges"]}
    assert edges == drawn_relations(graph)
    assert len(data["edges"]) == len(drawn_relations(graph))
    assert len({e["id"] for e in data["edges"]}) == len(data["edges"])


def test_page_fetches_nothing_and_inlines_vis_network(demo_build):
    page = (demo_build[1] / "graph.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src" not in page and "<link" not in page
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:)?//""", page.split("var nodeData")[0])
    for cdn in ("bootstrap", "cdnjs", "jsdelivr", "unpkg", "tom-select", "googleapis"):
        assert cdn not in page.lower()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "vis.Network" in page and ".vis-network" in page  # vis-network js and css, inlined


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
        "from kg.export.html import graph_view, neighbourhood_view, render_html\n"
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
    here = [render_html(graph, graph_view(graph, max_nodes=30)),
            render_html(graph, neighbourhood_view(graph, hub.id, hops=1)),
            render_html(graph, neighbourhood_view(graph, hub.id, projection="entities"))]
    assert outputs[0].decode("utf-8") == "\n".join(here)


def test_styles_legend_and_size_by_degree(demo_build):
    graph, out_dir = demo_build
    page = (out_dir / "graph.html").read_text(encoding="utf-8")
    data = page_data(page)
    g = nx.MultiDiGraph()
    g.add_nodes_from(graph.papers)
    g.add_nodes_from(graph.entities)
    g.add_edges_from((s, o) for s, _, o in drawn_relations(graph))
    for node in data["nodes"]:
        kind = "Paper" if node["id"] in graph.papers else graph.entities[node["id"]].type
        assert node["kind"] == kind
        assert (node["color"], node["shape"]) == (NODE_STYLES[kind].color, NODE_STYLES[kind].shape)
        assert node["value"] == g.degree(node["id"])
    assert len({s.shape for s in NODE_STYLES.values()}) == len(NODE_STYLES)
    for edge in data["edges"]:
        style = RELATION_STYLES[edge["relation"]]
        assert edge["color"] == style.color
        assert edge["dashes"] == (list(style.dashes) if style.dashes else False)
    kinds = {"Paper"} | {e.type for e in graph.entities.values()}
    for kind in kinds:
        assert f'class="type-filter" value="{kind}"' in page
    for relation in {r for _, r, _ in drawn_relations(graph)}:
        assert f'class="relation-filter" value="{relation}"' in page
    # physics stabilises, then the page switches it off
    assert '"stabilization": {"enabled": true' in page
    assert "setOptions({physics: {enabled: false}})" in page


def test_entity_tooltip_has_name_aliases_papers_links_and_evidence(demo_build):
    graph, out_dir = demo_build
    data = page_data((out_dir / "graph.html").read_text(encoding="utf-8"))
    tips = {n["id"]: n["title"] for n in data["nodes"]}
    linked = [e for e in graph.entities.values() if e.external_ids and e.aliases]
    assert linked, "the demo graph should have an entity with aliases and external ids"
    entity = max(linked, key=lambda e: (e.paper_count, e.id))
    tip = tips[entity.id]
    assert f'<b class="name">{entity.name}</b>' in tip and entity.type in tip
    for alias in entity.aliases[:8]:
        assert alias.replace("&", "&amp;") in tip
    assert f"{entity.paper_count} papers" in tip or entity.paper_count == 1
    for key, value in entity.external_ids.items():
        if key == "wikidata":
            assert f'href="https://www.wikidata.org/wiki/{value}"' in tip
        elif key == "homepage":
            assert f'href="{value}"' in tip
        elif key == "huggingface":
            assert 'href="https://huggingface.co/' in tip
    sentences = {ev.sentence_text for r in graph.relations for ev in r.evidence
                 if entity.id in (r.subject, r.object)}
    assert tip.count("<blockquote>") == min(2, len(sentences))
    paper = next(iter(graph.papers.values()))
    assert paper.id in tips[paper.id] and "Paper" in tips[paper.id]


def test_untrusted_text_is_escaped_everywhere():
    graph = hostile_graph()
    page = render_html(graph, graph_view(graph))
    data = page_data(page)
    # in the page source, JSON escapes < and > so nothing can close the <script> element
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "<svg onload" not in page
    assert 'href="javascript' not in page.replace("\\u0022", '"')
    for item in data["nodes"] + data["edges"]:
        tip = item["title"]
        assert "<script" not in tip and "<img" not in tip and "<svg" not in tip and "<i>" not in tip
        assert 'href="javascript' not in tip.lower()
    paper_tip = next(n["title"] for n in data["nodes"] if n["id"] == "p:1")
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in paper_tip
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in paper_tip and "<a " not in paper_tip  # no js: link
    evil_tip = next(n["title"] for n in data["nodes"] if n["id"] == "model/evil")
    assert "&lt;svg onload=alert(1)&gt;" in evil_tip
    assert 'href="https://huggingface.co/a/%3Cb%3E"' in evil_tip
    assert "Homepage: javascript:alert(1)" in evil_tip  # shown as text, not as a link
    llama_tip = next(n["title"] for n in data["nodes"] if n["id"] == "model/llama-2")
    assert 'href="https://www.wikidata.org/wiki/Q117281413"' in llama_tip
    assert 'rel="noopener noreferrer"' in llama_tip
    # the heading of a neighbourhood view names the entity: escaped by the template
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


# --- large graphs: top-N with a note -----------------------------------------------------------


def test_max_nodes_keeps_best_connected_and_says_what_was_left_out(demo_build, tmp_path):
    graph, _ = demo_build
    full = graph_view(graph)
    assert full.left_out_nodes == 0 and truncation_note(full) == ""
    view = graph_view(graph, max_nodes=25)
    assert view.graph.number_of_nodes() == 25
    degree = dict(full.graph.degree())
    kept_min = min(degree[n] for n in view.graph)
    dropped = set(full.graph) - set(view.graph)
    assert all(degree[n] <= kept_min for n in dropped)
    assert view.left_out_nodes == len(dropped)
    assert sum(view.left_out_by_type.values()) == len(dropped)
    assert view.left_out_edges == full.graph.number_of_edges() - view.graph.number_of_edges()
    note = truncation_note(view)
    assert f"best-connected of {full.graph.number_of_nodes():,} nodes" in note
    assert f"{len(dropped):,} nodes" in note and f"{view.left_out_edges:,} edges" in note
    write(graph, tmp_path, ExportOptions(max_nodes=25))
    page = (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert f'<p id="note">{note}</p>' in page
    assert len(page_data(page)["nodes"]) == 25


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
        assert render_html(graph, fast) == render_html(graph, slow)


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
    assert {n["id"] for n in page_data(page)["nodes"]} == set(expected.graph)
    result = runner.invoke(app, ["view", str(out_dir), hub.id, "--projection", "entities",
                                 "-o", str(tmp_path / "e.html")])
    assert result.exit_code == 0, result.output
    assert not any(n["kind"] == "Paper"
                   for n in page_data((tmp_path / "e.html").read_text())["nodes"])
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
