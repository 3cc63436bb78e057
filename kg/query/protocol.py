"""The SPARQL 1.1 Protocol around the queries: media types, content negotiation (with ``406``
for a result format the query form cannot give), the service description answered on a bare
``GET /sparql``, and the small HTML page of a resource's description.
"""

from __future__ import annotations

import html

import pyoxigraph as ox

ENDPOINT_PATH = "/sparql"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

#: media type -> result format of SELECT/ASK
SELECT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "text/javascript": "json",
    "application/javascript": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
#: media type -> result format of CONSTRUCT/DESCRIBE
GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/ld+json": "jsonld",
    "application/x-json+ld": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
    "text/xml": "rdfxml",
}
CONTENT_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
#: ``format=`` / ``output=`` parameter values -> (SELECT format, CONSTRUCT format)
FORMAT_PARAMS: dict[str, tuple[str, str]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", "turtle"),
    "tsv": ("tsv", "turtle"),
    "turtle": ("json", "turtle"),
    "ttl": ("json", "turtle"),
    "n3": ("json", "turtle"),
    "nt": ("json", "ntriples"),
    "ntriples": ("json", "ntriples"),
    "json-ld": ("json", "jsonld"),
    "jsonld": ("json", "jsonld"),
    "rdf+xml": ("xml", "rdfxml"),
    "rdfxml": ("xml", "rdfxml"),
}
STATIC_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".owl": "application/rdf+xml",
    ".rdf": "application/rdf+xml",
    ".graphml": "application/graphml+xml",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".cypher": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def _accepted(header: str | None) -> list[str]:
    """Media types of an Accept header, best first (q-value, then order)."""
    if not header:
        return []
    items = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mime = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if mime and q > 0:
            items.append((-q, index, mime))
    return [mime for _, _, mime in sorted(items)]


def negotiate(accept: str | None, fmt_param: str | None) -> tuple[str, str]:
    """The (SELECT/ASK format, CONSTRUCT/DESCRIBE format) for a request."""
    if fmt_param:
        key = fmt_param.strip().lower()
        if key in FORMAT_PARAMS:
            return FORMAT_PARAMS[key]
        for mime_table in (SELECT_TYPES, GRAPH_TYPES):
            if key in mime_table:
                accept = key
                break
    select_fmt = graph_fmt = None
    for mime in _accepted(accept):
        if select_fmt is None and mime in SELECT_TYPES:
            select_fmt = SELECT_TYPES[mime]
        if graph_fmt is None and mime in GRAPH_TYPES:
            graph_fmt = GRAPH_TYPES[mime]
    return select_fmt or "json", graph_fmt or "turtle"


#: The result formats each query form can give, by the first keyword of the query.
FORMS: dict[str, str] = {"SELECT": "select", "ASK": "select", "CONSTRUCT": "graph",
                         "DESCRIBE": "graph"}


def query_form(keywords: list[str]) -> str | None:
    """``select`` (SELECT/ASK), ``graph`` (CONSTRUCT/DESCRIBE), or None when not yet known."""
    return next((FORMS[w] for w in keywords if w in FORMS), None)


def acceptable(accept: str | None, fmt_param: str | None, form: str | None) -> bool:
    """False when an ``Accept`` header names no type the query form can be answered in (406).

    No header, a ``format=`` parameter, or a wildcard that covers one of the form's types are
    acceptable."""
    if not accept or fmt_param or form is None:
        return True
    table = SELECT_TYPES if form == "select" else GRAPH_TYPES
    for mime in _accepted(accept):
        if mime == "*/*" or mime in table:
            return True
        if mime.endswith("/*") and any(t.startswith(mime[:-1]) for t in table):
            return True
    return False


def offered(form: str | None) -> str:
    """The media types a form can be answered in, for a 406 message."""
    table = GRAPH_TYPES if form == "graph" else SELECT_TYPES
    return ", ".join(dict.fromkeys(table))


SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
#: W3C format IRIs of the result formats the endpoint writes.
FORMAT_IRIS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
               "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


def service_description(endpoint_url: str, triples: int) -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of the endpoint (read-only query service)."""
    service, dataset, graph = (ox.NamedNode(endpoint_url), ox.BlankNode("dataset"),
                               ox.BlankNode("defaultGraph"))

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    out = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), graph),
        ox.Triple(graph, RDF_TYPE, sd("Graph")),
        ox.Triple(graph, ox.NamedNode(VOID + "triples"), ox.Literal(triples)),
    ]
    out += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name))
            for name in FORMAT_IRIS]
    return out


def describe_page(iri: str, rows: list[tuple[str, str, bool]]) -> str:
    """A small HTML page of ``(property, value, value is an IRI)`` rows, every text escaped;
    only ``http(s)`` IRIs become links."""
    items = []
    for prop, value, is_iri in rows:
        shown = html.escape(value)
        if is_iri and value.startswith(("http://", "https://")):
            shown = f'<a href="{html.escape(value, quote=True)}">{shown}</a>'
        items.append(f"<tr><td>{html.escape(prop)}</td><td>{shown}</td></tr>")
    title = html.escape(iri)
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title></head><body><h1>{title}</h1>"
        "<table><thead><tr><th>property</th><th>value</th></tr></thead><tbody>\n"
        + "\n".join(items) + "\n</tbody></table></body></html>\n"
    )
