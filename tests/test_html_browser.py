"""graph.html in real headless Chromium: offline, no JS errors, complete, safe with hostile text.

Needs Debian's ``chromium`` and ``chromium-driver`` (installed by ``make test`` through
``.ci/system-deps.sh``).  Skipped when they are missing, except under CI where that is a failure.
A screenshot of the demo graph is saved to ``output/screenshots/`` for humans.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from browser import chromium_available, headless_chromium, open_page
from test_html_view import HOSTILE, drawn_relations, hostile_graph

from kg.export.html import neighbourhood_view, write_view
from kg.pipeline import BuildOptions, build_graph, write_outputs

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "output" / "screenshots"


@pytest.fixture(scope="module")
def chrome():
    if not chromium_available():
        message = "chromium and chromium-driver are not installed (run .ci/system-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with headless_chromium() as driver:
        yield driver


def counts(driver) -> dict:
    return driver.execute_script(
        "return {nodes: nodes.length, edges: edges.length,"
        " drawnNodes: network.body.nodeIndices.length,"
        " drawnEdges: network.body.edgeIndices.length,"
        " physics: network.physics.options.enabled,"
        " shownNodes: nodes.get({filter: function (n) { return !n.hidden; }}).length,"
        " shownEdges: edges.get({filter: function (e) { return !e.hidden; }}).length}"
    )


def test_demo_graph_offline_complete_and_without_errors(chrome, demo_build):
    graph, out_dir = demo_build
    page = out_dir / "graph.html"
    report = open_page(chrome, page)
    assert report.requests[0] == page.as_uri()
    assert report.outside_requests(page.as_uri()) == []
    assert report.page_errors == [] and report.console_errors == []
    n_nodes = len(graph.papers) + len(graph.entities)
    n_edges = len(drawn_relations(graph))
    state = counts(chrome)
    assert (state["nodes"], state["drawnNodes"]) == (n_nodes, n_nodes)
    assert (state["edges"], state["drawnEdges"]) == (n_edges, n_edges)
    assert state["physics"] is False  # stabilised, then switched off
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "demo-graph.png"
    chrome.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_filters_and_search_work_in_the_page(chrome, demo_build):
    graph, out_dir = demo_build
    open_page(chrome, out_dir / "graph.html")
    chrome.find_element("css selector", 'input.type-filter[value="Paper"]').click()
    state = counts(chrome)
    assert state["shownNodes"] == len(graph.entities)
    entity_edges = [t for t in drawn_relations(graph) if t[0] in graph.entities]
    assert state["shownEdges"] == len(entity_edges)
    chrome.find_element("css selector", 'input.relation-filter[value="based_on"]').click()
    assert counts(chrome)["shownEdges"] == sum(1 for t in entity_edges if t[1] != "based_on")
    chrome.find_element("id", "reset").click()
    state = counts(chrome)
    assert (state["shownNodes"], state["shownEdges"]) == (state["nodes"], state["edges"])

    hub = max(graph.entities.values(), key=lambda e: (e.paper_count, e.id))
    box = chrome.find_element("id", "search")
    box.send_keys(hub.name.lower())
    chrome.find_element("css selector", "#search-form button").click()
    assert chrome.execute_script("return network.getSelectedNodes()")[0] == hub.id
    assert hub.name in chrome.find_element("id", "details").text
    first = chrome.execute_script("var e = edges.get()[0]; window.paperkg.showDetails(e.id, true);"
                                  " return e.relation")
    assert first in chrome.find_element("id", "details").text
    assert chrome.execute_script("return window.paperkg.errors") == []


def _hover(driver, node_id: str) -> str:
    """Move the mouse onto a node and return the text of vis-network's tooltip."""
    from selenium.webdriver.common.action_chains import ActionChains

    pos = driver.execute_script(
        "var p = network.getPositions([arguments[0]])[arguments[0]];"
        "network.moveTo({position: p, scale: 1.5}); return network.canvasToDOM(p);", node_id)
    canvas = driver.find_element("id", "mynetwork")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(pos["x"] - size["width"] / 2), int(pos["y"] - size["height"] / 2)
    ).perform()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        tip = driver.execute_script(
            "var t = document.querySelector('div.vis-tooltip');"
            "return t && t.style.visibility !== 'hidden' ? t.textContent : null")
        if tip:
            return tip
        time.sleep(0.1)
    raise AssertionError("no tooltip appeared")


def test_hostile_title_shows_as_text(chrome, tmp_path):
    title = f"{HOSTILE} Fine-tuning Llama-2 & LoRA"
    corpus = tmp_path / "hostile.jsonl"
    corpus.write_text(json.dumps({
        "id": "evil:1", "title": title,
        "abstract": "We fine-tune Llama-2 with LoRA and evaluate it on MedQA.",
    }) + "\n", encoding="utf-8")
    options = BuildOptions()
    graph, extractions, report = build_graph([corpus], options)
    write_outputs(graph, extractions, report, tmp_path / "out", options)
    page = tmp_path / "out" / "graph.html"
    result = open_page(chrome, page)
    assert result.outside_requests(page.as_uri()) == []  # <img src=x> would request file:///…/x
    assert result.page_errors == [] and result.console_errors == []
    assert chrome.execute_script("return window.__pwned === undefined")
    chrome.execute_script("window.paperkg.showDetails('evil:1')")
    details = chrome.find_element("id", "details")
    assert HOSTILE in details.text
    assert chrome.execute_script(
        "return document.querySelectorAll('#details script, #details img').length") == 0
    assert HOSTILE in _hover(chrome, "evil:1")
    assert chrome.execute_script(
        "return document.querySelectorAll('div.vis-tooltip img, div.vis-tooltip script').length"
    ) == 0
    assert chrome.execute_script("return window.__pwned === undefined")


def test_hostile_entity_name_in_heading_and_tooltips(chrome, tmp_path):
    graph = hostile_graph()
    view = neighbourhood_view(graph, "model/evil", hops=1)
    page = tmp_path / "evil.html"
    write_view(graph, view, page)
    result = open_page(chrome, page)
    assert result.outside_requests(page.as_uri()) == []
    assert result.page_errors == [] and result.console_errors == []
    assert chrome.find_element("id", "heading").text == view.title
    assert chrome.execute_script("return network.getSelectedNodes()") == ["model/evil"]  # centre
    assert chrome.title == view.title
    tip = _hover(chrome, "model/evil")
    assert HOSTILE in tip and "<svg onload=alert(1)>" in tip
    chrome.execute_script("window.paperkg.showDetails('model/evil')")
    links = chrome.execute_script(
        "return Array.from(document.querySelectorAll('#details a')).map(a => a.href)")
    assert links and all(link.startswith("https://") for link in links)
    assert chrome.execute_script("return window.__pwned === undefined")
