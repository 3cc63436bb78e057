"""The plain record types every stage of paperkg speaks.

Flow: readers yield :class:`Paper`; extractors turn each paper into a
:class:`PaperExtraction` (per-paper entities, mentions and relations, each with
:class:`Evidence`); linking merges the extractions of a corpus into one
:class:`KnowledgeGraph` of canonical :class:`Entity` and :class:`Relation`
records.  Exporters are pure functions of a :class:`KnowledgeGraph`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from kg.text import Reading, read_styling, reading_title

EntityType = Literal["Model", "Dataset", "Method", "Task", "Metric"]
ENTITY_TYPES: tuple[EntityType, ...] = ("Model", "Dataset", "Method", "Task", "Metric")

#: Typed entity -> entity relations (see the annotation guideline).
ENTITY_PREDICATES: tuple[str, ...] = ("based_on", "trained_on", "evaluated_on", "uses_method")
#: Paper -> entity relations.
PAPER_PREDICATES: tuple[str, ...] = ("proposes", "uses")
#: Undirected, weighted by the number of papers two entities share.
CO_OCCURS_WITH = "co_occurs_with"

Field = Literal["title", "abstract"]


class RecordError(ValueError):
    """A record that does not have the shape of its type (the message says how)."""


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as read from an input file."""

    id: str
    title: str
    abstract: str
    url: str | None = None
    year: int | None = None
    authors: tuple[str, ...] = ()
    venue: str | None = None
    source: str = ""  #: file the record was read from
    record: int = 0  #: 1-based line or record number in ``source``
    doi: str | None = None  #: as given (original case; DOIs compare case-insensitively)
    arxiv_id: str | None = None  #: without version, e.g. ``2106.09685``
    pmid: str | None = None  #: PubMed id (digits)
    pmcid: str | None = None  #: PubMed Central id, e.g. ``PMC3531190``
    date: str | None = None  #: publication date as given: ``YYYY-MM-DD`` or ``YYYY-MM``
    subjects: tuple[str, ...] = ()  #: subject classes, e.g. arXiv categories ``cs.CL``
    journal_ref: str | None = None  #: bibliographic reference of the published version
    namespace: str = ""  #: the corpus namespace of a local-id-only paper's IRI

    @property
    def identity_keys(self) -> tuple[str, ...]:
        """The keys that make two records the same paper: DOI (casefolded), arXiv id, PMID."""
        keys = []
        if self.doi:
            keys.append("doi:" + self.doi.casefold())
        if self.arxiv_id:
            keys.append("arxiv:" + self.arxiv_id)
        if self.pmid:
            keys.append("pmid:" + self.pmid)
        return tuple(keys)

    @property
    def reading(self) -> Reading:
        """Title and abstract as one text, as the extractor reads them (a title in capitals in
        title case: :func:`~kg.text.reading_title`; without LaTeX styling:
        :func:`~kg.text.read_styling`), and where its characters stand in the fields."""
        return read_styling(f"{reading_title(self.title, self.abstract)}\n{self.abstract}")

    @property
    def text(self) -> str:
        """The text of :attr:`reading`; offsets of mentions refer to the fields."""
        return self.reading.text

    def located(self, source: str, record: int) -> Paper:
        """This paper as read from record ``record`` of file ``source``."""
        return replace(self, source=source, record=record)


@dataclass(frozen=True, slots=True, order=True)
class Evidence:
    """Where something was found: paper, field, character span, sentence and rule."""

    paper_id: str
    field: Field
    start: int  #: character offset in ``field`` (inclusive)
    end: int  #: character offset in ``field`` (exclusive)
    sentence: int  #: sentence index in the paper; the title is sentence 0
    sentence_text: str
    rule: str  #: lexicon entry id or pattern name that fired

    def to_json(self) -> dict:
        return {
            "paper": self.paper_id,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "sentence": self.sentence,
            "sentence_text": self.sentence_text,
            "rule": self.rule,
        }

    @classmethod
    def from_json(cls, obj: Any) -> Evidence:
        """The inverse of :meth:`to_json`; :class:`RecordError` says what is wrong."""
        if not isinstance(obj, dict):
            raise RecordError("evidence must be an object")
        try:
            evidence = cls(
                paper_id=str(obj["paper"]),
                field=obj["field"],
                start=int(obj["start"]),
                end=int(obj["end"]),
                sentence=int(obj["sentence"]),
                sentence_text=str(obj["sentence_text"]),
                rule=str(obj["rule"]),
            )
        except KeyError as exc:
            raise RecordError(f"evidence without {exc.args[0]!r}") from None
        except (TypeError, ValueError):
            raise RecordError("evidence offsets must be integers") from None
        if evidence.field not in ("title", "abstract"):
            raise RecordError(f"evidence field must be title or abstract, not {evidence.field!r}")
        return evidence


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of an entity name in a paper."""

    text: str
    type: EntityType
    evidence: Evidence


@dataclass(slots=True)
class PaperEntity:
    """An entity as found in one paper, before linking across papers."""

    name: str
    type: EntityType
    aliases: list[str] = field(default_factory=list)
    proposed: bool = False
    mentions: list[Mention] = field(default_factory=list)
    lexicon_id: str | None = None  #: id of the lexicon entry, when one matched

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "aliases": list(self.aliases),
            "proposed": self.proposed,
            "lexicon_id": self.lexicon_id,
            "mentions": [
                {"text": m.text, **m.evidence.to_json()} for m in self.mentions
            ],
        }

    @classmethod
    def from_json(cls, obj: Any) -> PaperEntity:
        """The inverse of :meth:`to_json`; :class:`RecordError` says what is wrong."""
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not obj["name"]:
            raise RecordError("each entity needs a non-empty 'name'")
        problem = unknown_type(obj["name"], obj.get("type"))
        if problem:
            raise RecordError(problem)
        etype = cast(EntityType, obj["type"])
        mentions = obj.get("mentions", [])
        aliases = obj.get("aliases", [])
        if not isinstance(mentions, list) or not isinstance(aliases, list):
            raise RecordError(f"entity {obj['name']!r}: 'mentions' and 'aliases' must be lists")
        return cls(
            name=obj["name"],
            type=etype,
            aliases=[str(a) for a in aliases],
            proposed=bool(obj.get("proposed", False)),
            mentions=[
                Mention(str(m.get("text", "")) if isinstance(m, dict) else "", etype,
                        Evidence.from_json(m))
                for m in mentions
            ],
            lexicon_id=obj.get("lexicon_id") or None,
        )


def unknown_type(name: object, etype: object) -> str:
    """What is wrong with an entity of type ``etype`` (one paperkg does not have), or ``""``."""
    if etype in ENTITY_TYPES:
        return ""
    return f"entity {name!r}: type must be one of {', '.join(ENTITY_TYPES)}, not {etype!r}"


@dataclass(frozen=True, slots=True)
class PaperRelation:
    """A typed relation between two entities of one paper (by their names)."""

    subject: str
    predicate: str
    object: str
    evidence: Evidence

    def to_json(self) -> dict:
        return {
            "subject": self.subject,
            "predicate": self.predicate,
            "object": self.object,
            "evidence": self.evidence.to_json(),
        }

    @classmethod
    def from_json(cls, obj: Any) -> PaperRelation:
        """The inverse of :meth:`to_json`; :class:`RecordError` says what is wrong."""
        if not isinstance(obj, dict) or not all(
            isinstance(obj.get(k), str) for k in ("subject", "predicate", "object")
        ):
            raise RecordError("each relation needs 'subject', 'predicate' and 'object'")
        return cls(obj["subject"], obj["predicate"], obj["object"],
                   Evidence.from_json(obj.get("evidence")))


@dataclass(slots=True)
class PaperExtraction:
    """Everything extracted from one paper."""

    paper: Paper
    entities: list[PaperEntity] = field(default_factory=list)
    relations: list[PaperRelation] = field(default_factory=list)

    def to_json(self) -> dict:
        """The gold-annotation format of ``paperkg extract`` (plus mentions/evidence)."""
        return {
            "id": self.paper.id,
            "entities": [e.to_json() for e in self.entities],
            "relations": [r.to_json() for r in self.relations],
        }

    @classmethod
    def from_json(cls, obj: Any) -> PaperExtraction:
        """The inverse of :meth:`to_json`.  The paper carries only its id, and a title recovered
        from the title evidence, if any; :class:`RecordError` says what is wrong."""
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            raise RecordError("expected an object with a string 'id'")
        entities, relations = obj.get("entities", []), obj.get("relations", [])
        if not isinstance(entities, list) or not isinstance(relations, list):
            raise RecordError("'entities' and 'relations' must be lists")
        parsed = [PaperEntity.from_json(e) for e in entities]
        title = " ".join(dict(sorted(
            (m.evidence.sentence, m.evidence.sentence_text)
            for e in parsed for m in e.mentions if m.evidence.field == "title"
        )).values())
        return cls(paper=Paper(id=obj["id"], title=title, abstract=""), entities=parsed,
                   relations=[PaperRelation.from_json(r) for r in relations])


@dataclass(slots=True)
class Entity:
    """A canonical entity of the whole graph."""

    id: str  #: stable, readable: ``<type>/<slug>``, e.g. ``model/llama-2``
    type: EntityType
    name: str
    aliases: tuple[str, ...] = ()
    external_ids: dict[str, str] = field(default_factory=dict)  #: wikidata, huggingface, homepage …
    papers: tuple[str, ...] = ()  #: ids of the papers that mention it, sorted
    proposed_by: tuple[str, ...] = ()  #: ids of the papers that introduce it, sorted
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)  #: e.g. {"sizes": ("7B",)}
    #: ids of the graph's more general entities of the same type (``skos:broader``), sorted
    broader: tuple[str, ...] = ()

    @property
    def paper_count(self) -> int:
        return len(self.papers)


@dataclass(slots=True)
class Relation:
    """A relation of the graph, with the evidence that supports it.

    ``subject``/``object`` are entity ids or paper ids (for ``proposes``/``uses``).
    For ``co_occurs_with`` the evidence is empty and ``weight`` is the number of
    shared papers; for every other predicate ``weight`` is the support count
    (number of distinct evidence records).
    """

    subject: str
    predicate: str
    object: str
    evidence: tuple[Evidence, ...] = ()
    weight: int = 1


@dataclass(slots=True)
class KnowledgeGraph:
    """One corpus' graph: papers, canonical entities and relations (all sorted)."""

    papers: dict[str, Paper] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)

    def relations_of(self, predicate: str) -> list[Relation]:
        return [r for r in self.relations if r.predicate == predicate]
