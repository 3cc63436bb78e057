"""output/neo4j/: neo4j-admin CSVs and import.cypher, run in a real openCypher engine (FalkorDB)."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from falkordb_server import engine_fixture, execute_on, scalar
from tricky_graph import DOI, SPACE_ID, TITLE, tricky_graph
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError
from kg.export import neo4j, neo4j_admin
from kg.graph.networkx import to_networkx
from kg.model import CO_OCCURS_WITH, ENTITY_TYPES, KnowledgeGraph
from kg.query import neo4j_load

NEO4J = neo4j.NEO4J_DIR


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    """FalkorDB, built by .ci/falkordb.sh if needed, on a free 127.0.0.1 port."""
    yield from engine_fixture(tmp_path_factory)


def _fresh(db, name: str):
    graph = db.select_graph(name)
    if name in db.list_graphs():
        graph.delete()
    return db.select_graph(name)


@pytest.fixture(scope="module")
def tricky_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeGraph, Path]:
    graph = tricky_graph()
    out = tmp_path_factory.mktemp("tricky")
    neo4j.write(graph, out)
    return graph, out / NEO4J


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, strict=True))


def _node_counts(g: nx.MultiDiGraph) -> Counter:
    return Counter(data["type"] for _, data in g.nodes(data=True))


def _edge_counts(g: nx.MultiDiGraph) -> Counter:
    return Counter(key for _, _, key in g.edges(keys=True))


# --------------------------------------------------------------------------- the files


def test_files_headers_and_row_counts(demo_build):
    graph, out = demo_build
    d = out / NEO4J
    nxg = to_networkx(graph)
    headers = {p.name: _rows(p)[0] for p in d.glob("*.csv")}
    assert headers["nodes_paper.csv"][:2] == ["id:ID(Paper)", ":LABEL"]
    assert "year:int" in headers["nodes_paper.csv"]
    assert {"aliases:string[]", "paper_count:int"} <= set(headers["nodes_model.csv"])
    assert headers["rels_uses.csv"][:4] == [":START_ID(Paper)", ":END_ID(Entity)", ":TYPE",
                                            "weight:int"]
    assert headers["rels_trained_on.csv"][:2] == [":START_ID(Entity)", ":END_ID(Entity)"]
    assert headers["rels_co_occurs_with.csv"] == [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE",
                                                  "weight:int"]
    for etype in ENTITY_TYPES:
        rows = _rows(d / f"nodes_{etype.lower()}.csv")[1:]
        assert len(rows) == _node_counts(nxg)[etype]
        delimiter = neo4j_load.read_script(d / neo4j.SCRIPT).array_delimiter
        assert {r[1] for r in rows} <= {f"Entity{delimiter}{etype}"}
    assert len(_rows(d / "nodes_paper.csv")) - 1 == len(graph.papers)
    for predicate, n in _edge_counts(nxg).items():
        rows = _rows(d / f"rels_{predicate}.csv")[1:]
        assert len(rows) == n
        assert {r[2] for r in rows} == {predicate.upper()}
    # every header field parses and every row has as many fields as its header
    for name in headers:
        columns, rows = neo4j_load.read_table(d / name, delimiter)
        assert sum(1 for _ in rows) == len(_rows(d / name)) - 1


def test_tricky_values_survive_csv_quoting(tricky_out):
    graph, d = tricky_out
    script = neo4j_load.read_script(d / neo4j.SCRIPT)
    assert script.array_delimiter == "|"  # ';' occurs in an alias, an author and a paper id
    raw = (d / "nodes_paper.csv").read_text(encoding="utf-8")
    assert '"He said ""hi"", then left;' in raw  # RFC 4180: quoted, inner quotes doubled
    _, rows = neo4j_load.read_table(d / "nodes_paper.csv", script.array_delimiter)
    papers = {r["id"]: r for r in rows}
    assert papers[DOI]["title"] == TITLE
    assert papers[DOI]["abstract"] == graph.papers[DOI].abstract
    assert papers[DOI]["authors"] == ["Doe, J.", "O'Neil; P."]
    assert papers[DOI]["year"] == 2021 and papers[SPACE_ID]["year"] is None
    _, rows = neo4j_load.read_table(d / "nodes_model.csv", script.array_delimiter)
    x1 = {r["id"]: r for r in rows}["model/x-1"]
    assert x1["aliases"] == ["X;1", "X, one", 'X "uno"']
    assert x1["labels"] == ["Entity", "Model"]
    assert x1["ext_hugging_face"] == "org/x-1" and x1["ext_wikidata"] == "Q1"
    assert x1["attr_sizes"] == ["7B", "13B"]
    _, rows = neo4j_load.read_table(d / "rels_uses_method.csv", script.array_delimiter)
    (rel,) = list(rows)
    evidence = json.loads(rel["evidence"])
    assert [e["sentence_text"] for e in evidence] == [
        ev.sentence_text for ev in graph.relations[4].evidence]
    assert rel["papers"] == sorted({DOI, SPACE_ID})
    # the evidence as typed parallel arrays, readable without APOC
    records = graph.relations[4].evidence
    assert rel["evidence_sentence"] == [ev.sentence_text for ev in records]
    assert rel["evidence_start"] == [ev.start for ev in records]
    assert rel["evidence_paper"] == [ev.paper_id for ev in records]
    assert "--array-delimiter=|" in (d / neo4j.ADMIN_SCRIPT).read_text()


def test_deterministic(tmp_path, demo_build):
    graph, out = demo_build
    neo4j.write(graph, tmp_path)
    for path in sorted((out / NEO4J).iterdir()):
        assert (tmp_path / NEO4J / path.name).read_bytes() == path.read_bytes(), path.name


def test_admin_script_passes_exact_command(tmp_path, demo_build):
    """The generated shell script hands neo4j-admin exactly :func:`admin_command`'s arguments."""
    graph, out = demo_build
    fake = tmp_path / "neo4j-admin"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    fake.chmod(0o755)
    done = subprocess.run(["sh", str(out / NEO4J / neo4j.ADMIN_SCRIPT), "kg",
                           "--overwrite-destination"], env={**os.environ, "NEO4J_ADMIN": str(fake)},
                          capture_output=True, text=True, check=True)
    tables = neo4j.build_tables(graph)
    delimiter = neo4j.choose_array_delimiter(tables)  # '|': sentences of the evidence hold ';'
    expected = neo4j_admin.admin_command(tables, delimiter, database="kg")[1:] + [
        "--overwrite-destination"]
    assert done.stdout.splitlines() == expected
    for arg in expected:
        if arg.startswith(("--nodes=", "--relationships=")):
            assert (out / NEO4J / arg.split("=", 1)[1]).is_file()


def test_script_idempotent_shape(demo_build):
    _, out = demo_build
    script = neo4j_load.read_script(out / NEO4J / neo4j.SCRIPT)
    schema = [s.text for s in script.statements if s.rows is None]
    data = [s for s in script.statements if s.rows is not None]
    assert all("IF NOT EXISTS" in s for s in schema) and len(schema) == 5
    assert script.statements[: len(schema)] == tuple(
        s for s in script.statements if s.rows is None)  # indexes first
    for statement in data:
        assert statement.text.startswith("UNWIND $rows AS row\nMERGE") or (
            "MERGE (a)-[r:" in statement.text)
        assert "CREATE (" not in statement.text
    assert {s.rows for s in data} == {p.name for p in (out / NEO4J).glob("*.csv")}


def test_bad_csv_reports_file_and_line(tmp_path):
    path = tmp_path / "nodes_x.csv"
    path.write_text("id:ID(Paper),year:int\np1,2020\np2,twenty\n", encoding="utf-8")
    _, rows = neo4j_load.read_table(path)
    with pytest.raises(InputError, match=r"nodes_x.csv:3: .*'twenty' is not a number"):
        list(rows)
    path.write_text("id:ID(Paper),title\np1,a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"nodes_x.csv:2: 3 fields, the header has 2"):
        list(neo4j_load.read_table(path)[1])
    path.write_text("id:ID(Paper)[],title\n", encoding="utf-8")
    with pytest.raises(InputError, match="nodes_x.csv:1: .*cannot be an array"):
        neo4j_load.read_table(path)


# --------------------------------------------------------------------------- a real engine


def _import(db, name: str, directory: Path, batch_size: int = 100):
    graph = _fresh(db, name)
    counts = neo4j_load.run_import(directory, execute_on(graph), batch_size=batch_size)
    return graph, counts


def _label_counts(graph) -> dict[str, int]:
    return {label: scalar(graph, f"MATCH (n:{label}) RETURN count(n)")
            for label in ("Paper", "Entity", *ENTITY_TYPES, "Author", "Venue")}


def _bibliography(graph: KnowledgeGraph) -> tuple[dict[str, int], dict[str, int]]:
    """Author and Venue node counts, AUTHORED and PUBLISHED_IN relationship counts."""
    papers = graph.papers.values()
    authors = {a for p in papers for a in p.authors if a}
    venues = {p.venue for p in papers if p.venue}
    nodes = {"Author": len(authors), "Venue": len(venues)}
    rels = {"AUTHORED": sum(len(dict.fromkeys(a for a in p.authors if a)) for p in papers),
            "PUBLISHED_IN": sum(1 for p in papers if p.venue),
            "BROADER": sum(len(e.broader) for e in graph.entities.values())}
    return nodes, {k: n for k, n in rels.items() if n}


def _type_counts(graph) -> dict[str, int]:
    rows = graph.query("MATCH ()-[r]->() RETURN type(r), count(r)").result_set
    return {t: n for t, n in rows}


def test_import_counts_equal_networkx(engine, demo_build):
    db, _ = engine
    graph, out = demo_build
    nxg = to_networkx(graph)
    fg, counts = _import(db, "demo", out / NEO4J, batch_size=50)  # several batches per file
    nodes = _node_counts(nxg)
    bib_nodes, bib_rels = _bibliography(graph)
    assert bib_nodes["Author"] > 0 and bib_rels["AUTHORED"] > 0 and bib_rels["BROADER"] > 0
    expected_labels = {"Paper": nodes["Paper"], "Entity": len(graph.entities),
                       **{t: nodes[t] for t in ENTITY_TYPES}, **bib_nodes}
    expected_types = {**{k.upper(): n for k, n in _edge_counts(nxg).items()}, **bib_rels}
    assert _label_counts(fg) == expected_labels
    assert _type_counts(fg) == expected_types
    assert sum(counts.values()) == (nxg.number_of_nodes() + nxg.number_of_edges()
                                    + sum(bib_nodes.values()) + sum(bib_rels.values()))

    # idempotent: the same script again adds and changes nothing
    neo4j_load.run_import(out / NEO4J, execute_on(fg), batch_size=1000)
    assert _label_counts(fg) == expected_labels
    assert _type_counts(fg) == expected_types
    assert scalar(fg, "MATCH (n) RETURN count(n)") == (nxg.number_of_nodes()
                                                        + sum(bib_nodes.values()))


def test_sample_queries_equal_networkx(engine, demo_build):
    db, _ = engine
    graph, out = demo_build
    nxg = to_networkx(graph)
    fg, _ = _import(db, "queries", out / NEO4J)

    # most-used entities: papers that USE them
    used = Counter(v for _, v, k in nxg.edges(keys=True) if k == "uses")
    top = sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    rows = fg.query("MATCH (:Paper)-[:USES]->(e:Entity) RETURN e.id, count(*) AS n "
                    "ORDER BY n DESC, e.id LIMIT 5").result_set
    assert [tuple(r) for r in rows] == top

    # two hops: paper -PROPOSES-> model -TRAINED_ON-> dataset
    expected = sorted(
        (p, m, d)
        for p, m, k in nxg.edges(keys=True) if k == "proposes"
        for _, d, k2 in nxg.out_edges(m, keys=True) if k2 == "trained_on"
    )
    rows = fg.query("MATCH (p:Paper)-[:PROPOSES]->(m:Entity)-[:TRAINED_ON]->(d:Dataset) "
                    "RETURN p.id, m.id, d.id ORDER BY p.id, m.id, d.id").result_set
    assert [tuple(r) for r in rows] == expected

    # co-occurrence is stored once per pair: query it undirected
    co = nx.Graph((u, v) for u, v, k in nxg.edges(keys=True) if k == CO_OCCURS_WITH)
    hub = max(sorted(co), key=co.degree)
    rows = fg.query("MATCH (:Entity {id: $id})-[:CO_OCCURS_WITH]-(o:Entity) RETURN o.id "
                    "ORDER BY o.id", {"id": hub}).result_set
    assert [r[0] for r in rows] == sorted(co[hub])

    # the task and method hierarchy: every skos:broader link, and a query up the hierarchy
    rows = fg.query("MATCH (a:Entity)-[:BROADER]->(b:Entity) RETURN a.id, b.id").result_set
    assert sorted(map(tuple, rows)) == sorted(
        (e.id, b) for e in graph.entities.values() for b in e.broader)
    child = next(e for e in graph.entities.values() if e.id == "method/qlora")
    rows = fg.query("MATCH (:Method {id: 'method/qlora'})-[:BROADER*1..]->(b) RETURN b.id "
                    "ORDER BY b.id").result_set
    assert child.broader == ("method/lora",) and [r[0] for r in rows] == [
        "method/lora", "method/peft"]

    # every node's properties
    rows = fg.query("MATCH (e:Entity) RETURN e.id, e.name, e.aliases, e.paper_count").result_set
    for eid, name, aliases, paper_count in rows:
        data = nxg.nodes[eid]
        assert (name, aliases or [], paper_count) == (data["label"], data["aliases"],
                                                      data["paper_count"])
    rows = fg.query("MATCH (p:Paper) RETURN p.id, p.title, p.year").result_set
    assert {r[0]: (r[1], r[2]) for r in rows} == {
        n: (d["label"], d["year"]) for n, d in nxg.nodes(data=True) if d["type"] == "Paper"}

    # every typed relation's weight and evidence
    rows = fg.query("MATCH (a)-[r]->(b) WHERE NOT type(r) IN "
                    "['CO_OCCURS_WITH', 'AUTHORED', 'PUBLISHED_IN', 'BROADER'] "
                    "RETURN a.id, type(r), b.id, r.weight, r.evidence_count, r.evidence").result_set
    got = {(a, t.lower(), b): (w, n, json.loads(ev)) for a, t, b, w, n, ev in rows}
    want = {(r.subject, r.predicate, r.object): (r.weight, len(r.evidence),
                                                 [e.to_json() for e in r.evidence])
            for r in graph.relations if r.predicate != CO_OCCURS_WITH}
    assert got == want


def test_tricky_graph_round_trips_through_engine(engine, tricky_out):
    db, _ = engine
    graph, d = tricky_out
    fg, _ = _import(db, "tricky", d)
    rows = fg.query("MATCH (p:Paper) RETURN p.id, p.title, p.abstract, p.authors, p.venue, "
                    "p.url ORDER BY p.id").result_set
    assert [tuple(r) for r in rows] == [
        (p.id, p.title, p.abstract, list(p.authors) or None, p.venue, p.url)
        for p in sorted(graph.papers.values(), key=lambda p: p.id)]
    x1 = fg.query("MATCH (m:Model {id: 'model/x-1'}) RETURN m.aliases, m.attr_sizes, "
                  "m.ext_hugging_face").result_set[0]
    assert x1 == [["X;1", "X, one", 'X "uno"'], ["7B", "13B"], "org/x-1"]
    assert _type_counts(fg) == {"PROPOSES": 1, "USES": 2, "BASED_ON": 1, "USES_METHOD": 1,
                                "CO_OCCURS_WITH": 3, **_bibliography(graph)[1]}
    authored = fg.query("MATCH (a:Author)-[r:AUTHORED]->(p:Paper) RETURN p.id, a.name, "
                        "r.position ORDER BY p.id, r.position").result_set
    assert authored == [[p.id, a, i] for p in sorted(graph.papers.values(), key=lambda p: p.id)
                        for i, a in enumerate(dict.fromkeys(x for x in p.authors if x), 1)]


def test_engine_csv_parser_reads_our_quoting(engine, tricky_out, demo_build):
    """FalkorDB's own CSV reader (LOAD CSV) sees the same values as our writer put in."""
    db, imports = engine
    graph, d = tricky_out
    for path in d.glob("*.csv"):
        (imports / path.name).write_bytes(path.read_bytes())
    fg = _fresh(db, "loadcsv")
    rows = fg.query("LOAD CSV WITH HEADERS FROM 'file://nodes_paper.csv' AS row "
                    "RETURN row['id:ID(Paper)'], row.title, row.abstract").result_set
    assert sorted(tuple(r) for r in rows) == sorted(
        (p.id, p.title, p.abstract) for p in graph.papers.values())
    rows = fg.query("LOAD CSV WITH HEADERS FROM 'file://rels_uses_method.csv' AS row "
                    "RETURN row.evidence").result_set
    assert [json.loads(r[0]) for r in rows] == [[e.to_json() for e in graph.relations[4].evidence]]
    demo, out = demo_build
    for path in (out / NEO4J).glob("*.csv"):
        (imports / f"demo_{path.name}").write_bytes(path.read_bytes())
        n = scalar(fg, f"LOAD CSV WITH HEADERS FROM 'file://demo_{path.name}' AS row "
                       "RETURN count(row)")
        assert n == len(_rows(path)) - 1, path.name


# --------------------------------------------------------------------------- paperkg neo4j-load


class _FalkorBackedDriver:
    """The part of ``neo4j.Driver`` that ``load_into_neo4j`` uses, executing on FalkorDB."""

    def __init__(self, graph) -> None:
        self.execute = execute_on(graph)
        self.databases: set[str | None] = set()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def verify_connectivity(self) -> None:
        return None

    def execute_query(self, query, parameters=None, database_=None, **kwargs):
        self.databases.add(database_)
        self.execute(query, parameters)


def test_neo4j_load_command_runs_the_script(engine, demo_build, monkeypatch):
    import neo4j as neo4j_driver

    db, _ = engine
    graph, out = demo_build
    fg = _fresh(db, "cli")
    seen: dict = {}

    def fake_driver(uri, auth=None, **kwargs):
        seen.update(uri=uri, auth=auth)
        seen["driver"] = _FalkorBackedDriver(fg)
        return seen["driver"]

    monkeypatch.setattr(neo4j_driver.GraphDatabase, "driver", fake_driver)
    result = CliRunner().invoke(app, ["neo4j-load", str(out), "--uri", "bolt://127.0.0.1:7687",
                                      "-p", "secret", "-d", "kg", "--batch-size", "64"])
    assert result.exit_code == 0, result.output
    assert seen["uri"] == "bolt://127.0.0.1:7687" and seen["auth"] == ("neo4j", "secret")
    assert seen["driver"].databases == {"kg"}
    nxg = to_networkx(graph)
    bib_nodes, bib_rels = _bibliography(graph)
    assert scalar(fg, "MATCH (n) RETURN count(n)") == (nxg.number_of_nodes()
                                                        + sum(bib_nodes.values()))
    assert sum(_type_counts(fg).values()) == nxg.number_of_edges() + sum(bib_rels.values())
    assert "nodes_paper.csv" in result.output


def test_neo4j_load_unreachable_is_one_line_error(demo_build, tmp_path):
    from falkordb_server import free_port

    _, out = demo_build
    result = CliRunner().invoke(app, ["neo4j-load", str(out / NEO4J), "--uri",
                                      f"bolt://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot reach Neo4j at bolt://127.0.0.1:")
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["neo4j-load", str(tmp_path), "--uri", "bolt://x:1"])
    assert result.exit_code == 1 and "import.cypher: not found" in result.output
    result = CliRunner().invoke(app, ["neo4j-load", str(out), "--uri", "http://x:7474"])
    assert result.exit_code == 1 and "--uri must start with one of bolt://" in result.output


def test_an_author_holding_every_readable_delimiter_does_not_stop_the_export(tmp_path):
    """Issue 20: ``a;b|c^d~e¦f`` as an author moves the array delimiter to a private-use
    character; the arrays read back exactly."""
    from dataclasses import replace

    graph = tricky_graph()
    paper = graph.papers[DOI]
    graph.papers[DOI] = replace(paper, authors=("a;b|c^d~e¦f", *paper.authors))
    neo4j.write(graph, tmp_path)
    d = tmp_path / NEO4J
    script = neo4j_load.read_script(d / neo4j.SCRIPT)
    assert script.array_delimiter == "\ue000"
    _, rows = neo4j_load.read_table(d / "nodes_paper.csv", script.array_delimiter)
    papers = {r["id"]: r for r in rows}
    assert papers[DOI]["authors"] == ["a;b|c^d~e¦f", "Doe, J.", "O'Neil; P."]
    assert "--array-delimiter=\ue000" in (d / neo4j.ADMIN_SCRIPT).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- load-csv.cypher


def _load_csv_statements(path: Path, prefix: str) -> list[str]:
    """The statements of load-csv.cypher, reading the files from ``prefix`` (FalkorDB's import
    folder is ``file://NAME``, Neo4j's ``file:///NAME``: the one change a test needs)."""
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("//"))
    text = text.replace("'file:///", f"'{prefix}")
    return [s.strip() for s in re.split(r";\s*\n", text) if s.strip()]


def test_load_csv_script_runs_as_is_and_is_idempotent(engine, demo_build):
    """load-csv.cypher, run statement by statement on FalkorDB's LOAD CSV, gives the graph the
    Bolt loader gives, and running it again changes nothing."""
    db, imports = engine
    graph, out = demo_build
    d = out / NEO4J
    for path in d.glob("*.csv"):
        (imports / f"lc_{path.name}").write_bytes(path.read_bytes())
    statements = _load_csv_statements(d / neo4j.LOAD_CSV_SCRIPT, "file://lc_")
    assert statements[0].startswith("CREATE CONSTRAINT")  # constraints first
    fg = _fresh(db, "loadcsv-script")
    execute = execute_on(fg)
    for statement in statements:
        execute(statement, None)
    reference, _ = _import(db, "loadcsv-reference", d)
    assert _label_counts(fg) == _label_counts(reference)
    assert _type_counts(fg) == _type_counts(reference)
    for query in ("MATCH (p:Paper) RETURN p.id, p.title, p.year, p.authors ORDER BY p.id",
                  "MATCH (e:Entity) RETURN e.id, e.name, e.aliases, e.paper_count ORDER BY e.id",
                  "MATCH (a)-[r]->(b) RETURN a.id, type(r), b.id, r.weight, r.papers, "
                  "r.evidence ORDER BY a.id, type(r), b.id"):
        assert fg.query(query).result_set == reference.query(query).result_set, query
    for statement in statements:  # idempotent
        execute(statement, None)
    assert _label_counts(fg) == _label_counts(reference)
    assert _type_counts(fg) == _type_counts(reference)
