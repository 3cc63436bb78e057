"""``neo4j/load-csv.cypher``: the Neo4j export as a plain Cypher script of ``LOAD CSV`` statements.

It reads the same CSV files as ``neo4j-admin`` (their typed headers are only column names to
``LOAD CSV``: ``row['year:int']``) and runs as it is in Neo4j Browser (with multi-statement
editing on), ``cypher-shell -f load-csv.cypher`` and Aura: constraints first, then one
``LOAD CSV WITH HEADERS … MERGE … SET`` statement per file, nodes before relationships.  Values
are typed with ``toInteger``/``toFloat``/``toBoolean``, arrays with ``split`` on the build's
array delimiter — no APOC.  Every node and relationship is MERGEd on its key and every property
SET (an empty cell removes it), so running the script again changes nothing.

The files are read from ``file:///`` (the database's import folder); for Aura or a web server,
replace ``file:///`` by the address the files are served from (``https://host/dir/``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

#: where the script reads the CSV files from (the import folder of a Neo4j server)
DEFAULT_PREFIX = "file:///"
LOAD_CSV_SCRIPT = "load-csv.cypher"

_CONVERT = {"int": "toInteger", "long": "toInteger", "short": "toInteger", "byte": "toInteger",
            "float": "toFloat", "double": "toFloat", "boolean": "toBoolean"}


class _Column(Protocol):
    header: str
    key: str
    kind: str
    type: str
    array: bool


class _Table(Protocol):
    file: str
    columns: list
    labels: tuple[str, ...]
    rel_type: str | None
    start_label: str | None
    end_label: str | None

    @property
    def is_nodes(self) -> bool: ...


def _quote(text: str) -> str:
    """A Cypher string literal (single quotes; backslash and quote escaped)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _value(column: _Column, delimiter: str) -> str:
    """The Cypher expression of a cell, typed as its header says (empty cell: null)."""
    cell = f"row[{_quote(column.header)}]"
    convert = _CONVERT.get(column.type)
    if column.array:
        items = f"split({cell}, {_quote(delimiter)})"
        return f"[x IN {items} | {convert}(x)]" if convert else items
    return f"{convert}({cell})" if convert else cell


def _column(table: _Table, kind: str) -> _Column:
    return next(c for c in table.columns if c.kind == kind)


def _statement(table: _Table, delimiter: str, prefix: str) -> str:
    lines = [f"LOAD CSV WITH HEADERS FROM {_quote(prefix + table.file)} AS row"]
    props = [c for c in table.columns if c.kind == "property"]
    if table.is_nodes:
        key_label, *extra = table.labels
        ident = _column(table, "ID")
        lines.append(f"MERGE (n:{key_label} {{id: {_value(ident, delimiter)}}})")
        sets = [f"n:{label}" for label in extra]
        sets += [f"n.{c.key} = {_value(c, delimiter)}" for c in props if c.key != "id"]
    else:
        start, end = _column(table, "START_ID"), _column(table, "END_ID")
        lines += [f"MATCH (a:{table.start_label} {{id: {_value(start, delimiter)}}})",
                  f"MATCH (b:{table.end_label} {{id: {_value(end, delimiter)}}})",
                  f"MERGE (a)-[r:{table.rel_type}]->(b)"]
        sets = [f"r.{c.key} = {_value(c, delimiter)}" for c in props]
    if sets:
        lines.append("SET " + ",\n    ".join(sets))
    return "\n".join(lines) + ";"


def load_csv_script(tables: Sequence[_Table], delimiter: str, schema: Sequence[str],
                    prefix: str = DEFAULT_PREFIX) -> str:
    """``load-csv.cypher``: ``schema`` statements (constraints, indexes), then one ``LOAD CSV``
    statement per table, reading ``prefix`` + the table's file."""
    head = [
        "// paperkg: the graph for Neo4j (5.x or later) with LOAD CSV; no plugin needed.",
        "// Copy this directory's *.csv files into the database's import folder and run this",
        "// script in Neo4j Browser (multi-statement editing on) or with",
        "// `cypher-shell -f load-csv.cypher`.  For Aura, serve the files over HTTPS and replace",
        f"// {prefix} below by their address.  Idempotent: constraints IF NOT EXISTS, every node",
        "// and relationship MERGEd on its key.  To replace a previous import, first run",
        "// `MATCH (n) WHERE n:Paper OR n:Entity OR n:Author OR n:Venue DETACH DELETE n;`",
        f"// array-delimiter: {delimiter}",
        "",
        *schema,
    ]
    body = "\n\n".join(_statement(t, delimiter, prefix) for t in tables)
    return "\n".join(head) + "\n\n" + body + "\n"
