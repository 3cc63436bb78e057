"""Hostile text for the hardening tests: hypothesis strategies, and checks of every output.

The strategies make paper records and whole graphs whose every text field mixes quotes,
backslashes, newlines, tabs, NUL and other control characters, markup (``<script>``, ``"]]>``),
template syntax (``{{``), Turtle, SPARQL and Cypher syntax, very long words, right-to-left text,
combining marks, emoji and IRI-looking names.

The checks read back what a build wrote and compare it with the graph it was built from:
:func:`check_rdf` (rapper and rdflib agree; literals and IRIs exact), :func:`check_html` (text
stays text), :func:`check_neo4j_csv` and :func:`check_tables` (field for field with Python's
:mod:`csv`), :func:`check_cypher_import` (a real openCypher engine stores names exactly).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import rdflib
import rdflib.compare
from hypothesis import strategies as st
from rdflib.namespace import DCTERMS, RDFS, SKOS

from extractors.components.entities import MAX_NAME_CHARS
from kg.export import ExportOptions
from kg.export.html import page_data
from kg.graph.ontology import ontology_triples
from kg.graph.rdf import (
    ENTITY_PATHS,
    OTHER_ENTITY_PATH,
    PAPER_PATH,
    entity_iri,
    paper_iri,
    rdf_text,
)
from kg.ingest.records import ENTITY_ID_PREFIXES, MAX_ID_CHARS
from kg.model import (
    CO_OCCURS_WITH,
    ENTITY_PREDICATES,
    ENTITY_TYPES,
    Entity,
    Evidence,
    KnowledgeGraph,
    Paper,
    Relation,
)

BASE = ExportOptions().base_iri

# --------------------------------------------------------------------------- strategies

#: Pieces of text that have broken some exporter, parser or page somewhere.
FRAGMENTS: tuple[str, ...] = (
    '"', "'", "\\", "\\\\", '\\"', "\n", "\r\n", "\r", "\t", "\x00", "\x01", "\x08", "\x0b",
    "\x0c", "\x1b[31m", "\x1f", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff",
    "\ufdd0", "\U0010ffff", "\ud7ff",
    # markup
    "<script>alert(1)</script>", "</script>", "<!--", "-->", "<![CDATA[", '"]]>', "]]>",
    '<img src=x onerror="alert(1)">', "&amp;", "&lt;", "&#0;", "&", "<b>", "</div>",
    "javascript:alert(1)",
    # templates and JSON
    "{{", "}}", "{% raw %}", "${x}", '{"a": 1}', "[1, 2]", "null",
    # Turtle / N-Triples / SPARQL
    '"""', "'''", '" .', "\" ; <http://evil.example/p> \"x", "@prefix x: <http://e/> .",
    "^^<http://www.w3.org/2001/XMLSchema#integer>", "@en", "_:b0", "<http://evil.example/#>",
    "} SERVICE <http://127.0.0.1:9/> {", "#", "?x", "$rows",
    # Cypher
    "'})-[:X]->(", "MATCH (n) DETACH DELETE n", "`", "//", "/*", "*/", ";", "\\u0027",
    # IRI-looking names
    "http://example.org/a b", "https://evil.example/x?y=1&z=<2>#f", "urn:uuid:1234", "doi:10.1/x",
    "paper/", "model/llama-2", "../../etc/passwd", "%2F", "%00", "%", "a:b/c?d#e", "mailto:x@y",
    "file:///etc/passwd", "//evil.example", "[::1]",
    # scripts, marks, emoji
    "\u202e", "\u202d", "\u200f", "\u200b", "مرحبا بالعالم", "שלום", "e\u0301", "\u0336\u0336",
    "Z\u0335\u0321\u0358a\u0334l\u0337go", "🚀", "👩\u200d👩\u200d👧", "🏳️\u200d🌈",
    "ＦｕｌｌＮｅｔ", "İı", "ß", "ﬁ", "𝔘𝔫𝔦", "漢字", "Ω",
)

#: Names the extractor takes for models, so that entities, relations and evidence exist.
NAMES: tuple[str, ...] = (
    "FooNet", "BarBERT-7B", "Med-PaLM 2", "ＦｕｌｌＮｅｔ", "Ωmega-7B", "ViT-B/16", "GPT-4",
)


def long_word() -> st.SearchStrategy[str]:
    """One word of 300 to 3,000 characters (letters, emoji, combining marks or hyphens)."""
    return st.builds(lambda c, n: c * n, st.sampled_from(["x", "Å", "🚀", "e\u0301", "A-", "ش"]),
                     st.integers(300, 3000))


def hostile_text(max_pieces: int = 8) -> st.SearchStrategy[str]:
    """Text made of hostile fragments, arbitrary unicode and the odd very long word."""
    piece = st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(max_size=12),  # any code point but surrogates
        st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "Mn", "Co"]),
                max_size=4),
        st.sampled_from(NAMES),
        long_word(),
    )
    return st.lists(piece, max_size=max_pieces).map("".join)


def nonblank(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``text``, with a visible character added when it is blank."""
    return text.map(lambda t: t if t.split() else t + "x")


@st.composite
def abstracts(draw: st.DrawFn) -> str:
    """An abstract: hostile text, often around sentences that name models and datasets."""
    before, after = draw(hostile_text()), draw(hostile_text())
    if draw(st.booleans()):
        name = draw(st.sampled_from(NAMES))
        return (f"{before} We propose {name}, a language model based on Llama-2 and trained on "
                f"MIMIC-III. {name} outperforms GPT-4 on MedQA {after}")
    return before + " " + after


@st.composite
def paper_records(draw: st.DrawFn) -> dict[str, Any]:
    """One input record (JSON object / CSV row) with hostile values in every field."""
    record: dict[str, Any] = {
        "title": draw(st.one_of(nonblank(hostile_text()), st.sampled_from(NAMES))),
        "abstract": draw(abstracts()),
    }
    if draw(st.booleans()):
        record["id"] = draw(nonblank(hostile_text(4)))
    if draw(st.booleans()):
        record["authors"] = draw(st.lists(nonblank(hostile_text(3)), max_size=4))
    if draw(st.booleans()):
        record["venue"] = draw(hostile_text(3))
    if draw(st.booleans()):
        record["url"] = draw(st.one_of(
            st.sampled_from(["https://example.org/a b<c>\"d", "javascript:alert(1)",
                             "http://[::1]:80/x", "https://x.example/%zz?q=<>#\"", "http://"]),
            st.builds(lambda t: "https://example.org/" + t, hostile_text(3))))
    if draw(st.booleans()):
        record["year"] = draw(st.integers(1000, 2999))
    return record


def write_records(path: Path, records: list[dict[str, Any]], fmt: str, ascii_only: bool) -> Path:
    """Write ``records`` as JSON Lines, a JSON array or CSV; return the file."""
    if fmt == "jsonl":
        path = path.with_suffix(".jsonl")
        path.write_text("".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in records),
                        encoding="utf-8")
    elif fmt == "json":
        path = path.with_suffix(".json")
        path.write_text(json.dumps(records, ensure_ascii=ascii_only, indent=1), encoding="utf-8")
    else:
        path = path.with_suffix(".csv")
        columns = ["id", "title", "abstract", "authors", "venue", "url", "year"]
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for r in records:
                authors = "; ".join(r.get("authors", []))
                writer.writerow([authors if c == "authors" else r.get(c, "") for c in columns])
    return path


@st.composite
def hostile_graphs(draw: st.DrawFn) -> KnowledgeGraph:
    """A whole graph, as linking makes them, with hostile ids, names, aliases and evidence.

    Extraction keeps names plain today, but ``--patterns`` files and later extractors may not:
    every exporter must cope with any name.  What the readers guarantee holds here too: titles
    and abstracts are not blank, optional texts are None or not blank, ids are at most
    ``MAX_ID_CHARS`` characters and names at most ``MAX_NAME_CHARS``.
    """
    text = hostile_text(5)
    some = nonblank(text)
    optional = st.none() | some
    paper_id = some.map(lambda t: t[:MAX_ID_CHARS].strip() or "x").map(
        lambda t: "p" + t if t.partition("/")[0] in ENTITY_ID_PREFIXES else t)
    paper_ids = draw(st.lists(paper_id, min_size=1, max_size=3, unique=True))
    papers = {}
    for pid in paper_ids:
        papers[pid] = Paper(
            id=pid, title=" ".join(draw(some).split()), abstract=draw(some), url=draw(optional),
            year=draw(st.none() | st.integers(1000, 2999)),
            authors=tuple(draw(st.lists(some, max_size=3))), venue=draw(optional),
        )
    name = some.map(lambda t: t[:MAX_NAME_CHARS].strip() or "x")
    entities: dict[str, Entity] = {}
    for _ in range(draw(st.integers(1, 5))):
        etype = draw(st.sampled_from(ENTITY_TYPES))
        eid = f"{etype.lower()}/{draw(name)}"
        if eid in entities or eid in papers:
            continue
        mentioned = tuple(sorted(draw(st.sets(st.sampled_from(paper_ids), min_size=1))))
        keys = st.one_of(st.sampled_from(["wikidata", "huggingface", "homepage"]), some)
        entities[eid] = Entity(
            id=eid, type=etype, name=draw(name),
            aliases=tuple(draw(st.lists(name, max_size=3, unique=True))),
            external_ids=draw(st.dictionaries(keys, some, max_size=2)),
            papers=mentioned,
            proposed_by=tuple(p for p in mentioned if draw(st.booleans())),
            attributes=draw(st.dictionaries(
                some, st.lists(some, min_size=1, max_size=2).map(tuple), max_size=2)),
        )

    def evidence(pid: str) -> Evidence:
        paper = papers[pid]
        end = min(len(paper.abstract), draw(st.integers(0, 12)))
        return Evidence(pid, "abstract", 0, end, draw(st.integers(0, 3)), draw(text), draw(text))

    relations = []
    for e in entities.values():
        for pid in e.papers:
            predicate = "proposes" if pid in e.proposed_by else "uses"
            relations.append(Relation(pid, predicate, e.id, (evidence(pid),), 1))
    ids = sorted(entities)
    for a in ids:
        for b in ids:
            if a != b and draw(st.booleans()):
                shared = sorted(set(entities[a].papers) & set(entities[b].papers))
                if shared:
                    evs = tuple(sorted({evidence(p) for p in shared}))
                    relations.append(Relation(a, draw(st.sampled_from(ENTITY_PREDICATES)), b, evs,
                                              len(evs)))
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            shared = set(entities[a].papers) & set(entities[b].papers)
            if shared:
                relations.append(Relation(a, CO_OCCURS_WITH, b, (), len(shared)))
    unique = {(r.subject, r.predicate, r.object): r for r in relations}
    ordered = sorted(unique.values(), key=lambda r: (r.predicate, r.subject, r.object))
    return KnowledgeGraph(dict(sorted(papers.items())), dict(sorted(entities.items())), ordered)


# --------------------------------------------------------------------------- texts


def _texts(graph: KnowledgeGraph) -> list[str]:
    """Every text of a graph that reaches an output."""
    out: list[str] = []
    for p in graph.papers.values():
        out += [p.id, p.title, p.abstract, p.url or "", p.venue or "", *p.authors]
    for e in graph.entities.values():
        out += [e.id, e.name, *e.aliases, *e.external_ids, *e.external_ids.values(),
                *e.attributes, *(v for vs in e.attributes.values() for v in vs)]
    for r in graph.relations:
        out += [x for ev in r.evidence for x in (ev.paper_id, ev.sentence_text, ev.rule)]
    return out


def has_nul(graph: KnowledgeGraph) -> bool:
    return any("\x00" in t for t in _texts(graph))


# --------------------------------------------------------------------------- RDF

_RAPPER_COUNT = re.compile(r"Parsing returned (\d+) triples?")
RDF_FILES = {"graph.ttl": ("turtle", "turtle"), "graph.nt": ("ntriples", "nt"),
             "graph.jsonld": (None, "json-ld"), "graph.owl": ("rdfxml", "xml")}
#: characters an absolute IRI may not hold (RFC 3987: no space, no controls, none of <>"{}|\^`)
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f-\x9f]')
_SEGMENT = re.compile(r"(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2}|[^\x00-\x7f])+")
#: a paper IRI's path: scheme, then segments (ipchar; no dot segments)
_PAPER_PATH = re.compile(r"(doi|arxiv|pmid|pmcid|title|local)"
                         r"(/(?!\.\.?(?:/|$))(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-F]{2})+)+")


def rapper_count(path: Path, syntax: str) -> int:
    """Triples ``rapper`` (raptor2) parses from ``path``; fails the test on any error."""
    done = subprocess.run(["rapper", "-i", syntax, "-c", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "Error" not in done.stderr, done.stderr[-2000:]
    match = _RAPPER_COUNT.search(done.stderr)
    assert match, done.stderr
    return int(match.group(1))


def check_rdf(graph: KnowledgeGraph, out: Path) -> dict[str, rdflib.Graph]:
    """Every RDF file parses with rapper and rdflib with equal counts; values and IRIs exact.

    Exact as written to RDF: :func:`~kg.graph.rdf.rdf_text` (lone surrogates and noncharacters
    as U+FFFD, as the input readers give them).
    """
    parsed = {}
    for name, (rapper_syntax, rdflib_format) in RDF_FILES.items():
        path = out / name
        g = rdflib.Graph().parse(path, format=rdflib_format)
        if rapper_syntax is not None:
            assert rapper_count(path, rapper_syntax) == len(g), name
        parsed[name] = g
    nt = parsed["graph.nt"]
    # the same graph (the ontology's blank nodes are named anew by each parse)
    assert rdflib.compare.isomorphic(parsed["graph.ttl"], nt)
    assert rdflib.compare.isomorphic(parsed["graph.jsonld"], nt)
    assert len(parsed["graph.owl"]) > len(nt) - len(ontology_triples())  # the graph's own
    for pid, paper in graph.papers.items():
        s = rdflib.URIRef(paper_iri(BASE, paper))
        assert [str(t) for t in nt.objects(s, DCTERMS.title)] == [rdf_text(paper.title)]
        assert [str(t) for t in nt.objects(s, DCTERMS.identifier)] == [rdf_text(pid)]
    for eid, entity in graph.entities.items():
        s = rdflib.URIRef(entity_iri(BASE, eid))
        assert [str(t) for t in nt.objects(s, RDFS.label)] == [rdf_text(entity.name)]
        assert {str(t) for t in nt.objects(s, SKOS.altLabel)} == {
            rdf_text(a) for a in set(entity.aliases) - {entity.name}}
    check_iris(graph, nt)
    return parsed


def check_iris(graph: KnowledgeGraph, nt: rdflib.Graph) -> None:
    """Every IRI is an absolute IRI; paper and entity IRIs are readable, exact and distinct."""
    for triple in nt:
        for term in triple:
            if isinstance(term, rdflib.URIRef):
                iri = str(term)
                assert not _IRI_FORBIDDEN.search(iri), iri
                assert re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri), iri
                if iri.startswith(("http://", "https://")):
                    assert urlsplit(iri).netloc, iri
    kinds = (*ENTITY_PATHS, OTHER_ENTITY_PATH)
    for eid in graph.entities:
        iri = entity_iri(BASE, eid)
        kind, _, segment = iri[len(BASE):].partition("/")
        assert kind in kinds and _SEGMENT.fullmatch(segment), iri
        assert (kind == OTHER_ENTITY_PATH and unquote(segment) == eid) or \
            f"{kind}/{unquote(segment)}" == eid, iri
        assert (rdflib.URIRef(iri), None, None) in nt
    for pid, paper in graph.papers.items():
        iri = paper_iri(BASE, paper)
        kind, _, path = iri[len(BASE):].partition("/")
        assert kind == PAPER_PATH and _PAPER_PATH.fullmatch(path), iri
        assert (rdflib.URIRef(iri), DCTERMS.identifier, rdflib.Literal(rdf_text(pid))) in nt
    all_iris = [paper_iri(BASE, p) for p in graph.papers.values()] + [
        entity_iri(BASE, e) for e in graph.entities]
    assert len(set(all_iris)) == len(all_iris)


# --------------------------------------------------------------------------- HTML

#: elements and attributes the tooltips are built from (kg/export/html.py)
PAGE_TAGS = {"html", "head", "meta", "title", "script", "style", "body", "header", "h1", "p",
             "main", "aside", "form", "input", "button", "div", "h2", "label", "span", "ol",
             "select", "option"}


class _Elements(HTMLParser):
    """Start tags (with attributes) and text of an HTML fragment or page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.name_text: list[str] = []
        self._in_name = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "b" and ("class", "name") in attrs:
            self._in_name += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "b" and self._in_name:
            self._in_name -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_name:
            self.name_text.append(data)


def elements(html_text: str) -> _Elements:
    parser = _Elements()
    parser.feed(html_text)
    parser.close()
    return parser


def check_html(graph: KnowledgeGraph, out: Path) -> None:
    """graph.html: the page's own elements only; every text from the graph travels as data
    (names, titles, abstracts exact) and every link in it is http(s)."""
    page = (out / "graph.html").read_text(encoding="utf-8")
    parsed = elements(page)
    tags = Counter(tag for tag, _ in parsed.tags)
    assert set(tags) <= PAGE_TAGS, set(tags) - PAGE_TAGS
    assert tags["script"] == 5, tags["script"]  # state, vendored, data, page script, texts
    data = page_data(page)
    entities, papers = data["entities"], data["papers"]
    assert entities["id"] == sorted(graph.entities) and papers["id"] == sorted(graph.papers)
    assert entities["name"] == [graph.entities[e].name for e in entities["id"]]
    assert entities["aliases"] == [list(graph.entities[e].aliases) for e in entities["id"]]
    assert papers["title"] == [graph.papers[p].title for p in papers["id"]]
    assert papers["abstract"] == [graph.papers[p].abstract for p in papers["id"]]
    urls = [u for u in papers["url"] if u is not None]
    urls += [link[1] for links in entities["links"] for link in links if link[1] is not None]
    for url in urls:
        assert urlsplit(url).scheme in ("http", "https"), url


# --------------------------------------------------------------------------- CSV

def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, strict=True))


def _array_delimiter(out: Path) -> str:
    script = (out / "neo4j" / "import.cypher").read_text(encoding="utf-8")
    match = re.search(r"^// array-delimiter: (.)$", script, re.M)
    assert match, "no array delimiter in import.cypher"
    return match.group(1)


def check_neo4j_csv(graph: KnowledgeGraph, out: Path) -> None:
    """The neo4j-admin CSV files read back field for field with Python's csv module."""
    d = out / "neo4j"
    delimiter = _array_delimiter(out)
    rows = read_csv(d / "nodes_paper.csv")
    assert rows[0][:3] == ["id:ID(Paper)", ":LABEL", "title"]
    expected = [
        [p.id, "Paper", p.title, p.abstract, "" if p.year is None else str(p.year), p.url or "",
         p.venue or "", delimiter.join(p.authors), p.doi or "", p.arxiv_id or "", p.pmid or "",
         p.pmcid or "", p.date or "", delimiter.join(p.subjects), p.journal_ref or ""]
        for p in sorted(graph.papers.values(), key=lambda p: p.id)
    ]
    assert rows[1:] == expected
    for etype in ENTITY_TYPES:
        rows = read_csv(d / f"nodes_{etype.lower()}.csv")
        entities = sorted((e for e in graph.entities.values() if e.type == etype),
                          key=lambda e: e.id)
        assert [r[:5] for r in rows[1:]] == [
            [e.id, f"Entity{delimiter}{etype}", e.name, delimiter.join(e.aliases),
             str(e.paper_count)] for e in entities]
        for row, e in zip(rows[1:], entities, strict=True):
            if e.aliases:
                assert row[3].split(delimiter) == list(e.aliases)
    by_predicate: dict[str, list[Relation]] = {}
    for rel in graph.relations:
        by_predicate.setdefault(rel.predicate, []).append(rel)
    for predicate, rels in by_predicate.items():
        rows = read_csv(d / f"rels_{predicate}.csv")
        assert [r[:4] for r in rows[1:]] == [
            [r.subject, r.object, predicate.upper(), str(r.weight)] for r in rels]
        if predicate != CO_OCCURS_WITH:
            for row, rel in zip(rows[1:], rels, strict=True):
                assert json.loads(row[6]) == [ev.to_json() for ev in rel.evidence]
    rows = read_csv(d / "rels_broader.csv")
    assert rows[1:] == [[e.id, b, "BROADER"] for e in sorted(graph.entities.values(),
                                                              key=lambda e: e.id)
                        for b in e.broader]


def check_tables(graph: KnowledgeGraph, out: Path) -> None:
    """entities.csv and relations.csv read back field for field with Python's csv module
    (formula-like cells with the leading ``'`` that keeps spreadsheets from running them)."""
    from kg.export.csvtext import neutralise_formula as safe

    rows = read_csv(out / "entities.csv")
    assert rows[0][:6] == ["id", "type", "name", "aliases", "paper_count", "proposed_by"]
    expected = sorted(graph.entities.values(), key=lambda e: e.id)
    assert [r[:3] for r in rows[1:]] == [[safe(e.id), e.type, safe(e.name)] for e in expected]
    rows = read_csv(out / "relations.csv")
    assert [r[:4] for r in rows[1:]] == [[safe(r.subject), r.predicate, safe(r.object),
                                          str(r.weight)] for r in graph.relations]


# --------------------------------------------------------------------------- GraphML, GEXF


def check_graph_files(graph: KnowledgeGraph, out: Path) -> None:
    """graph.graphml and graph.gexf are well-formed XML with every node, labels intact.

    XML 1.0 cannot hold control characters (the exporter drops them) and a parser reads every
    raw line break in element text as ``\\n`` (GraphML ``<data>``); GEXF labels are attributes,
    written with character references, and read back exactly.
    """
    import defusedxml.ElementTree as ET

    from kg.export.gephi import xml_text

    def expected(text: str) -> str:
        return xml_text(text).replace("\r\n", "\n").replace("\r", "\n")

    names = {xml_text(p.id): p.title for p in graph.papers.values()} | {
        xml_text(e.id): e.name for e in graph.entities.values()}
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.parse(out / "graph.graphml").getroot()
    keys = {k.get("attr.name"): k.get("id") for k in root.iterfind("g:key", ns)}
    nodes = root.findall("g:graph/g:node", ns)
    assert len(nodes) == len(graph.papers) + len(graph.entities)
    for node in nodes:
        label = node.find(f"g:data[@key='{keys['label']}']", ns)
        assert (label.text or "") == expected(names[node.get("id")])
    root = ET.parse(out / "graph.gexf").getroot()
    gexf = {"x": root.tag.split("}")[0].strip("{")}
    nodes = root.findall("x:graph/x:nodes/x:node", gexf)
    assert len(nodes) == len(graph.papers) + len(graph.entities)
    for node in nodes:
        assert node.get("label") == xml_text(names[node.get("id")])


# --------------------------------------------------------------------------- Cypher


def check_cypher_import(graph: KnowledgeGraph, out: Path, engine: Any, name: str) -> None:
    """Run import.cypher in FalkorDB: every id, title, abstract, name, alias stored exactly.

    The data statements run exactly as written; the schema statements (constraints, indexes)
    are left out because FalkorDB's indexes (RediSearch) crash the server on a unique value
    holding ``\\x01`` or a tab and miss lookups of long or all-control-character strings, so
    MERGE would duplicate nodes: engine bugs that Neo4j does not share.  FalkorDB's client
    also sends parameters as query text, which cannot hold a NUL character: a graph with one
    is checked up to the CSV files only (Neo4j's Bolt protocol sends strings as they are).
    """
    from kg.query.neo4j_load import run_import

    if has_nul(graph):
        return
    db = engine
    target = db.select_graph(name)

    def execute(statement: str, params: Any) -> None:
        if not statement.lstrip().startswith(("CREATE CONSTRAINT", "CREATE INDEX")):
            target.query(statement, dict(params) if params else None)

    try:
        run_import(out / "neo4j", execute, batch_size=7)
        run_import(out / "neo4j", execute, batch_size=3)  # idempotent: MERGE finds every node
        stored = target.query(
            "MATCH (p:Paper) RETURN p.id, p.title, p.abstract, p.venue, p.url, p.authors"
        ).result_set
        expected = sorted(graph.papers.values(), key=lambda p: p.id)
        assert len(stored) == len(expected)
        by_id = {row[0]: row for row in stored}
        for p in expected:
            assert by_id[p.id][1:5] == [p.title, p.abstract, p.venue, p.url]
            assert list(by_id[p.id][5] or []) == list(p.authors)
        stored = target.query("MATCH (e:Entity) RETURN e.id, e.name, e.aliases").result_set
        assert len(stored) == len(graph.entities)
        assert {row[0]: (row[1], list(row[2] or [])) for row in stored} == {
            e.id: (e.name, list(e.aliases)) for e in graph.entities.values()}
        stored = target.query("MATCH ()-[r]->() RETURN type(r), count(r)").result_set
        expected_types = Counter(r.predicate.upper() for r in graph.relations)
        expected_types["AUTHORED"] = sum(len(dict.fromkeys(a for a in p.authors if a))
                                         for p in graph.papers.values())
        expected_types["PUBLISHED_IN"] = sum(1 for p in graph.papers.values() if p.venue)
        expected_types["BROADER"] = sum(len(e.broader) for e in graph.entities.values())
        assert {row[0]: row[1] for row in stored} == {t: n for t, n in expected_types.items()
                                                      if n}
    finally:
        if name in db.list_graphs():
            target.delete()
