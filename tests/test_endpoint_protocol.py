"""``paperkg serve`` for clients on the web: CORS, the service description, 406 and ``Vary``,
and resource descriptions on a GET of an entity or paper path, with a real SPARQL client
(SPARQLWrapper) sending an ``Origin`` as a browser page on another origin would."""

from __future__ import annotations

import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest
import rdflib
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.query.endpoint import EndpointConfig, start_endpoint

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
ORIGIN = "https://yasgui.example"


@pytest.fixture(scope="module")
def endpoint(demo_build):
    _, out = demo_build
    running = start_endpoint(EndpointConfig(directory=out, port=0, workers=1), quiet=True)
    yield running
    running.stop()


def http(url: str, headers: dict | None = None, method: str | None = None):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def query_url(endpoint, query: str) -> str:
    return f"{endpoint.url}?{urllib.parse.urlencode({'query': query})}"


def a_paper(demo_build) -> str:
    graph, _ = demo_build
    store = rdflib.Graph().parse(demo_build[1] / "graph.nt", format="nt")
    papers = sorted(str(s) for s in store.subjects(
        rdflib.RDF.type, rdflib.URIRef("https://w3id.org/paperkg/ontology#Paper")))
    return papers[0]


def test_a_sparql_client_from_another_origin_gets_cors_headers(endpoint):
    client = SPARQLWrapper(endpoint.url)
    client.addCustomHttpHeader("Origin", ORIGIN)
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    result = client.query()
    assert result.info()["access-control-allow-origin"] == "*"
    assert "Accept" in result.info()["vary"]
    assert int(result.convert()["results"]["bindings"][0]["n"]["value"]) > 0


def test_a_preflight_is_answered(endpoint):
    status, headers, _ = http(endpoint.url, {"Origin": ORIGIN,
                                             "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "content-type"},
                              method="OPTIONS")
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in headers["Access-Control-Allow-Headers"]


def test_allowed_origins_are_configurable(demo_build):
    _, out = demo_build
    running = start_endpoint(EndpointConfig(directory=out, port=0, workers=1,
                                            cors_origins=(ORIGIN,)), quiet=True)
    try:
        url = query_url(running, "ASK {}")
        _, headers, _ = http(url, {"Origin": ORIGIN})
        assert headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "Origin" in headers["Vary"] and "Accept" in headers["Vary"]
        _, headers, _ = http(url, {"Origin": "https://elsewhere.example"})
        assert "Access-Control-Allow-Origin" not in headers
    finally:
        running.stop()


def test_a_bare_get_is_the_service_description(endpoint):
    status, headers, body = http(endpoint.url)
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    service = rdflib.URIRef(endpoint.url)
    assert (service, rdflib.RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert len(set(graph.objects(service, SD.resultFormat))) == 8
    status, headers, body = http(endpoint.url, {"Accept": "application/ld+json"})
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    assert len(rdflib.Graph().parse(data=body, format="json-ld")) == len(graph)


@pytest.mark.parametrize("query,accept", [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/turtle"),
    ("ASK {}", "application/ld+json"),
    ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "text/csv"),
    ("DESCRIBE <https://w3id.org/paperkg/x>", "application/sparql-results+json"),
])
def test_a_format_the_query_form_cannot_give_is_406(endpoint, query, accept):
    status, headers, body = http(query_url(endpoint, query), {"Accept": accept})
    assert status == 406, body
    assert body.startswith(b"error: ") and "Accept" in headers["Vary"]


@pytest.mark.parametrize("accept", ["*/*", "text/*", "application/sparql-results+json, */*;q=0.1"])
def test_wildcards_are_acceptable(endpoint, accept):
    status, headers, _ = http(query_url(endpoint, "ASK {}"), {"Accept": accept})
    assert status == 200 and headers["Vary"] == "Accept"


def test_a_paper_path_is_described_by_content_negotiation(endpoint, demo_build):
    iri = a_paper(demo_build)
    path = iri.removeprefix("https://w3id.org/paperkg")
    base = endpoint.url.removesuffix("/sparql")
    status, headers, body = http(base + path, {"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert "Accept" in headers["Vary"]
    turtle = rdflib.Graph().parse(data=body, format="turtle")
    assert (rdflib.URIRef(iri), rdflib.RDF.type,
            rdflib.URIRef("https://w3id.org/paperkg/ontology#Paper")) in turtle
    status, headers, body = http(base + path, {"Accept": "application/ld+json"})
    assert status == 200 and len(rdflib.Graph().parse(data=body, format="json-ld")) == len(turtle)
    status, headers, body = http(base + path, {"Accept": "text/html,application/xhtml+xml"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert iri in page and "<script" not in page.lower()
    HTMLParser().feed(page)
    for accept in ("text/turtle", "application/ld+json", "application/rdf+xml", "text/html"):
        status, _, body = http(base + "/paper/no-such-paper", {"Accept": accept})
        assert status == 404 and body.startswith(b"error: "), accept
    status, _, _ = http(base + "/model/x%3E%20%7D%20%3Cy", {"Accept": "text/turtle"})
    assert status == 404  # no IRI: never spliced into a query


def test_description_page_escapes_hostile_text(tmp_path):
    from kg.query.protocol import describe_page

    page = describe_page("https://x/<b>", [("dcterms:title", "<script>alert(1)</script>", False),
                                          ("rdfs:seeAlso", 'javascript:"x"', True)])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "href=\"javascript" not in page and "javascript:&quot;x&quot;" in page
