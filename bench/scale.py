"""Scale benchmark: synthetic corpora of 1k, 10k and 100k papers, built end to end.

Usage: python bench/scale.py [--sizes 1000,10000,100000] [--workers 2] [--corpus FILE]
                             [--workdir DIR] [--json bench/results.json] [--no-rdflib]
                             [--no-store] [--store-size N] [--resume]
       python bench/scale.py --query-store DIR      # only the named queries, on a built store

Papers are made by recombining the titles and abstract sentences of ``--corpus`` (default:
``../shared/data/corpus/medical-ai-dev.jsonl``; the synthetic files go to ``--workdir``, never
into the repository).  For each size, one child process runs ``paperkg build`` (all outputs,
``--workers N``) and reports extraction papers/s, end-to-end seconds, peak RSS (the child and
its workers, sampled), triples and output sizes.  On the largest size it also builds the
on-disk store (or on ``--store-size`` papers), times every named SPARQL query on it (the median
of five warm runs) and the incremental addition of 1k new papers; ``--query-store DIR`` times
only the queries, on a store built before.  On the 10k corpus it compares writing the graph as
Turtle with pyoxigraph (what the build does) and with a plain rdflib ``Graph`` +
``serialize(format="turtle")``, in a process of its own (so that rdflib's memory does not count
as the build's).

Prints a table and writes ``bench/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "medical-ai-dev.jsonl"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
INCREMENT = 1000


# --------------------------------------------------------------------------- corpus


def load_parts(corpus: Path) -> tuple[list[str], list[str], list[int]]:
    """Titles, abstract sentences and sentences-per-abstract of ``corpus`` (JSON Lines)."""
    titles, sentences, lengths = [], [], []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            titles.append(" ".join(record["title"].split()))
            parts = [s for s in SENTENCE_END.split(" ".join(record.get("abstract", "").split()))
                     if s]
            sentences += parts
            lengths.append(len(parts))
    return titles, sentences, lengths


def synthesize(corpus: Path, n: int, seed: int = 0, first: int = 0):
    """``n`` synthetic papers: a corpus title and as many sentences as a corpus abstract has,
    drawn at random (seeded) from all abstracts.  Ids ``syn:<number>``; titles carry the number
    so that the readers do not take papers for duplicates."""
    titles, sentences, lengths = load_parts(corpus)
    rng = random.Random(seed)
    for i in range(first, first + n):
        k = max(1, rng.choice(lengths))
        yield {
            "id": f"syn:{i:07d}",
            "title": f"{rng.choice(titles)} ({i})",
            "abstract": " ".join(rng.sample(sentences, min(k, len(sentences)))),
            "year": 2015 + rng.randrange(11),
        }


def write_corpus(corpus: Path, n: int, path: Path, seed: int = 0, first: int = 0) -> Path:
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for record in synthesize(corpus, n, seed, first):
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------- child side


def _options(workers: int):
    from kg.engines import EngineOptions
    from kg.pipeline import BuildOptions

    return BuildOptions(engine=EngineOptions(workers=workers))


def _rss_mb() -> dict[str, float]:
    return {
        "main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "largest_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def child_build(spec: dict) -> dict:
    """``paperkg build`` of one corpus, timed by stage."""
    from kg.pipeline import build

    marks = {"start": time.perf_counter()}
    marks_file = Path(spec["marks"])

    def on_stage(stage: str) -> None:
        marks.setdefault(stage, time.perf_counter())
        marks_file.write_text(json.dumps({k: v - marks["start"] for k, v in marks.items()}))

    report = build([spec["input"]], Path(spec["out"]), _options(spec["workers"]),
                   on_stage=on_stage)
    marks["end"] = time.perf_counter()
    out = Path(spec["out"])
    sizes = {str(p.relative_to(out)): p.stat().st_size for p in sorted(out.rglob("*"))
             if p.is_file()}
    with (out / "graph.nt").open("rb") as fh:
        triples = sum(1 for _ in fh)
    result = {
        "papers": report.papers,
        "entities": sum(report.entities_by_type.values()),
        "relations": sum(report.relations_by_predicate.values()),
        **stage_seconds(marks),
        "build_seconds": marks["end"] - marks["start"],
        "triples": triples,
        "output_bytes": sum(sizes.values()),
        "files": sizes,
        **_rss_mb(),
    }
    result["extract_papers_per_s"] = report.papers / result["extract_seconds"]
    return result


def child_rdflib(spec: dict) -> dict:
    """The rdflib comparison on a finished build (its own process: rdflib's graph is big)."""
    return rdflib_comparison(Path(spec["out"]))


def stage_seconds(marks: dict[str, float]) -> dict:
    """Seconds of extraction, linking, all writing and each exporter, from stage marks."""
    names = list(marks)
    times = {}
    for here, after in pairwise(names):
        times[here] = marks[after] - marks[here]
    writing = [n for n in names if n.startswith("writing ")]
    out = {"extract_seconds": times.get("start"), "link_seconds": times.get("linking"),
           "exporter_seconds": {n.removeprefix("writing "): times.get(n) for n in writing}}
    if writing and "end" in marks:
        out["write_seconds"] = marks["end"] - marks[writing[0]]
    return out


def rdflib_comparison(out: Path) -> dict:
    """Graph -> Turtle: pyoxigraph (the build's way: the cyclic garbage collector paused while
    the triples are made and written) against rdflib Graph + serialize; ours also with the
    collector running, for reference."""
    import pyoxigraph as ox

    from kg.export import DEFAULT_BASE_IRI
    from kg.export.rdf import collector_paused
    from kg.graph.load import load_build
    from kg.graph.rdf import iter_triples, prefixes
    from kg.graph.rdflib_graph import to_rdf

    graph = load_build(out)

    def ours(path: Path) -> float:
        started = time.perf_counter()
        ox.serialize(iter_triples(graph, DEFAULT_BASE_IRI), str(path), ox.RdfFormat.TURTLE,
                     prefixes=prefixes(DEFAULT_BASE_IRI))
        return time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        with collector_paused():
            paused = ours(Path(tmp) / "ours.ttl")
        running = ours(Path(tmp) / "ours-gc.ttl")
        started = time.perf_counter()
        to_rdf(graph, DEFAULT_BASE_IRI).serialize(destination=str(Path(tmp) / "rdflib.ttl"),
                                                  format="turtle")
        theirs = time.perf_counter() - started
    return {"paperkg_seconds": paused, "paperkg_gc_seconds": running, "rdflib_seconds": theirs,
            "ratio": theirs / paused, "ratio_gc": theirs / running}


def child_store(spec: dict) -> dict:
    """Build the store of a corpus."""
    from kg.store import build_store

    started = time.perf_counter()
    report = build_store([spec["input"]], Path(spec["store"]), _options(spec["workers"]))
    seconds = time.perf_counter() - started
    Path(spec["marks"]).write_text(json.dumps({"start": 0.0, "queries": seconds}))
    return {"store_build_seconds": seconds, "triples": report.triples,
            "papers": report.papers, **_rss_mb()}


def child_query(spec: dict) -> dict:
    """Time one named query on the store: the median of five warm runs, after a first run
    (one run only if it is slow)."""
    from kg.query.sparql import named_query_info, run_query
    from kg.store import GraphStore

    store = GraphStore(Path(spec["store"]))
    text = named_query_info()[spec["name"]].text
    times, rows = [], 0
    for _ in range(6):
        started = time.perf_counter()
        rows = len(run_query(store.store, text))
        times.append(time.perf_counter() - started)
        if times[-1] > 5:
            break
    warm = times[1:] or times
    return {"seconds": sorted(warm)[len(warm) // 2], "first_seconds": times[0], "rows": rows,
            "runs": len(warm)}


def child_add(spec: dict) -> dict:
    """Add the increment to the store, then the same again (which must change nothing)."""
    from kg.store import build_store

    options = _options(spec["workers"])
    started = time.perf_counter()
    added = build_store([spec["increment"]], Path(spec["store"]), options)
    result = {
        "papers": added.added, "seconds": time.perf_counter() - started,
        "reextracted": added.reextracted, "triples_removed": added.triples_removed,
        "triples_added": added.triples_added, "triples": added.triples,
        "rewritten": added.rewritten,
    }
    started = time.perf_counter()
    again = build_store([spec["increment"]], Path(spec["store"]), options)
    result["again_seconds"] = time.perf_counter() - started
    result["again_added"] = again.added
    result.update(_rss_mb())
    return result


def time_queries(store: Path, args, workdir: Path, done: dict | None = None) -> dict:
    """Time every named query (each in a child process) on ``store``; keep those in ``done``."""
    from kg.query.sparql import named_query_info

    out = dict(done or {})
    for name in sorted(set(named_query_info()) - set(out)):
        print(f"  query {name} ...", file=sys.stderr, flush=True)
        out[name] = run_child("query", {"store": str(store), "name": name,
                                        "marks": str(workdir / "marks-query.json")},
                              args.memory_limit, timeout=args.query_timeout)
    return out


def query_table(queries: dict) -> list[str]:
    rows = ["| named query | seconds | rows |", "|---|---:|---:|"]
    for name, q in queries.items():
        if "failed" in q:
            rows.append(f"| {name} | {q['failed']} | |")
        else:
            rows.append(f"| {name} | {q['seconds']:.3f} | {q['rows']:,} |")
    return rows


def store_measurements(args, workdir: Path, size: int, previous: dict) -> dict:
    """Build (or, with --resume, reuse) the store of ``size`` papers; time the named queries;
    add ``INCREMENT`` papers."""
    from kg.store import is_store

    store = workdir / f"store-{size}"
    marks = workdir / f"marks-store-{size}.json"
    out: dict = {}
    if args.resume and is_store(store) and marks.is_file() and "store_build" in previous:
        out["store_build"] = previous["store_build"]
    elif args.resume and is_store(store) and marks.is_file():
        out["store_build"] = {"store_build_seconds": json.loads(marks.read_text())["queries"],
                              "resumed": True}
    else:
        out["store_build"] = run_child("store", {
            "input": str(workdir / f"papers-{size}.jsonl"), "store": str(store),
            "workers": args.workers, "marks": str(marks)}, args.memory_limit)
    out["queries"] = time_queries(store, args, workdir,
                                  previous.get("queries") if args.resume else None)
    if not (args.resume and "increment" in previous):
        increment = write_corpus(args.corpus, INCREMENT, workdir / f"increment-{size}.jsonl",
                                 seed=1, first=size)
        print(f"  adding {INCREMENT:,} papers ...", file=sys.stderr, flush=True)
        out["increment"] = run_child("add", {
            "store": str(store), "increment": str(increment), "workers": args.workers,
            "marks": str(workdir / "marks-add.json")}, args.memory_limit)
    else:
        out["increment"] = previous["increment"]
    return out


# --------------------------------------------------------------------------- parent side


def run_child(kind: str, spec: dict, limit_mb: float, timeout: float | None = None) -> dict:
    """Run one measurement in a fresh process; sample the RSS of it and its workers.

    A child whose processes together pass ``limit_mb`` is stopped (the machine is shared);
    the result then says so, with the stages it got through.
    """
    import psutil

    proc = subprocess.Popen([sys.executable, __file__, "--child", kind, json.dumps(spec)],
                            stdout=subprocess.PIPE, text=True)
    peak, done, killed = 0, threading.Event(), []

    def sample() -> None:
        nonlocal peak
        parent = psutil.Process(proc.pid)
        while not done.wait(0.2):
            try:
                procs = [parent, *parent.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, total)
                if total > limit_mb * 2**20:
                    killed.append(total)
                    for p in reversed(procs):
                        try:
                            p.kill()
                        except psutil.Error:
                            pass
                    return
            except psutil.Error:
                return

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        done.set()
        return {"failed": f"timeout: more than {timeout:.0f} s", "seconds": None}
    done.set()
    thread.join()
    if killed or proc.returncode != 0:
        marks = Path(spec["marks"])
        reached = json.loads(marks.read_text()) if marks.is_file() else {}
        return {"failed": f"stopped at {killed[0] / 2**20:.0f} MB (limit {limit_mb:.0f} MB)"
                if killed else f"exit code {proc.returncode}",
                **stage_seconds({**reached}), "stages_reached": reached,
                "peak_rss_tree_mb": peak / 2**20}
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss_tree_mb"] = peak / 2**20
    return result


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        memory = f"{psutil.virtual_memory().total / 2**30:.0f} GiB"
    except ImportError:
        memory = "?"
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory,
            "python": platform.python_version(), "system": platform.platform(),
            "commit": commit, "date": time.strftime("%Y-%m-%d")}


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def table(results: dict) -> str:
    rows = [f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, "
            f"{results['machine']['memory']}, Python {results['machine']['python']}; "
            f"--workers {results['workers']}", ""]
    head = ("papers", "extract p/s", "build s", "peak RSS", "triples", "outputs",
            "graph.nt")
    rows.append("| " + " | ".join(head) + " |")
    rows.append("|" + "|".join("---:" for _ in head) + "|")
    for size, r in results["builds"].items():
        if "failed" in r:
            done = ", ".join(f"{k} {v:.0f} s" for k, v in r["stages_reached"].items())
            rows.append(f"| {int(size):,} | failed: {r['failed']}; stages reached at: {done} |")
            continue
        rows.append("| " + " | ".join([
            f"{int(size):,}", f"{r['extract_papers_per_s']:.0f}", f"{r['build_seconds']:.1f}",
            f"{r['peak_rss_tree_mb']:.0f} MB", f"{r['triples']:,}", human(r["output_bytes"]),
            human(r["files"].get("graph.nt", 0))]) + " |")
    sizes = sorted(results["builds"], key=int)
    if len(sizes) >= 2 and not any("failed" in results["builds"][n] for n in sizes[-2:]):
        a, b = results["builds"][sizes[-2]], results["builds"][sizes[-1]]
        rows.append("")
        rows.append(f"{int(sizes[-2]):,} -> {int(sizes[-1]):,} papers: build time x"
                    f"{b['build_seconds'] / a['build_seconds']:.1f} "
                    f"(papers x{int(sizes[-1]) / int(sizes[-2]):.0f})")
    if "rdflib" in results and "failed" in results["rdflib"]:
        rows.append(f"rdflib comparison: failed: {results['rdflib']['failed']}")
    elif "rdflib" in results:
        r = results["rdflib"]
        rows.append(f"graph -> Turtle on {int(results['rdflib_size']):,} papers: paperkg "
                    f"(pyoxigraph) {r['paperkg_seconds']:.1f} s, rdflib Graph + serialize "
                    f"{r['rdflib_seconds']:.1f} s: x{r['ratio']:.1f}")
        if "paperkg_gc_seconds" in r:
            rows.append(f"  (paperkg with the garbage collector running: "
                        f"{r['paperkg_gc_seconds']:.1f} s, x{r['ratio_gc']:.1f})")
    rows.append("")
    rows.append("seconds by stage: " + "; ".join(
        f"{int(n):,}: extract {r['extract_seconds']:.0f}, link {r['link_seconds'] or 0:.0f}, "
        + ", ".join(f"{k} {v:.0f}" for k, v in r["exporter_seconds"].items() if v is not None)
        for n, r in results["builds"].items() if r.get("extract_seconds") is not None))
    if "store" in results:
        s = results["store"]
        build = s["store_build"]
        rows.append("")
        if "failed" in build:
            rows.append(f"store of {int(results['store_size']):,} papers: failed: "
                        f"{build['failed']}")
        else:
            rows.append(f"store of {int(results['store_size']):,} papers: built in "
                        f"{build['store_build_seconds']:.0f} s")
        inc = s.get("increment", {})
        if "failed" in inc:
            rows.append(f"incremental add: failed: {inc['failed']}")
        elif inc:
            rows.append(f"incremental add of {inc['papers']:,} papers: {inc['seconds']:.1f} s "
                        f"({inc['reextracted']} stored papers extracted again, "
                        f"-{inc['triples_removed']:,}/+{inc['triples_added']:,} triples, "
                        f"{inc['triples']:,} after, peak RSS {inc['peak_rss_tree_mb']:.0f} MB); "
                        f"the same add again: {inc['again_seconds']:.1f} s, "
                        f"{inc['again_added']} added")
        rows.append("")
        rows += query_table(s["queries"])
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where synthetic corpora and outputs go (default: a temporary "
                        "directory, removed at the end)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--no-rdflib", action="store_true", help="skip the rdflib comparison")
    parser.add_argument("--no-store", action="store_true", help="skip the store and queries")
    parser.add_argument("--store-size", type=int, default=None,
                        help="papers of the store, the named queries and the incremental add "
                        "(default: the largest of --sizes)")
    parser.add_argument("--memory-limit", type=float, default=14000,
                        help="MB the build and its workers may use together before it is "
                        "stopped (default: 14000)")
    parser.add_argument("--query-timeout", type=float, default=120,
                        help="seconds one named query may take before it is stopped")
    parser.add_argument("--resume", action="store_true",
                        help="keep the results of --json and reuse the --workdir store")
    parser.add_argument("--query-store", type=Path, default=None,
                        help="only time the named queries on this built store (no builds)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, spec = args.child
        children = {"build": child_build, "store": child_store, "query": child_query,
                    "add": child_add, "rdflib": child_rdflib}
        result = children[kind](json.loads(spec))
        print(json.dumps(result))
        return

    if args.query_store is not None:
        query_only(args)
        return
    if not args.corpus.is_file():
        raise SystemExit(f"{args.corpus}: no such corpus (give --corpus FILE.jsonl)")
    sizes = [int(s) for s in args.sizes.split(",")]
    holder = None
    if args.workdir is None:
        holder = tempfile.TemporaryDirectory(prefix="paperkg-scale-")
        workdir = Path(holder.name)
    else:
        workdir = args.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    previous: dict = {}
    if args.resume and args.json.is_file():
        previous = json.loads(args.json.read_text(encoding="utf-8"))
    results: dict = {"machine": machine(), "workers": args.workers, "builds": {},
                     "load_average_at_start": os.getloadavg()}
    for key in ("rdflib", "rdflib_size"):
        if key in previous:
            results[key] = previous[key]
    rdflib_size = 10000 if 10000 in sizes else sorted(sizes)[len(sizes) // 2]
    for size in sizes:
        corpus = write_corpus(args.corpus, size, workdir / f"papers-{size}.jsonl")
        if str(size) in previous.get("builds", {}):
            results["builds"][str(size)] = previous["builds"][str(size)]
            continue
        print(f"building {size:,} papers ...", file=sys.stderr, flush=True)
        results["builds"][str(size)] = run_child("build", {
            "input": str(corpus), "out": str(workdir / f"out-{size}"), "workers": args.workers,
            "marks": str(workdir / f"marks-{size}.json"),
        }, args.memory_limit)
        if size == rdflib_size and not args.no_rdflib and "failed" not in results["builds"][
                str(size)]:
            print(f"rdflib comparison on {size:,} papers ...", file=sys.stderr, flush=True)
            results["rdflib"] = run_child("rdflib", {
                "out": str(workdir / f"out-{size}"),
                "marks": str(workdir / "marks-rdflib.json")}, args.memory_limit)
            results["rdflib_size"] = size
    if not args.no_store:
        size = args.store_size or max(sizes)
        write_corpus(args.corpus, size, workdir / f"papers-{size}.jsonl")
        print(f"store of {size:,} papers, queries, +{INCREMENT:,} ...", file=sys.stderr,
              flush=True)
        results["store"] = store_measurements(args, workdir, size, previous.get("store", {}))
        results["store_size"] = size
    results["load_average_at_end"] = os.getloadavg()
    text = table(results)
    print(text)
    results["table"] = text
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if holder is not None:
        holder.cleanup()


def query_only(args) -> None:
    """``--query-store``: the named queries' table on an existing store, into ``--json``."""
    from kg.store import GraphStore

    store = GraphStore(args.query_store)
    triples, papers = len(store), len(store.paper_index())
    store.close()
    with tempfile.TemporaryDirectory(prefix="paperkg-scale-") as tmp:
        queries = time_queries(args.query_store, args, Path(tmp))
    results = {"machine": machine(), "store": str(args.query_store), "papers": papers,
               "triples": triples, "load_average": os.getloadavg(), "queries": queries}
    text = "\n".join([f"{papers:,} papers, {triples:,} triples; load average "
                      f"{results['load_average'][0]:.1f}", "", *query_table(queries)])
    print(text)
    results["table"] = text
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
