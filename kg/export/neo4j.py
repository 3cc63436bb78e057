"""``neo4j/``: the graph for Neo4j, as bulk-import CSV files and an idempotent Cypher script.

Two routes into Neo4j read the same files:

- **offline**: ``neo4j-admin database import full`` reads the CSV files directly.  Their headers
  use its typed format (``id:ID(Paper)``, ``:LABEL``, ``year:int``, ``aliases:string[]``,
  ``:START_ID(Entity)``, ``:END_ID(Entity)``, ``:TYPE``); values are RFC 4180-quoted (a ``"``
  is doubled, fields holding a delimiter, quote or newline are quoted) and arrays are joined
  with the array delimiter (``;``, or the first of :data:`ARRAY_DELIMITERS` that occurs in no
  value).  ``neo4j-admin-import.sh`` holds the exact command for the build.
- **online**: ``import.cypher`` creates the constraints (each backed by an index), then MERGEs
  every node and relationship with ``UNWIND $rows AS row``.  :func:`run_import` executes it: a
  statement headed ``// rows: FILE`` runs once per batch of FILE's rows, each row typed as the
  header says.  Running it again changes nothing.  ``paperkg neo4j-load`` drives it through the
  official ``neo4j`` driver (:func:`load_into_neo4j`).

Nodes: ``Paper`` (``id``, ``title``, ``abstract``, ``year``, ``url``, ``venue``, ``authors``,
``doi``, ``arxiv_id``, ``pmid``, ``pmcid``, ``date``, ``subjects``, ``journal_ref``), ``Entity``
with one of ``Model``/``Dataset``/``Method``/``Task``/``Metric`` (``id``, ``name``, ``aliases``,
``paper_count``, ``ext_<key>`` external ids, ``attr_<key>`` attributes), ``Author`` and ``Venue``
(``id`` = ``name``, as written).  Relationships: ``PROPOSES``/``USES`` (Paper -> Entity),
``BASED_ON``, ``TRAINED_ON``, ``EVALUATED_ON``, ``USES_METHOD`` (Entity -> Entity) with
``weight``, ``evidence_count``, ``papers`` (ids of the papers of the evidence), the evidence
records as typed parallel arrays (``evidence_paper``, ``evidence_field``, ``evidence_start``,
``evidence_end``, ``evidence_sentence_index``, ``evidence_sentence``, ``evidence_rule``) and as
one JSON text (``evidence``); ``CO_OCCURS_WITH`` (Entity -> Entity, stored once per unordered
pair; query it undirected) with ``weight``; ``AUTHORED`` (Author -> Paper, ``position``) and
``PUBLISHED_IN`` (Paper -> Venue).

A third route needs no paperkg at all: ``load-csv.cypher`` (:mod:`kg.export.neo4j_loadcsv`), plain
``LOAD CSV`` statements over the same files for Neo4j Browser, cypher-shell and Aura.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from kg.errors import InputError, PaperkgError
from kg.export.csvtext import write_csv
from kg.export.neo4j_loadcsv import LOAD_CSV_SCRIPT, load_csv_script
from kg.model import (
    CO_OCCURS_WITH,
    ENTITY_PREDICATES,
    ENTITY_TYPES,
    PAPER_PREDICATES,
    KnowledgeGraph,
    Relation,
)

NEO4J_DIR = "neo4j"
SCRIPT = "import.cypher"
ADMIN_SCRIPT = "neo4j-admin-import.sh"
#: candidates for neo4j-admin's ``--array-delimiter``, in order of preference
ARRAY_DELIMITERS: tuple[str, ...] = (";", "|", "^", "~", "\u00a6")
ENTITY_LABEL = "Entity"
PAPER_LABEL = "Paper"
AUTHOR_LABEL = "Author"
VENUE_LABEL = "Venue"
DEFAULT_BATCH_SIZE = 1000
#: longest property name made from a free-form key (Neo4j and FalkorDB limit token lengths)
MAX_PROPERTY_NAME = 64
#: URI schemes of the Bolt protocol the driver speaks (plain, TLS, TLS with any certificate)
BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")

#: Executes one Cypher statement with its parameters (``{"rows": [...]}`` or none).
Execute = Callable[[str, Mapping[str, Any] | None], None]

_HEADER = re.compile(
    r"^(?P<name>[^:]*)(?::(?P<type>[A-Za-z_]+)(?:\((?P<space>[^)]*)\))?(?P<array>\[\])?)?$"
)
_SPECIAL = {"ID", "LABEL", "START_ID", "END_ID", "TYPE", "IGNORE"}
_INTS = {"int", "long", "short", "byte"}
_FLOATS = {"float", "double"}
_NON_WORD = re.compile(r"[^0-9A-Za-z_]")


# --------------------------------------------------------------------------- headers and tables


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a neo4j-admin CSV file, as its header field declares it."""

    header: str  #: the header field, e.g. ``year:int`` or ``:START_ID(Paper)``
    key: str  #: key in a ``$rows`` map: property name, labels, type, start_id or end_id
    kind: str  #: ``property``, ``ID``, ``LABEL``, ``START_ID``, ``END_ID``, ``TYPE`` or ``IGNORE``
    type: str = "string"  #: value type of a property (``int``, ``string``, …)
    array: bool = False
    id_space: str | None = None


def parse_header_field(header: str, source: str = "<header>") -> Column:
    """Parse one neo4j-admin header field (``name:type``, ``name:ID(space)``, ``:LABEL`` …)."""
    m = _HEADER.match(header)
    if m is None:
        raise InputError(source, f"bad header field {header!r}", 1)
    name, typ, space, array = m["name"], m["type"], m["space"], bool(m["array"])
    if typ is not None and typ.upper() in _SPECIAL:
        kind = typ.upper()
        if kind in ("ID", "START_ID", "END_ID") and array:
            raise InputError(source, f"header field {header!r}: an id cannot be an array", 1)
        key = {
            "ID": name or "id",
            "LABEL": "labels",
            "TYPE": "type",
            "START_ID": "start_id",
            "END_ID": "end_id",
            "IGNORE": name,
        }[kind]
        return Column(header, key, kind, "string", kind == "LABEL", space or None)
    if space is not None:
        raise InputError(source, f"header field {header!r}: only ID columns take an id space", 1)
    if not name:
        raise InputError(source, f"header field {header!r} has no property name", 1)
    value_type = (typ or "string").lower()
    if value_type not in _INTS | _FLOATS | {"string", "boolean", "char"}:
        value_type = "string"  # dates, points …: passed on as text
    return Column(header, name, "property", value_type, array)


@dataclass(slots=True)
class Table:
    """One CSV file: node rows of one label or relationship rows of one type."""

    file: str
    columns: list[Column]
    #: the rows; any iterable that can be iterated more than once (e.g. :class:`LazyRows`)
    rows: Iterable[dict[str, Any]] = field(default_factory=list)
    #: nodes: labels, the first is the one MERGEd on (its id is unique)
    labels: tuple[str, ...] = ()
    #: relationships: type and the labels of the start and end nodes
    rel_type: str | None = None
    start_label: str | None = None
    end_label: str | None = None

    @property
    def is_nodes(self) -> bool:
        return self.rel_type is None


class LazyRows:
    """Rows made on demand, each time they are iterated (a table is read twice: once to choose
    the array delimiter, once to write it), so that no table is held in memory."""

    def __init__(self, make: Callable[[], Iterator[dict[str, Any]]]) -> None:
        self.make = make

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.make()


class _EvidenceJson:
    """The ``evidence`` cell of a relationship: its JSON text, made when it is written."""

    __slots__ = ("rel",)

    def __init__(self, rel: Relation) -> None:
        self.rel = rel

    def __str__(self) -> str:
        return json.dumps([ev.to_json() for ev in self.rel.evidence], ensure_ascii=False,
                          separators=(",", ":"))


def _columns(*headers: str) -> list[Column]:
    return [parse_header_field(h) for h in headers]


def _property_names(keys: Sequence[str], prefix: str, taken: set[str]) -> dict[str, str]:
    """Map free-form keys (external ids, attributes) to distinct property names ``prefix_key``
    (ASCII word characters, at most :data:`MAX_PROPERTY_NAME` of them before a ``_2`` suffix)."""
    names: dict[str, str] = {}
    for key in sorted(keys):
        base = f"{prefix}_{_NON_WORD.sub('_', key)}"[:MAX_PROPERTY_NAME]
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names[key] = name
    return names


def _paper_table(graph: KnowledgeGraph) -> Table:
    columns = _columns(
        f"id:ID({PAPER_LABEL})", ":LABEL", "title", "abstract", "year:int", "url", "venue",
        "authors:string[]", "doi", "arxiv_id", "pmid", "pmcid", "date", "subjects:string[]",
        "journal_ref",
    )
    papers = sorted(graph.papers.values(), key=lambda p: p.id)
    rows = LazyRows(lambda: (
        {
            "id": p.id,
            "labels": [PAPER_LABEL],
            "title": p.title,
            "abstract": p.abstract,
            "year": p.year,
            "url": p.url,
            "venue": p.venue,
            "authors": list(p.authors),
            "doi": p.doi,
            "arxiv_id": p.arxiv_id,
            "pmid": p.pmid,
            "pmcid": p.pmcid,
            "date": p.date,
            "subjects": list(p.subjects),
            "journal_ref": p.journal_ref,
        }
        for p in papers
    ))
    return Table("nodes_paper.csv", columns, rows, labels=(PAPER_LABEL,))


def _bibliography_tables(graph: KnowledgeGraph) -> list[Table]:
    """``Author`` and ``Venue`` nodes (keyed by the name as written) and the ``AUTHORED``
    (Author -> Paper, with the author's ``position``, 1-based) and ``PUBLISHED_IN``
    (Paper -> Venue) relationships."""
    papers = sorted(graph.papers.values(), key=lambda p: p.id)
    authors = sorted({a for p in papers for a in p.authors if a})
    venues = sorted({p.venue for p in papers if p.venue})
    nodes = [
        Table(f"nodes_{label.lower()}.csv", _columns(f"id:ID({label})", ":LABEL", "name"),
              LazyRows(lambda names=names, label=label: (
                  {"id": n, "labels": [label], "name": n} for n in names)), labels=(label,))
        for label, names in ((AUTHOR_LABEL, authors), (VENUE_LABEL, venues))
    ]
    authored = Table(
        "rels_authored.csv",
        _columns(f":START_ID({AUTHOR_LABEL})", f":END_ID({PAPER_LABEL})", ":TYPE",
                 "position:int"),
        LazyRows(lambda: ({"start_id": a, "end_id": p.id, "type": "AUTHORED", "position": i}
                          for p in papers
                          for i, a in enumerate(dict.fromkeys(x for x in p.authors if x), 1))),
        rel_type="AUTHORED", start_label=AUTHOR_LABEL, end_label=PAPER_LABEL)
    published = Table(
        "rels_published_in.csv",
        _columns(f":START_ID({PAPER_LABEL})", f":END_ID({VENUE_LABEL})", ":TYPE"),
        LazyRows(lambda: ({"start_id": p.id, "end_id": p.venue, "type": "PUBLISHED_IN"}
                          for p in papers if p.venue)),
        rel_type="PUBLISHED_IN", start_label=PAPER_LABEL, end_label=VENUE_LABEL)
    return [*nodes, authored, published]


def _entity_tables(graph: KnowledgeGraph) -> list[Table]:
    tables = []
    for etype in ENTITY_TYPES:
        entities = sorted((e for e in graph.entities.values() if e.type == etype),
                          key=lambda e: e.id)
        taken = {"id", "name", "aliases", "paper_count"}
        ext = _property_names(sorted({k for e in entities for k in e.external_ids}), "ext", taken)
        attr = _property_names(sorted({k for e in entities for k in e.attributes}), "attr", taken)
        columns = _columns(
            f"id:ID({ENTITY_LABEL})", ":LABEL", "name", "aliases:string[]", "paper_count:int",
            *ext.values(), *(f"{name}:string[]" for name in attr.values()),
        )
        rows = []
        for e in entities:
            row: dict[str, Any] = {
                "id": e.id,
                "labels": [ENTITY_LABEL, etype],
                "name": e.name,
                "aliases": list(e.aliases),
                "paper_count": e.paper_count,
            }
            row.update({name: e.external_ids.get(key) for key, name in ext.items()})
            row.update({name: list(e.attributes.get(key, ())) for key, name in attr.items()})
            rows.append(row)
        tables.append(Table(f"nodes_{etype.lower()}.csv", columns, rows,
                            labels=(ENTITY_LABEL, etype)))
    return tables


def relationship_type(predicate: str) -> str:
    """The Neo4j relationship type of a predicate: ``uses_method`` -> ``USES_METHOD``."""
    return _NON_WORD.sub("_", predicate).upper()


def _evidence_json(rel: Relation) -> _EvidenceJson | None:
    return _EvidenceJson(rel) if rel.evidence else None


#: the evidence records of a relationship as typed parallel arrays (element i of each is record
#: i), readable without APOC: ``r.evidence_sentence[0]``
EVIDENCE_ARRAYS: tuple[str, ...] = (
    "evidence_paper:string[]", "evidence_field:string[]", "evidence_start:int[]",
    "evidence_end:int[]", "evidence_sentence_index:int[]", "evidence_sentence:string[]",
    "evidence_rule:string[]")


def _evidence_arrays(rel: Relation) -> dict[str, list]:
    records = rel.evidence
    return {
        "evidence_paper": [ev.paper_id for ev in records],
        "evidence_field": [ev.field for ev in records],
        "evidence_start": [ev.start for ev in records],
        "evidence_end": [ev.end for ev in records],
        "evidence_sentence_index": [ev.sentence for ev in records],
        "evidence_sentence": [ev.sentence_text for ev in records],
        "evidence_rule": [ev.rule for ev in records],
    }


def _relationship_tables(graph: KnowledgeGraph) -> list[Table]:
    predicates = [*PAPER_PREDICATES, *ENTITY_PREDICATES]
    others = {r.predicate for r in graph.relations} - set(predicates) - {CO_OCCURS_WITH}
    predicates += sorted(others)
    predicates.append(CO_OCCURS_WITH)
    by_predicate: dict[str, list[Relation]] = {p: [] for p in predicates}
    for rel in graph.relations:
        by_predicate[rel.predicate].append(rel)
    tables = []
    for predicate in predicates:
        rels = by_predicate[predicate]
        start = PAPER_LABEL if predicate in PAPER_PREDICATES else ENTITY_LABEL
        for rel in rels:
            known = graph.papers if start == PAPER_LABEL else graph.entities
            if rel.subject not in known or rel.object not in graph.entities:
                raise PaperkgError(f"relation {rel.subject} {rel.predicate} {rel.object} "
                                   "links a paper or entity that is not in the graph")
        rtype = relationship_type(predicate)
        ends = (f":START_ID({start})", f":END_ID({ENTITY_LABEL})", ":TYPE", "weight:int")
        if predicate == CO_OCCURS_WITH:
            columns = _columns(*ends)
            rows = LazyRows(lambda rels=rels, rtype=rtype: (
                {"start_id": r.subject, "end_id": r.object, "type": rtype, "weight": r.weight}
                for r in rels))
        else:
            columns = _columns(*ends, "evidence_count:int", "papers:string[]", "evidence",
                               *EVIDENCE_ARRAYS)
            rows = LazyRows(lambda rels=rels, rtype=rtype: (
                {
                    "start_id": r.subject,
                    "end_id": r.object,
                    "type": rtype,
                    "weight": r.weight,
                    "evidence_count": len(r.evidence),
                    "papers": sorted({ev.paper_id for ev in r.evidence}),
                    "evidence": _evidence_json(r),
                    **_evidence_arrays(r),
                }
                for r in rels
            ))
        tables.append(Table(f"rels_{_NON_WORD.sub('_', predicate).lower()}.csv", columns, rows,
                            rel_type=rtype, start_label=start, end_label=ENTITY_LABEL))
    return tables


def build_tables(graph: KnowledgeGraph) -> list[Table]:
    """Every node and relationship file of the export, in import order."""
    bibliography = _bibliography_tables(graph)
    return [_paper_table(graph), *_entity_tables(graph), *bibliography[:2],
            *_relationship_tables(graph), *bibliography[2:]]


#: where the array delimiter is looked for when every readable candidate occurs in the data: the
#: Private Use Area (6,400 characters no text of the inputs means anything by)
FALLBACK_DELIMITERS = range(0xE000, 0xF900)


def choose_array_delimiter(tables: Sequence[Table]) -> str:
    """The first of :data:`ARRAY_DELIMITERS` that occurs in no element of any array value, else
    the first such character of :data:`FALLBACK_DELIMITERS`.

    neo4j-admin splits an array field at every array delimiter, quoted or not, so the delimiter
    must occur in no element.  One awkward author (``a;b|c^d~e¦f``) thus only moves the
    delimiter to a private-use character; no build fails for it.
    """
    used: set[str] = set()
    for table in tables:
        for column in table.columns:
            if column.array:
                for row in table.rows:
                    for item in row.get(column.key) or ():
                        used.update(str(item))
    for delimiter in ARRAY_DELIMITERS:
        if delimiter not in used:
            return delimiter
    for code in FALLBACK_DELIMITERS:
        if chr(code) not in used:
            return chr(code)
    raise PaperkgError("neo4j export: the aliases, authors and ids of the graph hold every "
                       "character that could delimit array elements (; | ^ ~ ¦ and the "
                       "Unicode Private Use Area)")


# --------------------------------------------------------------------------- writing


def _cell(value: Any, column: Column, delimiter: str) -> str:
    if value is None:
        return ""
    if column.array:
        return delimiter.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_table(table: Table, path: Path, delimiter: str) -> None:
    """Write one table as CSV: typed header, then one RFC 4180-quoted line per row."""
    header = [[c.header for c in table.columns]]
    rows = ([_cell(row.get(c.key), c, delimiter) for c in table.columns] for row in table.rows)
    write_csv(path, chain(header, rows))


def _set_clause(variable: str, table: Table) -> list[str]:
    keys = [c.key for c in table.columns if c.kind == "property"]
    if table.is_nodes:
        keys = [k for k in keys if k != "id"]
    return [f"{variable}.{k} = row.{k}" for k in keys]


def _statement(table: Table) -> str:
    lines = [f"// rows: {table.file}", "UNWIND $rows AS row"]
    if table.is_nodes:
        key_label, *extra = table.labels
        lines.append(f"MERGE (n:{key_label} {{id: row.id}})")
        sets = [f"n:{label}" for label in extra] + _set_clause("n", table)
    else:
        lines += [
            f"MATCH (a:{table.start_label} {{id: row.start_id}})",
            f"MATCH (b:{table.end_label} {{id: row.end_id}})",
            f"MERGE (a)-[r:{table.rel_type}]->(b)",
        ]
        sets = _set_clause("r", table)
    if sets:
        lines.append("SET " + (",\n    ".join(sets)))
    return "\n".join(lines) + ";"


#: the constraints (each backed by an index) and indexes both scripts create first
SCHEMA_STATEMENTS: tuple[str, ...] = (
    f"CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:{PAPER_LABEL}) REQUIRE n.id IS UNIQUE;",
    f"CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:{ENTITY_LABEL}) REQUIRE n.id IS UNIQUE;",
    f"CREATE INDEX entity_name IF NOT EXISTS FOR (n:{ENTITY_LABEL}) ON (n.name);",
    f"CREATE CONSTRAINT author_id IF NOT EXISTS FOR (n:{AUTHOR_LABEL}) REQUIRE n.id IS UNIQUE;",
    f"CREATE CONSTRAINT venue_id IF NOT EXISTS FOR (n:{VENUE_LABEL}) REQUIRE n.id IS UNIQUE;",
)


def cypher_script(tables: Sequence[Table], delimiter: str) -> str:
    """``import.cypher``: constraints (with their indexes), then one MERGE statement per file."""
    head = [
        "// paperkg: the graph for a running Neo4j (5.x or later) database.",
        "// Run it with `paperkg neo4j-load <this directory> --uri bolt://HOST:7687`: a statement",
        "// headed `// rows: FILE` runs once per batch of FILE's rows, passed as $rows (a list of",
        "// maps keyed by property name and typed as FILE's header says).  Idempotent: constraints",
        "// are created IF NOT EXISTS and every node and relationship is MERGEd on its key, so",
        "// running it again changes nothing.",
        f"// array-delimiter: {delimiter}",
        "",
        *SCHEMA_STATEMENTS,
    ]
    return "\n".join(head) + "\n\n" + "\n\n".join(_statement(t) for t in tables) + "\n"


def admin_command(tables: Sequence[Table], delimiter: str, database: str = "neo4j",
                  directory: str = ".") -> list[str]:
    """The ``neo4j-admin database import full`` arguments that import ``tables``."""
    prefix = "" if directory in ("", ".") else directory.rstrip("/") + "/"
    args = [
        "neo4j-admin", "database", "import", "full", database,
        "--id-type=string", "--delimiter=,", f"--array-delimiter={delimiter}", '--quote="',
        "--legacy-style-quoting=false", "--multiline-fields=true",
    ]
    for table in tables:
        option = "--nodes" if table.is_nodes else "--relationships"
        args.append(f"{option}={prefix}{table.file}")
    return args


def _shell_quote(arg: str) -> str:
    return arg if re.fullmatch(r"[-\w./=,:]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


def admin_script(tables: Sequence[Table], delimiter: str) -> str:
    """``neo4j-admin-import.sh``: the exact offline-import command for these files."""
    args = admin_command(tables, delimiter, database="DATABASE")
    options = [_shell_quote(a) for a in args[5:]]
    body = " \\\n  ".join(['"$NEO4J_ADMIN" database import full "$DATABASE"', *options,
                           '"$@"'])
    return (
        "#!/bin/sh\n"
        "# Offline import of these CSV files into a new Neo4j 5 database (stop the server first).\n"
        "# Usage: sh neo4j-admin-import.sh [DATABASE [more neo4j-admin options]]\n"
        "#   DATABASE defaults to neo4j; add --overwrite-destination to replace an existing one.\n"
        "#   NEO4J_ADMIN=/path/to/neo4j/bin/neo4j-admin if it is not on PATH.\n"
        "set -eu\n"
        'cd "$(dirname "$0")"\n'
        'NEO4J_ADMIN="${NEO4J_ADMIN:-neo4j-admin}"\n'
        'DATABASE="${1:-neo4j}"\n'
        'if [ $# -gt 0 ]; then shift; fi\n'
        f"{body}\n"
    )


def write(graph: KnowledgeGraph, out_dir: Path, options: object = None) -> None:
    """Write ``neo4j/``: the CSV files, ``import.cypher``, ``load-csv.cypher`` and
    ``neo4j-admin-import.sh``."""
    directory = out_dir / NEO4J_DIR
    directory.mkdir(parents=True, exist_ok=True)
    tables = build_tables(graph)
    delimiter = choose_array_delimiter(tables)
    for table in tables:
        write_table(table, directory / table.file, delimiter)
    (directory / SCRIPT).write_text(cypher_script(tables, delimiter), encoding="utf-8",
                                    newline="\n")
    (directory / LOAD_CSV_SCRIPT).write_text(
        load_csv_script(tables, delimiter, SCHEMA_STATEMENTS), encoding="utf-8", newline="\n")
    script = directory / ADMIN_SCRIPT
    script.write_text(admin_script(tables, delimiter), encoding="utf-8", newline="\n")
    script.chmod(0o755)


# --------------------------------------------------------------------------- reading and loading


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of ``import.cypher``; ``rows`` names the CSV file that feeds ``$rows``."""

    text: str
    rows: str | None
    line: int  #: line of the script where the statement starts


@dataclass(frozen=True, slots=True)
class Script:
    statements: tuple[Statement, ...]
    array_delimiter: str


def read_script(path: Path) -> Script:
    """Parse ``import.cypher``: statements end with ``;`` at the end of a line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    delimiter = ";"
    statements: list[Statement] = []
    buffer: list[str] = []
    rows: str | None = None
    start = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("//")):
            if stripped.startswith("// rows:"):
                rows = stripped.removeprefix("// rows:").strip()
            elif stripped.startswith("// array-delimiter:"):
                delimiter = stripped.removeprefix("// array-delimiter:").strip()
                if len(delimiter) != 1:
                    raise InputError(str(path), "array-delimiter must be one character", lineno)
            continue
        if not buffer:
            start = lineno
        buffer.append(line)
        if stripped.endswith(";"):
            statement = "\n".join(buffer).strip().removesuffix(";").strip()
            statements.append(Statement(statement, rows, start))
            buffer, rows = [], None
    if buffer:
        raise InputError(str(path), "last statement does not end with ';'", start)
    return Script(tuple(statements), delimiter)


def _convert(value: str, column: Column, delimiter: str, source: str, lineno: int) -> Any:
    if value == "":
        return None
    if column.array:
        return [_scalar(v, column, source, lineno) for v in value.split(delimiter)]
    return _scalar(value, column, source, lineno)


def _scalar(value: str, column: Column, source: str, lineno: int) -> Any:
    try:
        if column.type in _INTS:
            return int(value)
        if column.type in _FLOATS:
            return float(value)
    except ValueError:
        raise InputError(source, f"column {column.header!r}: {value!r} is not a number",
                         lineno) from None
    if column.type == "boolean":
        if value.lower() not in ("true", "false"):
            raise InputError(source, f"column {column.header!r}: {value!r} is not true/false",
                             lineno)
        return value.lower() == "true"
    return value


def read_table(path: Path, delimiter: str = ";") -> tuple[list[Column], Iterator[dict[str, Any]]]:
    """Read a neo4j-admin CSV file: its columns and its rows as typed maps (empty -> None)."""
    source = str(path)
    try:
        fh = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    reader = csv.reader(fh, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise InputError(source, "empty file: no header", 1) from None
    except csv.Error as exc:
        fh.close()
        raise InputError(source, f"bad CSV: {exc}", 1) from None
    columns = [parse_header_field(h, source) for h in header]

    def rows() -> Iterator[dict[str, Any]]:
        with fh:
            lineno = reader.line_num
            try:
                for record in reader:
                    if len(record) != len(columns):
                        raise InputError(source, f"{len(record)} fields, the header has "
                                         f"{len(columns)}", lineno + 1)
                    yield {
                        c.key: _convert(v, c, delimiter, source, lineno + 1)
                        for c, v in zip(columns, record, strict=True)
                        if c.kind != "IGNORE"
                    }
                    lineno = reader.line_num
            except csv.Error as exc:
                raise InputError(source, f"bad CSV: {exc}", reader.line_num) from None

    return columns, rows()


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_import(directory: Path, execute: Execute, batch_size: int = DEFAULT_BATCH_SIZE,
               script: Path | None = None) -> dict[str, int]:
    """Run ``import.cypher`` of ``directory`` through ``execute``; return rows sent per file.

    Statements without a ``// rows:`` file run once without parameters; the others run once per
    batch of ``batch_size`` rows of their file, as ``{"rows": batch}``.
    """
    if batch_size < 1:
        raise PaperkgError(f"batch size must be at least 1, not {batch_size}")
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(str(directory), "not a directory (expected a build's neo4j/ folder)")
    script_path = script or directory / SCRIPT
    parsed = read_script(script_path)
    counts: dict[str, int] = {}
    for statement in parsed.statements:
        if statement.rows is None:
            execute(statement.text, None)
            continue
        _, rows = read_table(directory / statement.rows, parsed.array_delimiter)
        sent = 0
        for batch in _batches(rows, batch_size):
            execute(statement.text, {"rows": batch})
            sent += len(batch)
        counts[statement.rows] = counts.get(statement.rows, 0) + sent
    return counts


def load_into_neo4j(
    directory: Path,
    uri: str,
    user: str | None = None,
    password: str | None = None,
    database: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[str, int]:
    """Import ``directory`` (a build's ``neo4j/``) into a running Neo4j with the official driver."""
    import neo4j
    from neo4j.exceptions import AuthError, ConfigurationError, DriverError, Neo4jError

    auth = (user or "neo4j", password) if password is not None else None
    current = [""]

    def execute(statement: str, params: Mapping[str, Any] | None) -> None:
        current[0] = statement
        driver.execute_query(statement, params or {}, database_=database)

    scheme = uri.partition("://")[0].lower()
    if "://" not in uri or scheme not in BOLT_SCHEMES:
        raise PaperkgError("--uri must start with one of "
                           f"{', '.join(s + '://' for s in BOLT_SCHEMES)}, not {uri!r}")
    if batch_size < 1:
        raise PaperkgError(f"batch size must be at least 1, not {batch_size}")
    directory = Path(directory)
    for needed in (directory, directory / SCRIPT):
        if not needed.exists():
            raise InputError(str(needed), "not found (expected a build's neo4j/ folder)")
    read_script(directory / SCRIPT)  # a broken script fails here, before connecting
    try:
        driver = neo4j.GraphDatabase.driver(uri, auth=auth)
    except (ConfigurationError, ValueError) as exc:
        raise PaperkgError(f"bad Neo4j URI {uri!r}: {_one_line(exc)}") from None
    try:
        with driver:
            driver.verify_connectivity()
            return run_import(directory, execute, batch_size)
    except AuthError as exc:
        raise PaperkgError(f"Neo4j at {uri} refused the credentials: "
                           f"{_one_line(exc.message or exc)}") from None
    except Neo4jError as exc:
        raise PaperkgError(f"Neo4j at {uri} rejected `{_summary(current[0])}`: "
                           f"{_one_line(exc.message or exc)}") from None
    except (DriverError, OSError) as exc:
        raise PaperkgError(f"cannot reach Neo4j at {uri}: {_one_line(exc)}") from None


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def _summary(statement: str) -> str:
    """The telling line of a statement (the one after ``UNWIND $rows AS row``)."""
    lines = [line.strip() for line in statement.splitlines() if line.strip()]
    telling = [line for line in lines if not line.startswith("UNWIND")]
    return (telling or lines or [""])[0]
