"""``graph.ttl``, ``graph.nt``, ``graph.jsonld`` and a copy of ``schemas/`` beside them.

One pass over :func:`kg.graph.rdf.iter_blocks`, in chunks of whole subjects (:func:`chunks`):
pyoxigraph writes Turtle and N-Triples (about a second per million triples) from the blocks'
triples; ``graph.jsonld`` is written from the blocks' plain values, without reading pyoxigraph
terms back.  It is compact JSON-LD: its ``@context`` is the published ``schemas/context.jsonld``
(inlined, so that no processor has to fetch it) plus ``{"kg": <base IRI>}`` for the resource
IRIs.  Other writers of the same chunks (``graph.owl``) can share the pass: see
:func:`write_chunks`.
"""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from kg.graph.ontology import ontology_triples
from kg.graph.rdf import (
    VOCAB_PREFIXES,
    Block,
    DateValue,
    Iri,
    TermMaker,
    Value,
    check_base_iri,
    iter_blocks,
    prefixes,
    serialize,
)
from kg.model import KnowledgeGraph
from kg.schema_files import SCHEMA_FILES, schema_path

#: The JSON-LD prefix of the resource IRIs (the build's base IRI).
BASE_PREFIX = "kg"

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"


@lru_cache(maxsize=1)
def published_context() -> dict[str, Any]:
    """The ``@context`` object of ``schemas/context.jsonld``."""
    return json.loads(schema_path("context.jsonld").read_text(encoding="utf-8"))["@context"]


def write(graph: KnowledgeGraph, out_dir: Path, options: Any) -> None:
    """Write ``graph.ttl``, ``graph.nt``, ``graph.jsonld`` and ``schemas/`` into ``out_dir``."""
    write_files(graph, out_dir, options)


def write_files(graph: KnowledgeGraph, out_dir: Path, options: Any,
                others: Sequence[ChunkWriter] = ()) -> None:
    """:func:`write`, and feed the same chunks to ``others`` (one pass over the graph for all)."""
    base_iri = check_base_iri(options.base_iri)
    write_chunks(graph, base_iri, [TripleWriters(out_dir, base_iri), *others])
    copy_schemas(out_dir / "schemas")


#: triples per chunk written at once (whole subjects: a chunk may be a little larger); small
#: chunks are faster: their terms are freed while still in the processor's caches
CHUNK_TRIPLES = 1_000


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive blocks (whole subjects) and, block by block, their pyoxigraph triples."""

    blocks: list[Block]
    triples: list[list[ox.Triple]]


def chunks(graph: KnowledgeGraph, base_iri: str, size: int | None = None) -> Iterator[Chunk]:
    """The graph's blocks in chunks of about ``size`` (default ``CHUNK_TRIPLES``) triples, never
    splitting a subject."""
    size = size or CHUNK_TRIPLES
    terms = TermMaker()
    blocks: list[Block] = []
    triples: list[list[ox.Triple]] = []
    count = 0
    for block in iter_blocks(graph, base_iri):
        blocks.append(block)
        triples.append(terms.triples(block))
        count += len(triples[-1])
        if count >= size:
            yield Chunk(blocks, triples)
            blocks, triples, count = [], [], 0
    if blocks:
        yield Chunk(blocks, triples)


class ChunkWriter(Protocol):
    """Writes files from the chunks of :func:`chunks`, given in order."""

    def write(self, chunk: Chunk) -> None: ...

    def close(self) -> None: ...


def write_chunks(graph: KnowledgeGraph, base_iri: str, writers: Sequence[ChunkWriter]) -> None:
    """Give every chunk of ``graph`` to each writer, then close them (also on an error).

    The cyclic garbage collector is paused meanwhile: the chunks hold millions of short-lived,
    acyclic objects, and its passes over them would cost more than the writing.
    """
    try:
        with collector_paused():
            for chunk in chunks(graph, base_iri):
                for writer in writers:
                    writer.write(chunk)
    finally:
        for writer in writers:
            writer.close()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (the RDF writers make millions of acyclic
    objects; its passes over them cost more than the writing)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class TripleWriters:
    """``graph.ttl``, ``graph.nt`` and ``graph.jsonld`` written together, chunk by chunk.

    Each file starts with the ontology (:func:`~kg.graph.ontology.ontology_triples`), so that it
    answers alignment queries alone.  Each chunk holds whole subjects (all of a subject's
    triples in one chunk): then the files are byte for byte those of serialising all the
    triples at once.
    """

    def __init__(self, out_dir: Path, base_iri: str) -> None:
        self.prefixes = prefixes(base_iri)
        self.ttl = (out_dir / "graph.ttl").open("wb")
        self.nt = (out_dir / "graph.nt").open("wb")
        self.jsonld = JsonLdWriter(out_dir / "graph.jsonld", base_iri)
        self.header = _turtle_header(self.prefixes)  # the Turtle prefix lines, written once
        self.ttl.write(self.header)
        ontology = list(ontology_triples())
        self._write_triples(ontology)
        self.jsonld.write_texts(ontology_nodes(ontology, self.jsonld.nodes.compactor))

    def write(self, chunk: Chunk) -> None:
        triples = [t for block_triples in chunk.triples for t in block_triples]
        if not triples:
            return
        self._write_triples(triples)
        self.jsonld.write(chunk.blocks)

    def _write_triples(self, triples: list[ox.Triple]) -> None:
        self.nt.write(serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        turtle = serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=self.prefixes)
        if not turtle.startswith(self.header):
            raise AssertionError("Turtle chunk without the expected prefix lines")
        self.ttl.write(turtle[len(self.header):])

    def close(self) -> None:
        self.ttl.close()
        self.nt.close()
        self.jsonld.close()


def _turtle_header(prefix_map: dict[str, str]) -> bytes:
    """The prefix lines pyoxigraph writes before the triples of a Turtle document."""
    probe = ox.Triple(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:o"))
    body = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"
    text = serialize([probe], format=ox.RdfFormat.TURTLE, prefixes=prefix_map)
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

    def vocab_iri(self, iri: str) -> str:
        """A vocabulary IRI as a compact IRI (``pkg:Paper``, not ``kg:ontology#Paper``); a
        namespace IRI itself stays whole (no ``dcterms:`` with an empty local name)."""
        for namespace, prefix in self._ns:
            local = iri[len(namespace):]
            if iri.startswith(namespace) and local and not local.startswith("//"):
                return f"{prefix}:{local}"
        local = iri[len(self.base_iri):]
        if iri.startswith(self.base_iri) and local and not local.startswith("//"):
            return f"{BASE_PREFIX}:{local}"
        return iri

    def key(self, iri: str, is_iri: bool) -> tuple[str, str | None]:
        """The JSON key of a property IRI and the term's type coercion (``@type`` for
        ``rdf:type`` with an IRI value)."""
        if iri == _RDF_TYPE and is_iri:
            return "@type", "@type"
        if iri in self.terms:
            return self.terms[iri]
        return self.iri(iri), None

    def value(self, obj: Value, coercion: str | None) -> Any:
        """The JSON value of an object (:class:`~kg.graph.rdf.Iri`, string or integer)."""
        if type(obj) is Iri:
            entry = self.terms.get(obj)
            if coercion == "@type":
                return entry[0] if entry is not None and entry[1] is None else self.iri(obj)
            if coercion == "@id":
                return self.iri(obj)
            if coercion == "@vocab":
                return entry[0] if entry is not None else self.iri(obj)
            return {"@id": self.iri(obj)}
        if coercion is None:
            return obj
        datatype = "integer" if type(obj) is int else "string"
        return {"@value": str(obj), "@type": self.iri(_XSD + datatype)}


def _json(value: Any) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False)`` writes it."""
    if type(value) is str:
        return encode_basestring(value)
    return json.dumps(value, ensure_ascii=False)


class JsonLdNodes:
    """Compact JSON-LD node objects of blocks, as JSON text (``json.dumps`` of the node dict)."""

    def __init__(self, base_iri: str) -> None:
        self.compactor = _Compactor(base_iri)
        #: predicate IRI -> ('"key": ', coercion, {object IRI: JSON value}), for IRI objects
        self.iri_keys: dict[str, tuple[str, str | None, dict[str, str]]] = {}
        #: predicate IRI -> ('"key": ', coercion), for literals
        self.literal_keys: dict[str, tuple[str, str | None]] = {}
        self.cached = 0  # IRIs in the iri_keys caches

    def text(self, block: Block) -> str:
        """The node object of ``block``: one key per property, repeated ones as a list."""
        values: dict[str, list[str]] = {}
        for p, o in block.properties:
            if type(o) is Iri:
                key, coercion, cache = self.iri_keys.get(p) or self._iri_key(p)
                text = cache.get(o) or self._iri(o, coercion, cache)
            elif type(o) is DateValue:
                key, _ = self.literal_keys.get(p) or self._literal_key(p)
                text = _json({"@value": str(o), "@type": self.compactor.iri(o.datatype)})
            else:
                key, coercion = self.literal_keys.get(p) or self._literal_key(p)
                if coercion is None:
                    text = encode_basestring(o) if type(o) is str else str(o)
                else:
                    text = _json(self.compactor.value(o, coercion))
            group = values.get(key)
            if group is None:
                values[key] = [text]
            else:
                group.append(text)
        members = [f'"@id": {_json(self.compactor.iri(block.iri))}']
        members += [key + (v[0] if len(v) == 1 else f"[{', '.join(v)}]")
                    for key, v in values.items()]
        return "{" + ", ".join(members) + "}"

    def _iri_key(self, predicate: str) -> tuple[str, str | None, dict[str, str]]:
        key, coercion = self.compactor.key(predicate, True)
        entry = self.iri_keys[predicate] = (_json(key) + ": ", coercion, {})
        return entry

    def _literal_key(self, predicate: str) -> tuple[str, str | None]:
        key, coercion = self.compactor.key(predicate, False)
        entry = self.literal_keys[predicate] = (_json(key) + ": ", coercion)
        return entry

    def _iri(self, iri: Iri, coercion: str | None, cache: dict[str, str]) -> str:
        text = _json(self.compactor.value(iri, coercion))
        if self.cached < _IRI_CACHE:
            cache[iri] = text
            self.cached += 1
        return text


#: compacted object IRIs remembered (the vocabulary and the most used resources)
_IRI_CACHE = 100_000


def ontology_nodes(triples: Iterable[ox.Triple], compactor: _Compactor) -> list[str]:
    """Node objects (JSON text) of ``triples`` with any terms (the ontology's: blank nodes,
    language-tagged literals), one per subject in order of first appearance, every value in
    expanded form so that no coercion of the context applies."""
    nodes: dict[str, dict[str, list[Any]]] = {}
    for t in triples:
        node = nodes.setdefault(_node_id(t.subject, compactor), {})
        if t.predicate.value == _RDF_TYPE and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(compactor.vocab_iri(t.object.value))
            continue
        obj = t.object
        value: dict[str, str]
        if isinstance(obj, ox.Literal):
            value = {"@value": obj.value}
            if obj.language:
                value["@language"] = obj.language
            elif obj.datatype.value != _XSD + "string":
                value["@type"] = compactor.vocab_iri(obj.datatype.value)
        else:
            value = {"@id": _node_id(obj, compactor)}
        node.setdefault(compactor.vocab_iri(t.predicate.value), []).append(value)
    return [_json({"@id": ident, **{k: v[0] if len(v) == 1 else v for k, v in node.items()}})
            for ident, node in nodes.items()]


def _node_id(term: Any, compactor: _Compactor) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else compactor.vocab_iri(term.value)


def jsonld_context(base_iri: str) -> list[Any]:
    """The ``@context`` of ``graph.jsonld``: the published context plus the ``kg`` prefix."""
    return [published_context(), {BASE_PREFIX: base_iri}]


class JsonLdWriter:
    """Compact JSON-LD written as it comes: the context, then one node object per line."""

    def __init__(self, path: Path, base_iri: str) -> None:
        self.nodes = JsonLdNodes(base_iri)
        self.fh = path.open("w", encoding="utf-8", newline="\n")
        self.fh.write('{\n"@context": ')
        self.fh.write(json.dumps(jsonld_context(base_iri), ensure_ascii=False, indent=1))
        self.fh.write(',\n"@graph": [\n')
        self.first = True

    def write(self, blocks: Iterable[Block]) -> None:
        """Add the nodes of ``blocks``."""
        self.write_texts([self.nodes.text(block) for block in blocks])

    def write_texts(self, texts: list[str]) -> None:
        """Add node objects given as JSON text."""
        if texts:
            self.fh.write(("" if self.first else ",\n") + ",\n".join(texts))
            self.first = False

    def close(self) -> None:
        self.fh.write("\n]\n}\n")
        self.fh.close()


__all__ = [
    "VOCAB_PREFIXES", "Chunk", "ChunkWriter", "JsonLdNodes", "JsonLdWriter",
    "TripleWriters", "chunks", "copy_schemas", "jsonld_context", "ontology_nodes",
    "published_context",
    "write", "write_chunks", "write_files",
]
