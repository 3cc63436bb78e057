"""A small hand-made graph whose texts and ids try to break every exporter's quoting."""

from __future__ import annotations

from kg.model import Entity, Evidence, KnowledgeGraph, Paper, Relation

#: a DOI with ';' and parentheses, as old Wiley DOIs have
DOI = "doi:10.1002/(SICI)1097-4636(199706)35:4<483::AID-JBM8>3.0.CO;2-L"
TITLE = 'He said "hi", then left; <b>bold</b> & done\nsecond line \\"odd\\" ünïcödé 🚀'
ABSTRACT = 'Commas, "quotes", ;semicolons;\r\nCRLF line\ttab \\ backslash \' apostrophe.'
SPACE_ID = "title:ab cd/ef?g#h"
CONTROL_TITLE = "Control\x0bchars\x01 in a title"


def tricky_graph() -> KnowledgeGraph:
    """Two papers, three entities, every relation kind; ``;`` in an alias, an author and an id."""
    sentence = 'We present X-1 ("the model"), built on Base;\nit uses "LoRA, v2".'
    ev = Evidence(DOI, "abstract", 0, 5, 1, sentence, "pattern:apposition")
    ev2 = Evidence(SPACE_ID, "title", 0, 4, 0, CONTROL_TITLE, "lexicon:model/x-1")
    papers = {
        DOI: Paper(DOI, TITLE, ABSTRACT, url="https://example.org/a?b=1&c=2", year=2021,
                   authors=("Doe, J.", "O'Neil; P."), venue="Venue, \"Quoted\""),
        SPACE_ID: Paper(SPACE_ID, CONTROL_TITLE, "Short.", year=None),
    }
    entities = {
        "method/lora": Entity("method/lora", "Method", "LoRA", aliases=("Low-Rank Adaptation",),
                              papers=(DOI,)),
        "model/base": Entity("model/base", "Model", 'Base "v1"', papers=(DOI,)),
        "model/x-1": Entity(
            "model/x-1", "Model", "X-1",
            aliases=("X;1", "X, one", 'X "uno"'),
            external_ids={"wikidata": "Q1", "hugging face": "org/x-1"},
            papers=(DOI, SPACE_ID), proposed_by=(DOI,),
            attributes={"sizes": ("7B", "13B")},
        ),
    }
    relations = [
        Relation(DOI, "proposes", "model/x-1", (ev,), 1),
        Relation(DOI, "uses", "method/lora", (ev,), 1),
        Relation(SPACE_ID, "uses", "model/x-1", (ev2,), 1),
        Relation("model/x-1", "based_on", "model/base", (ev,), 1),
        Relation("model/x-1", "uses_method", "method/lora", (ev, ev2), 2),
        Relation("method/lora", "co_occurs_with", "model/base", (), 1),
        Relation("method/lora", "co_occurs_with", "model/x-1", (), 1),
        Relation("model/base", "co_occurs_with", "model/x-1", (), 1),
    ]
    return KnowledgeGraph(papers, entities, relations)
