"""``graph.ttl``, ``graph.nt``, ``graph.jsonld`` and a copy of ``schemas/`` beside them.

The triples come from :func:`kg.graph.rdf.iter_triples`; pyoxigraph writes Turtle and
N-Triples (about a second per million triples).  ``graph.jsonld`` is compact JSON-LD: its
``@context`` is the published ``schemas/context.jsonld`` (inlined, so that no processor has to
fetch it) plus ``{"kg": <base IRI>}`` for the resource IRIs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.graph.rdf import VOCAB_PREFIXES, Block, check_base_iri, iter_blocks, prefixes
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
    """Write ``graph.ttl``, ``graph.nt``, ``graph.jsonld`` and ``schemas/`` into ``out_dir``.

    One pass over :func:`~kg.graph.rdf.iter_blocks`: the triples are serialised in chunks of
    whole subjects, so memory holds one chunk, not the graph's triples.
    """
    base_iri = check_base_iri(options.base_iri)
    with TripleWriters(out_dir, base_iri) as writers:
        for chunk in chunks(iter_blocks(graph, base_iri)):
            writers.write(chunk)
    copy_schemas(out_dir / "schemas")


#: triples per chunk written at once (whole subjects: a chunk may be a little larger)
CHUNK_TRIPLES = 20_000


def chunks(blocks: Iterable[Block], size: int = CHUNK_TRIPLES) -> Iterator[list[ox.Triple]]:
    """The blocks' triples in lists of about ``size``, never splitting a subject."""
    chunk: list[ox.Triple] = []
    for block in blocks:
        chunk += block.triples
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class TripleWriters:
    """``graph.ttl``, ``graph.nt`` and ``graph.jsonld`` written together, chunk by chunk.

    Each chunk must hold whole subjects (all of a subject's triples in one chunk): then the
    files are byte for byte those of serialising all the triples at once.
    """

    def __init__(self, out_dir: Path, base_iri: str) -> None:
        self.prefixes = prefixes(base_iri)
        self.ttl = (out_dir / "graph.ttl").open("wb")
        self.nt = (out_dir / "graph.nt").open("wb")
        self.jsonld = JsonLdWriter(out_dir / "graph.jsonld", base_iri)
        self.header: bytes | None = None  # the Turtle prefix lines, written once

    def __enter__(self) -> TripleWriters:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, triples: list[ox.Triple]) -> None:
        if not triples:
            return
        self.nt.write(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=self.prefixes)
        if self.header is None:
            self.header = _turtle_header(self.prefixes)
            self.ttl.write(self.header)
        if not turtle.startswith(self.header):
            raise AssertionError("Turtle chunk without the expected prefix lines")
        self.ttl.write(turtle[len(self.header):])
        self.jsonld.write(triples)

    def close(self) -> None:
        if self.header is None:  # no triples: what serialising nothing gives
            self.ttl.write(ox.serialize([], format=ox.RdfFormat.TURTLE, prefixes=self.prefixes))
        self.ttl.close()
        self.nt.close()
        self.jsonld.close()


def _turtle_header(prefix_map: dict[str, str]) -> bytes:
    """The prefix lines pyoxigraph writes before the triples of a Turtle document."""
    probe = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:o"))
    body = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"
    text = ox.serialize([probe], format=ox.RdfFormat.TURTLE, prefixes=prefix_map)
    if not text.endswith(body):
        raise AssertionError("unexpected Turtle layout from pyoxigraph")
    return text[: -len(body)]


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


def jsonld_nodes(triples: Iterable[ox.Triple], base_iri: str) -> Iterator[dict[str, Any]]:
    """Compact JSON-LD node objects, one per run of triples with the same subject (streamed).

    Give triples grouped by subject (as :func:`~kg.graph.rdf.iter_triples` yields them) to get
    one node object per subject.
    """
    compactor = _Compactor(base_iri)
    keys: dict[str, tuple[str, str | None]] = {}  # predicate IRI -> (key, coercion)
    iris: dict[tuple[str, str | None], Any] = {}  # (object IRI, coercion) -> JSON value
    node: dict[str, Any] | None = None
    last_subject = None
    for t in triples:
        subject = t.subject.value if isinstance(t.subject, ox.NamedNode) else f"_:{t.subject.value}"
        if subject != last_subject:
            if node is not None:
                yield node
            last_subject = subject
            node = {"@id": compactor.iri(subject)}
        assert node is not None
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
                value = compactor.type_value(obj.value) if coercion == "@type" \
                    else compactor.value(obj, coercion)
                if len(iris) < _IRI_CACHE:
                    iris[cache_key] = value
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
    if node is not None:
        yield node


#: compacted object IRIs remembered (the vocabulary and the most used resources)
_IRI_CACHE = 100_000


def jsonld_context(base_iri: str) -> list[Any]:
    """The ``@context`` of ``graph.jsonld``: the published context plus the ``kg`` prefix."""
    return [published_context(), {BASE_PREFIX: base_iri}]


class JsonLdWriter:
    """Compact JSON-LD written as it comes: the context, then one node object per line."""

    def __init__(self, path: Path, base_iri: str) -> None:
        self.base_iri = base_iri
        self.fh = path.open("w", encoding="utf-8", newline="\n")
        self.fh.write('{\n"@context": ')
        self.fh.write(json.dumps(jsonld_context(base_iri), ensure_ascii=False, indent=1))
        self.fh.write(',\n"@graph": [\n')
        self.first = True

    def write(self, triples: Iterable[ox.Triple]) -> None:
        """Add the nodes of ``triples`` (whole subjects)."""
        for node in jsonld_nodes(triples, self.base_iri):
            if not self.first:
                self.fh.write(",\n")
            self.first = False
            self.fh.write(json.dumps(node, ensure_ascii=False))

    def close(self) -> None:
        self.fh.write("\n]\n}\n")
        self.fh.close()


def write_jsonld(triples: Iterable[ox.Triple], path: Path, base_iri: str) -> None:
    """Write compact JSON-LD: the context, then one node object per line."""
    writer = JsonLdWriter(path, base_iri)
    try:
        writer.write(triples)
    finally:
        writer.close()


__all__ = [
    "SCHEMA_FILES", "VOCAB_PREFIXES", "JsonLdWriter", "TripleWriters", "chunks", "copy_schemas",
    "jsonld_context", "jsonld_nodes", "published_context", "schema_path", "schemas_dir", "write",
    "write_jsonld",
]
