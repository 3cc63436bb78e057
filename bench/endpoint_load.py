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

Hostile queries (``HOSTILE``: a 100 KB query of 100,000 minus signs, 10,000 nested braces, a
cross product sorted, a GROUP_CONCAT over it, an answer doubled by CONCAT, a 3 MB-per-row
answer) are measured twice: each alone, in flight while ``ASK {}`` is timed next to it (target:
under 100 ms), and as ``--hostile-share`` of the load (every tenth request by default), where
each may be refused (4xx), stopped (500/503) or answered.  A server process (main or worker)
over ``--max-process-mb`` at any sample, a server that dies, or a wrong answer to an ordinary
query fails the run.  Ordinary queries that found every worker busy (503) are counted apart.
Exits 1 on any wrong answer, server death, process over the limit or slow ``ASK``.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import socket
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
HOSTILE = {
    "long-minus": "SELECT (" + "-" * 100_000 + "1 AS ?x) WHERE {}",
    "nested": "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
    "product-sorted": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
    "product-concat": "SELECT (GROUP_CONCAT(CONCAT(STR(?c), STR(?f))) AS ?g) "
                      "WHERE { ?a ?b ?c . ?d ?e ?f }",
    "concat-doubling": "SELECT ?x WHERE { BIND(\"0123456789abcdef\" AS ?x0) "
                       + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(22))
                       + " BIND(?x22 AS ?x) }",
    "wide-rows": "SELECT ?s (CONCAT(" + ", ".join(["STR(?o)"] * 64) + ") AS ?w) "
                 "WHERE { ?s ?p ?o }",
}


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

    def __init__(self, directory: Path, workers: int, timeout: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", str(directory), "--host", "127.0.0.1",
             "--port", "0", "--workers", str(workers), "--timeout", str(timeout)],
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
        self.peak_process_mb = 0.0  #: the largest one process (main or a worker) was seen
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def rss_mb(self) -> float:
        """Resident memory of the server and its query workers."""
        return sum(self.process_mb())

    def process_mb(self) -> list[float]:
        """Resident memory of each server process (main first, then its query workers)."""
        out = []
        try:
            family = [self.proc, *self.proc.children(recursive=True)]
        except psutil.Error:
            return out
        for p in family:
            try:
                out.append(p.memory_info().rss / 2**20)
            except psutil.Error:
                pass
        return out

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            each = self.process_mb()
            self.peak_mb = max(self.peak_mb, sum(each))
            self.peak_process_mb = max([self.peak_process_mb, *each])

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


def post_once(port: int, query: str, timeout: float = 120) -> tuple[int, bytes, float]:
    """One POST on a fresh connection: ``(status, body, seconds)``; status 0 if it failed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        status, body = fetch(conn, query, "application/sparql-results+json", post=True)
    except (OSError, http.client.HTTPException) as exc:
        status, body = 0, f"{type(exc).__name__}: {exc}".encode()
    finally:
        conn.close()
    return status, body, time.perf_counter() - started


def hostile_alone(port: int) -> dict[str, dict]:
    """Each hostile query alone: its status, time and first line of the answer."""
    out = {}
    for name, query in HOSTILE.items():
        status, body, seconds = post_once(port, query)
        out[name] = {"status": status, "seconds": round(seconds, 2),
                     "answer": body[:100].decode("utf-8", "replace").splitlines()[0]
                     if body else ""}
    return out


def ask_beside_hostile(port: int, repeats: int = 10) -> dict[str, float]:
    """The slowest of ``repeats`` ``ASK {}`` (ms) while each hostile query is in flight (after
    the workers a previous one killed were replaced: one hostile request at a time)."""
    out = {}
    for name, query in HOSTILE.items():
        time.sleep(4)  # a killed worker is replaced in about 1 s on the demo graph
        worker = threading.Thread(target=post_once, args=(port, query))
        worker.start()
        time.sleep(0.2)  # the hostile request is read, checked and (if accepted) running
        slowest = 0.0
        for _ in range(repeats):
            status, _, seconds = post_once(port, "ASK {}")
            slowest = max(slowest, seconds if status == 200 else float("inf"))
            time.sleep(0.05)
        worker.join()
        out[name] = round(slowest * 1000, 1)
    return out


def non_readers(server: Server, count: int = 6, hold: float = 12.0) -> dict[str, float]:
    """``count`` clients ask for a large answer and never read it, then all drop at once."""
    request = urllib.parse.urlencode({"query": HOSTILE["wide-rows"]}).encode()
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                     b"x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(request), request))
        socks.append(sock)
    peak = 0.0
    until = time.monotonic() + hold
    while time.monotonic() < until:
        peak = max(peak, (server.process_mb() or [0.0])[0])
        time.sleep(0.1)
    for sock in socks:
        sock.close()
    status, _, seconds = post_once(server.port, "ASK {}")
    return {"main_process_peak_mb": round(peak, 1), "ask_after_status": status,
            "ask_after_ms": round(seconds * 1000, 1)}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=None, help="a build directory to serve")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--server-timeout", type=float, default=5.0,
                        help="the server's per-query --timeout")
    parser.add_argument("--hostile-share", type=float, default=0.1,
                        help="share of the load's requests that are hostile queries")
    parser.add_argument("--max-process-mb", type=float, default=1024.0,
                        help="fail if any one server process is seen above this")
    parser.add_argument("--ask-ms", type=float, default=100.0,
                        help="fail if ASK {} beside a hostile request takes longer")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    return parser.parse_args()


def expected_answers(server: Server, queries: dict[str, str]) -> dict[str, str]:
    """The digest of each query's answer fetched alone."""
    expected = {}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    for name, query in queries.items():
        status, body = fetch(conn, query, ACCEPT.get(name, "application/sparql-results+json"),
                             post=False)
        if status != 200:
            raise SystemExit(f"query {name} failed alone: {status} {body[:300]!r}")
        expected[name] = canonical(name, body)
    conn.close()
    return expected


class Load:
    """``clients`` keep-alive clients sending the mix (and its hostile share) until a deadline."""

    def __init__(self, server: Server, queries: dict[str, str], args: argparse.Namespace):
        self.server, self.queries, self.args = server, queries, args
        self.expected = expected_answers(server, queries)
        self.names, self.hostile_names = sorted(queries), sorted(HOSTILE)
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.wrong: list[str] = []
        self.busy: list[str] = []
        self.hostile_status: dict[str, int] = {}
        self.lock = threading.Lock()
        self.budget = threading.Semaphore(args.max_requests)
        self.start_line = threading.Barrier(args.clients + 1)
        self.deadline = 0.0

    def run(self) -> float:
        """Run every client; the seconds the load took."""
        self.deadline = time.monotonic() + self.args.duration
        threads = [threading.Thread(target=self.client, args=(k,))
                   for k in range(self.args.clients)]
        for t in threads:
            t.start()
        self.start_line.wait()
        began = time.monotonic()
        for t in threads:
            t.join()
        return time.monotonic() - began

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)

    def client(self, k: int) -> None:
        mine: list[float] = []
        conn = self._connect()
        self.start_line.wait()
        i, share = k, self.args.hostile_share
        while time.monotonic() < self.deadline and self.budget.acquire(blocking=False):
            i += 1
            if int(i * share) > int((i - 1) * share):
                self.hostile(self.hostile_names[(i // 10) % len(self.hostile_names)])
                continue
            name = self.names[i % len(self.names)]
            started = time.perf_counter()
            try:
                status, body = fetch(conn, self.queries[name],
                                     ACCEPT.get(name, "application/sparql-results+json"),
                                     post=bool(i % 2))
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = self._connect()
                continue
            mine.append(time.perf_counter() - started)
            self.check(name, status, body)
        conn.close()
        with self.lock:
            self.latencies.extend(mine)

    def hostile(self, name: str) -> None:
        status, _, _ = post_once(self.server.port, HOSTILE[name])
        with self.lock:
            key = f"{name} {status}"
            self.hostile_status[key] = self.hostile_status.get(key, 0) + 1

    def check(self, name: str, status: int, body: bytes) -> None:
        with self.lock:
            if status == 503 and b"busy" in body:
                self.busy.append(name)
            elif status != 200:
                self.errors.append(f"{name}: HTTP {status}: {body[:200]!r}")
            elif canonical(name, body) != self.expected[name]:
                self.wrong.append(name)


def main() -> int:
    args = parse_args()
    tmp = None
    directory = args.dir
    if directory is None:
        tmp = tempfile.TemporaryDirectory(prefix="paperkg-load-")
        directory = Path(tmp.name) / "out"
        subprocess.run([sys.executable, "-m", "kg", "build", "-o", str(directory)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    queries = {**named_queries(), **EXTRA_QUERIES}
    server = Server(directory, args.server_workers, args.server_timeout)
    try:
        load = Load(server, queries, args)
        alone = hostile_alone(server.port)
        ask_ms = ask_beside_hostile(server.port)
        readers = non_readers(server)
        rss_before = server.rss_mb()
        elapsed = load.run()
        time.sleep(0.5)
        rss_after = server.rss_mb()
        server_alive = server.process.poll() is None
    finally:
        server.stop()
        if tmp is not None:
            tmp.cleanup()

    latencies = load.latencies
    done = len(latencies)
    cuts = statistics.quantiles(latencies, n=100) if done > 1 else [0.0] * 99
    figures = {
        "clients": args.clients, "duration_s": round(elapsed, 1), "queries_in_mix": len(queries),
        "requests": done, "requests_per_s": round(done / elapsed, 1),
        "latency_ms": {"p50": round(cuts[49] * 1000, 1), "p90": round(cuts[89] * 1000, 1),
                       "p95": round(cuts[94] * 1000, 1), "p99": round(cuts[98] * 1000, 1),
                       "max": round(max(latencies, default=0) * 1000, 1)},
        "errors": len(load.errors), "wrong_answers": len(load.wrong), "busy_503": len(load.busy),
        "hostile_share": args.hostile_share,
        "hostile_answers": dict(sorted(load.hostile_status.items())),
        "server_alive": server_alive, "server_timeout_s": args.server_timeout,
        "server_rss_mb": {"before": round(rss_before, 1), "peak": round(server.peak_mb, 1),
                          "after": round(rss_after, 1),
                          "largest_process_peak": round(server.peak_process_mb, 1)},
        "hostile_alone": alone, "ask_ms_beside_hostile": ask_ms, "non_readers": readers,
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(figures, indent=2))
    for line in load.errors[:10]:
        print("error:", line)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    failed = (load.wrong or load.errors or not server_alive
              or server.peak_process_mb > args.max_process_mb
              or max(ask_ms.values()) > args.ask_ms)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
