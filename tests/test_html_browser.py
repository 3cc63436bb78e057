"""graph.html in real headless Chromium: offline, no JS errors, focus, panels, filters, permalink,
export, and hostile text that stays text.

Needs Debian's ``chromium`` and ``chromium-driver`` (installed by ``make test`` through
``.ci/system-deps.sh``).  Skipped when they are missing, except under CI where that is a failure.
Screenshots go to ``output/screenshots/`` for humans.
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

import pytest
from browser import chromium_available, headless_chromium, open_page
from test_html_view import HOSTILE, hostile_graph

from kg.export.html import page_data, write_view
from kg.graph.views import neighbourhood_view
from kg.pipeline import BuildOptions, build_graph, write_outputs

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "output" / "screenshots"
DIM = "#e3e3e3"


@pytest.fixture(scope="module")
def chrome():
    if not chromium_available():
        message = "chromium and chromium-driver are not installed (run .ci/system-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with headless_chromium() as driver:
        yield driver


def js(driver, script: str, *args):
    return driver.execute_script(script, *args)


def details(driver) -> str:
    return driver.find_element("id", "details").text


def click_node(driver, index: int) -> None:
    """A real mouse click on entity ``index`` where sigma drew it."""
    from selenium.webdriver.common.action_chains import ActionChains

    pos = js(driver, "var r = window.paperkg.renderer;"
                     "return r.framedGraphToViewport(r.getNodeDisplayData(String(arguments[0])));",
             index)
    canvas = driver.find_element("id", "graph")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(pos["x"] - size["width"] / 2), int(pos["y"] - size["height"] / 2)
    ).click().perform()
    time.sleep(0.3)


def test_demo_page_offline_complete_and_without_errors(chrome, demo_build):
    graph, out_dir = demo_build
    page = out_dir / "graph.html"
    report = open_page(chrome, page)
    assert report.requests[0] == page.as_uri()
    assert report.outside_requests(page.as_uri()) == []
    assert report.page_errors == [] and report.console_errors == []
    assert js(chrome, "return [window.paperkg.entityCount, window.paperkg.paperCount]") == [
        len(graph.entities), len(graph.papers)]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "demo-graph.png"
    chrome.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_focus_dims_the_rest_expands_and_steps_back(chrome, demo_build):
    graph, out_dir = demo_build
    open_page(chrome, out_dir / "graph.html")
    hub = js(chrome, "return window.paperkg.entityIndex(arguments[0])",
             max(graph.entities.values(), key=lambda e: (e.paper_count, e.id)).id)
    click_node(chrome, hub)
    state = js(chrome, "var s = window.paperkg.state(); return {focus: s.focus, depth: s.depth}")
    assert state == {"focus": hub, "depth": 1}
    colours = js(chrome, "var r = window.paperkg.renderer, out = [];"
                         "r.getGraph().forEachNode(function (k) { var d = r.getNodeDisplayData(k);"
                         " if (!d.hidden) out.push(d.color); }); return out;")
    assert DIM in colours and len(set(colours)) > 1  # the rest dims, the neighbourhood stands out
    assert "Papers (" in details(chrome)
    one = js(chrome, "return window.paperkg.exportJSON().entities.length")
    chrome.find_element("id", "only").click()
    assert js(chrome, "return window.paperkg.shownNodes") <= one
    chrome.find_element("id", "expand").click()
    assert js(chrome, "return window.paperkg.state().depth") == 2
    assert js(chrome, "return window.paperkg.exportJSON().entities.length") >= one
    chrome.find_element("id", "back").click()
    assert js(chrome, "return window.paperkg.state().depth") == 1
    chrome.find_element("id", "forward").click()
    assert js(chrome, "return window.paperkg.state().depth") == 2
    chrome.find_element("id", "clear-focus").click()
    assert js(chrome, "return window.paperkg.state().focus") is None
    assert js(chrome, "return window.paperkg.errors") == []


def test_panels_list_every_paper_evidence_and_highlighted_abstract(chrome, demo_build):
    graph, out_dir = demo_build
    data = page_data((out_dir / "graph.html").read_text(encoding="utf-8"))
    open_page(chrome, out_dir / "graph.html")
    hub = max(graph.entities.values(), key=lambda e: (e.paper_count, e.id))
    chrome.find_element("id", "search").send_keys(hub.name)
    chrome.find_element("css selector", "#search-form button").click()
    assert js(chrome, "return window.paperkg.state().focus") == data["entities"]["id"].index(hub.id)
    titles = []
    while True:  # page through the entity's papers
        titles += js(chrome, "return Array.from(document.querySelectorAll("
                             "'.entity-papers li a.inside')).map(a => a.textContent)")
        nxt = chrome.find_elements("css selector", ".entity-papers .page-next")
        label = chrome.find_elements("css selector", ".entity-papers .page-label")
        if not nxt or label[0].text.split()[1] == label[0].text.split()[3]:
            break
        nxt[0].click()
    assert sorted(titles) == sorted(graph.papers[p].title for p in hub.papers)
    # an edge's evidence: every sentence, the mention highlighted, the paper linked
    edges = data["edges"]
    k = max((k for k in range(len(edges["source"])) if edges["evidence"][k]),
            key=lambda k: (len(edges["evidence"][k]), -k))
    js(chrome, "window.paperkg.showEdge(arguments[0])", k)
    quotes = js(chrome, "return Array.from(document.querySelectorAll('.evidence blockquote'))"
                        ".map(q => [q.textContent, (q.querySelector('mark') || {}).textContent])")
    expected = edges["evidence"][k][:20]
    assert [q[0] for q in quotes] == [e[1] for e in expected]
    assert all(mark and mark == e[1][e[2]:e[3]] for (_, mark), e in zip(quotes, expected,
                                                                         strict=True) if e[2] >= 0)
    chrome.find_element("css selector", ".evidence li a.inside").click()
    paper = expected[0][0]
    assert data["papers"]["title"][paper] in details(chrome)
    # the paper: abstract with every extracted mention highlighted, and its entities
    marks = js(chrome, "return Array.from(document.querySelectorAll('.abstract mark'))"
                       ".map(m => m.textContent)")
    abstract = data["papers"]["abstract"][paper]
    spans = [(s, e) for f, s, e, _ in data["papers"]["mentions"][paper] if f == 1]
    assert marks and set(marks) <= {abstract[s:e] for s, e in spans}
    assert js(chrome, "return document.querySelector('.abstract').textContent") == abstract
    listed = js(chrome, "return document.querySelectorAll('.paper-entities li').length")
    assert listed == sum(data["papers"]["id"][paper] in graph.entities[e].papers
                         for e in data["entities"]["id"])


def test_filters_year_range_min_papers_types_and_search_list(chrome, medical_build):
    graph, out_dir = medical_build
    data = page_data((out_dir / "graph.html").read_text(encoding="utf-8"))
    open_page(chrome, out_dir / "graph.html")
    before = js(chrome, "return window.paperkg.shownNodes")
    years = js(chrome, "return window.paperkg.years")
    if years[0] != years[1]:
        js(chrome, "var r = document.getElementById('year-from'); r.value = arguments[0];"
                   "r.dispatchEvent(new Event('input'));", years[1])
        state = js(chrome, "var s = window.paperkg.state(); return [s.yearFrom, s.yearTo]")
        assert state == [years[1], years[1]]
        recent = {p for p, y in zip(data["papers"]["id"], data["papers"]["year"], strict=True)
                  if y == years[1]}
        assert 0 < js(chrome, "return window.paperkg.shownNodes") <= sum(
            bool(set(e.papers) & recent) for e in graph.entities.values())
        js(chrome, "var r = document.getElementById('year-from'); r.value = arguments[0];"
                   "r.dispatchEvent(new Event('input'));", years[0])
    assert js(chrome, "return window.paperkg.shownNodes") == before
    js(chrome, "var r = document.getElementById('min-papers'); r.value = 3;"
               "r.dispatchEvent(new Event('input'));")
    shown = js(chrome, "return window.paperkg.exportJSON().entities")
    assert shown and all(e["papers"] >= 3 for e in shown)
    chrome.find_element("css selector", '#type-filters input[value="Task"]').click()
    assert not any(e["type"] == "Task" for e in js(chrome, "return window.paperkg.exportJSON()"
                                                           ".entities"))
    chrome.find_element("id", "reset").click()
    assert js(chrome, "return window.paperkg.shownNodes") == before
    # search: a list of results to step through; papers are found by title
    chrome.find_element("id", "search").send_keys("learning")
    chrome.find_element("css selector", "#search-form button").click()
    n = len(chrome.find_elements("css selector", "#results li"))
    assert n > 2
    chrome.find_element("id", "next-result").click()
    assert js(chrome, "return document.querySelector('#results li.current')"
                      " === document.querySelectorAll('#results li')[1]")
    title = next(p.title for p in graph.papers.values())
    assert any(h["kind"] == "paper" for h in js(chrome, "return window.paperkg.search("
                                                        "arguments[0])", title))
    search = chrome.find_element("id", "search")
    search.clear()
    search.send_keys("zzzz no such thing")
    chrome.find_element("css selector", "#search-form button").click()
    assert chrome.find_element("id", "search-status").text == "No match."
    assert details(chrome).startswith("Click an entity")  # no stale details


def test_medical_fit_labels_the_30_most_connected(chrome, medical_build):
    _, out_dir = medical_build
    data = page_data((out_dir / "graph.html").read_text(encoding="utf-8"))
    open_page(chrome, out_dir / "graph.html")
    labelled = set(js(chrome, "return Array.from(window.paperkg.renderer."
                              "getNodeDisplayedLabels())"))
    top = {str(i) for i, r in enumerate(data["entities"]["rank"]) if r < 30}
    assert top <= labelled
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chrome.save_screenshot(str(SCREENSHOTS / "medical-graph.png"))


def test_permalink_round_trip_and_export(chrome, demo_build):
    graph, out_dir = demo_build
    page = out_dir / "graph.html"
    open_page(chrome, page)
    hub = max(graph.entities.values(), key=lambda e: (e.paper_count, e.id))
    js(chrome, "window.paperkg.focusOn(window.paperkg.entityIndex(arguments[0]))", hub.id)
    chrome.find_element("id", "only").click()
    chrome.find_element("css selector", '#relation-filters input[value="co_occurs_with"]').click()
    url = chrome.current_url
    assert "focus=" in url and "only=1" in url and "hide-relations=co_occurs_with" in url
    exported = js(chrome, "return window.paperkg.exportJSON()")
    chrome.get("about:blank")
    report = open_page(chrome, Path(page))  # the same file …
    assert report.page_errors == []
    chrome.get(url)  # … then the permalink in the same tab (a fragment change) …
    assert js(chrome, "return window.paperkg.exportJSON()") == exported
    chrome.get("about:blank")
    chrome.get(url)  # … and in a fresh tab
    deadline = time.monotonic() + 30
    while not js(chrome, "return window.paperkg && window.paperkg.ready"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert js(chrome, "return window.paperkg.exportJSON()") == exported
    assert hub.name in details(chrome)
    csv = js(chrome, "return window.paperkg.exportCSV()")
    rows = csv["entities"].strip().split("\r\n")
    assert rows[0] == "id,name,type,papers,community" and len(rows) - 1 == len(exported["entities"])
    assert len(csv["links"].strip().split("\r\n")) - 1 == len(exported["links"])
    png = js(chrome, "return window.paperkg.exportPNG()")
    raw = base64.b64decode(png.split(",", 1)[1])
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 5_000
    for button in ("export-png", "export-csv", "export-json"):
        chrome.find_element("id", button).click()
    from browser import PageReport, _drain_logs
    after = PageReport()
    _drain_logs(chrome, after)
    assert [u for u in after.requests if not u.startswith(("file:", "data:", "blob:"))] == []


def test_hostile_title_stays_text(chrome, tmp_path):
    title = f"{HOSTILE} Fine-tuning Llama-2 & LoRA"
    corpus = tmp_path / "hostile.jsonl"
    corpus.write_text(json.dumps({
        "id": "evil:1", "title": title,
        "abstract": f"We fine-tune Llama-2 with LoRA {HOSTILE} and evaluate it on MedQA.",
        "url": "javascript:window.__pwned=3",
    }) + "\n", encoding="utf-8")
    options = BuildOptions()
    graph, extractions, report = build_graph([corpus], options)
    write_outputs(graph, extractions, report, tmp_path / "out", options)
    page = tmp_path / "out" / "graph.html"
    result = open_page(chrome, page)
    assert result.outside_requests(page.as_uri()) == []  # <img src=x> would request file:///…/x
    assert result.page_errors == [] and result.console_errors == []
    chrome.find_element("id", "search").send_keys("fine-tuning llama")
    chrome.find_element("css selector", "#search-form button").click()
    hits = js(chrome, "return Array.from(document.querySelectorAll('#results li'))"
                      ".map(li => li.textContent)")
    assert any(HOSTILE in h for h in hits)
    js(chrome, "window.paperkg.showPaper(0)")
    assert HOSTILE in details(chrome) and title in details(chrome)
    for i in range(js(chrome, "return window.paperkg.entityCount")):
        js(chrome, "window.paperkg.focusOn(arguments[0])", i)
    assert js(chrome, "return document.querySelectorAll('main script, main img, main svg,"
                      " main iframe').length") == 0
    hrefs = js(chrome, "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    assert all(h.startswith(("https://", "http://")) for h in hrefs)
    assert js(chrome, "return window.__pwned === undefined")


def test_hostile_entity_in_heading_panels_and_view(chrome, tmp_path):
    graph = hostile_graph()
    view = neighbourhood_view(graph, "model/evil", hops=1)
    page = tmp_path / "evil.html"
    write_view(graph, view, page)
    result = open_page(chrome, page)
    assert result.outside_requests(page.as_uri()) == []
    assert result.page_errors == [] and result.console_errors == []
    assert chrome.find_element("id", "heading").text == view.title
    assert chrome.title == view.title
    assert js(chrome, "return window.paperkg.state().focus") == js(
        chrome, "return window.paperkg.entityIndex('model/evil')")  # opened on the centre
    text = details(chrome)
    assert f"Evil{HOSTILE}" in text and "<svg onload=alert(1)>" in text
    assert "Homepage: javascript:alert(1)" in text  # shown as text, not as a link
    links = js(chrome, "return Array.from(document.querySelectorAll('#details a[href]'))"
                       ".map(a => a.href)")
    assert links and all(link.startswith("https://") for link in links)
    js(chrome, "window.paperkg.showEdge(0)")
    js(chrome, "window.paperkg.showPaper(0)")
    assert HOSTILE in details(chrome)
    assert js(chrome, "return document.querySelectorAll('#details script, #details img,"
                      " #details svg').length") == 0
    assert js(chrome, "return window.__pwned === undefined")
