"""Load test of ``paperkg serve``: many concurrent clients on loopback, every answer checked.

Usage: python bench/endpoint_load.py [--dir BUILD_DIR] [--clients 200] [--duration 30]
                                     [--max-requests 1000000] [--server-workers 2]
                                     [--json FILE]

Builds the demo corpus into a temporary directory (or serves ``--dir``), starts
``paperkg serve`` on 127.0.0.1 (a free port; never another interface), and fetches the answer of
each query of the mix once, alone: every named query, a count, an ASK, a CONSTRUCT and a
DESCRIBE.  Then ``--clients`` threads, each with its own keep-alive connection, send the mix by
GET and POST for ``--duration`` seconds (and at most ``--max-requests`` requests in all) and
compare every answer with the one fetched alone.  Reports requests/s, latency percentiles,
errors (non-200 answers, failed connections), wrong answers, and the server's resident memory
(the server process and its query workers, sampled every 0.2 s) before, at peak and after.
Exits 1 on any error or wrong answer.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.query.sparql import named_queries  # noqa: E402

EXTRA_QUERIES = {
    "count": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "ask": "ASK { ?p a pkg:Paper }",
    "construct": "CONSTRUCT { ?m rdfs:label ?l } WHERE { ?m a pkg:Model ; rdfs:label ?l }",
    "describe": "DESCRIBE ?p WHERE { ?p dcterms:identifier \"demo:001\" }",
}
ACCEPT = {"construct": "application/n-triples", "describe": "application/n-triples"}


def canonical(name: str, body: bytes) -> str:
    """An order-free digest of an answer (solutions or triples may come in any order)."""
    if ACCEPT.get(name) == "application/n-triples":
        lines = sorted(line for line in body.decode("utf-8").splitlines() if line.strip())
        # blank node labels differ between answers: compare with them masked
        lines = sorted(re.sub(r"_:\w+", "_:b", line) for line in lines)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()
    doc = json.loads(body)
    if "boolean" in doc:
        return str(doc["boolean"])
    rows = sorted(json.dumps(b, sort_keys=True) for b in doc["results"]["bindings"])
    return hashlib.sha256((json.dumps(doc["head"]) + "\n".join(rows)).encode()).hexdigest()


class Server:
    """``paperkg serve DIR`` on 127.0.0.1 and a free port."""

    def __init__(self, directory: Path, workers: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", str(directory), "--host", "127.0.0.1",
             "--port", "0", "--workers", str(workers)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 300
        url = None
        while url is None:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                raise SystemExit("paperkg serve exited at start")
            match = re.search(r"(http://127\.0\.0\.1:(\d+)/sparql)", line)
            if match:
                url = match.group(1)
            if time.monotonic() > deadline:
                raise SystemExit("paperkg serve did not start")
        self.url = url
        self.port = int(url.rsplit(":", 1)[1].split("/")[0])
        self.proc = psutil.Process(self.process.pid)
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def rss_mb(self) -> float:
        """Resident memory of the server and its query workers."""
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak_mb = max(self.peak_mb, self.rss_mb())

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def fetch(conn: http.client.HTTPConnection, query: str, accept: str, post: bool
          ) -> tuple[int, bytes]:
    if post:
        body = urllib.parse.urlencode({"query": query})
        conn.request("POST", "/sparql", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    else:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                     headers={"Accept": accept})
    response = conn.getresponse()
    return response.status, response.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=None, help="a build directory to serve")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    tmp = None
    directory = args.dir
    if directory is None:
        tmp = tempfile.TemporaryDirectory(prefix="paperkg-load-")
        directory = Path(tmp.name) / "out"
        subprocess.run([sys.executable, "-m", "kg", "build", "-o", str(directory)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    queries = {**named_queries(), **EXTRA_QUERIES}
    server = Server(directory, args.server_workers)
    try:
        expected = {}
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        for name, query in queries.items():
            status, body = fetch(conn, query, ACCEPT.get(name, "application/sparql-results+json"),
                                 post=False)
            if status != 200:
                raise SystemExit(f"query {name} failed alone: {status} {body[:300]!r}")
            expected[name] = canonical(name, body)
        conn.close()
        names = sorted(queries)
        rss_before = server.rss_mb()

        latencies: list[float] = []
        errors: list[str] = []
        wrong: list[str] = []
        budget = threading.Semaphore(args.max_requests)
        lock = threading.Lock()
        deadline = time.monotonic() + args.duration
        start_line = threading.Barrier(args.clients + 1)

        def client(k: int) -> None:
            mine: list[float] = []
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            start_line.wait()
            i = k
            while time.monotonic() < deadline and budget.acquire(blocking=False):
                name = names[i % len(names)]
                i += 1
                started = time.perf_counter()
                try:
                    status, body = fetch(conn, queries[name],
                                         ACCEPT.get(name, "application/sparql-results+json"),
                                         post=bool(i % 2))
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(f"{name}: {type(exc).__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
                    continue
                mine.append(time.perf_counter() - started)
                if status != 200:
                    with lock:
                        errors.append(f"{name}: HTTP {status}: {body[:200]!r}")
                elif canonical(name, body) != expected[name]:
                    with lock:
                        wrong.append(name)
            conn.close()
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        for t in threads:
            t.start()
        start_line.wait()
        began = time.monotonic()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
        time.sleep(0.5)
        rss_after = server.rss_mb()
    finally:
        server.stop()
        if tmp is not None:
            tmp.cleanup()

    done = len(latencies)
    cuts = statistics.quantiles(latencies, n=100) if done > 1 else [0.0] * 99
    figures = {
        "clients": args.clients, "duration_s": round(elapsed, 1), "queries_in_mix": len(names),
        "requests": done, "requests_per_s": round(done / elapsed, 1),
        "latency_ms": {"p50": round(cuts[49] * 1000, 1), "p90": round(cuts[89] * 1000, 1),
                       "p95": round(cuts[94] * 1000, 1), "p99": round(cuts[98] * 1000, 1),
                       "max": round(max(latencies, default=0) * 1000, 1)},
        "errors": len(errors), "wrong_answers": len(wrong),
        "server_rss_mb": {"before": round(rss_before, 1), "peak": round(server.peak_mb, 1),
                          "after": round(rss_after, 1)},
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(figures, indent=2))
    for line in errors[:10]:
        print("error:", line)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if errors or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
