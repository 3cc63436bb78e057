"""HTML view at scale: graph.html of a 10,000-paper graph, measured in real headless Chromium.

Usage: python bench/html_view.py [--papers 10000] [--build DIR] [--json FILE] [--screenshot PNG]

Makes a seeded synthetic graph (2 papers : 3 entities, Zipf-like entity popularity, ~6 entities
and a typed relation or two per paper; each abstract padded with a real one from the ML corpus so
the page carries real text), or reads a build's extractions (``--build``), writes its page, then
opens it from ``file://`` in headless Debian Chromium (Selenium, same flags and request blocking
as the tests) and measures:

- interactive: navigation start -> data inflated, graph drawn, search wired (first frame);
- redraw: one sigma render at the default (fitted) zoom, WebGL work finished (``gl.finish``);
- filter: a year range, a minimum paper count, a type unticked, all back (filter + redraw);
- search: every paper id of the graph is searched for and must be found;
- page size in bytes.

Prints the figures and writes ``bench/results/html_view.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from dataclasses import replace
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import chromium_available, headless_chromium, open_page  # noqa: E402

from kg.export import ExportOptions  # noqa: E402
from kg.export.html import write  # noqa: E402
from kg.graph.load import load_build  # noqa: E402
from kg.model import ENTITY_TYPES, Entity, Evidence, KnowledgeGraph, Paper, Relation  # noqa: E402

ABSTRACTS = ROOT.parent / "shared" / "data" / "corpus-ml" / "ml-openreview-unlabeled.jsonl"
TYPED = {("Model", "Model"): "based_on", ("Model", "Dataset"): "trained_on",
         ("Method", "Dataset"): "evaluated_on", ("Model", "Method"): "uses_method"}


def synthetic_graph(nodes: int, seed: int = 13) -> KnowledgeGraph:
    """A seeded graph of ``nodes`` nodes: 40% papers, 60% entities of every type."""
    rng = random.Random(seed)
    n_papers = nodes * 2 // 5
    n_entities = nodes - n_papers
    entities = {}
    for i in range(n_entities):
        etype = ENTITY_TYPES[i % len(ENTITY_TYPES)]
        name = f"{etype}-{i:05d}"
        entities[f"{etype.lower()}/{name.lower()}"] = Entity(
            id=f"{etype.lower()}/{name.lower()}", type=etype, name=name,
            aliases=(f"{etype[:2].upper()}{i}",) if i % 3 == 0 else (),
            external_ids={"wikidata": f"Q{100 + i}"} if i % 4 == 0 else {},
        )
    ids = list(entities)
    cum_weights = list(accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(ids))))
    papers: dict[str, Paper] = {}
    links: dict[str, set[str]] = {e: set() for e in ids}
    relations: dict[tuple[str, str, str], list[Evidence]] = {}
    for p in range(n_papers):
        pid = f"syn:{p:06d}"
        # every entity is in at least one paper (as in a real build), popular ones in many
        own = ids[p::n_papers]
        chosen = sorted(set(own + rng.choices(ids, cum_weights=cum_weights, k=rng.randint(3, 6))))
        sentence = "We study " + ", ".join(entities[e].name for e in chosen) + "."
        papers[pid] = Paper(id=pid, title=f"Synthetic study {p}: {entities[chosen[0]].name}",
                            abstract=sentence, year=2015 + p % 10)
        for k, eid in enumerate(chosen):
            ev = Evidence(pid, "abstract", 0, len(sentence), 1, sentence, "bench")
            predicate = "proposes" if k == 0 and p % 5 == 0 else "uses"
            relations.setdefault((pid, predicate, eid), []).append(ev)
            links[eid].add(pid)
        for a in chosen:
            for b in chosen:
                pred = TYPED.get((entities[a].type, entities[b].type))
                if pred and a != b and rng.random() < 0.15:
                    ev = Evidence(pid, "abstract", 0, len(sentence), 1, sentence, "bench")
                    relations.setdefault((a, pred, b), []).append(ev)
    for eid, pids in links.items():
        entities[eid].papers = tuple(sorted(pids))
    rels = [Relation(s, p, o, tuple(ev), weight=len(ev)) for (s, p, o), ev in relations.items()]
    rels.sort(key=lambda r: (r.predicate, r.subject, r.object))
    return KnowledgeGraph(papers=papers, entities=entities, relations=rels)


def real_abstracts(limit: int) -> list[str]:
    """Real abstracts (the ML corpus) so the page's size is that of real text; [] if absent."""
    if not ABSTRACTS.is_file():
        return []
    with ABSTRACTS.open(encoding="utf-8") as fh:
        return [json.loads(line).get("abstract", "") for line in fh if line.strip()][:limit]


def with_real_text(graph: KnowledgeGraph) -> KnowledgeGraph:
    """``graph`` with each paper's abstract replaced by a real one (cycled), mentions kept."""
    texts = real_abstracts(10_000)
    if not texts:
        return graph
    for i, (pid, paper) in enumerate(sorted(graph.papers.items())):
        graph.papers[pid] = replace(paper, abstract=paper.abstract + " " + texts[i % len(texts)])
    return graph


MEASURE = """
const done = arguments[arguments.length - 1];
const PK = window.paperkg, r = PK.renderer, cam = r.getCamera();
const gl = Object.values(r.webGLContexts || {});
function frame() { r.render(); gl.forEach(g => g.finish()); }
const out = {};
let t = performance.now();
for (let i = 0; i < 20; i++) { cam.setState({x: 0.5 + (i % 2) * 0.01}); frame(); }
out.redraw_ms = (performance.now() - t) / 20;
cam.setState({x: 0.5, y: 0.5, ratio: 1});
PK.applyFilters(); frame();  // warm up
function timed(change) {  // the median of 3 applications
  const runs = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now(); change(k); frame(); runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[1];
}
const S = PK.state(), years = PK.years;
out.filter_ms = {
  year_range: timed((k) => {
    S.yearFrom = years[0] + 1 + k; S.yearTo = years[1] - 1; PK.applyFilters();
  }),
  min_papers: timed((k) => { S.minPapers = 2 + k; PK.applyFilters(); }),
  type_off: timed((k) => {
    S.hiddenTypes.clear(); S.hiddenTypes.add(PK.types[k]); PK.applyFilters();
  }),
  all_back: timed(() => { S.hiddenTypes.clear(); S.yearFrom = years[0]; S.yearTo = years[1];
                          S.minPapers = 1; PK.applyFilters(); }),
};
t = performance.now(); PK.search("the"); out.search_ms = performance.now() - t;
out.papers_in_page = PK.paperCount; out.entities_in_page = PK.entityCount;
out.edges_in_page = PK.edgeCount;
done(out);
"""


FIND = """
let found = 0;
for (const id of arguments[0]) {
  if (window.paperkg.search(id).some(h => h.kind === "paper" && h.id === id)) found++;
}
return found;
"""


def build_page(graph: KnowledgeGraph, path: Path) -> dict:
    started = time.perf_counter()
    write(graph, path.parent, ExportOptions())
    path.parent.joinpath("graph.html").replace(path)
    return {"build_seconds": round(time.perf_counter() - started, 2),
            "html_bytes": path.stat().st_size}


def measure(driver, path: Path, paper_ids: list[str]) -> dict:
    report = open_page(driver, path, timeout=300)
    outside = report.outside_requests(path.resolve().as_uri())
    driver.set_script_timeout(600)
    figures = driver.execute_async_script(MEASURE)
    found, started = 0, time.perf_counter()
    for chunk in range(0, len(paper_ids), 500):  # every paper, searched for by its id
        found += driver.execute_script(FIND, paper_ids[chunk:chunk + 500])
    figures["papers_found"] = found
    figures["search_every_paper_seconds"] = round(time.perf_counter() - started, 1)
    return {"interactive_seconds": round(report.load_seconds, 2),
            "texts_read_seconds": round(report.texts_seconds, 2),
            "load_average": round(os.getloadavg()[0], 1),
            "outside_requests": len(outside),
            "js_errors": len(report.page_errors) + len(report.console_errors), **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--build", type=Path, default=None,
                        help="a build directory to measure (its extractions) instead")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "html_view.json")
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()

    started = time.perf_counter()
    if args.build:
        graph = load_build(args.build)
    else:
        graph = with_real_text(synthetic_graph(args.papers * 5 // 2))
    generate = time.perf_counter() - started
    out = args.json.parent
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"view-{len(graph.papers)}.html"
    run = build_page(graph, path)
    if chromium_available():
        with headless_chromium() as driver:
            run.update(measure(driver, path, sorted(graph.papers)))
            if args.screenshot:
                driver.execute_script("window.paperkg.renderer.getCamera().setState("
                                      "{x: 0.5, y: 0.5, ratio: 1})")
                time.sleep(0.5)
                driver.save_screenshot(str(args.screenshot))
    else:
        print("chromium/chromedriver not installed: browser timings skipped (.ci/system-deps.sh)")
    result = {
        "machine": f"{platform.node()} {platform.machine()} {platform.python_version()}",
        "graph": {"papers": len(graph.papers), "entities": len(graph.entities),
                  "relations": len(graph.relations), "generate_seconds": round(generate, 2)},
        "run": run,
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
