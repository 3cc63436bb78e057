"""``paperkg serve``: a read-only SPARQL 1.1 Protocol endpoint over a build directory.

* ``GET /sparql?query=...`` and ``POST /sparql`` (``application/x-www-form-urlencoded`` with
  ``query=``, or an ``application/sparql-query`` body); a bare ``GET /sparql`` answers the
  SPARQL 1.1 Service Description;
* results by ``Accept`` (or a ``format=`` parameter): SPARQL JSON (default), XML, CSV, TSV for
  SELECT/ASK; Turtle (default), N-Triples, JSON-LD, RDF/XML for CONSTRUCT/DESCRIBE; an
  ``Accept`` the query form cannot satisfy is ``406``; answers carry ``Vary: Accept``;
* CORS: ``Access-Control-Allow-Origin`` for the configured origins (``*`` by default), and
  preflight ``OPTIONS``;
* read-only: SPARQL Update (``update=``, ``application/sparql-update``, ``INSERT``, ``LOAD`` …)
  and ``SERVICE`` are refused with ``403`` and a one-line reason;
* limits (docs/security.md): query size and nesting depth checked in linear time before any
  parser (``403``); each query in a worker process under a memory limit and a wall clock
  (:mod:`kg.query.workers`; ``500`` crash or memory, ``503`` time-out); at most ``max_rows``
  solutions or triples and ``max_response_bytes`` bytes per answer (``X-Paperkg-Truncated``);
  idle, trickle and write time-outs and a connection cap (:mod:`kg.query.connections`);
* a ``GET`` on another path serves the file of the directory there (``graph.html``,
  ``graph.ttl`` …; ``/`` opens ``graph.html``), or else describes the resource whose IRI is the
  base IRI + the path (Turtle, JSON-LD, N-Triples, RDF/XML or an HTML page by ``Accept``).

Binds to ``127.0.0.1`` unless told otherwise.
"""

from __future__ import annotations

import html
import io
import json
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pyoxigraph as ox

from kg.errors import PaperkgError
from kg.query.connections import BoundedServer, DeadlineReader
from kg.query.limits import MAX_QUERY_BYTES, MAX_QUERY_DEPTH
from kg.query.protocol import (
    CONTENT_TYPES,
    STATIC_TYPES,
    _accepted,
    acceptable,
    describe_page,
    negotiate,
    offered,
    query_form,
    service_description,
)
from kg.query.sparql import (
    GRAPH_FORMATS,
    VOCAB_PREFIXES,
    QueryRefused,
    check_read_only,
    compact_iri,
    graph_file,
    keywords,
)
from kg.query.workers import WORKER_MEMORY_MB, QueryCrashed, QueryPool, QueryTimeout

ENDPOINT_PATH = "/sparql"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_BASE_IRI = "https://w3id.org/paperkg/"  # kg.export's default (a layer above)
_CHUNK = 64 * 1024

__all__ = ["EndpointConfig", "QueryTimeout", "RunningEndpoint", "negotiate", "start_endpoint"]


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """Where and how to serve, and the limits every request is held to."""

    directory: Path
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 30.0  #: seconds one query may run
    max_rows: int = 10_000  #: most solutions/triples returned
    workers: int = 2  #: queries that can run at the same time
    max_request_bytes: int = 1_000_000
    max_query_bytes: int = MAX_QUERY_BYTES
    max_query_depth: int = MAX_QUERY_DEPTH
    max_response_bytes: int = 32 * 2**20  #: an answer is cut (validly) beyond this
    worker_memory_mb: int = WORKER_MEMORY_MB  #: address-space limit of one query worker
    pending_bytes: int = 256 * 2**20  #: answers held for slow readers, all connections
    idle_timeout: float = 30.0  #: seconds a connection may wait between requests
    request_timeout: float = 20.0  #: seconds a request may take to arrive once started
    write_timeout: float = 30.0  #: seconds a client may take to read an answer
    max_connections: int = 512
    cors_origins: tuple[str, ...] = ("*",)  #: empty: no CORS headers
    base_iri: str = DEFAULT_BASE_IRI  #: resources under it are described on GET


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "paperkg-sparql"
    protocol_version = "HTTP/1.1"
    timeout = 60  #: socket timeout before the deadlines below take over
    error_message_format = "error: %(message)s\n"  # the stdlib's own refusals (414, 431 …)
    error_content_type = "text/plain; charset=utf-8"

    # ---------------------------------------------------------------- plumbing

    def setup(self) -> None:
        super().setup()
        config = self.server.config
        self.reader = DeadlineReader(self.connection, config.idle_timeout,
                                     config.request_timeout)
        self.rfile = io.BufferedReader(self.reader)

    def handle_one_request(self) -> None:
        self.reader.next_request()
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if not self.server.quiet:
            super().log_message(format, *args)

    def _cors(self) -> dict[str, str]:
        origins = self.server.config.cors_origins
        origin = self.headers.get("Origin")
        if not origins or origin is None:
            return {}
        if "*" in origins:
            return {"Access-Control-Allow-Origin": "*"}
        if origin in origins:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None, head_only: bool = False) -> None:
        self.reader.request_read()
        self.connection.settimeout(self.server.config.write_timeout)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        merged = {**self._cors(), **(headers or {})}
        if "Vary" in merged and self._cors().get("Vary"):
            merged["Vary"] = f"{merged['Vary']}, Origin"
        for key, value in merged.items():
            self.send_header(key, value)
        self.end_headers()
        if not head_only:
            view = memoryview(body)
            for start in range(0, len(view), _CHUNK):
                self.wfile.write(view[start:start + _CHUNK])

    def _error(self, status: HTTPStatus, message: str, head_only: bool = False,
               headers: dict[str, str] | None = None) -> None:
        self._send(status, f"error: {message}\n".encode(), "text/plain; charset=utf-8",
                   headers, head_only=head_only)

    # ---------------------------------------------------------------- methods

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        self._get(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head_only=True)

    def do_OPTIONS(self) -> None:  # noqa: N802
        """A CORS preflight (or a plain OPTIONS): which methods and headers may be used."""
        headers = {"Allow": "GET, HEAD, POST, OPTIONS"}
        if self._cors():
            headers.update({"Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
                            "Access-Control-Allow-Headers": "Accept, Content-Type",
                            "Access-Control-Max-Age": "86400"})
        self._send(HTTPStatus.NO_CONTENT, b"", "text/plain; charset=utf-8", headers)

    def _get(self, head_only: bool) -> None:
        url = urlsplit(self.path)
        if url.path.rstrip("/") == ENDPOINT_PATH:
            if head_only:
                self._error(HTTPStatus.METHOD_NOT_ALLOWED, "query with GET or POST")
                return
            params = parse_qs(url.query, keep_blank_values=True)
            self._protocol(params, None)
            return
        self._static(unquote(url.path), head_only, url.path)

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path.rstrip("/") != ENDPOINT_PATH:
            self._error(HTTPStatus.NOT_FOUND, f"POST goes to {ENDPOINT_PATH}")
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True  # the unread body would be taken for a request
            self._error(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length")
            return
        if int(length) > self.server.config.max_request_bytes:
            self.close_connection = True
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        f"requests are limited to {self.server.config.max_request_bytes} bytes")
            return
        body = self.rfile.read(int(length))
        self.reader.request_read()
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_qs(url.query, keep_blank_values=True)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            self._error(HTTPStatus.BAD_REQUEST, "the request body is not UTF-8")
            return
        if ctype == "application/x-www-form-urlencoded":
            for key, values in parse_qs(text, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
            self._protocol(params, None)
        elif ctype == "application/sparql-query":
            self._protocol(params, text)
        elif ctype == "application/sparql-update":
            self._error(HTTPStatus.FORBIDDEN, "SPARQL Update is refused: this endpoint is "
                        "read-only")
        else:
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        "POST a form (application/x-www-form-urlencoded) or an "
                        "application/sparql-query body")

    def do_PUT(self) -> None:  # noqa: N802
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "this endpoint is read-only")

    do_DELETE = do_PATCH = do_PUT  # noqa: N815

    # ---------------------------------------------------------------- SPARQL

    def _protocol(self, params: dict[str, list[str]], body_query: str | None) -> None:
        config = self.server.config
        if "update" in params:
            self._error(HTTPStatus.FORBIDDEN, "SPARQL Update is refused: this endpoint is "
                        "read-only")
            return
        if "default-graph-uri" in params or "named-graph-uri" in params:
            self._error(HTTPStatus.BAD_REQUEST, "default-graph-uri/named-graph-uri are not "
                        "supported: the endpoint serves one default graph")
            return
        queries = params.get("query", [])
        if body_query is not None:
            queries = [*queries, body_query]
        if len(queries) != 1:
            if not queries:
                self._service_description()
            else:
                self._error(HTTPStatus.BAD_REQUEST, "give exactly one query")
            return
        query = queries[0]
        try:
            check_read_only(query, config.max_query_bytes, config.max_query_depth)
        except QueryRefused as exc:
            self._error(HTTPStatus.FORBIDDEN, str(exc))
            return
        fmt_values = params.get("format") or params.get("output")
        fmt_param = fmt_values[0] if fmt_values else None
        accept = self.headers.get("Accept")
        form = query_form(keywords(query))
        if not acceptable(accept, fmt_param, form):
            self._error(HTTPStatus.NOT_ACCEPTABLE, f"this query's answer can be sent as "
                        f"{offered(form)}, not as {accept}", headers={"Vary": "Accept"})
            return
        select_fmt, graph_fmt = negotiate(accept, fmt_param)
        self._answer(query, select_fmt, graph_fmt)

    def _answer(self, query: str, select_fmt: str, graph_fmt: str) -> None:
        """Run ``query`` in a worker and send its answer (or the reason there is none)."""
        config, server = self.server.config, self.server
        try:
            reply = server.pool.run(query, select_fmt, graph_fmt, config.max_rows,
                                    config.max_response_bytes)
        except QueryTimeout as exc:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
            return
        except QueryCrashed as exc:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))
            return
        if reply[0] == "refused":
            self._error(HTTPStatus.FORBIDDEN, reply[1])
            return
        if reply[0] != "ok":
            self._error(HTTPStatus.BAD_REQUEST, reply[1])
            return
        _, fmt, body, truncated, cut = reply
        if not server.hold(len(body)):
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "the server holds too many answers "
                        "for slow clients; try again shortly")
            return
        try:
            headers = {"X-Paperkg-Max-Rows": str(config.max_rows), "Vary": "Accept"}
            if truncated:
                headers["X-Paperkg-Truncated"] = "true"
            if cut:
                headers["X-Paperkg-Truncated-Bytes"] = str(config.max_response_bytes)
            self._send(HTTPStatus.OK, body, CONTENT_TYPES[fmt], headers)
        finally:
            server.release(len(body))

    def _service_description(self) -> None:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        url = f"http://{host}{ENDPOINT_PATH}"
        accept = self.headers.get("Accept")
        if not acceptable(accept, None, "graph"):
            self._error(HTTPStatus.NOT_ACCEPTABLE, f"the service description can be sent as "
                        f"{offered('graph')}", headers={"Vary": "Accept"})
            return
        fmt = negotiate(accept, None)[1]
        triples = service_description(url, self.server.pool.triples)
        body = ox.serialize(triples, format=GRAPH_FORMATS[fmt],
                            prefixes={"sd": "http://www.w3.org/ns/sparql-service-description#",
                                      "void": "http://rdfs.org/ns/void#"}) or b""
        self._send(HTTPStatus.OK, body, CONTENT_TYPES[fmt], {"Vary": "Accept"})

    # ---------------------------------------------------------------- resources

    def _describe(self, path: str, head_only: bool) -> None:
        """Describe ``base IRI + path`` by content negotiation; 404 when the graph has nothing."""
        iri = self.server.config.base_iri + path.lstrip("/")
        try:
            ox.NamedNode(iri)
        except ValueError:
            self._error(HTTPStatus.NOT_FOUND, f"no such file or resource: {path}", head_only)
            return
        accept = self.headers.get("Accept")
        wants_html = any(m in ("text/html", "application/xhtml+xml")
                         for m in _accepted(accept)[:1])
        query = f"DESCRIBE <{iri}>"
        if wants_html:
            query = f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} ORDER BY ?p ?o"
        elif not acceptable(accept, None, "graph"):
            self._error(HTTPStatus.NOT_ACCEPTABLE, f"a description can be sent as text/html, "
                        f"{offered('graph')}", head_only, {"Vary": "Accept"})
            return
        try:  # N-Triples from the worker: an empty answer is plainly empty (404)
            reply = self.server.pool.run(query, "json", "ntriples", self.server.config.max_rows,
                                         self.server.config.max_response_bytes)
        except (QueryTimeout, QueryCrashed) as exc:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc), head_only)
            return
        body = reply[2] if reply[0] == "ok" else b""
        if wants_html and body:
            bindings = json.loads(body)["results"]["bindings"]
            rows = [(compact_iri(b["p"]["value"], VOCAB_PREFIXES), b["o"]["value"],
                     b["o"]["type"] == "uri") for b in bindings]
            body = describe_page(iri, rows).encode("utf-8") if rows else b""
            ctype = "text/html; charset=utf-8"
        elif body.strip():
            fmt = negotiate(accept, None)[1]
            triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
            body = ox.serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=VOCAB_PREFIXES) \
                or b""
            ctype = CONTENT_TYPES[fmt]
        if not body.strip():
            self._error(HTTPStatus.NOT_FOUND, f"no such file or resource: {path}", head_only,
                        {"Vary": "Accept"})
            return
        self._send(HTTPStatus.OK, body, ctype, {"Vary": "Accept"}, head_only)

    # ---------------------------------------------------------------- files

    def _static(self, path: str, head_only: bool, raw_path: str = "") -> None:
        root = self.server.root
        if path in ("", "/"):
            if (root / "graph.html").is_file():
                self._send(HTTPStatus.FOUND, b"", "text/plain; charset=utf-8",
                           {"Location": "/graph.html"}, head_only)
                return
            self._send(HTTPStatus.OK, self._index().encode("utf-8"), "text/html; charset=utf-8",
                       head_only=head_only)
            return
        relative = path.lstrip("/")
        parts = Path(relative).parts
        try:  # a NUL byte (``%00``) or an over-long name is no file, not a dead handler
            target = (root / relative).resolve()
            found = target.is_relative_to(root) and target.is_file()
        except (OSError, ValueError):
            found = False
        if not found or any(p.startswith(".") for p in parts):
            self._describe(raw_path or path, head_only)  # an IRI keeps its %-escapes
            return
        content_type = STATIC_TYPES.get(target.suffix.lower(), "application/octet-stream")
        try:  # a file removed or made unreadable since (a new build swapped in)
            body = target.read_bytes()
        except OSError:
            self._error(HTTPStatus.NOT_FOUND, f"no such file: {path}", head_only)
            return
        self._send(HTTPStatus.OK, body, content_type, head_only=head_only)

    def _index(self) -> str:
        root = self.server.root
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                       if p.is_file() and not any(s.startswith(".") for s in
                                                  p.relative_to(root).parts))
        items = "\n".join(f'<li><a href="/{html.escape(f)}">{html.escape(f)}</a></li>'
                          for f in files)
        return (
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>paperkg</title></head><body><h1>paperkg graph</h1>"
            f"<p>SPARQL endpoint: <code>{ENDPOINT_PATH}</code> (GET or POST, read-only)</p>"
            f"<ul>\n{items}\n</ul></body></html>\n"
        )


class _Server(BoundedServer):
    def __init__(self, config: EndpointConfig, pool: QueryPool, quiet: bool) -> None:
        self.config, self.pool, self.quiet = config, pool, quiet
        self.root = config.directory.resolve()
        self.max_connections = config.max_connections
        self._held = 0
        self._held_lock = threading.Lock()
        if ":" in config.host:
            self.address_family = socket.AF_INET6
        super().__init__((config.host, config.port), _Handler)

    def hold(self, size: int) -> bool:
        """Reserve ``size`` bytes of the answers-in-flight budget; False when it is spent."""
        with self._held_lock:
            if self._held and self._held + size > self.config.pending_bytes:
                return False
            self._held += size
            return True

    def release(self, size: int) -> None:
        with self._held_lock:
            self._held -= size


@dataclass(slots=True)
class RunningEndpoint:
    """A started endpoint: its URL, and how to stop it."""

    server: _Server
    thread: threading.Thread | None
    pool: QueryPool

    @property
    def url(self) -> str:
        address, port = self.server.server_address[:2]
        host = str(address) if isinstance(address, str) else address.decode()
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}{ENDPOINT_PATH}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.pool.close()
        if self.thread is not None:
            self.thread.join(5)


def start_endpoint(config: EndpointConfig, background: bool = True,
                   quiet: bool = False) -> RunningEndpoint:
    """Load the graph in the workers and start serving (in a thread when ``background``)."""
    directory = Path(config.directory)
    if not directory.is_dir():
        raise PaperkgError(f"{directory}: not a directory (give the output directory of "
                           f"`paperkg build`)")
    if config.timeout <= 0 or config.max_rows <= 0 or config.workers <= 0:
        raise PaperkgError("--timeout, --max-rows and --workers must be positive")
    path = graph_file(directory)
    pool = QueryPool(path, config.workers, config.timeout, config.worker_memory_mb)
    try:
        server = _Server(config, pool, quiet)
    except OSError as exc:
        pool.close()
        raise PaperkgError(f"cannot listen on {config.host}:{config.port}: {exc.strerror}") \
            from None
    thread = None
    if background:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
    return RunningEndpoint(server, thread, pool)
