"""Canonicalisation across papers: what merges, what stays apart, ids, relations, evidence."""

from __future__ import annotations

import pytest

from extractors import build_nlp
from extractors.learning import extract_corpus
from kg.linking import link
from kg.model import CO_OCCURS_WITH, Paper


@pytest.fixture(scope="module")
def nlp():
    return build_nlp()


def build(nlp, *abstracts: str, titles: list[str] | None = None):
    papers = [
        Paper(id=f"p{i}", title=(titles or [])[i] if titles else f"Paper {i}", abstract=text)
        for i, text in enumerate(abstracts)
    ]
    lexicon = nlp.get_pipe("paperkg_entities").lexicon
    return link(extract_corpus(papers, nlp), lexicon)


def by_name(graph):
    return {e.name: e for e in graph.entities.values()}


def test_spelling_variants_merge(nlp):
    graph = build(
        nlp,
        "We fine-tune Llama 2 on MIMIC III.",
        "LLaMA-2 reads MIMIC-III notes.",
        "Llama2 and Llama\u20102 again, with MIMIC\u2010III.",
    )
    names = by_name(graph)
    assert names["Llama-2"].papers == ("p0", "p1", "p2")
    assert names["MIMIC-III"].papers == ("p0", "p1", "p2")
    assert names["Llama-2"].id == "model/llama-2"


@pytest.mark.parametrize(
    "a, b",
    [("Llama-2", "Llama-3"), ("GPT-4", "GPT-4V"), ("MIMIC-III", "MIMIC-IV"), ("SAM", "MedSAM")],
)
def test_different_things_stay_apart(nlp, a, b):
    graph = build(nlp, f"We compare {a} with {b} on MedQA.", f"{b} is not {a}.")
    names = by_name(graph)
    assert names[a].id != names[b].id


def test_acronym_learned_in_one_paper_applies_everywhere(nlp):
    graph = build(
        nlp,
        "We propose Kidney Stone Grading Tuning (KSGT) for urology images.",
        "Kidney Stone Grading Tuning improves robustness.",
        "KSGT was also applied to CT scans.",
    )
    entity = by_name(graph)["KSGT"]
    assert entity.type == "Method"
    assert entity.papers == ("p0", "p1", "p2")
    assert "Kidney Stone Grading Tuning" in entity.aliases


def test_size_variants_merge_into_the_base_model(nlp):
    graph = build(nlp, "We evaluate Llama-3 8B and Llama-3 70B.", "Llama-3-8B-Instruct is used.")
    assert by_name(graph)["Llama-3"].papers == ("p0", "p1")


def test_entities_carry_lexicon_ids_and_external_ids(nlp):
    graph = build(nlp, "BioBERT is evaluated on BLURB.")
    biobert = graph.entities["model/biobert"]
    assert biobert.name == "BioBERT"
    assert biobert.external_ids  # from the lexicon
    assert all(e.id == e.id.lower() and "/" in e.id for e in graph.entities.values())


def test_paper_relations_and_cooccurrence(nlp):
    graph = build(
        nlp,
        "We propose KidneyGPT, a model built on Llama-2, evaluated on MedQA.",
        "Llama-2 is evaluated on MedQA.",
    )
    triples = {(r.subject, r.predicate, r.object): r for r in graph.relations}
    kidney = by_name(graph)["KidneyGPT"].id
    assert ("p0", "proposes", kidney) in triples
    assert ("p1", "uses", "model/llama-2") in triples
    based = triples[(kidney, "based_on", "model/llama-2")]
    assert based.weight == len(based.evidence) == 1
    assert based.evidence[0].paper_id == "p0" and based.evidence[0].rule.startswith("cue:")
    evaluated = triples[("model/llama-2", "evaluated_on", "dataset/medqa")]
    assert evaluated.weight == 1  # only p1 says Llama-2 itself is evaluated on MedQA
    co = triples[("dataset/medqa", CO_OCCURS_WITH, "model/llama-2")]
    assert co.weight == 2 and co.evidence == ()


def test_linking_is_deterministic(nlp):
    texts = ["We fine-tune Llama 2 with LoRA on MedQA.", "GPT-4 and Llama-2 on PubMedQA."]
    first = build(nlp, *texts)
    second = build(nlp, *reversed(texts))
    assert sorted(first.entities) == sorted(second.entities)
    assert [e.aliases for e in first.entities.values()] == [
        second.entities[k].aliases for k in first.entities
    ]
