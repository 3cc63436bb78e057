"""SPARQL over a paperkg graph with pyoxigraph: load, check, run, serialise; named queries.

Function API (also used by the CLI, the endpoint and the notebook)::

    from kg.query.sparql import named_queries, run_query
    df = run_query("output/", named_queries()["models-based-on"])      # pandas DataFrame
    df = run_query("output/graph.ttl", "SELECT ?m WHERE { ?m a pkg:Model }")

Queries may use the vocabulary prefixes (``pkg:``, ``dcterms:``, ``skos:``, ``prov:`` …) without
declaring them.  Queries are read-only: SPARQL Update (``INSERT``, ``DELETE``, ``LOAD`` …) is not a
query, and ``SERVICE`` (a federated call to another endpoint) is refused.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from threading import Lock
from typing import Any

import pyoxigraph as ox

from kg.errors import InputError, PaperkgError
from kg.export import DEFAULT_BASE_IRI
from kg.graph.rdf import VOCAB_PREFIXES, data_prefixes, to_store
from kg.model import KnowledgeGraph
from kg.query.limits import (
    MAX_QUERY_BYTES,
    MAX_QUERY_DEPTH,
    QueryLimitError,
    check_query,
    scan_query,
)

#: Files a build directory is read from, in order of preference (fastest to parse first).
GRAPH_FILES: tuple[str, ...] = ("graph.nt", "graph.ttl", "graph.jsonld")

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ttl": ox.RdfFormat.TURTLE,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".n3": ox.RdfFormat.N3,
}

#: Result formats of SELECT/ASK queries.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
#: Result formats of CONSTRUCT/DESCRIBE queries.
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

_XSD = "http://www.w3.org/2001/XMLSchema#"


class QueryError(PaperkgError):
    """A query that cannot run: a syntax error or a refused operation."""


class QueryRefused(QueryError):
    """A read-only endpoint/CLI refuses the query (update, LOAD, SERVICE)."""


# --------------------------------------------------------------------------- loading

_cache: OrderedDict[tuple[str, int, int], ox.Store] = OrderedDict()
_cache_lock = Lock()
_CACHE_SIZE = 4

Source = str | Path | KnowledgeGraph | ox.Store


def graph_file(source: str | Path) -> Path:
    """The RDF file to read for ``source``: the file itself, or a build directory's graph file."""
    path = Path(source)
    if path.is_dir():
        for name in GRAPH_FILES:
            if (path / name).is_file():
                return path / name
        raise InputError(str(path), f"no graph file in this directory (looked for "
                         f"{', '.join(GRAPH_FILES)}); run `paperkg build -o {path}` first")
    if not path.is_file():
        raise InputError(str(path), "no such file or directory")
    if path.suffix.lower() not in RDF_FORMATS:
        raise InputError(str(path), f"unknown RDF file type {path.suffix!r} (known: "
                         f"{', '.join(sorted(RDF_FORMATS))})")
    return path


def read_store(path: Path) -> ox.Store:
    """Parse one RDF file into a new in-memory store; syntax errors name file and line.

    A build's graph files carry the ontology, so that queries can follow the alignments
    (``?p a/rdfs:subClassOf* schema:ScholarlyArticle``) on the file alone.
    """
    store = ox.Store()
    fmt = RDF_FORMATS[path.suffix.lower()]
    try:
        store.load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
    except SyntaxError as exc:
        raise InputError(str(path), f"not valid {fmt.name}: {exc}",
                         getattr(exc, "lineno", None)) from None
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    return store


def load_store(source: Source) -> ox.Store:
    """An in-memory store of ``source``: a file, a build directory, a graph or a store.

    Files are cached by path, size and modification time, so repeated queries (a notebook) do
    not parse the same file again.
    """
    if isinstance(source, ox.Store):
        return source
    if isinstance(source, KnowledgeGraph):
        return to_store(source, DEFAULT_BASE_IRI)
    path = graph_file(source)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    store = read_store(path)
    with _cache_lock:
        _cache[key] = store
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return store


# --------------------------------------------------------------------------- checking

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
QUERY_KEYWORDS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})


def keywords(query: str) -> list[str]:
    """The bare keywords of ``query`` (upper case), skipping strings, IRIs, comments and names."""
    return scan_query(query).keywords


def check_read_only(query: str, max_bytes: int = MAX_QUERY_BYTES,
                    max_depth: int = MAX_QUERY_DEPTH) -> None:
    """Raise :class:`QueryRefused` for SPARQL Update requests, ``SERVICE`` calls and queries over
    the size or nesting limits (:mod:`kg.query.limits`); linear in the query length."""
    try:
        words = check_query(query, max_bytes, max_depth).keywords
    except QueryLimitError as exc:
        raise QueryRefused(str(exc)) from None
    first = next((w for w in words if w not in ("BASE", "PREFIX")), None)
    if first in UPDATE_KEYWORDS:
        raise QueryRefused(f"SPARQL Update ({first}) is refused: this graph is read-only")
    if "SERVICE" in words:
        raise QueryRefused("SERVICE (federated query) is refused: queries may only read this "
                           "graph")


# --------------------------------------------------------------------------- running


@dataclass(slots=True)
class QueryResult:
    """The result of one query: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT)."""

    kind: str  #: "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)  #: pyoxigraph terms or None
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False  #: more solutions/triples than ``max_rows``

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "select" else len(self.triples)


def _substitutions(bindings: Mapping[str, Any] | None) -> dict[ox.Variable, Any] | None:
    if not bindings:
        return None
    out = {}
    for name, value in bindings.items():
        if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
            term = value
        elif isinstance(value, bool):
            term = ox.Literal(value)
        elif isinstance(value, int | float):
            term = ox.Literal(value)
        else:
            term = parse_binding(str(value))
        out[ox.Variable(name.lstrip("?$"))] = term
    return out


def parse_binding(text: str) -> ox.NamedNode | ox.Literal:
    """A ``--bind`` value: ``<iri>`` is an IRI, an integer is ``xsd:integer``, else a string."""
    if text.startswith("<") and text.endswith(">"):
        try:
            return ox.NamedNode(text[1:-1])
        except ValueError:
            raise QueryError(f"not a valid IRI: {text}") from None
    if re.fullmatch(r"[+-]?\d+", text):
        return ox.Literal(int(text))
    return ox.Literal(text)


def execute(
    store: ox.Store,
    query: str,
    bindings: Mapping[str, Any] | None = None,
    max_rows: int | None = None,
    read_only: bool = True,
) -> QueryResult:
    """Run ``query`` on ``store``; keep at most ``max_rows`` solutions/triples."""
    if read_only:
        check_read_only(query)
    try:
        raw = store.query(query, prefixes=VOCAB_PREFIXES, substitutions=_substitutions(bindings))
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {' '.join(str(exc).split())}") from None
    except OSError as exc:
        raise QueryError(f"query failed: {exc}") from None
    try:
        if isinstance(raw, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(raw))
        if isinstance(raw, ox.QuerySolutions):
            names = [v.value for v in raw.variables]
            result = QueryResult(kind="select", variables=names)
            for solution in raw:
                if max_rows is not None and len(result.rows) >= max_rows:
                    result.truncated = True
                    break
                result.rows.append(tuple(solution[i] for i in range(len(names))))
            return result
        result = QueryResult(kind="graph")
        for triple in raw:
            if max_rows is not None and len(result.triples) >= max_rows:
                result.truncated = True
                break
            result.triples.append(triple)
        return result
    except OSError as exc:  # evaluation errors surface while iterating
        raise QueryError(f"query failed: {exc}") from None


def python_value(term: Any) -> Any:
    """A term as a Python value: IRIs and strings as ``str``, numbers as numbers, None as None."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype is not None else ""
        try:
            if dt in (_XSD + "integer", _XSD + "int", _XSD + "long", _XSD + "nonNegativeInteger"):
                return int(term.value)
            if dt in (_XSD + "decimal", _XSD + "double", _XSD + "float"):
                return float(term.value)
            if dt == _XSD + "boolean":
                return term.value in ("true", "1")
        except ValueError:
            return term.value
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def to_dataframe(result: QueryResult) -> Any:
    """A :class:`pandas.DataFrame`: one column per variable (SELECT), ``boolean`` (ASK), or
    ``subject``/``predicate``/``object`` (CONSTRUCT/DESCRIBE)."""
    import pandas as pd  # lazily: pandas takes half a second to import, and few queries need it

    if result.kind == "ask":
        return pd.DataFrame({"boolean": [bool(result.boolean)]})
    if result.kind == "graph":
        triples = [(str(t.subject) if isinstance(t.subject, ox.Triple) else t.subject.value,
                    t.predicate.value, python_value(t.object)) for t in result.triples]
        return pd.DataFrame(triples, columns=["subject", "predicate", "object"])
    rows = [[python_value(v) for v in row] for row in result.rows]
    return pd.DataFrame(rows, columns=result.variables)


def run_query(source: Source, query_text: str, bindings: Mapping[str, Any] | None = None) -> Any:
    """Run a SPARQL query on a graph file, a build directory, a graph or a store -> DataFrame.

    ``bindings`` pre-binds variables (``{"baseName": "Llama-2"}``): strings become string
    literals, ints integer literals, ``"<iri>"`` an IRI.
    """
    return to_dataframe(execute(load_store(source), query_text, bindings))


# --------------------------------------------------------------------------- serialising


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {
            "subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
            "object": _json_term(term.object)}}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype.value != _XSD + "string":
        out["datatype"] = term.datatype.value
    return out


def sparql_json(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results JSON of a SELECT or ASK result."""
    if result.kind == "ask":
        doc: dict[str, Any] = {"head": {}, "boolean": bool(result.boolean)}
    else:
        bindings = [
            {name: _json_term(value) for name, value in zip(result.variables, row, strict=True)
             if value is not None}
            for row in result.rows
        ]
        doc = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def serialize_result(result: QueryResult, fmt: str) -> bytes:
    """Serialise a result: ``json``/``xml``/``csv``/``tsv`` for SELECT and ASK, ``turtle``/
    ``ntriples``/``jsonld``/``rdfxml`` for CONSTRUCT and DESCRIBE."""
    if result.kind == "graph":
        if fmt not in GRAPH_FORMATS:
            raise QueryError(f"a CONSTRUCT/DESCRIBE result cannot be written as {fmt!r} "
                             f"(choose one of {', '.join(GRAPH_FORMATS)})")
        return ox.serialize(result.triples, format=GRAPH_FORMATS[fmt],
                            prefixes=VOCAB_PREFIXES) or b""
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"a SELECT/ASK result cannot be written as {fmt!r} "
                         f"(choose one of {', '.join(RESULT_FORMATS)})")
    data = sparql_json(result)
    if fmt == "json":
        return data
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=RESULT_FORMATS[fmt]) or b""


def _head(result: QueryResult, count: int) -> QueryResult:
    return QueryResult(kind=result.kind, variables=result.variables, rows=result.rows[:count],
                       boolean=result.boolean, triples=result.triples[:count], truncated=True)


def serialize_capped(result: QueryResult, fmt: str, max_bytes: int) -> tuple[bytes, bool]:
    """Serialise within ``max_bytes``: the leading solutions/triples that fit, and whether any
    were cut.  The answer stays a valid document; Turtle and N-Triples end with a ``#`` marker
    line saying it was cut."""
    data = serialize_result(result, fmt)
    if len(data) <= max_bytes or result.kind == "ask":
        return data, False
    lo, hi = 0, len(result) - 1  # the most leading items whose document fits: binary search
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(serialize_result(_head(result, mid), fmt)) <= max_bytes:
            lo = mid
        else:
            hi = mid - 1
    data = serialize_result(_head(result, lo), fmt)
    if fmt in ("turtle", "ntriples"):
        data += (f"\n# paperkg: answer cut at {max_bytes} bytes after {lo} of {len(result)} "
                 f"triples\n").encode()
    return data, True


def compact_iri(iri: str, prefixes: Mapping[str, str] | None = None) -> str:
    """``pkg:Model`` for ``https://w3id.org/paperkg/ontology#Model``, ``model:llama-2`` for a
    resource under the default base IRI; other IRIs unchanged."""
    for prefix, namespace in (prefixes or _DISPLAY_PREFIXES).items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _display_prefixes() -> dict[str, str]:
    return {**VOCAB_PREFIXES, **data_prefixes(DEFAULT_BASE_IRI)}


_DISPLAY_PREFIXES = _display_prefixes()


def display_value(term: Any) -> str:
    """A short text for a table cell."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact_iri(term.value)
    return str(python_value(term))


# --------------------------------------------------------------------------- named queries


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """A query of ``kg/query/queries``: its name (file stem), title, description and text."""

    name: str
    title: str
    description: str
    text: str


def _queries_dir() -> Iterable[Any]:
    return resources.files("kg.query").joinpath("queries").iterdir()


def named_query_info() -> dict[str, NamedQuery]:
    """Every named query, by name (sorted).  The leading ``#`` lines are title + description."""
    out: dict[str, NamedQuery] = {}
    for entry in sorted(_queries_dir(), key=lambda e: e.name):
        if not entry.name.endswith(".rq"):
            continue
        text = entry.read_text(encoding="utf-8")
        comments = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            comments.append(line.lstrip("#").strip())
        name = entry.name[: -len(".rq")]
        title = comments[0] if comments else name
        out[name] = NamedQuery(name, title, " ".join(c for c in comments[1:] if c), text)
    return out


def named_queries() -> dict[str, str]:
    """Every named query's SPARQL text, by name."""
    return {name: q.text for name, q in named_query_info().items()}


def named_query(name: str) -> str:
    """The text of one named query; unknown names raise a one-line error listing the known."""
    queries = named_queries()
    if name not in queries:
        raise PaperkgError(f"no named query {name!r}; known: {', '.join(queries)}")
    return queries[name]
