"""``paperkg serve`` on a shared machine: no outbound request ever, no update, bounded answers.

A canary socket listens on 127.0.0.1; every query that names it (SERVICE, LOAD, FROM …) must be
refused or answered without a single connection to it.  Every refusal uses an HTTP status of the
SPARQL 1.1 Protocol (4xx/5xx; 400 malformed, 403 refused, 413 too large, 503 timed out) with a
plain-text one-line body.  Basic protocol behaviour is in tests/test_endpoint.py; the load test
is bench/endpoint_load.py.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox
import pytest

from kg.query.endpoint import EndpointConfig, start_endpoint
from kg.query.sparql import QueryError, execute

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


class Canary:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(4096))
                except OSError:
                    self.hits.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def canary():
    c = Canary()
    yield c
    c.close()


@pytest.fixture(scope="module")
def endpoint(demo_build):
    _, out = demo_build
    running = start_endpoint(EndpointConfig(directory=out, port=0, timeout=5.0, max_rows=50,
                                            workers=2), quiet=True)
    yield running
    running.stop()


def request(url: str, data: bytes | None = None, headers: dict | None = None,
            method: str | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def by_get(endpoint, query: str, **params: str) -> tuple[int, dict, bytes]:
    return request(f"{endpoint.url}?{urllib.parse.urlencode({'query': query, **params})}")


def by_form(endpoint, key: str, text: str) -> tuple[int, dict, bytes]:
    return request(endpoint.url, urllib.parse.urlencode({key: text}).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})


def by_body(endpoint, text: str, media: str = "application/sparql-query"):
    return request(endpoint.url, text.encode("utf-8"), {"Content-Type": media})


def announced_body(endpoint, length: int) -> tuple[int, dict, bytes]:
    """A POST that announces a ``length``-byte body and sends none: refused on the header."""
    host, port = endpoint.url.removeprefix("http://").split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.putrequest("POST", "/sparql")
        conn.putheader("Content-Type", "application/sparql-query")
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        conn.close()


def triples(endpoint) -> int:
    status, _, body = by_get(endpoint, COUNT)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def plain_error(status: int, headers: dict, body: bytes, expected: int) -> None:
    """A SPARQL protocol failure: the status, and a plain-text (one-line) reason."""
    assert status == expected, (status, body[:300])
    assert headers["Content-Type"].startswith("text/plain")
    text = body.decode("utf-8")
    assert text.startswith("error: "), text
    assert text.count("\n") == 1 and text.endswith("\n"), text


# --------------------------------------------------------------------------- no outbound request

SERVICE_QUERIES = {
    "plain": "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "lower case": "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
    "silent": "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "comment between": "SELECT * WHERE {{ SERVICE # a comment\n <{url}> {{ ?s ?p ?o }} }}",
    "prefixed name": "PREFIX c: <{base}> SELECT * WHERE {{ SERVICE c:sparql {{ ?s ?p ?o }} }}",
    "variable": "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "in optional": "SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "in exists": "ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "after a string": 'SELECT * WHERE {{ BIND("}}" AS ?q) SERVICE <{url}> {{ ?s ?p ?o }} }}',
}
#: pyoxigraph fetches nothing for these, whatever the endpoint does with them
OTHER_REMOTE = {
    "from": "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "from named": "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "describe": "DESCRIBE <{url}>",
}
UPDATES = {
    "load": "LOAD <{url}>",
    "load into": "LOAD SILENT <{url}> INTO GRAPH <http://x/>",
    "insert": "INSERT DATA {{ <http://a/b> <http://a/c> <{url}> }}",
    "insert where": "INSERT {{ ?s ?p 1 }} WHERE {{ ?s ?p ?o }}",
    "delete": "DELETE WHERE {{ ?s ?p ?o }}",
    "clear": "CLEAR ALL",
    "drop": "DROP DEFAULT",
    "create": "CREATE GRAPH <{url}>",
    "copy": "COPY DEFAULT TO <{url}>",
    "with": "WITH <{url}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "prologue first": "PREFIX x: <http://x/> BASE <http://y/> CLEAR ALL",
}


def _format(template: str, canary: Canary) -> str:
    return template.format(url=canary.url, base=f"http://127.0.0.1:{canary.port}/")


@pytest.mark.parametrize("name", sorted(SERVICE_QUERIES))
def test_service_is_refused_and_nothing_is_fetched(endpoint, canary, name):
    query = _format(SERVICE_QUERIES[name], canary)
    for status, headers, body in (by_get(endpoint, query), by_form(endpoint, "query", query),
                                  by_body(endpoint, query)):
        plain_error(status, headers, body, 403)
        assert b"SERVICE" in body
    time.sleep(0.2)
    assert canary.hits == []


@pytest.mark.parametrize("name", sorted(OTHER_REMOTE))
def test_from_and_describe_fetch_nothing(endpoint, canary, name):
    status, _, _ = by_get(endpoint, _format(OTHER_REMOTE[name], canary))
    assert status in (200, 400, 403)
    time.sleep(0.2)
    assert canary.hits == []


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_updates_are_refused_by_every_route(endpoint, canary, name):
    before = triples(endpoint)
    update = _format(UPDATES[name], canary)
    routes = [by_get(endpoint, update), by_form(endpoint, "query", update),
              by_form(endpoint, "update", update), by_body(endpoint, update),
              by_body(endpoint, update, "application/sparql-update"),
              request(f"{endpoint.url}?{urllib.parse.urlencode({'update': update})}")]
    for status, headers, body in routes:
        plain_error(status, headers, body, 403)
    time.sleep(0.2)
    assert canary.hits == []
    assert triples(endpoint) == before


BYPASSES = {
    # a prefixed name ending in a PN_LOCAL_ESC: the refusal check's tokenizer reads a comment
    # (or a string) where SPARQL reads the end of the name, and misses the SERVICE after it
    "escaped hash": "PREFIX ex: <http://e/> SELECT * WHERE {{ BIND(ex:a\\# AS ?q) "
                    "SERVICE SILENT <{url}> {{ ?x ?y ?z }} }}",
    "escaped quote": "PREFIX ex: <http://e/> SELECT * WHERE {{ BIND(ex:a\\' AS ?q) "
                     "SERVICE SILENT <{url}> {{ ?x ?y ?z }} FILTER(?q != 'x') }}",
}


@pytest.mark.parametrize("name", sorted(BYPASSES))
def test_service_hidden_behind_an_escaped_name_is_refused(endpoint, canary, name):
    canary.hits.clear()
    status, _, _ = by_get(endpoint, _format(BYPASSES[name], canary))
    time.sleep(0.5)
    hits, canary.hits[:] = list(canary.hits), []
    assert hits == [] and status == 403


# --------------------------------------------------------------------------- protocol errors


def test_failures_use_protocol_status_codes(endpoint):
    plain_error(*announced_body(endpoint, 1_100_000), 413)
    plain_error(*request(endpoint.url, b"x", {"Content-Type": "text/html"}), 415)
    plain_error(*request(endpoint.url, b"ASK {}", {"Content-Type": "application/sparql-query"},
                         method="PUT"), 405)
    plain_error(*request(endpoint.url + "?default-graph-uri=http://x/&query=ASK%7B%7D"), 400)
    status, _, _ = request(f"{endpoint.url}?query={'x' * 70_000}")
    assert status in (413, 414)


def test_error_bodies_never_echo_markup(endpoint):
    status, headers, body = by_get(endpoint, "SELECT <script>alert(1)</script> WHERE {")
    plain_error(status, headers, body, 400)
    assert headers.get("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/schemas/../../../etc/passwd",
    "//etc/passwd", "/.hidden", "/%00", "/graph.html%00.txt", "/%ff%fe", "/" + "a" * 5000,
])
def test_static_files_stay_inside_the_directory(endpoint, path):
    base = endpoint.url.removesuffix("/sparql")
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", path)  # sent as it is, not normalised by a client
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 404, (path, body[:200])
    assert b"root:" not in body


# --------------------------------------------------------------------------- caps and timeouts


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DESCRIBE ?s WHERE { ?s a <https://w3id.org/paperkg/ontology#Paper> }",
])
def test_result_cap_holds_for_every_query_form(endpoint, query):
    fmt = "json" if query.startswith("SELECT") else "nt"
    status, headers, body = by_get(endpoint, query, format=fmt)
    assert status == 200
    assert headers["X-Paperkg-Truncated"] == "true" and headers["X-Paperkg-Max-Rows"] == "50"
    if query.startswith("SELECT"):
        assert len(json.loads(body)["results"]["bindings"]) == 50
    else:
        assert len([line for line in body.decode().splitlines() if line.strip()]) == 50


def test_concurrent_slow_queries_time_out_and_the_endpoint_answers_again(demo_build):
    _, out = demo_build
    running = start_endpoint(EndpointConfig(directory=out, port=0, timeout=1.0, workers=1),
                             quiet=True)
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: by_get(running, SLOW), range(4)))
        elapsed = time.monotonic() - started
        for status, headers, body in results:
            plain_error(status, headers, body, 503)
        assert elapsed < 20, f"{elapsed:.1f} s for four 1 s time-outs"
        deadline = time.monotonic() + 30  # killed workers are replaced in the background
        while True:
            status, _, body = by_get(running, COUNT)
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    finally:
        running.stop()


def test_listen_backlog_holds_many_clients_connecting_at_once(endpoint):
    """200 clients connect in the same instant: none is reset or left waiting for a SYN retry."""
    from kg.query.endpoint import _Server

    assert _Server.request_queue_size >= 200
    host, port = endpoint.url.removeprefix("http://").split("/")[0].split(":")
    start = threading.Barrier(200)

    def client(_: int) -> int:
        start.wait(10)
        conn = http.client.HTTPConnection(host, int(port), timeout=0.9)  # a SYN retry takes 1 s
        try:
            conn.connect()  # the kernel completes it from the backlog, however busy the server
            conn.sock.settimeout(30)
            conn.request("GET", "/sparql")
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    with ThreadPoolExecutor(200) as pool:
        statuses = list(pool.map(client, range(200)))
    assert statuses == [200] * 200  # the service description: every client got an answer


def test_idle_connections_are_dropped():
    """A client that connects and sends nothing does not hold a server thread for ever."""
    from kg.query.endpoint import _Handler

    assert _Handler.timeout is not None and _Handler.timeout <= 60


def test_syntax_errors_are_one_line(endpoint):
    """pyoxigraph's message spans lines (the expected tokens): the endpoint and the function
    API (thus the CLI) give it on one."""
    plain_error(*by_get(endpoint, "SELECT ?x WHERE {\n  ?x ?y"), 400)
    with pytest.raises(QueryError) as info:
        execute(ox.Store(), "SELECT ?x WHERE {\n  ?x ?y")
    assert len(str(info.value).splitlines()) == 1 and "error at 2:" in str(info.value)
