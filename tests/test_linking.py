"""Canonicalisation across papers: what merges, what stays apart, ids, relations, evidence."""

from __future__ import annotations

import pytest
from conftest import SHARED_CORPUS

import kg.corpus
from extractors import extract
from extractors.learning import NameIndex, learned_names, names_index
from kg.corpus import extract_all
from kg.ingest import read_papers
from kg.linking import link
from kg.model import CO_OCCURS_WITH, Evidence, Mention, Paper, PaperEntity, PaperExtraction


@pytest.fixture(scope="module")
def nlp(rules_nlp):
    """The rule pipeline: linking is tested on what the rules extract, which these tests can
    name exactly (the shipped model's choices change when it is retrained)."""
    return rules_nlp


def build(nlp, *abstracts: str, titles: list[str] | None = None):
    papers = [
        Paper(id=f"p{i}", title=(titles or [])[i] if titles else f"Paper {i}", abstract=text)
        for i, text in enumerate(abstracts)
    ]
    lexicon = nlp.get_pipe("paperkg_entities").lexicon
    return link(extract_all(papers, nlp), lexicon)


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


def test_a_capitalised_word_the_paper_also_writes_in_lower_case_is_not_taught():
    """A title's "Learning" that a decision kept as an alias is a word of the language, not a
    name: taught to the corpus, it would tag "Learning" at the start of every sentence."""
    paper = Paper(id="p0", title="Learning and Planning with Semantics",
                  abstract="We propose LEArning and Planning (LEAPS) for reinforcement learning.")
    entity = PaperEntity(name="LEAPS", type="Method", aliases=["Learning", "Reactor"],
                         mentions=[Mention("LEAPS", "Method", Evidence(
                             "p0", "abstract", 33, 38, 1, paper.abstract, "abbreviation"))])
    assert learned_names([PaperExtraction(paper, [entity])]) == {
        "LEAPS": "Method", "Reactor": "Method"}


def test_second_pass_extracts_only_papers_where_a_learned_name_is_new(nlp, monkeypatch):
    papers = [
        Paper(id="teaches", title="Kidney stones",
              abstract="We propose Kidney Stone Grading Tuning (KSGT) for urology images."),
        # styled: the first pass's mentions point into the text as given, the index into the
        # text as read
        Paper(id="defines-again", title="Grading",
              abstract="\\textbf{Kidney Stone Grading Tuning} (KSGT) is applied to CT."),
        Paper(id="uses", title="Stones", abstract="KSGT was also applied to CT scans."),
        Paper(id="unrelated", title="Other", abstract="We fine-tune BERT."),
    ]
    passes = []

    def counted(batch, nlp, batch_size=256):
        batch = list(batch)
        passes.append([p.id for p in batch])
        return extract(batch, nlp, batch_size)

    monkeypatch.setattr(kg.corpus, "extract", counted)
    extractions = extract_all(papers, nlp)
    # KSGT lies within the first pass's mentions of the two papers that define it
    assert passes == [[p.id for p in papers], ["uses"]]
    assert [e.name for e in extractions[2].entities] == ["KSGT"]


def test_name_index_finds_every_occurrence_overlapping_ones_too():
    index = NameIndex(["Med-PaLM", "Med-PaLM 2", "PaLM", "KSGT"])
    text = "Med-PaLM 2 beats PaLM; KSGTs too."
    found = sorted(text[a:b] for a, b in index.occurrences(text))
    assert found == ["KSGT", "Med-PaLM", "Med-PaLM 2", "PaLM", "PaLM"]
    assert index.occurs_in(text) and not index.occurs_in("nothing learned here")
    assert names_index([]) is None


def test_skipping_the_second_pass_changes_no_extraction(nlp):
    """On the shared corpus: the same extractions as extracting again every paper in which a
    learned name occurs."""
    corpus = SHARED_CORPUS / "medical-ai-dev.jsonl"
    if not corpus.is_file():
        pytest.skip(f"the shared corpus is not at {corpus}")
    papers = list(read_papers([corpus]))
    result = [x.to_json() for x in extract_all(papers, nlp)]
    expected = list(extract(papers, nlp))
    names = learned_names(expected)
    index = names_index(names)
    nlp.get_pipe("paperkg_entities").learn(names)
    try:
        again = [i for i, p in enumerate(papers) if index.occurs_in(p.text)]
        for i, x in zip(again, extract([papers[i] for i in again], nlp), strict=True):
            expected[i] = x
    finally:
        nlp.get_pipe("paperkg_entities").learn({})
    assert len(again) > 50
    assert result == [x.to_json() for x in expected]


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


def test_unknown_entities_get_ids_from_their_name_alone():
    """Ids of entities the lexicons do not know: from the normalised name, any script kept, the
    same whatever else is in the corpus and in whatever order the papers come."""
    from kg.linking import entity_slug

    assert entity_slug("μ-Bench") == "μ-bench"
    assert entity_slug("Grad-CAM++") == "grad-cam-plus-plus"
    assert entity_slug("GPT-3.5") == "gpt-3-5"

    def extraction(pid: str, *names: str) -> PaperExtraction:
        paper = Paper(pid, "T", "A")
        ev = Evidence(pid, "title", 0, 1, 0, "T", "rule")
        return PaperExtraction(paper, [PaperEntity(n, "Dataset", mentions=[Mention(n, "Dataset",
                                                                                    ev)])
                                       for n in names])

    papers = [extraction("p1", "μ-Bench"), extraction("p2", "X/Y Set", "Other"),
              extraction("p3", "X-Y Set!")]
    ids = {e.name: e.id for e in link(papers).entities.values()}
    again = {e.name: e.id for e in link(papers[::-1]).entities.values()}
    alone = {e.name: e.id for e in link(papers[:1]).entities.values()}
    assert ids["μ-Bench"] == alone["μ-Bench"] == "dataset/μ-bench"
    assert ids == again
