"""SHACL validation of a paperkg graph against ``schemas/shapes.ttl`` (pyshacl).

The ontology (``schemas/paperkg.ttl``) is given to pyshacl as extra schema, so that
``sh:class pkg:ResearchEntity`` accepts every entity type through ``rdfs:subClassOf``.
Violations make a graph non-conforming; warnings (entity types at the ends of a typed relation
that the annotation guideline does not expect) are reported but do not.

Two rules need a join over the whole graph, which pyshacl would run once per focus node (minutes
on large graphs); they run as two SPARQL queries in pyoxigraph instead (:func:`integrity_results`):
every ``pkg:Statement``'s triple is asserted, and every relation triple has its statement (for
the symmetric ``pkg:coOccursWith``, in either direction).

The shapes agree with the ontology: a plain pyshacl run with the ontology as ``ont_graph`` and
RDFS inference conforms as well (closed shapes list the super-properties inference adds, entity
types are checked with ``sh:xone`` instead of counting ``rdf:type`` values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from kg.errors import InputError
from kg.query.sparql import RDF_FORMATS, compact_iri, graph_file, read_store
from kg.schema_files import schema_path

_RDFLIB_FORMATS = {
    ".nt": "nt", ".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml",
    ".owl": "xml", ".xml": "xml", ".nq": "nquads", ".trig": "trig", ".n3": "n3",
}
assert set(_RDFLIB_FORMATS) == set(RDF_FORMATS)


@dataclass(frozen=True, slots=True)
class ShaclResult:
    """One validation result."""

    severity: str  #: "Violation", "Warning" or "Info"
    focus: str
    path: str
    value: str
    message: str
    shape: str

    def __str__(self) -> str:
        where = f" {compact_iri(self.path)}" if self.path else ""
        value = f" (value {self.value})" if self.value else ""
        return f"{self.severity}: <{self.focus}>{where}{value}: {self.message}"


@dataclass(slots=True)
class ShaclReport:
    """Whether a graph conforms, and every result."""

    conforms: bool
    results: list[ShaclResult] = field(default_factory=list)
    triples: int = 0

    @property
    def violations(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity != "Violation"]


_INTEGRITY_PREFIXES = """
PREFIX pkg: <https://w3id.org/paperkg/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
_RELATIONS = ("pkg:proposes pkg:uses pkg:basedOn pkg:trainedOn pkg:evaluatedOn pkg:usesMethod "
              "pkg:coOccursWith")
#: (rule name, message, query selecting ?focus ?p ?o of the offending statements/triples)
INTEGRITY_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "statement-triple-asserted",
        "the triple this pkg:Statement reifies is not asserted in the graph",
        _INTEGRITY_PREFIXES + """
        SELECT ?focus ?p ?o WHERE {
            ?focus a pkg:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
            MINUS { ?s ?p ?o }
        } ORDER BY ?focus""",
    ),
    (
        "relation-has-statement",
        "this relation triple has no pkg:Statement (support count and evidence)",
        _INTEGRITY_PREFIXES + f"""
        SELECT ?focus ?p ?o WHERE {{
            VALUES ?p {{ {_RELATIONS} }}
            ?focus ?p ?o .
            MINUS {{
                ?st a pkg:Statement ; rdf:subject ?focus ; rdf:predicate ?p ; rdf:object ?o
            }}
            MINUS {{  # co-occurrence is symmetric: one statement covers both directions
                ?st a pkg:Statement ; rdf:subject ?o ; rdf:predicate ?p ; rdf:object ?focus .
                FILTER(?p = pkg:coOccursWith)
            }}
        }} ORDER BY ?focus ?p ?o""",
    ),
)


def integrity_results(path: Path) -> list[ShaclResult]:
    """Violations of :data:`INTEGRITY_RULES` in the graph file ``path`` (pyoxigraph)."""
    store = read_store(path)
    results = []
    for rule, message, query in INTEGRITY_RULES:
        solutions = store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)  # the rules are SELECT queries
        for row in solutions:
            results.append(ShaclResult(
                severity="Violation",
                focus=row["focus"].value,
                path=row["p"].value,
                value=row["o"].value,
                message=message,
                shape=f"integrity:{rule}",
            ))
    return results


def read_graph(path: Path) -> rdflib.Graph:
    """Parse an RDF file with rdflib; a syntax error names the file."""
    g = rdflib.Graph()
    try:
        g.parse(str(path), format=_RDFLIB_FORMATS[path.suffix.lower()])
    except Exception as exc:  # rdflib raises many types for bad input
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(str(path), f"cannot parse as RDF: {first_line}") from None
    return g


def validate_graph(
    data: rdflib.Graph,
    shapes: rdflib.Graph | None = None,
    ontology: rdflib.Graph | None = None,
) -> ShaclReport:
    """Validate ``data`` against the paperkg shapes (or ``shapes``) with the ontology mixed in."""
    import pyshacl  # lazily: a second to import, for `paperkg validate` only

    if shapes is None:
        shapes = rdflib.Graph().parse(schema_path("shapes.ttl"), format="turtle")
    if ontology is None:
        ontology = rdflib.Graph().parse(schema_path("paperkg.ttl"), format="turtle")
    conforms, report_graph, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        allow_warnings=True,
        advanced=True,
        abort_on_first=False,
    )
    results = []
    for node in report_graph.subjects(rdflib.RDF.type, SH.ValidationResult):
        def one(pred: rdflib.URIRef, node: rdflib.term.Node = node) -> str:
            value = report_graph.value(node, pred)
            return "" if value is None else str(value)

        severity = one(SH.resultSeverity).rsplit("#", 1)[-1]
        results.append(ShaclResult(
            severity=severity,
            focus=one(SH.focusNode),
            path=one(SH.resultPath),
            value=one(SH.value),
            message=one(SH.resultMessage),
            shape=one(SH.sourceShape),
        ))
    results.sort(key=lambda r: (r.severity != "Violation", r.focus, r.path, r.message, r.value))
    return ShaclReport(conforms=bool(conforms), results=results, triples=len(data))


def validate_path(source: str | Path, shapes_file: Path | None = None) -> ShaclReport:
    """Validate a graph file or a build directory (its ``graph.nt``/``graph.ttl``)."""
    path = graph_file(source)
    data = read_graph(path)
    shapes = read_graph(Path(shapes_file)) if shapes_file is not None else None
    report = validate_graph(data, shapes)
    extra = integrity_results(path)
    if extra:
        report.conforms = False
        report.results = sorted(report.results + extra, key=lambda r: (
            r.severity != "Violation", r.focus, r.path, r.message, r.value))
    return report
