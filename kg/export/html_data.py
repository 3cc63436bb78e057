"""The data one ``graph.html`` page carries: every chosen entity and every paper it mentions.

Plain values only (no HTML): the page turns them into text nodes, so hostile titles stay text.
The layout is column-wise (one list per field) to keep the page small; ``index`` fields point
into another table (``papers``, ``entities``, ``types``, ``relations``).  Character offsets are
in UTF-16 code units, as JavaScript strings count them.

- ``entities``: id, name, type, aliases, external links, papers (newest first), x/y (layout),
  community, degree (distinct neighbours), label rank (0 = most connected);
- ``papers``: id, title, year, venue, url (http(s) only), authors, abstract, and the mentions
  extracted from it (``[field, start, end, entity]``, field 0 title / 1 abstract);
- ``edges``: entity -> entity relations with their paper support (the edge weight) and, for the
  typed relations, every evidence sentence ``[paper, sentence, start, end]`` (the mention's
  span in the sentence, or -1).  ``co_occurs_with`` is pruned to each entity's strongest
  :data:`COOCCURRENCE_PER_ENTITY` partners (the shared papers of any two entities are still
  listed by the page, from their paper lists).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from kg.export.html_layout import Layout, layout
from kg.model import (
    CO_OCCURS_WITH,
    PAPER_PREDICATES,
    Evidence,
    KnowledgeGraph,
    Paper,
    Relation,
)

#: co-occurrence edges kept per entity (its strongest partners)
COOCCURRENCE_PER_ENTITY = 8
_WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def safe_url(url: str) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no ``javascript:``, no ``data:``)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def external_links(external_ids: dict[str, str]) -> list[tuple[str, str | None, str]]:
    """``(label, url or None, shown text)`` for each external id, in key order."""
    links: list[tuple[str, str | None, str]] = []
    for key, value in sorted(external_ids.items()):
        if key == "wikidata" and _WIKIDATA_ID.fullmatch(value):
            links.append(("Wikidata", f"https://www.wikidata.org/wiki/{value}", value))
        elif key == "huggingface" and not safe_url(value):
            url = f"https://huggingface.co/{quote(value.strip(), safe='/-_.')}"
            links.append(("Hugging Face", url, value))
        else:
            links.append((key.replace("_", " ").capitalize() if key != "huggingface"
                          else "Hugging Face", safe_url(value), value))
    return links


def utf16(text: str, offset: int) -> int:
    """The UTF-16 offset of code point ``offset`` in ``text`` (JavaScript's string index)."""
    if not _ASTRAL.search(text, 0, offset):
        return offset
    return offset + len(_ASTRAL.findall(text, 0, offset))


def _field_text(paper: Paper | None, ev: Evidence) -> str:
    if paper is None:
        return ""
    return paper.title if ev.field == "title" else paper.abstract


def _sentence_span(paper: Paper | None, ev: Evidence) -> tuple[int, int]:
    """Where the evidence's mention lies in its sentence (UTF-16), or (-1, -1)."""
    mention = _field_text(paper, ev)[ev.start:ev.end]
    at = ev.sentence_text.find(mention) if mention else -1
    if at < 0:
        return -1, -1
    return utf16(ev.sentence_text, at), utf16(ev.sentence_text, at + len(mention))


def _paper_support(evidence: Iterable[Evidence]) -> int:
    return len({ev.paper_id for ev in evidence})


def _edges(graph: KnowledgeGraph, chosen: dict[str, int], paper_index: dict[str, int]) -> dict:
    """Entity -> entity relations among ``chosen`` (co-occurrence pruned), in relation order."""
    typed: list[Relation] = []
    cooc: list[Relation] = []
    for rel in graph.relations:
        if rel.subject not in chosen or rel.object not in chosen:
            continue
        (cooc if rel.predicate == CO_OCCURS_WITH else typed).append(rel)
    strongest: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for i, rel in enumerate(cooc):
        strongest[rel.subject].append((-rel.weight, rel.object, i))
        strongest[rel.object].append((-rel.weight, rel.subject, i))
    keep = sorted({i for near in strongest.values()
                   for _, _, i in sorted(near)[:COOCCURRENCE_PER_ENTITY]})
    relations: list[str] = []
    columns: dict[str, list] = {"source": [], "target": [], "relation": [], "weight": [],
                                "evidence": []}
    for rel in [*typed, *(cooc[i] for i in keep)]:
        if rel.predicate not in relations:
            relations.append(rel.predicate)
        columns["source"].append(chosen[rel.subject])
        columns["target"].append(chosen[rel.object])
        columns["relation"].append(relations.index(rel.predicate))
        if rel.predicate == CO_OCCURS_WITH:
            columns["weight"].append(rel.weight)
            columns["evidence"].append(None)
            continue
        columns["weight"].append(_paper_support(rel.evidence))
        seen, quotes = set(), []
        for ev in rel.evidence:
            if (ev.paper_id, ev.sentence_text) in seen or ev.paper_id not in paper_index:
                continue
            seen.add((ev.paper_id, ev.sentence_text))
            start, end = _sentence_span(graph.papers.get(ev.paper_id), ev)
            quotes.append([paper_index[ev.paper_id], ev.sentence_text, start, end])
        columns["evidence"].append(quotes)
    return {"relations": relations, "edges": columns}


def _mentions(graph: KnowledgeGraph, chosen: dict[str, int],
              paper_index: dict[str, int]) -> list[list[list[int]]]:
    """Per paper, ``[field, start, end, entity]`` of each extracted mention, sorted."""
    spans: list[set[tuple[int, int, int, int]]] = [set() for _ in paper_index]
    for rel in graph.relations:
        if rel.predicate not in PAPER_PREDICATES or rel.object not in chosen:
            continue
        p = paper_index.get(rel.subject)
        if p is None:
            continue
        paper = graph.papers[rel.subject]
        for ev in rel.evidence:
            text = _field_text(paper, ev)
            if 0 <= ev.start < ev.end <= len(text):
                spans[p].add((0 if ev.field == "title" else 1, utf16(text, ev.start),
                              utf16(text, ev.end), chosen[rel.object]))
    return [[list(s) for s in sorted(found)] for found in spans]


def _papers(graph: KnowledgeGraph, ids: list[str]) -> dict[str, list]:
    papers = [graph.papers[p] for p in ids]
    return {
        "id": ids,
        "title": [p.title for p in papers],
        "year": [p.year for p in papers],
        "venue": [p.venue or "" for p in papers],
        "url": [safe_url(p.url) if p.url else None for p in papers],
        "authors": [list(p.authors) for p in papers],
        "abstract": [p.abstract for p in papers],
    }


def page_model(graph: KnowledgeGraph, entity_ids: Iterable[str], title: str,
               all_papers: bool = True) -> dict:
    """The page's data for ``entity_ids`` (the papers: all of the build's, or only theirs)."""
    chosen_ids = sorted(set(entity_ids))
    chosen = {e: i for i, e in enumerate(chosen_ids)}
    if all_papers:
        paper_ids = sorted(graph.papers)
    else:
        paper_ids = sorted({p for e in chosen_ids for p in graph.entities[e].papers
                            if p in graph.papers})
    paper_index = {p: i for i, p in enumerate(paper_ids)}
    edges = _edges(graph, chosen, paper_index)
    placed: Layout = layout(len(chosen_ids), edges["edges"]["source"], edges["edges"]["target"],
                            edges["edges"]["weight"])
    entities = [graph.entities[e] for e in chosen_ids]
    types = sorted({e.type for e in entities})
    papers = _papers(graph, paper_ids)

    def newest_first(pids: tuple[str, ...]) -> list[int]:
        idx = [paper_index[p] for p in pids if p in paper_index]
        return sorted(idx, key=lambda i: (-(papers["year"][i] or 0), papers["title"][i], i))

    neighbours: list[set[int]] = [set() for _ in chosen_ids]
    for rel in graph.relations:
        if rel.subject in chosen and rel.object in chosen and rel.subject != rel.object:
            neighbours[chosen[rel.subject]].add(chosen[rel.object])
            neighbours[chosen[rel.object]].add(chosen[rel.subject])
    degree = [len(n) for n in neighbours]
    ranked = sorted(range(len(chosen_ids)),
                    key=lambda i: (-degree[i], -entities[i].paper_count, chosen_ids[i]))
    rank = [0] * len(chosen_ids)
    for r, i in enumerate(ranked):
        rank[i] = r
    papers["mentions"] = _mentions(graph, chosen, paper_index)
    return {
        "title": title,
        "types": types,
        "relations": edges["relations"],
        "entities": {
            "id": chosen_ids,
            "name": [e.name for e in entities],
            "type": [types.index(e.type) for e in entities],
            "aliases": [list(e.aliases) for e in entities],
            "links": [[list(link) for link in external_links(e.external_ids)] for e in entities],
            "papers": [newest_first(e.papers) for e in entities],
            "x": placed.x,
            "y": placed.y,
            "community": placed.community,
            "degree": degree,
            "rank": rank,
        },
        "papers": papers,
        "edges": edges["edges"],
    }
