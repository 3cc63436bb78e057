"""``paperkg serve``: a read-only SPARQL 1.1 Protocol endpoint over a build directory.

* ``GET /sparql?query=...`` and ``POST /sparql`` (``application/x-www-form-urlencoded`` with
  ``query=``, or an ``application/sparql-query`` body);
* results by ``Accept`` (or a ``format=`` parameter): SPARQL JSON (default), XML, CSV, TSV for
  SELECT/ASK; Turtle (default), N-Triples, JSON-LD, RDF/XML for CONSTRUCT/DESCRIBE;
* read-only: SPARQL Update (``update=``, ``application/sparql-update``, ``INSERT``, ``LOAD`` …)
  and ``SERVICE`` are refused with ``403`` and a one-line reason;
* every query runs in a worker process that is killed after ``timeout`` seconds (``503``), and
  at most ``max_rows`` solutions or triples are returned (``X-Paperkg-Truncated: true`` says
  that more were cut);
* the other files of the directory (``graph.html``, ``graph.ttl``, ``stats.json``,
  ``schemas/`` …) are served as they are; ``/`` opens ``graph.html`` when there is one.

Binds to ``127.0.0.1`` unless told otherwise.
"""

from __future__ import annotations

import html
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from kg.errors import PaperkgError
from kg.query.sparql import (
    QueryError,
    QueryRefused,
    check_read_only,
    execute,
    graph_file,
    read_store,
    serialize_result,
)

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


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """Where and how to serve."""

    directory: Path
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 30.0  #: seconds one query may run
    max_rows: int = 10_000  #: most solutions/triples returned
    workers: int = 2  #: queries that can run at the same time
    max_request_bytes: int = 1_000_000


class QueryTimeout(PaperkgError):
    """A query ran longer than the endpoint allows."""


# --------------------------------------------------------------------------- worker processes


def _worker_main(inbox: Connection, outbox: Connection, path: str) -> None:
    """A worker: load the graph once, then answer ``(query, select_fmt, graph_fmt, max_rows)``."""
    try:
        store = read_store(Path(path))
    except PaperkgError as exc:
        outbox.send(("error", str(exc)))
        return
    outbox.send(("ready", len(store)))
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        query, select_fmt, graph_fmt, max_rows = message
        try:
            result = execute(store, query, max_rows=max_rows)
            fmt = graph_fmt if result.kind == "graph" else select_fmt
            reply: tuple = ("ok", fmt, serialize_result(result, fmt), result.truncated)
        except QueryRefused as exc:
            reply = ("refused", str(exc))
        except QueryError as exc:
            reply = ("error", str(exc))
        except Exception as exc:  # never let one query take the worker down silently
            reply = ("error", f"query failed: {type(exc).__name__}: {exc}")
        outbox.send(reply)


class _Worker:
    """A query worker: ``python -m kg.query.endpoint --worker GRAPH IN_FD OUT_FD``.

    A separate interpreter (not ``multiprocessing``) so that it works whatever the parent's
    ``__main__`` is (a console script, a notebook, stdin), and can be killed at any time.
    """

    def __init__(self, path: Path) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kg.query.endpoint", "--worker", str(path),
                 str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.outbox = Connection(to_child_w, readable=False)
        self.inbox = Connection(from_child_r, writable=False)

    def wait_ready(self, timeout: float) -> int:
        try:
            ready = self.inbox.poll(timeout)
            status, value = self.inbox.recv() if ready else ("error", None)
        except (EOFError, OSError):
            status, value = "error", "the query worker stopped while loading the graph"
        if status != "ready":
            self.kill()
            raise PaperkgError(value or f"the query worker did not load the graph within "
                               f"{timeout:.0f} s")
        return int(value)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)
        self.outbox.close()
        self.inbox.close()

    def stop(self) -> None:
        try:
            self.outbox.send(None)
            self.process.wait(2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        self.kill()


class QueryPool:
    """Worker processes, each with the graph loaded; a query that times out kills its worker."""

    def __init__(self, path: Path, size: int, timeout: float, load_timeout: float = 300.0):
        self.path, self.timeout, self.load_timeout = path, timeout, load_timeout
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.triples = 0
        self._closed = False
        workers = [_Worker(path) for _ in range(max(1, size))]
        try:
            for w in workers:
                self.triples = w.wait_ready(load_timeout)
        except PaperkgError:
            for w in workers:
                w.kill()
            raise
        for w in workers:
            self.idle.put(w)

    def run(self, query: str, select_fmt: str, graph_fmt: str, max_rows: int) -> tuple:
        """``(status, ...)`` from a worker; raises :class:`QueryTimeout` when it takes too long."""
        started = time.monotonic()
        try:
            worker = self.idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryTimeout(f"every query worker stayed busy for {self.timeout:g} s; "
                               f"try again later") from None
        remaining = max(0.0, self.timeout - (time.monotonic() - started))
        try:
            worker.outbox.send((query, select_fmt, graph_fmt, max_rows))
            if worker.inbox.poll(remaining):
                reply = worker.inbox.recv()
                self.idle.put(worker)
                return reply
        except (EOFError, OSError):
            pass
        worker.kill()
        self._replace()
        raise QueryTimeout(f"the query did not finish within {self.timeout:g} s and was stopped")

    def _replace(self) -> None:
        def start() -> None:
            if self._closed:
                return
            w = _Worker(self.path)
            try:
                w.wait_ready(self.load_timeout)
            except PaperkgError:
                return
            if self._closed:
                w.stop()
            else:
                self.idle.put(w)

        threading.Thread(target=start, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self.idle.get_nowait().stop()
            except queue.Empty:
                break


# --------------------------------------------------------------------------- HTTP


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


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "paperkg-sparql"
    protocol_version = "HTTP/1.1"
    timeout = 60  #: seconds a connection may stay idle or send its request

    # ---------------------------------------------------------------- plumbing

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if not self.server.quiet:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None, head_only: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str, head_only: bool = False) -> None:
        self._send(status, f"error: {message}\n".encode(), "text/plain; charset=utf-8",
                   head_only=head_only)

    # ---------------------------------------------------------------- methods

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        self._get(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head_only=True)

    def _get(self, head_only: bool) -> None:
        url = urlsplit(self.path)
        if url.path.rstrip("/") == ENDPOINT_PATH:
            if head_only:
                self._error(HTTPStatus.METHOD_NOT_ALLOWED, "query with GET or POST")
                return
            params = parse_qs(url.query, keep_blank_values=True)
            self._protocol(params, None)
            return
        self._static(unquote(url.path), head_only)

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
                self._usage()
            else:
                self._error(HTTPStatus.BAD_REQUEST, "give exactly one query")
            return
        query = queries[0]
        if len(query.encode("utf-8")) > config.max_request_bytes:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the query is too long")
            return
        try:
            check_read_only(query)
        except QueryRefused as exc:
            self._error(HTTPStatus.FORBIDDEN, str(exc))
            return
        fmt_param = (params.get("format") or params.get("output") or [None])[0]
        select_fmt, graph_fmt = negotiate(self.headers.get("Accept"), fmt_param)
        try:
            reply = self.server.pool.run(query, select_fmt, graph_fmt, config.max_rows)
        except QueryTimeout as exc:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
            return
        status = reply[0]
        if status == "ok":
            _, fmt, body, truncated = reply
            headers = {"X-Paperkg-Max-Rows": str(config.max_rows)}
            if truncated:
                headers["X-Paperkg-Truncated"] = "true"
            self._send(HTTPStatus.OK, body, CONTENT_TYPES[fmt], headers)
        elif status == "refused":
            self._error(HTTPStatus.FORBIDDEN, reply[1])
        else:
            self._error(HTTPStatus.BAD_REQUEST, reply[1])

    def _usage(self) -> None:
        text = (f"paperkg SPARQL endpoint (read-only). Send a query: GET {ENDPOINT_PATH}?query=... "
                f"or POST {ENDPOINT_PATH} (form field 'query' or an application/sparql-query "
                f"body).\n")
        self._send(HTTPStatus.BAD_REQUEST, text.encode(), "text/plain; charset=utf-8")

    # ---------------------------------------------------------------- files

    def _static(self, path: str, head_only: bool) -> None:
        root = self.server.root
        if path in ("", "/"):
            if (root / "graph.html").is_file():
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", "/graph.html")
                self.send_header("Content-Length", "0")
                self.end_headers()
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
            self._error(HTTPStatus.NOT_FOUND, f"no such file: {path}", head_only)
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    #: listen backlog: the default 5 resets connections when hundreds of clients connect at once
    request_queue_size = 1024

    def __init__(self, config: EndpointConfig, pool: QueryPool, quiet: bool) -> None:
        self.config, self.pool, self.quiet = config, pool, quiet
        self.root = config.directory.resolve()
        if ":" in config.host:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__((config.host, config.port), _Handler)


@dataclass(slots=True)
class RunningEndpoint:
    """A started endpoint: its URL, and how to stop it."""

    server: _Server
    thread: threading.Thread | None
    pool: QueryPool

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
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
    pool = QueryPool(path, config.workers, config.timeout)
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


if __name__ == "__main__":  # a query worker process (see _Worker)
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        _worker_main(Connection(int(sys.argv[3]), writable=False),
                     Connection(int(sys.argv[4]), readable=False), sys.argv[2])
    else:
        sys.exit("usage: python -m kg.query.endpoint --worker GRAPH IN_FD OUT_FD")
