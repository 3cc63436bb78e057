"""Linking: per-paper extractions -> one graph of canonical entities and evidenced relations.

Canonicalisation: every surface form of an entity (name, aliases, and for lexicon entities every
lexicon pattern) is a key ``(type, name_key(form))``; entities of different papers that share a
key are one entity (union-find), so an acronym defined in one paper (``Segment Anything Model
(SAM)``) links ``SAM`` in every paper.  :func:`~extractors.normalize.name_key` folds case,
hyphens, spaces, dots and unicode dashes (``Llama 2`` = ``LLaMA-2``); digits and letters are kept,
so ``Llama-2``/``Llama-3``, ``GPT-4``/``GPT-4V`` and ``MIMIC-III``/``MIMIC-IV`` stay apart.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import cast

from extractors.lexicon import Lexicon
from extractors.normalize import name_key, slugify
from kg.hierarchy import broader_in_graph
from kg.model import (
    CO_OCCURS_WITH,
    Entity,
    Evidence,
    Field,
    KnowledgeGraph,
    Mention,
    PaperEntity,
    PaperExtraction,
    PaperRelation,
    Relation,
)

#: evidence records kept per paper -> entity relation (the first mentions)
MAX_MENTION_EVIDENCE = 3
#: entities of one paper that get ``co_occurs_with`` pairs (the most mentioned, then the first
#: mentioned): pairs grow with the square of the count, so an entity-dense abstract (a list of
#: hundreds of names) would otherwise write hundreds of thousands of relations
MAX_COOCCURRING_ENTITIES = 40


class _UnionFind:
    """Union-find over name keys that never joins two different lexicon entries."""

    def __init__(self) -> None:
        self.parent: dict = {}
        self.lexicon_id: dict = {}  # root -> the lexicon id its group is anchored to

    def find(self, x):
        parent = self.parent.setdefault(x, x)
        if parent != x:
            parent = self.parent[x] = self.find(parent)
        return parent

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        la, lb = self.lexicon_id.get(ra), self.lexicon_id.get(rb)
        if la and lb and la != lb:
            return  # a shared alias must not merge two known, different entities
        # the smaller root wins, so the result does not depend on input order
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        if la or lb:
            self.lexicon_id[ra] = la or lb


def slim(extraction: PaperExtraction) -> PaperExtraction:
    """``extraction`` reduced to what :func:`link` reads, its strings shared (big builds).

    Per entity: the mentions whose evidence linking keeps (the :data:`MAX_MENTION_EVIDENCE`
    first) and one mention of every other surface form; names, rules and fields interned, the
    paper's sentence texts shared.  Linking slimmed extractions gives the same graph.
    """
    sentences: dict[str, str] = {}
    intern = sys.intern

    def evidence(ev: Evidence) -> Evidence:
        text = sentences.setdefault(ev.sentence_text, ev.sentence_text)
        field = cast(Field, intern(ev.field))
        return Evidence(intern(ev.paper_id), field, ev.start, ev.end, ev.sentence, text,
                        intern(ev.rule))

    entities = []
    for entity in extraction.entities:
        ranked = sorted(entity.mentions, key=lambda m: m.evidence)
        kept = ranked[:MAX_MENTION_EVIDENCE]
        texts = {m.text for m in kept}
        for m in ranked[MAX_MENTION_EVIDENCE:]:
            if m.text not in texts:
                texts.add(m.text)
                kept.append(m)
        entities.append(PaperEntity(
            name=intern(entity.name), type=entity.type,
            aliases=[intern(a) for a in entity.aliases], proposed=entity.proposed,
            mentions=[Mention(intern(m.text), m.type, evidence(m.evidence)) for m in kept],
            lexicon_id=intern(entity.lexicon_id) if entity.lexicon_id else entity.lexicon_id,
        ))
    relations = [
        PaperRelation(intern(r.subject), intern(r.predicate), intern(r.object),
                      evidence(r.evidence))
        for r in extraction.relations
    ]
    return PaperExtraction(extraction.paper, entities, relations)


def _forms(entity: PaperEntity) -> list[str]:
    return [entity.name, *entity.aliases, *(m.text for m in entity.mentions)]


def link(extractions: Sequence[PaperExtraction], lexicon: Lexicon | None = None) -> KnowledgeGraph:
    """Merge per-paper extractions into one :class:`KnowledgeGraph` (deterministic order)."""
    return link_with_index(extractions, lexicon)[0]


def link_with_index(
    extractions: Sequence[PaperExtraction], lexicon: Lexicon | None = None
) -> tuple[KnowledgeGraph, dict[tuple[str, str], str]]:
    """:func:`link`, plus the map ``(paper id, paper-level entity name) -> entity id``."""
    groups = _UnionFind()
    occurrences: list[tuple[PaperExtraction, PaperEntity, tuple]] = []
    for extraction in extractions:
        for entity in extraction.entities:
            anchor = ("lexicon", entity.lexicon_id) if entity.lexicon_id else None
            keys = sorted({(entity.type, k) for k in map(name_key, _forms(entity)) if k})
            if anchor is None:
                anchor = keys[0]
            else:
                groups.lexicon_id[groups.find(anchor)] = entity.lexicon_id
            for key in keys:
                groups.union(anchor, key)
            occurrences.append((extraction, entity, anchor))

    members: dict = defaultdict(list)
    for extraction, entity, anchor in occurrences:
        members[groups.find(anchor)].append((extraction.paper.id, entity))

    graph = KnowledgeGraph(papers={x.paper.id: x.paper for x in extractions})
    entity_of: dict[tuple[str, str], str] = {}  # (paper id, paper-level name) -> entity id
    used_ids: set[str] = set()
    for root in sorted(members, key=_sort_key(members)):
        canonical = _canonical(members[root], lexicon, used_ids)
        graph.entities[canonical.id] = canonical
        for paper_id, member in members[root]:
            entity_of[(paper_id, member.name)] = canonical.id
    graph.entities = dict(sorted(graph.entities.items()))
    for entity_id, broader in broader_in_graph(graph.entities).items():
        graph.entities[entity_id].broader = broader
    graph.relations = _relations(extractions, entity_of)
    return graph, entity_of


def _sort_key(members: dict):
    def key(root) -> tuple:
        ids = sorted(pid for pid, _ in members[root])
        return (str(root), ids)

    return key


def entity_slug(name: str) -> str:
    """The id slug of an entity the lexicons do not know, from its name alone: NFKC, casefolded,
    letters and digits of any script kept, every other run of characters one hyphen, ``+`` spelt
    ``plus`` (``μ-Bench`` -> ``μ-bench``, ``Grad-CAM++`` -> ``grad-cam-plus-plus``)."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("+", " plus ")
    text = re.sub(r"[\W_]+", "-", text)
    return text.strip("-") or slugify(name)


def _canonical(
    members: list[tuple[str, PaperEntity]], lexicon: Lexicon | None, used_ids: set[str]
) -> Entity:
    lexicon_id = next((m.lexicon_id for _, m in members if m.lexicon_id), None)
    entry = lexicon.entries.get(lexicon_id) if lexicon is not None and lexicon_id else None
    types = Counter(m.type for _, m in members)
    etype = sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    if entry is not None:
        name = entry.name
    elif lexicon_id:
        name = next(m.name for _, m in members if m.lexicon_id == lexicon_id)
    else:
        names = Counter(m.name for _, m in members)
        name = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    entity_id = lexicon_id or f"{etype.lower()}/{entity_slug(name)}"
    if entity_id in used_ids:  # another name with the same slug: told apart by the name's key
        entity_id = f"{entity_id}-{hashlib.sha256(name_key(name).encode()).hexdigest()[:8]}"
    used_ids.add(entity_id)
    forms = {f for _, m in members for f in _forms(m)}
    return Entity(
        id=entity_id,
        type=etype,
        name=name,
        aliases=tuple(sorted(forms - {name})),
        external_ids=dict(sorted(entry.external_ids.items())) if entry is not None else {},
        papers=tuple(sorted({pid for pid, _ in members})),
        proposed_by=tuple(sorted({pid for pid, m in members if m.proposed})),
    )


def _relations(
    extractions: Iterable[PaperExtraction], entity_of: dict[tuple[str, str], str]
) -> list[Relation]:
    evidence: dict[tuple[str, str, str], set[Evidence]] = defaultdict(set)
    cooccur: Counter = Counter()
    for extraction in extractions:
        pid = extraction.paper.id
        salience: dict[str, tuple] = {}  # entity id -> (-mentions, first mention)
        for entity in extraction.entities:
            eid = entity_of[(pid, entity.name)]
            predicate = "proposes" if entity.proposed else "uses"
            mentions = sorted(m.evidence for m in entity.mentions)
            evidence[(pid, predicate, eid)].update(mentions[:MAX_MENTION_EVIDENCE])
            first = min(((ev.field != "title", ev.start) for ev in mentions), default=(True, 0))
            count, seen = salience.get(eid, (0, first))
            salience[eid] = (count - len(mentions), min(seen, first))
        ids = sorted(salience, key=lambda e: (salience[e], e))[:MAX_COOCCURRING_ENTITIES]
        for a, b in combinations(sorted(ids), 2):
            cooccur[(a, b)] += 1
        for rel in extraction.relations:
            subj = entity_of.get((pid, rel.subject))
            obj = entity_of.get((pid, rel.object))
            if subj and obj and subj != obj:
                evidence[(subj, rel.predicate, obj)].add(rel.evidence)
    relations = [
        Relation(s, p, o, tuple(sorted(ev)), weight=len(ev)) for (s, p, o), ev in evidence.items()
    ]
    relations += [Relation(a, CO_OCCURS_WITH, b, (), weight=w) for (a, b), w in cooccur.items()]
    return sorted(relations, key=lambda r: (r.predicate, r.subject, r.object))
