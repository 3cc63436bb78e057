"""``graph.ttl``, ``graph.nt``, ``graph.jsonld`` and a copy of ``schemas/`` beside them.

The triples come from :func:`kg.graph.rdf.iter_triples`; pyoxigraph writes Turtle and
N-Triples (about a second per million triples).  ``graph.jsonld`` is compact JSON-LD: its
``@context`` is the published ``schemas/context.jsonld`` (inlined, so that no processor has to
fetch it) plus ``{"kg": <base IRI>}`` for the resource IRIs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.graph.rdf import VOCAB_PREFIXES, check_base_iri, iter_triples, prefixes
from kg.model import KnowledgeGraph

#: Files of the ``schemas`` package copied into every build's ``schemas/``.
SCHEMA_FILES: tuple[str, ...] = ("paperkg.ttl", "shapes.ttl", "context.jsonld")
#: The JSON-LD prefix of the resource IRIs (the build's base IRI).
BASE_PREFIX = "kg"

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def schemas_dir() -> Path:
    """The directory of the bundled ontology, shapes and JSON-LD context."""
    try:
        path = Path(str(resources.files("kg.schemas")))
    except ModuleNotFoundError:  # a source checkout that is not installed
        path = Path(__file__).resolve().parents[2] / "schemas"
    return path


def schema_path(name: str) -> Path:
    """Path of one bundled schema file (``paperkg.ttl``, ``shapes.ttl``, ``context.jsonld``)."""
    return schemas_dir() / name


@lru_cache(maxsize=1)
def published_context() -> dict[str, Any]:
    """The ``@context`` object of ``schemas/context.jsonld``."""
    return json.loads(schema_path("context.jsonld").read_text(encoding="utf-8"))["@context"]


def write(graph: KnowledgeGraph, out_dir: Path, options: Any) -> None:
    """Write ``graph.ttl``, ``graph.nt``, ``graph.jsonld`` and ``schemas/`` into ``out_dir``."""
    base_iri = check_base_iri(options.base_iri)
    triples = list(iter_triples(graph, base_iri))
    ox.serialize(triples, str(out_dir / "graph.ttl"), ox.RdfFormat.TURTLE,
                 prefixes=prefixes(base_iri))
    ox.serialize(triples, str(out_dir / "graph.nt"), ox.RdfFormat.N_TRIPLES)
    write_jsonld(triples, out_dir / "graph.jsonld", base_iri)
    copy_schemas(out_dir / "schemas")


def copy_schemas(target: Path) -> None:
    """Copy the ontology, the SHACL shapes and the JSON-LD context into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in SCHEMA_FILES:
        shutil.copyfile(schema_path(name), target / name)


class _Compactor:
    """Compacts expanded terms with the published context (terms, prefixes, coercions)."""

    def __init__(self, base_iri: str) -> None:
        context = published_context()
        self.prefixes = {k: v for k, v in context.items() if isinstance(v, str) and "://" in v}
        self.base_iri = base_iri
        #: IRI -> (term, coercion) for every term definition
        self.terms: dict[str, tuple[str, str | None]] = {}
        for term, definition in context.items():
            if term in self.prefixes:
                continue
            if isinstance(definition, str):
                iri, coercion = definition, None
            else:
                iri, coercion = definition["@id"], definition.get("@type")
            self.terms[self._expand(iri)] = (term, coercion)
        # longest namespace first, so that nested namespaces compact correctly
        self._ns = sorted(((v, k) for k, v in self.prefixes.items()), key=lambda x: -len(x[0]))

    def _expand(self, compact: str) -> str:
        prefix, _, local = compact.partition(":")
        return self.prefixes[prefix] + local if prefix in self.prefixes else compact

    def iri(self, iri: str) -> str:
        """A resource IRI as ``kg:...`` under the base IRI, a compact IRI, or as it is."""
        if iri.startswith(self.base_iri) and not iri[len(self.base_iri):].startswith("//"):
            return f"{BASE_PREFIX}:{iri[len(self.base_iri):]}"
        for namespace, prefix in self._ns:
            if iri.startswith(namespace) and not iri[len(namespace):].startswith("//"):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def key(self, iri: str) -> tuple[str, str | None]:
        """The JSON key of a property IRI and the term's type coercion."""
        if iri in self.terms:
            return self.terms[iri]
        return self.iri(iri), None

    def type_value(self, iri: str) -> str:
        entry = self.terms.get(iri)
        return entry[0] if entry is not None and entry[1] is None else self.iri(iri)

    def value(self, term: ox.NamedNode | ox.BlankNode | ox.Literal, coercion: str | None) -> Any:
        if isinstance(term, ox.NamedNode):
            if coercion == "@id":
                return self.iri(term.value)
            if coercion == "@vocab":
                entry = self.terms.get(term.value)
                return entry[0] if entry is not None else self.iri(term.value)
            return {"@id": self.iri(term.value)}
        if isinstance(term, ox.BlankNode):
            return {"@id": f"_:{term.value}"}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        datatype = term.datatype.value
        if coercion is None:
            if datatype == _XSD + "string":
                return term.value
            if datatype == _XSD + "integer" and _canonical_integer(term.value):
                return int(term.value)
        return {"@value": term.value, "@type": self.iri(datatype)}


def _canonical_integer(text: str) -> bool:
    try:
        return str(int(text)) == text
    except ValueError:
        return False


def jsonld_nodes(triples: Iterable[ox.Triple], base_iri: str) -> tuple[dict, list[dict]]:
    """The compact JSON-LD ``@context`` and node objects (in first-appearance order)."""
    compactor = _Compactor(base_iri)
    nodes: dict[str, dict[str, Any]] = {}
    keys: dict[str, tuple[str, str | None]] = {}  # predicate IRI -> (key, coercion)
    iris: dict[tuple[str, str | None], Any] = {}  # (object IRI, coercion) -> JSON value
    node: dict[str, Any] = {}
    last_subject = None
    for t in triples:
        subject = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
        if subject != last_subject:
            last_subject = subject
            node = nodes.get(subject)  # type: ignore[assignment]
            if node is None:
                node = nodes[subject] = {"@id": compactor.iri(subject)}
        predicate = t.predicate.value
        key_coercion = keys.get(predicate)
        if key_coercion is None:
            key_coercion = keys[predicate] = (
                ("@type", "@type") if predicate == _RDF_TYPE else compactor.key(predicate)
            )
        key, coercion = key_coercion
        obj = t.object
        if isinstance(obj, ox.NamedNode):
            cache_key = (obj.value, coercion)
            value = iris.get(cache_key)
            if value is None:
                value = iris[cache_key] = (
                    compactor.type_value(obj.value) if coercion == "@type"
                    else compactor.value(obj, coercion)
                )
        elif coercion == "@type":  # rdf:type with a literal value: keep it as a property
            key, value = compactor.iri(predicate), compactor.value(obj, None)
        else:
            value = compactor.value(obj, coercion)
        if key in node:
            existing = node[key]
            if isinstance(existing, list):
                existing.append(value)
            else:
                node[key] = [existing, value]
        else:
            node[key] = value
    context = [published_context(), {BASE_PREFIX: base_iri}]
    return {"@context": context}, list(nodes.values())


def write_jsonld(triples: Iterable[ox.Triple], path: Path, base_iri: str) -> None:
    """Write compact JSON-LD: the context, then one node object per line."""
    head, nodes = jsonld_nodes(triples, base_iri)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write('{\n"@context": ')
        fh.write(json.dumps(head["@context"], ensure_ascii=False, indent=1))
        fh.write(',\n"@graph": [\n')
        for i, node in enumerate(nodes):
            if i:
                fh.write(",\n")
            fh.write(json.dumps(node, ensure_ascii=False))
        fh.write("\n]\n}\n")


__all__ = [
    "SCHEMA_FILES", "VOCAB_PREFIXES", "copy_schemas", "jsonld_nodes", "published_context",
    "schema_path", "schemas_dir", "write", "write_jsonld",
]
