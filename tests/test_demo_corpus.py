"""The bundled demo corpus and its hand annotation (tests/fixtures/demo_gold.jsonl)."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from kg.ingest import read_papers
from kg.model import ENTITY_PREDICATES, ENTITY_TYPES

CORPUS = Path(str(resources.files("kg") / "data" / "demo_corpus.jsonl"))
GOLD = Path(__file__).parent / "fixtures" / "demo_gold.jsonl"
KEYS = {"id", "title", "abstract", "year", "authors", "venue", "url"}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return _jsonl(CORPUS)


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return _jsonl(GOLD)


def _text(rec: dict) -> str:
    return f"{rec['title']}\n{rec['abstract']}"


def _papers_with(gold: list[dict], name: str) -> set[str]:
    return {g["id"] for g in gold if any(e["name"] == name for e in g["entities"])}


def test_demo_corpus_is_the_pipeline_default() -> None:
    from kg.pipeline import demo_corpus_path

    assert demo_corpus_path() == CORPUS
    assert CORPUS.is_file()


def test_records_have_the_documented_shape(records: list[dict]) -> None:
    assert [r["id"] for r in records] == [f"demo:{i:03d}" for i in range(1, 33)]
    for r in records:
        assert set(r) == KEYS, r["id"]
        assert r["url"] == f"https://example.org/paperkg-demo/{r['id'][5:]}"
        assert isinstance(r["year"], int) and 2019 <= r["year"] <= 2025
        assert r["authors"] and all(isinstance(a, str) and a for a in r["authors"])
        assert 80 <= len(r["abstract"].split()) <= 160, r["id"]
        assert r["title"] == r["title"].strip() and "\n" not in r["title"]
    assert len({r["year"] for r in records}) >= 5
    assert len({r["venue"] for r in records}) >= 4
    assert len({r["title"].casefold() for r in records}) == 32


def test_corpus_is_byte_stable(records: list[dict]) -> None:
    """One compact JSON object per line, UTF-8, LF, trailing newline: diffs stay readable."""
    raw = CORPUS.read_bytes()
    assert raw.endswith(b"\n") and b"\r" not in raw
    lines = raw.decode("utf-8").splitlines()
    assert lines == [json.dumps(r, ensure_ascii=False) for r in records]


def test_package_reader_reads_every_record(records: list[dict]) -> None:
    papers = list(read_papers([CORPUS]))
    assert [p.id for p in papers] == [r["id"] for r in records]
    first = papers[0]
    assert first.year == records[0]["year"]
    assert first.authors == tuple(records[0]["authors"])
    assert first.venue == records[0]["venue"]
    assert first.url == records[0]["url"]


def test_titles_exercise_escaping_without_markup(records: list[dict]) -> None:
    titles = [r["title"] for r in records]
    assert any("&" in t for t in titles)
    assert any('"' in t for t in titles)
    assert any("<" in t for t in titles)
    for r in records:
        assert not re.search(r"<[A-Za-z/!?]", _text(r)), f"{r['id']}: looks like markup"


def test_acronym_definitions_and_spelling_variants(records: list[dict]) -> None:
    text = "\n".join(_text(r) for r in records)
    low = text.casefold()
    for definition in (
        "low-rank adaptation (lora)",
        "retrieval-augmented generation (rag)",
        "visual question answering (vqa)",
        "segment anything model (sam)",
    ):
        assert definition in low, definition
    variants = ("Llama-2", "Llama 2", "LLaMA-2", "MIMIC-III", "MIMIC III", "Llama-3 8B and 70B")
    for variant in variants:
        assert variant in text, variant
    for phrase in ("an accuracy of", "measured by Dice", "AUROC of 0.91", "BLEU and ROUGE-L",
                   "for the task of clinical trial matching", "on named entity recognition"):
        assert phrase in text, phrase
    for generic in ("deep learning", "fine-tuning", "large language models", "a novel framework"):
        assert generic in low, generic


def test_gold_matches_the_corpus(records: list[dict], gold: list[dict]) -> None:
    assert [g["id"] for g in gold] == [r["id"] for r in records]
    for rec, g in zip(records, gold, strict=True):
        text = _text(rec)
        assert set(g) == {"id", "entities", "relations"}
        names = set()
        for e in g["entities"]:
            assert set(e) == {"name", "type", "aliases", "proposed"}
            assert e["type"] in ENTITY_TYPES and isinstance(e["proposed"], bool)
            assert (e["name"], e["type"]) not in names, (g["id"], e["name"])
            names.add((e["name"], e["type"]))
            for alias in e["aliases"]:
                assert alias in text, (g["id"], alias)
            assert e["name"] in text or e["aliases"], (g["id"], e["name"])
        entity_names = {n for n, _ in names}
        for r in g["relations"]:
            assert r["predicate"] in ENTITY_PREDICATES
            assert r["subject"] in entity_names and r["object"] in entity_names, (g["id"], r)


def test_gold_has_hubs_and_pairs_that_must_stay_apart(gold: list[dict]) -> None:
    for hub in ("Llama-2", "GPT-4", "LoRA", "MedQA", "MIMIC-III", "SAM"):
        assert len(_papers_with(gold, hub)) >= 3, hub
    for a, b in (("Llama-2", "Llama-3"), ("GPT-4", "GPT-4V"), ("MIMIC-III", "MIMIC-IV"),
                 ("SAM", "DermSAM")):
        assert _papers_with(gold, a) & _papers_with(gold, b), (a, b)
    # variants that the linker must merge are annotated under one canonical name
    aliases = {
        a for g in gold for e in g["entities"] if e["name"] == "Llama-2" for a in e["aliases"]
    }
    assert {"Llama 2", "LLaMA-2"} <= aliases


def test_gold_covers_every_type_role_and_predicate(gold: list[dict]) -> None:
    types = Counter(e["type"] for g in gold for e in g["entities"])
    assert set(types) == set(ENTITY_TYPES)
    proposed = {e["type"] for g in gold for e in g["entities"] if e["proposed"]}
    assert {"Model", "Dataset", "Method"} <= proposed
    predicates = Counter(r["predicate"] for g in gold for r in g["relations"])
    assert set(predicates) == set(ENTITY_PREDICATES)
    based_on = {(r["subject"], r["object"]) for g in gold for r in g["relations"]
                if r["predicate"] == "based_on"}
    assert {("Corvid-Med", "Llama-2"), ("DermSAM", "SAM"), ("RenalBERT", "BioBERT"),
            ("PathoLens", "LLaVA"), ("TriageMistral", "Mistral 7B")} <= based_on
