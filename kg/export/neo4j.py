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
pair; query it undirected) with ``weight``; ``BROADER`` (a Task or Method -> its more general
Task or Method, ``skos:broader``); ``AUTHORED`` (Author -> Paper, ``position``) and
``PUBLISHED_IN`` (Paper -> Venue).

A third route needs no paperkg at all: ``load-csv.cypher`` (:mod:`kg.export.neo4j_loadcsv`), plain
``LOAD CSV`` statements over the same files for Neo4j Browser, cypher-shell and Aura.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

from kg.errors import InputError, PaperkgError
from kg.export.csvtext import write_csv
from kg.export.neo4j_admin import admin_script
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
#: longest property name made from a free-form key (Neo4j and FalkorDB limit token lengths)
MAX_PROPERTY_NAME = 64
_HEADER = re.compile(
    r"^(?P<name>[^:]*)(?::(?P<type>[A-Za-z_]+)(?:\((?P<space>[^)]*)\))?(?P<array>\[\])?)?$"
)
_SPECIAL = {"ID", "LABEL", "START_ID", "END_ID", "TYPE", "IGNORE"}
INT_TYPES = {"int", "long", "short", "byte"}
FLOAT_TYPES = {"float", "double"}
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
    if value_type not in INT_TYPES | FLOAT_TYPES | {"string", "boolean", "char"}:
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
              LazyRows(partial(_name_rows, names, label)), labels=(label,))
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
            rows = LazyRows(partial(_co_occurrence_rows, rels, rtype))
        else:
            columns = _columns(*ends, "evidence_count:int", "papers:string[]", "evidence",
                               *EVIDENCE_ARRAYS)
            rows = LazyRows(partial(_relation_rows, rels, rtype))
        tables.append(Table(f"rels_{_NON_WORD.sub('_', predicate).lower()}.csv", columns, rows,
                            rel_type=rtype, start_label=start, end_label=ENTITY_LABEL))
    return tables


#: the relationship type of ``skos:broader`` (Entity -> its more general Entity)
BROADER = "BROADER"


def _broader_table(graph: KnowledgeGraph) -> Table:
    """``BROADER`` relationships: a task or method -> its more general task or method."""
    entities = sorted(graph.entities.values(), key=lambda e: e.id)
    return Table(
        "rels_broader.csv",
        _columns(f":START_ID({ENTITY_LABEL})", f":END_ID({ENTITY_LABEL})", ":TYPE"),
        LazyRows(lambda: ({"start_id": e.id, "end_id": b, "type": BROADER}
                          for e in entities for b in e.broader)),
        rel_type=BROADER, start_label=ENTITY_LABEL, end_label=ENTITY_LABEL)


def _name_rows(names: Sequence[str], label: str) -> Iterator[dict[str, Any]]:
    return ({"id": n, "labels": [label], "name": n} for n in names)


def _co_occurrence_rows(rels: Sequence[Relation], rtype: str) -> Iterator[dict[str, Any]]:
    return ({"start_id": r.subject, "end_id": r.object, "type": rtype, "weight": r.weight}
            for r in rels)


def _relation_rows(rels: Sequence[Relation], rtype: str) -> Iterator[dict[str, Any]]:
    for r in rels:
        yield {
            "start_id": r.subject,
            "end_id": r.object,
            "type": rtype,
            "weight": r.weight,
            "evidence_count": len(r.evidence),
            "papers": sorted({ev.paper_id for ev in r.evidence}),
            "evidence": _evidence_json(r),
            **_evidence_arrays(r),
        }


def build_tables(graph: KnowledgeGraph) -> list[Table]:
    """Every node and relationship file of the export, in import order."""
    bibliography = _bibliography_tables(graph)
    return [_paper_table(graph), *_entity_tables(graph), *bibliography[:2],
            *_relationship_tables(graph), _broader_table(graph), *bibliography[2:]]


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
