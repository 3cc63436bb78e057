"""The plain record types every stage of paperkg speaks.

Flow: readers yield :class:`Paper`; extractors turn each paper into a
:class:`PaperExtraction` (per-paper entities, mentions and relations, each with
:class:`Evidence`); linking merges the extractions of a corpus into one
:class:`KnowledgeGraph` of canonical :class:`Entity` and :class:`Relation`
records.  Exporters are pure functions of a :class:`KnowledgeGraph`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EntityType = Literal["Model", "Dataset", "Method", "Task", "Metric"]
ENTITY_TYPES: tuple[EntityType, ...] = ("Model", "Dataset", "Method", "Task", "Metric")

#: Typed entity -> entity relations (see the annotation guideline).
ENTITY_PREDICATES: tuple[str, ...] = ("based_on", "trained_on", "evaluated_on", "uses_method")
#: Paper -> entity relations.
PAPER_PREDICATES: tuple[str, ...] = ("proposes", "uses")
#: Undirected, weighted by the number of papers two entities share.
CO_OCCURS_WITH = "co_occurs_with"

Field = Literal["title", "abstract"]


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
    def text(self) -> str:
        """Title and abstract as one text; offsets of mentions refer to the fields."""
        return f"{self.title}\n{self.abstract}"


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
