"""HTML view at scale: page build time and real-browser time-to-stable for a 5,000-node view.

Usage: python bench/html_view.py [--nodes 5000] [--json FILE] [--screenshot FILE]

Makes a synthetic graph (2 papers : 3 entities, Zipf-like entity popularity, ~6 entities and a
typed relation or two per paper, seeded), then measures:

- build: ``graph_view`` + ``render_html`` + write, for the full view (``--max-nodes`` = all
  nodes) and for the default top-1,500 cut;
- browser: headless Debian Chromium (Selenium, same flags and request blocking as the tests)
  opens each page from ``file://``; load = the page's script has built the network,
  stable = physics stabilised and switched off (both from navigation start).

Prints a table and writes ``bench/results/html_view.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import chromium_available, headless_chromium, open_page  # noqa: E402

from kg.export.html import graph_view, render_html  # noqa: E402
from kg.model import ENTITY_TYPES, Entity, Evidence, KnowledgeGraph, Paper, Relation  # noqa: E402

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


def build_page(graph: KnowledgeGraph, max_nodes: int, path: Path) -> dict:
    started = time.perf_counter()
    view = graph_view(graph, max_nodes=max_nodes)
    page = render_html(graph, view)
    path.write_text(page, encoding="utf-8")
    return {
        "max_nodes": max_nodes,
        "nodes": view.graph.number_of_nodes(),
        "edges": view.graph.number_of_edges(),
        "left_out_nodes": view.left_out_nodes,
        "build_seconds": round(time.perf_counter() - started, 3),
        "html_bytes": path.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "html_view.json")
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()

    started = time.perf_counter()
    graph = synthetic_graph(args.nodes)
    generate = time.perf_counter() - started
    out = args.json.parent
    out.mkdir(parents=True, exist_ok=True)
    runs = [build_page(graph, args.nodes, out / f"view-{args.nodes}.html"),
            build_page(graph, 1500, out / "view-top1500.html")]
    if chromium_available():
        with headless_chromium() as driver:
            for run in runs:
                path = out / ("view-top1500.html" if run["max_nodes"] == 1500
                              else f"view-{args.nodes}.html")
                report = open_page(driver, path, timeout=300)
                outside = report.outside_requests(path.resolve().as_uri())
                run.update(load_seconds=round(report.load_seconds, 2),
                           stable_seconds=round(report.stable_seconds, 2),
                           outside_requests=len(outside),
                           js_errors=len(report.page_errors) + len(report.console_errors))
                if args.screenshot and run["max_nodes"] != 1500:
                    driver.save_screenshot(str(args.screenshot))
    else:
        print("chromium/chromedriver not installed: browser timings skipped (.ci/system-deps.sh)")
    result = {
        "machine": f"{platform.node()} {platform.machine()} {platform.python_version()}",
        "graph": {"papers": len(graph.papers), "entities": len(graph.entities),
                  "relations": len(graph.relations), "generate_seconds": round(generate, 2)},
        "runs": runs,
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"synthetic graph: {len(graph.papers):,} papers, {len(graph.entities):,} entities, "
          f"{len(graph.relations):,} relations")
    print(f"{'view':<12}{'nodes':>7}{'edges':>8}{'build s':>9}{'HTML MB':>9}{'load s':>8}"
          f"{'stable s':>10}{'requests':>10}{'errors':>8}")
    for run in runs:
        print(f"{'top ' + str(run['max_nodes']):<12}{run['nodes']:>7,}{run['edges']:>8,}"
              f"{run['build_seconds']:>9.2f}{run['html_bytes'] / 1e6:>9.2f}"
              f"{run.get('load_seconds', float('nan')):>8.2f}"
              f"{run.get('stable_seconds', float('nan')):>10.2f}"
              f"{run.get('outside_requests', '-'):>10}{run.get('js_errors', '-'):>8}")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
