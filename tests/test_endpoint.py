"""``paperkg serve``: the SPARQL 1.1 Protocol over real HTTP, with a real client (SPARQLWrapper)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.errors import PaperkgError
from kg.query.endpoint import EndpointConfig, negotiate, start_endpoint
from kg.query.sparql import named_queries

PAPERS = "PREFIX pkg: <https://w3id.org/paperkg/ontology#>\n" \
         "PREFIX dcterms: <http://purl.org/dc/terms/>\n" \
         "SELECT ?id ?title WHERE { ?p a pkg:Paper ; dcterms:identifier ?id ; dcterms:title " \
         "?title } ORDER BY ?id"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def endpoint(demo_build):
    _, out = demo_build
    running = start_endpoint(EndpointConfig(directory=out, port=0, timeout=3.0, max_rows=1000),
                             quiet=True)
    yield running
    running.stop()


def client(endpoint, query: str, fmt=JSON, method=None) -> SPARQLWrapper:
    sw = SPARQLWrapper(endpoint.url)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method:
        sw.setMethod(method)
    return sw


def http(url: str, data: bytes | None = None, headers: dict | None = None):
    """``(status, headers, body)`` of one request, errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_binds_to_loopback_by_default(endpoint):
    assert EndpointConfig(directory=Path(".")).host == "127.0.0.1"
    assert endpoint.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("method", ["GET", POST])
def test_select_as_json_by_get_and_post(endpoint, demo_build, method):
    graph, _ = demo_build
    result = client(endpoint, PAPERS, JSON, method).queryAndConvert()
    ids = [b["id"]["value"] for b in result["results"]["bindings"]]
    assert ids == sorted(graph.papers)
    titles = {b["id"]["value"]: b["title"]["value"] for b in result["results"]["bindings"]}
    assert titles["demo:016"] == graph.papers["demo:016"].title  # '&' and '"' intact


def test_results_as_xml_csv_tsv_by_accept(endpoint, demo_build):
    graph, _ = demo_build
    expected = [graph.papers[i].title for i in sorted(graph.papers)]
    xml_doc = client(endpoint, PAPERS, XML).queryAndConvert()
    literals = [b.getElementsByTagName("literal")[0].firstChild.data
                for b in xml_doc.getElementsByTagName("binding")
                if b.getAttribute("name") == "title"]
    assert literals == expected
    raw_csv = client(endpoint, PAPERS, CSV).queryAndConvert().decode("utf-8")
    assert [r["title"] for r in csv.DictReader(io.StringIO(raw_csv))] == expected
    raw_tsv = client(endpoint, PAPERS, TSV).queryAndConvert()
    parsed = ox.parse_query_results(raw_tsv, format=ox.QueryResultsFormat.TSV)
    assert [s["title"].value for s in parsed] == expected
    ask = client(endpoint, "ASK { ?s a <https://w3id.org/paperkg/ontology#Model> }")
    assert ask.queryAndConvert() == {"head": {}, "boolean": True}


def test_content_types_follow_the_accept_header(endpoint):
    query = urllib.parse.urlencode({"query": "ASK {}"})
    for accept, ctype in [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values;q=0.9, text/csv;q=0.1", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
    ]:
        status, headers, _ = http(f"{endpoint.url}?{query}", headers={"Accept": accept})
        assert status == 200
        assert headers["Content-Type"].startswith(ctype), accept


def test_construct_as_turtle(endpoint, demo_build):
    graph, _ = demo_build
    q = ("CONSTRUCT { ?p <http://purl.org/dc/terms/title> ?t } WHERE { "
         "?p a <https://w3id.org/paperkg/ontology#Paper> ; <http://purl.org/dc/terms/title> ?t }")
    data = client(endpoint, q, TURTLE).queryAndConvert()
    triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    assert sorted(t.object.value for t in triples) == sorted(p.title for p in graph.papers.values())


def test_named_queries_over_http(endpoint, demo_build):
    _, out = demo_build
    from kg.query.sparql import run_query

    for name, text in named_queries().items():
        result = client(endpoint, text, JSON, POST).queryAndConvert()
        local = run_query(out, text)
        assert len(result["results"]["bindings"]) == len(local), name


def test_sparql_query_body_post(endpoint):
    status, headers, body = http(endpoint.url, data=b"ASK { ?s ?p ?o }",
                                 headers={"Content-Type": "application/sparql-query",
                                          "Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("query", [
    "INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/x.ttl>",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
])
def test_updates_load_and_service_are_refused(endpoint, query):
    with pytest.raises(urllib.error.HTTPError) as info:
        client(endpoint, query, JSON, POST).query()
    assert info.value.code == 403
    assert b"refused" in info.value.read()
    count = client(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { <http://a/b> ?p ?o }")
    assert count.queryAndConvert()["results"]["bindings"][0]["n"]["value"] == "0"


def test_update_operation_and_media_type_are_refused(endpoint):
    form = urllib.parse.urlencode({"update": "CLEAR ALL"}).encode()
    status, _, body = http(endpoint.url, data=form,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403 and b"read-only" in body
    status, _, body = http(endpoint.url, data=b"CLEAR ALL",
                           headers={"Content-Type": "application/sparql-update"})
    assert status == 403 and b"read-only" in body
    status, _, _ = http(endpoint.url, data=b"x", headers={"Content-Type": "text/plain"})
    assert status == 415


def test_syntax_error_is_a_bad_request(endpoint):
    with pytest.raises(QueryBadFormed) as info:
        client(endpoint, "SELECT ?x WHERE {").query()
    assert "syntax error" in str(info.value)


def test_result_size_cap(demo_build):
    _, out = demo_build
    running = start_endpoint(EndpointConfig(directory=out, port=0, max_rows=5, workers=1),
                             quiet=True)
    try:
        result = client(running, PAPERS).query()
        assert result.info()["x-paperkg-truncated"] == "true"
        assert len(result.convert()["results"]["bindings"]) == 5
        small = client(running, "SELECT ?p WHERE { ?p a <https://w3id.org/paperkg/ontology#Paper>"
                                " } LIMIT 2").query()
        assert "x-paperkg-truncated" not in small.info()
    finally:
        running.stop()


def test_slow_query_times_out_and_the_endpoint_recovers(demo_build):
    _, out = demo_build
    running = start_endpoint(EndpointConfig(directory=out, port=0, timeout=1.0, workers=1),
                             quiet=True)
    try:
        started = time.monotonic()
        status, _, body = http(f"{running.url}?{urllib.parse.urlencode({'query': SLOW})}")
        assert status == 503 and b"did not finish within 1 s" in body
        assert time.monotonic() - started < 10
        deadline = time.monotonic() + 30  # the killed worker is replaced in the background
        while True:
            status, _, body = http(f"{running.url}?{urllib.parse.urlencode({'query': 'ASK {}'})}")
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        running.stop()


def test_serves_graph_html_rdf_files_and_schemas(endpoint, demo_build):
    _, out = demo_build
    base = endpoint.url.removesuffix("/sparql")
    for name, ctype in [("graph.ttl", "text/turtle"), ("graph.nt", "application/n-triples"),
                        ("graph.jsonld", "application/ld+json"), ("stats.json", "application/json"),
                        ("schemas/paperkg.ttl", "text/turtle"),
                        ("schemas/context.jsonld", "application/ld+json")]:
        status, headers, body = http(f"{base}/{name}")
        assert status == 200, name
        assert headers["Content-Type"].startswith(ctype)
        assert body == (out / name).read_bytes()
    if (out / "graph.html").is_file():
        status, headers, body = http(f"{base}/")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert body == (out / "graph.html").read_bytes()
    for bad in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/nope.ttl", "/schemas"):
        status, _, _ = http(f"{base}{bad}")
        assert status == 404, bad


def test_index_page_without_graph_html_escapes_file_names(tmp_path, demo_build):
    _, out = demo_build
    (tmp_path / "graph.nt").write_bytes((out / "graph.nt").read_bytes())
    (tmp_path / "<b>x&y.txt").write_text("x", encoding="utf-8")
    running = start_endpoint(EndpointConfig(directory=tmp_path, port=0, workers=1), quiet=True)
    try:
        status, _, body = http(running.url.removesuffix("/sparql") + "/")
        assert status == 200
        assert b"&lt;b&gt;x&amp;y.txt" in body and b"<b>" not in body
    finally:
        running.stop()


def test_negotiation():
    assert negotiate(None, None) == ("json", "turtle")
    assert negotiate("text/csv", None) == ("csv", "turtle")
    assert negotiate("application/n-triples", None) == ("json", "ntriples")
    assert negotiate("application/xml", None) == ("xml", "rdfxml")
    assert negotiate("text/csv;q=0.2, application/sparql-results+xml", None)[0] == "xml"
    assert negotiate("text/csv", "tsv") == ("tsv", "turtle")
    assert negotiate(None, "json-ld") == ("json", "jsonld")


def test_bad_directory_is_a_clear_error(tmp_path):
    with pytest.raises(PaperkgError, match="not a directory"):
        start_endpoint(EndpointConfig(directory=tmp_path / "none", port=0))
    with pytest.raises(PaperkgError, match="no graph file"):
        start_endpoint(EndpointConfig(directory=tmp_path, port=0))


def test_serve_cli_over_real_http(demo_build):
    _, out = demo_build
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", str(out), "--port", "0", "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if "SPARQL endpoint:" in line:
                url = line.split("SPARQL endpoint:")[1].split()[0]
        assert url and url.startswith("http://127.0.0.1:"), proc.stderr.read()
        result = client(type("E", (), {"url": url})(), "ASK { ?s ?p ?o }").queryAndConvert()
        assert result["boolean"] is True
    finally:
        proc.terminate()
        proc.wait(10)
