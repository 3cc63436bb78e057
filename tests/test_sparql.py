"""SPARQL: the function API, the named queries (exact rows on the demo graph) and the CLI.

Each named query is checked twice on the demo graph: against exact expected rows (read off the
demo corpus and checked by hand; re-check them when the extractor changes), and against the
same question answered in Python from the graph object of the same build.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter, defaultdict

import pandas as pd
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError
from kg.graph.rdf import to_store, web_iri
from kg.model import KnowledgeGraph
from kg.query.sparql import (
    QueryError,
    QueryRefused,
    check_read_only,
    execute,
    load_store,
    named_queries,
    named_query_info,
    run_query,
    serialize_result,
)

TYPED = {"based_on": "basedOn", "trained_on": "trainedOn", "evaluated_on": "evaluatedOn",
         "uses_method": "usesMethod"}


def rows(df: pd.DataFrame) -> list[tuple]:
    return [tuple(None if (isinstance(v, float) and v != v) else v for v in r)
            for r in df.itertuples(index=False)]


def run(demo_build, qname: str, bindings: dict | None = None) -> list[tuple]:
    _, out = demo_build
    return rows(run_query(out, named_queries()[qname], bindings or None))


# --------------------------------------------------------------------------- named queries

#: (query, bindings) -> exact rows on the demo graph
EXPECTED: dict[tuple[str, tuple], list[tuple]] = {
    ("models-based-on", ()): [
        ("RenalBERT", "BERT", 1),
        ("RenalBERT", "BioBERT", 1),
        ("RationaleNLI", "BlueBERT", 1),
        ("LumenCLIP", "CLIP", 1),
        ("LumenCLIP", "ClinicalBERT", 1),
        ("MedSumm-T5", "Flan-T5-XL", 1),
        ("PathoLens", "LLaVA", 1),
        ("Quill-Rad", "LLaVA-Med", 1),
        ("Corvid-Med", "Llama-2", 1),
        ("Radiant-MoE", "Llama-3", 1),
        ("TinyMedic", "Phi-3", 1),
        ("CodeWeaver", "PubMedBERT", 1),
        ("DermSAM", "SAM", 1),
        ("GliomaSwin", "Swin UNETR", 1),
    ],
    ("models-based-on", (("baseName", "Llama-2"),)): [
        ("Corvid-Med", "Llama-2", 1),
    ],
    ("datasets-evaluated-on", (("name", "DermSAM"),)): [
        ("DermSAM", "Model", "ISIC 2018", 2),
        ("DermSAM", "Model", "PH2", 2),
        ("DermSAM", "Model", "PhoneDerm-1K", 1),
    ],
    ("models-trained-on", (("model", "PathoLens"),)): [
        ("PathoLens", "PathVQA", 1),
        ("PathoLens", "SLAKE", 1),
    ],
    ("most-used-datasets", ()): [
        ("MedQA", 7),
        ("MIMIC-CXR", 5),
        ("MIMIC-III", 4),
        ("MMLU", 4),
        ("MedMCQA", 4),
        ("ISIC 2018", 3),
        ("MIMIC-IV", 3),
        ("PubMedQA", 3),
        ("CheXpert", 2),
        ("HAM10000", 2),
        ("ISIC 2019", 2),
        ("IU X-Ray", 2),
        ("ImageNet", 2),
        ("NCBI-disease", 2),
        ("PH2", 2),
    ],
    ("most-used-methods", ()): [
        ("LoRA", 4),
        ("DPO", 2),
        ("RLHF", 2),
        ("SFT", 2),
        ("chain-of-thought prompting", 2),
        ("in-context learning", 2),
        ("knowledge distillation", 2),
        ("CareAlign", 1),
        ("DreamBooth", 1),
        ("EffiPrune", 1),
        ("FedAvg", 1),
        ("Grad-CAM", 1),
        ("GuideRAG", 1),
        ("LungMAE", 1),
        ("MAE", 1),
    ],
    ("top-datasets-per-year", ()): [
        (2024, "MedQA", 5),
        (2025, "MIMIC-CXR", 3),
    ],
    ("top-methods-per-year", ()): [
        (2024, "LoRA", 2),
        (2024, "chain-of-thought prompting", 2),
        (2025, "in-context learning", 2),
    ],
    ("models-proposed-for-task", (("task", "question answering"),)): [
        ("question answering", "Corvid-Med", 1),
    ],
    ("methods-used-together", ()): [
        ("DPO", "RLHF", 2),
        ("RLHF", "DPO", 2),
    ],
    ("methods-used-together", (("method1", "DPO"),)): [
        ("DPO", "RLHF", 2),
    ],
    ("methods-used-together", (("method1", "RLHF"),)): [
        ("RLHF", "DPO", 2),
    ],
    ("relation-evidence", (("subject", "DermSAM"),)): [
        (
            "DermSAM",
            "basedOn",
            "SAM",
            "demo:002",
            "abstract",
            142,
            195,
            "cue:built on",
            "We introduce DermSAM, a promptable segmentation model built on SAM for dermoscopy.",
        ),
        (
            "DermSAM",
            "evaluatedOn",
            "ISIC 2018",
            "demo:002",
            "abstract",
            409,
            418,
            "cue:evaluated on",
            "The model is trained on ISIC 2018 and evaluated on ISIC 2018 and PH2 for the task "
            "of skin lesion segmentation.",
        ),
        (
            "DermSAM",
            "evaluatedOn",
            "ISIC 2018",
            "demo:017",
            "abstract",
            157,
            177,
            "cue:evaluated on",
            "We evaluate the original SAM, MedSAM and DermSAM on ISIC 2018, PH2 and a new test "
            "set of 1,200 smartphone photographs that we call PhoneDerm-1K, for the task of "
            "skin lesion segmentation.",
        ),
        (
            "DermSAM",
            "evaluatedOn",
            "PH2",
            "demo:002",
            "abstract",
            423,
            426,
            "cue:evaluated on",
            "The model is trained on ISIC 2018 and evaluated on ISIC 2018 and PH2 for the task "
            "of skin lesion segmentation.",
        ),
        (
            "DermSAM",
            "evaluatedOn",
            "PH2",
            "demo:017",
            "abstract",
            157,
            182,
            "cue:evaluated on",
            "We evaluate the original SAM, MedSAM and DermSAM on ISIC 2018, PH2 and a new test "
            "set of 1,200 smartphone photographs that we call PhoneDerm-1K, for the task of "
            "skin lesion segmentation.",
        ),
        (
            "DermSAM",
            "evaluatedOn",
            "PhoneDerm-1K",
            "demo:017",
            "abstract",
            157,
            259,
            "paper:benchmark",
            "We evaluate the original SAM, MedSAM and DermSAM on ISIC 2018, PH2 and a new test "
            "set of 1,200 smartphone photographs that we call PhoneDerm-1K, for the task of "
            "skin lesion segmentation.",
        ),
        (
            "DermSAM",
            "trainedOn",
            "ISIC 2018",
            "demo:002",
            "abstract",
            382,
            391,
            "cue:trained on",
            "The model is trained on ISIC 2018 and evaluated on ISIC 2018 and PH2 for the task "
            "of skin lesion segmentation.",
        ),
        (
            "DermSAM",
            "usesMethod",
            "adapters",
            "demo:002",
            "abstract",
            279,
            287,
            "paper:uses method",
            "DermSAM keeps the SAM image encoder frozen and inserts lightweight adapters into "
            "each transformer block, while the mask decoder is fully updated.",
        ),
    ],
    ("entities-with-external-ids", (("name", "SAM"),)): [
        ("SAM", "Model", "facebook/sam-vit-huge", None, "https://arxiv.org/abs/2304.02643"),
    ],
    ("entities-with-external-ids", (("name", "LoRA"),)): [
        ("LoRA", "Method", None, None, "https://arxiv.org/abs/2106.09685"),
    ],
    ("paper-entities", (("paper", "demo:001"),)): [
        ("demo:001", "proposes", "Model", "Corvid-Med"),
        ("demo:001", "uses", "Dataset", "MedQA"),
        ("demo:001", "uses", "Dataset", "PubMedQA"),
        ("demo:001", "uses", "Method", "LoRA"),
        ("demo:001", "uses", "Metric", "accuracy"),
        ("demo:001", "uses", "Model", "GPT-4"),
        ("demo:001", "uses", "Model", "Llama-2"),
        ("demo:001", "uses", "Task", "question answering"),
    ],
    ("entity-trend", (("name", "GPT-4"),)): [
        ("GPT-4", 2023, 1),
        ("GPT-4", 2024, 6),
        ("GPT-4", 2025, 2),
    ],
    ("proposed-entities", (("paper", "demo:021"),)): [
        ("demo:021", 2025, "Dataset", "MedSynth-50K", 1),
        ("demo:021", 2025, "Model", "TinyMedic", 1),
    ],
}


def test_there_are_at_least_ten_documented_named_queries():
    info = named_query_info()
    assert len(info) >= 10
    for q in info.values():
        assert q.title and q.description, q.name
        assert "SELECT" in q.text
    assert {name for name, _ in EXPECTED} == set(info)  # every query has exact rows


@pytest.mark.parametrize(("name", "bindings"), list(EXPECTED), ids=lambda x: str(x))
def test_named_query_exact_rows_on_the_demo_graph(demo_build, name, bindings):
    assert run(demo_build, name, dict(bindings)) == EXPECTED[(name, bindings)]


# --------------------------------------------------------------------------- oracles


def _name(graph: KnowledgeGraph, eid: str) -> str:
    return graph.entities[eid].name


def _mentions(graph: KnowledgeGraph) -> list[tuple[str, str, str]]:
    return [(r.subject, r.predicate, r.object) for r in graph.relations
            if r.predicate in ("proposes", "uses")]


def _top(graph: KnowledgeGraph, etype: str | None, n: int) -> list:
    """The ``n`` entities (of type ``etype``) mentioned by the most papers."""
    ents = [e for e in graph.entities.values() if etype in (None, e.type)]
    return sorted(ents, key=lambda e: (-e.paper_count, e.name, e.id))[:n]


def oracle(graph: KnowledgeGraph, name: str) -> list[tuple]:
    """Each named query's question answered from the graph object (unbound variant)."""
    ents, papers = graph.entities, graph.papers
    if name in ("models-based-on", "models-trained-on"):
        pred = "based_on" if name == "models-based-on" else "trained_on"
        out = [(ents[r.subject].name, ents[r.object].name, r.weight, r.subject, r.object)
               for r in graph.relations_of(pred)]
        key = (lambda t: (t[1], t[0], t[4], t[3])) if pred == "based_on" else \
            (lambda t: (t[0], t[1], t[3], t[4]))
        return [t[:3] for t in sorted(out, key=key)]
    if name == "datasets-evaluated-on":
        out = [(ents[r.subject].name, ents[r.subject].type, ents[r.object].name, r.weight,
                r.subject, r.object) for r in graph.relations_of("evaluated_on")]
        return [t[:4] for t in sorted(out, key=lambda t: (t[0], t[2], t[4], t[5]))]
    if name in ("most-used-datasets", "most-used-methods"):
        etype = "Dataset" if name == "most-used-datasets" else "Method"
        count = Counter(o for _, _, o in set(_mentions(graph)) if ents[o].type == etype)
        ranked = sorted(count.items(), key=lambda kv: (-kv[1], ents[kv[0]].name, kv[0]))
        return [(ents[e].name, n) for e, n in ranked[:15]]
    if name in ("top-datasets-per-year", "top-methods-per-year"):
        etype = "Dataset" if name == "top-datasets-per-year" else "Method"
        per_year: dict[int, Counter] = defaultdict(Counter)
        for s, _, o in set(_mentions(graph)):
            if ents[o].type == etype and papers[s].year is not None:
                per_year[papers[s].year][o] += 1
        out = []
        for year, counts in per_year.items():
            best = max(counts.values())
            if best > 1:
                out += [(year, ents[e].name, n, e) for e, n in counts.items() if n == best]
        return [t[:3] for t in sorted(out, key=lambda t: (t[0], t[1], t[3]))]
    if name == "models-proposed-for-task":  # the 3 tasks mentioned by the most papers
        tasks = {e.id for e in _top(graph, "Task", 3)}
        mentions = set(_mentions(graph))
        counts = Counter((t, m) for p, pred, m in mentions
                         if pred == "proposes" and ents[m].type == "Model"
                         for p2, pred2, t in mentions if (p2, pred2) == (p, "uses") and t in tasks)
        out = [(ents[t].name, ents[m].name, n, t, m) for (t, m), n in counts.items()]
        return [r[:3] for r in sorted(out, key=lambda r: (r[0], r[3], -r[2], r[1], r[4]))]
    if name == "methods-used-together":  # pairs of the 20 methods mentioned by the most papers
        top = {e.id for e in _top(graph, "Method", 20)}
        out = [(ents[a].name, ents[b].name, r.weight, a, b)  # both sides of each pair
               for r in graph.relations_of("co_occurs_with")
               if r.subject in top and r.object in top and r.weight >= 2
               for a, b in ((r.subject, r.object), (r.object, r.subject))]
        return [t[:3] for t in sorted(out, key=lambda t: (-t[2], t[0], t[1], t[3], t[4]))]
    if name == "relation-evidence":  # the first 50 relations by subject, relation, object
        typed = sorted((ents[r.subject].name, TYPED[r.predicate], ents[r.object].name,
                        r.subject, r.object, id(r)) for r in graph.relations
                       if r.predicate in TYPED)
        first = {key[-1] for key in typed[:50]}
        out = {(ents[r.subject].name, TYPED[r.predicate], ents[r.object].name, ev.paper_id,
                ev.field, ev.start, ev.end, ev.rule, ev.sentence_text, r.subject, r.object)
               for r in graph.relations if id(r) in first for ev in r.evidence}
        return [t[:9] for t in sorted(out, key=lambda t: (*t[:6], t[6], t[7], t[9], t[10]))]
    if name == "entities-with-external-ids":
        out = []
        for e in ents.values():
            ext = e.external_ids
            row = (e.name, e.type, ext.get("huggingface") or None, ext.get("wikidata") or None,
                   web_iri(ext.get("homepage")))
            if any(row[2:]):
                out.append((*row, e.id))
        return [t[:5] for t in sorted(out, key=lambda t: (t[1], t[0], t[5]))]
    if name == "paper-entities":  # unbound: the first 20 papers by id
        first = set(sorted(papers)[:20])
        out = [(p, pred, ents[e].type, ents[e].name, e) for p, pred, e in _mentions(graph)
               if p in first]
        return [t[:4] for t in sorted(out)]
    if name == "entity-trend":  # unbound: the 10 entities mentioned by the most papers
        top = _top(graph, None, 10)
        chosen = {e.id for e in top}
        count: Counter = Counter()
        for p, _, e in set(_mentions(graph)):
            if papers[p].year is not None and e in chosen:
                count[(e, papers[p].year)] += 1
        out = [(ents[e].name, y, n, e) for (e, y), n in count.items()]
        return [t[:3] for t in sorted(out, key=lambda t: (t[0], t[3], t[1]))]
    if name == "proposed-entities":  # unbound: the first 20 papers by id
        first = set(sorted(papers)[:20])
        out = [(p, papers[p].year, ents[e].type, ents[e].name, ents[e].paper_count, e)
               for p, pred, e in _mentions(graph) if pred == "proposes" and p in first]
        return [t[:5] for t in sorted(out, key=lambda t: (t[0], t[3], t[5]))]
    raise AssertionError(f"no oracle for {name}")


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_query_agrees_with_the_graph_object(demo_build, name):
    graph, _ = demo_build
    expected = oracle(graph, name)
    assert run(demo_build, name) == expected
    assert expected, f"{name} returns nothing on the demo graph"


# --------------------------------------------------------------------------- function API


def test_run_query_accepts_a_directory_a_file_a_graph_and_a_store(demo_build):
    graph, out = demo_build
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?e a pkg:Model }"
    n_models = sum(1 for e in graph.entities.values() if e.type == "Model")
    for source in (out, out / "graph.ttl", out / "graph.jsonld", str(out / "graph.nt"), graph,
                   to_store(graph, "https://w3id.org/paperkg/")):
        assert run_query(source, q)["n"].tolist() == [n_models], source


def test_run_query_result_kinds(demo_build):
    _, out = demo_build
    ask = run_query(out, "ASK { ?p a pkg:Paper }")
    assert ask.to_dict("list") == {"boolean": [True]}
    construct = run_query(out, "CONSTRUCT { ?p dcterms:title ?t } WHERE { "
                               "?p dcterms:identifier 'demo:001' ; dcterms:title ?t }")
    assert list(construct.columns) == ["subject", "predicate", "object"]
    assert construct["object"].tolist()[0].startswith("Corvid-Med")
    typed = run_query(out, "SELECT ?y WHERE { ?p dcterms:identifier 'demo:001' ; pkg:year ?y }")
    assert typed["y"].tolist() == [2023]


def test_bad_sources_and_queries_are_clear_errors(tmp_path, demo_build):
    _, out = demo_build
    with pytest.raises(InputError, match="no such file"):
        load_store(tmp_path / "missing.ttl")
    with pytest.raises(InputError, match="no graph file in this directory"):
        load_store(tmp_path)
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix x: <http://x/> .\nx:a x:b\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.ttl:3: not valid Turtle"):
        load_store(bad)
    (tmp_path / "x.txt").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="unknown RDF file type"):
        load_store(tmp_path / "x.txt")
    with pytest.raises(QueryError, match="syntax error"):
        run_query(out, "SELECT ?x WHERE { ?x ")


@pytest.mark.parametrize("query", [
    "INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }",
    "PREFIX ex: <http://ex.org/#x> DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/x.ttl>",
    "CLEAR DEFAULT",
    "DROP ALL",
    "# a comment\nWITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o . SERVICE SILENT<http://127.0.0.1:9/sparql>{ ?s ?p ?o } }",
    "select * where { service ?x { ?s ?p ?o } }",
])
def test_updates_and_service_are_refused(query):
    with pytest.raises(QueryRefused):
        check_read_only(query)


@pytest.mark.parametrize("query", [
    'SELECT ?service WHERE { ?service <http://x/p> "SERVICE INSERT" } # SERVICE',
    "SELECT ?s WHERE { ?s <http://x/SERVICE> ?o . FILTER(?o < 5 && ?o > 1) }",
    "PREFIX insert: <http://x/> SELECT ?s WHERE { ?s insert:load ?o }",
    "ASK { ?s ?p '''LOAD <http://x>''' }",
])
def test_read_only_queries_are_not_refused(query):
    check_read_only(query)


def test_serialisations_parse_back(demo_build):
    _, out = demo_build
    store = load_store(out)
    q = ("SELECT ?id ?title ?year WHERE { ?p dcterms:identifier ?id ; dcterms:title ?title . "
         "OPTIONAL { ?p pkg:year ?year } } ORDER BY ?id")
    result = execute(store, q)
    titles = [row[1].value for row in result.rows]
    doc = json.loads(serialize_result(result, "json"))
    assert [b["title"]["value"] for b in doc["results"]["bindings"]] == titles
    assert doc["results"]["bindings"][0]["year"]["datatype"].endswith("#integer")
    for fmt in ("xml", "tsv"):
        parsed = ox.parse_query_results(serialize_result(result, fmt),
                                        format=getattr(ox.QueryResultsFormat, fmt.upper()))
        assert [s["title"].value for s in parsed] == titles
    reader = csv.DictReader(io.StringIO(serialize_result(result, "csv").decode("utf-8")))
    assert [r["title"] for r in reader] == titles  # the '"' and '&' of demo:016 survive
    graph_result = execute(store, "CONSTRUCT WHERE { ?p a pkg:Paper } LIMIT 3")
    for fmt, rdf_fmt in (("turtle", ox.RdfFormat.TURTLE), ("ntriples", ox.RdfFormat.N_TRIPLES),
                         ("jsonld", ox.RdfFormat.JSON_LD), ("rdfxml", ox.RdfFormat.RDF_XML)):
        assert len(list(ox.parse(serialize_result(graph_result, fmt), format=rdf_fmt))) == 3
    with pytest.raises(QueryError, match="cannot be written"):
        serialize_result(result, "turtle")


def test_max_rows_truncates(demo_build):
    _, out = demo_build
    result = execute(load_store(out), "SELECT ?p WHERE { ?p a pkg:Paper }", max_rows=3)
    assert len(result.rows) == 3 and result.truncated
    result = execute(load_store(out), "SELECT ?p WHERE { ?p a pkg:Paper }", max_rows=1000)
    assert not result.truncated


# --------------------------------------------------------------------------- CLI


def test_query_cli(demo_build, tmp_path):
    _, out = demo_build
    runner = CliRunner()
    listing = runner.invoke(app, ["query", "--list"])
    assert listing.exit_code == 0
    for name in named_queries():
        assert name in listing.output

    table = runner.invoke(app, ["query", str(out), "--name", "models-based-on",
                                "--bind", "baseName=Llama-2"])
    assert table.exit_code == 0, table.output
    assert "Corvid-Med" in table.output and "1 rows" in table.output

    as_csv = runner.invoke(app, ["query", str(out), "-n", "entity-trend", "-b", "name=GPT-4",
                                 "-f", "csv"])
    assert as_csv.exit_code == 0
    assert as_csv.stdout.splitlines() == ["name,year,papers", "GPT-4,2023,1", "GPT-4,2024,6",
                                          "GPT-4,2025,2"]

    as_json = runner.invoke(app, ["query", str(out / "graph.ttl"),
                                  "SELECT ?y WHERE { ?p pkg:year ?y } ORDER BY ?y LIMIT 1",
                                  "--format", "json"])
    assert json.loads(as_json.stdout)["results"]["bindings"][0]["y"]["value"] == "2019"

    rq = tmp_path / "q.rq"
    rq.write_text("SELECT ?p WHERE { ?p a pkg:Paper ; dcterms:identifier ?id } "
                  "ORDER BY ?id LIMIT 2", encoding="utf-8")
    as_tsv = runner.invoke(app, ["query", str(out), "--file", str(rq), "-f", "tsv"])
    from kg.graph.rdf import paper_iri

    graph = demo_build[0]
    assert as_tsv.stdout.splitlines() == ["?p"] + [
        f"<{paper_iri('https://w3id.org/paperkg/', graph.papers[pid])}>"
        for pid in ("demo:001", "demo:002")]

    ask = runner.invoke(app, ["query", str(out), "ASK { ?s a pkg:Model }"])
    assert ask.stdout.strip() == "true"

    for args, message in [
        (["query", str(out), "INSERT DATA { <a:b> <a:c> <a:d> }"], "refused"),
        (["query", str(out), "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> {} }"], "refused"),
        (["query", str(out), "SELECT ?x WHERE {"], "syntax error"),
        (["query", str(out), "--name", "nope"], "no named query 'nope'"),
        (["query", str(out)], "exactly one of"),
        (["query", str(out), "-n", "models-based-on", "-b", "oops"], "NAME=VALUE"),
        (["query", str(tmp_path / "none"), "ASK {}"], "no such file"),
    ]:
        res = runner.invoke(app, args)
        assert res.exit_code == 1, args
        assert message in res.output, (args, res.output)
        assert "Traceback" not in res.output


if __name__ == "__main__":  # print today's rows of every EXPECTED entry, to re-check by hand
    import pprint
    import tempfile
    from pathlib import Path

    from kg.pipeline import BuildOptions, build_graph, write_outputs

    with tempfile.TemporaryDirectory() as tmp:
        options = BuildOptions(outputs=["rdf"])
        built, extractions, report = build_graph([], options)
        write_outputs(built, extractions, report, Path(tmp), options)
        for key in EXPECTED:
            print(f"{key!r}: ", end="")
            pprint.pprint(run((None, Path(tmp)), key[0], dict(key[1])), width=96)


def test_alignment_queries_work_on_one_graph_file_alone(demo_build, tmp_path):
    """graph.ttl, graph.nt and graph.jsonld carry the ontology: each, copied away from the
    build's schemas/, answers alignment queries (papers are schema:ScholarlyArticles, basedOn
    is a schema:isBasedOn through the ontology's axioms); so does the graph object."""
    graph, out = demo_build
    articles_query = ("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { "
                      "?p a/rdfs:subClassOf* schema:ScholarlyArticle }")
    based_query = ("SELECT (COUNT(*) AS ?n) WHERE { "
                   "?a ?p ?b . ?p rdfs:subPropertyOf* schema:isBasedOn }")
    based = len({(r.subject, r.object) for r in graph.relations_of("based_on")})
    assert based > 0
    sources: list = [graph]
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        alone = tmp_path / name.replace(".", "-")
        alone.mkdir()
        shutil.copyfile(out / name, alone / name)
        sources.append(alone / name)
    for source in sources:
        articles = run_query(source, articles_query)
        assert int(articles.iloc[0, 0]) == len(graph.papers), source
        assert int(run_query(source, based_query).iloc[0, 0]) == based, source


def test_broader_links_are_queryable(demo_build):
    """skos:broader joins tasks and methods to their more general ones; a property path walks
    up the hierarchy."""
    graph, out = demo_build
    rows = run_query(out, "SELECT ?a ?b WHERE { ?a skos:broader ?b }")
    got = {(a.rsplit("/", 2)[-2] + "/" + a.rsplit("/", 1)[-1], b.rsplit("/", 2)[-2] + "/"
            + b.rsplit("/", 1)[-1]) for a, b in rows.itertuples(index=False)}
    assert got == {(e.id, b) for e in graph.entities.values() for b in e.broader}
    up = run_query(out, "SELECT ?label WHERE { <https://w3id.org/paperkg/method/qlora> "
                        "skos:broader+ ?m . ?m skos:prefLabel ?label } ORDER BY ?label")
    assert up["label"].tolist() == ["LoRA", "PEFT"]


def test_methods_used_together_sees_both_sides_of_each_pair(ml_build):
    """Bound to any of the 20 most used methods, methods-used-together lists every method of
    those 20 it co-occurs with (in at least two papers), whichever side the pair's statement
    names it on."""
    graph, out = ml_build
    top = {e.id for e in _top(graph, "Method", 20)}
    partners: dict[str, set[str]] = {e: set() for e in top}
    for r in graph.relations_of("co_occurs_with"):
        if r.subject in top and r.object in top and r.weight >= 2:
            partners[r.subject].add(graph.entities[r.object].name)
            partners[r.object].add(graph.entities[r.subject].name)
    as_subject = {e: {graph.entities[r.object].name for r in graph.relations_of("co_occurs_with")
                      if r.subject == e and r.object in top and r.weight >= 2} for e in top}
    # the case the one-sided query missed: partners that name the method as their object
    assert sum(len(partners[e] - as_subject[e]) for e in top) > 0
    for entity in sorted(top):
        name = graph.entities[entity].name
        rows = run_query(out, named_queries()["methods-used-together"], {"method1": name})
        assert set(rows["method2"]) == partners[entity], name
