"""The decider's generous candidate families (list items, capitalised runs, abbreviation
definitions, hyphenated compounds, plural heads, title names and phrases, architecture words),
their features, and candidate coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.decider.candidates import all_candidates, head_type
from extractors.decider.features import DocContext, entity_features
from extractors.normalize import name_key
from kg.training import candidate_coverage, read_annotated

FIXTURE = Path(__file__).parent / "fixtures" / "retrain"


@pytest.fixture(scope="module")
def nlp(recording_nlp):
    return recording_nlp


def _found(nlp, text):
    doc = nlp(text)
    cands = all_candidates(doc)
    return doc, cands, {(doc[c.start:c.end].text, c.rule) for c in cands}


def test_items_of_a_list_with_an_entity_are_candidates(nlp):
    _, _, found = _found(nlp, "A title\nWe restore photos by image deblurring, dehazing, glare "
                         "suppression and super-resolution.")
    assert ("glare suppression", "list:item") in found


def test_a_list_with_no_entity_or_head_proposes_nothing(nlp):
    _, _, found = _found(nlp, "A title\nThe cats, dogs and horses slept.")
    assert not any(rule == "list:item" for _, rule in found)


def test_capitalised_runs_outside_the_title_are_candidates_and_split_at_and(nlp):
    _, _, found = _found(nlp, "Orchard Counting Done Right\nWe count fruit on Polder Orchards "
                         "and Animals with Hats 3 today.")
    runs = {t for t, rule in found if rule == "caps:run"}
    assert {"Polder Orchards and Animals with Hats 3", "Polder Orchards",
            "Animals with Hats 3"} <= runs
    assert not any("Orchard Counting" in t for t in runs)  # the title is the title rules' job


def test_both_forms_of_an_abbreviation_definition_are_candidates(nlp):
    _, _, found = _found(nlp, "A title\nWe fold proteins with stochastic lattice folding (SLF). "
                         "SLF is fast.")
    assert ("stochastic lattice folding", "abbr:long") in found
    assert ("SLF", "abbr:short") in found


def test_hyphenated_compounds_and_plural_heads_join_chunks(nlp):
    _, _, found = _found(nlp, "A title\nWe propose graph-based curriculum learning with "
                         "budget-aware learning schedules.")
    assert ("budget-aware learning schedules", "chunk:head") in found
    assert ("graph-based curriculum learning", "chunk:modified") in found
    assert head_type("schedules") == head_type("schedule") == "Method"
    assert head_type("networks") == "Method" and head_type("demosaicing") is None


def test_a_span_two_families_propose_is_one_candidate(nlp):
    doc, cands, found = _found(nlp, "A title\nWe compare Walk Sampling and Lattice Search.")
    assert ("Walk Sampling and Lattice Search", "caps:run") in found
    spans = [(c.start, c.end) for c in cands]
    assert len(spans) == len(set(spans))
    assert any(c.rule == "chunk:head" and doc[c.start:c.end].text == "Lattice Search"
               for c in cands)


def test_a_title_name_is_a_candidate_whatever_its_shape(nlp):
    _, _, found = _found(nlp, "Quorum Lattice GAN: Towards Stable Folding\nWe fold proteins.")
    assert ("Quorum Lattice GAN", "title:prefix") in found  # holds the lexicon entry GAN
    _, _, found = _found(nlp, "Folding Proteins with Lattices\nWe fold proteins.")
    assert not any(rule == "title:prefix" for _, rule in found)  # no "Name: subtitle"


def test_title_phrases_between_prepositions_are_candidates(nlp):
    doc, cands, found = _found(
        nlp, "Out-of-Order Folding for Proteins through Sparse Quorum Lattices\nWe fold.")
    assert ("Out-of-Order Folding", "title:head") in found  # "of" inside a hyphenated word
    assert ("Sparse Quorum Lattices", "title:means") in found  # after "through"
    assert not any(text == "Proteins" for text, rule in found if rule.startswith("title:"))
    _, _, found = _found(nlp, "Quorum GAN: Stable Folding with the Lattice Walk\nWe fold.")
    assert {("Stable Folding", "title:head"), ("Lattice Walk", "title:means")} <= found
    _, _, found = _found(nlp, "Folding Proteins in Lattices by Walking Very Long Random Paths "
                         "Across Seven Grids\nWe fold.")
    assert not any(rule == "title:means" for _, rule in found)  # seven words: no phrase
    # a title phrase another family proposes keeps that family, and a feature says it is one
    ctx = DocContext(doc)
    for c in cands:
        feats = entity_features(ctx, c, name_key(doc[c.start:c.end].text))
        in_title = doc[c.start:c.end].text in ("Out-of-Order Folding", "Sparse Quorum Lattices")
        assert any(f.startswith("title_segment=") for f in feats) == in_title


def test_transformer_is_left_for_the_decider_to_type(nlp):
    _, cands, found = _found(nlp, "A title\nWe compare the Transformer with CNNs. "
                             "Transformers are strong.")
    assert {("Transformer", "word:architecture"), ("Transformers", "word:architecture")} <= found
    assert all(c.label == "" for c in cands if c.rule == "word:architecture")


def test_the_domain_of_a_paper_is_a_feature(nlp):
    clinical = nlp("A title\nWe triage patients from chest CT scans with a GAN.")
    general = nlp("A title\nWe generate faces with a GAN.")
    for doc, domain in ((clinical, "clinical"), (general, "general")):
        ctx = DocContext(doc)
        gan = next(c for c in all_candidates(doc) if doc[c.start:c.end].text == "GAN")
        assert f"domain_rule={domain}|lexicon|Method" in entity_features(ctx, gan, "gan")


def test_features_of_the_new_families(nlp):
    doc, cands, _ = _found(nlp, "A title\nWe fold proteins with Stochastic Lattice Folding "
                           "(SLF) and lattice search.")
    ctx = DocContext(doc)
    long_form = next(c for c in cands if doc[c.start:c.end].text == "Stochastic Lattice Folding")
    feats = entity_features(ctx, long_form, name_key("Stochastic Lattice Folding"))
    assert "abbreviation_defined" in feats
    assert any(f.startswith("capitalised_mid_sentence|") for f in feats)
    search = next(c for c in cands if doc[c.start:c.end].text == "lattice search")
    feats = entity_features(ctx, search, name_key("lattice search"))
    assert f"head_class=Method|{search.label or '?'}" in feats
    assert "abbreviation_defined" not in feats
    assert not any(f.startswith("capitalised_mid_sentence") for f in feats)


def test_candidate_coverage_counts_every_gold_entity_once():
    data = read_annotated([FIXTURE / "robotics-chem.gold.jsonl"],
                          [FIXTURE / "robotics-chem.jsonl"])
    total = sum(len(g["entities"]) for g in data.gold)
    nothing_found = candidate_coverage(data, {})  # every gold entity missed
    by_type = next(iter(nothing_found.values()))
    assert sum(c.total for c in by_type.values()) == total
    for c in by_type.values():
        assert c.no_candidate + c.boundary + c.rejected == c.total
        assert c.rejected == c.candidate and 0.0 <= c.recall <= 1.0
    perfect = {g["id"]: g for g in data.gold}  # the gold itself as predictions: no misses
    for c in next(iter(candidate_coverage(data, perfect).values())).values():
        assert c.no_candidate == c.boundary == c.rejected == 0
