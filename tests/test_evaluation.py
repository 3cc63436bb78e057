"""``paperkg eval``: the matching rule and the scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractors.normalize import name_key
from kg.cli import app
from kg.evaluation import evaluate, gold_spans, match_entities, name_spans
from kg.model import Paper


def ent(name, etype="Model", aliases=(), proposed=False):
    return {"name": name, "type": etype, "aliases": list(aliases), "proposed": proposed}


@pytest.mark.parametrize(
    "a, b",
    [
        ("Llama 2", "llama-2"),
        ("The MedQA", "medqa"),
        ("ViT-B/16", "vitb16"),
        ("Parameter-Efficient Fine_Tuning", "parameter efficient finetuning"),
        ("Crohn\u2019s", "crohns"),
        ("\uff27\uff30\uff34-4", "GPT-4"),
    ],
)
def test_name_key_folds_what_the_rule_says(a, b):
    assert name_key(a) == name_key(b)


def test_name_key_keeps_digits_and_letters():
    assert name_key("GPT-4") != name_key("GPT-4V")
    assert name_key("MIMIC-III") != name_key("MIMIC-IV")


def test_matching_is_one_to_one_by_type_and_alias():
    gold = [ent("SAM", aliases=["Segment Anything Model"]), ent("MedQA", "Dataset")]
    pred = [ent("Segment Anything Model"), ent("SAM"), ent("MedQA", "Model")]
    assert match_entities(gold, pred) in ({0: 0}, {1: 0})


def test_scores_per_type_core_relations_and_proposed():
    gold = [
        {
            "id": "a",
            "entities": [
                ent("Med42", proposed=True),
                ent("Llama-2"),
                ent("USMLE", "Dataset"),
                ent("accuracy", "Metric"),
            ],
            "relations": [
                {"subject": "Med42", "predicate": "based_on", "object": "Llama-2"},
                {"subject": "Med42", "predicate": "evaluated_on", "object": "USMLE"},
            ],
        }
    ]
    pred = {
        "a": {
            "id": "a",
            "entities": [
                ent("Med42", proposed=True),
                ent("LLaMA 2"),
                ent("GPT-4"),
                ent("accuracy", "Metric"),
            ],
            "relations": [
                {"subject": "Med42", "predicate": "based_on", "object": "LLaMA 2"},
                {"subject": "Med42", "predicate": "trained_on", "object": "GPT-4"},
            ],
        }
    }
    scores = evaluate(gold, pred)
    model = scores.by_type["Model"]
    assert (model.tp, model.fp, model.fn) == (2, 1, 0)
    assert (scores.by_type["Dataset"].tp, scores.by_type["Dataset"].fn) == (0, 1)
    assert (scores.core.tp, scores.core.fp, scores.core.fn) == (2, 1, 1)
    assert (scores.all_types.tp, scores.all_types.fp, scores.all_types.fn) == (3, 1, 1)
    assert (scores.relations.tp, scores.relations.fp, scores.relations.fn) == (1, 1, 1)
    assert scores.proposed_accuracy == 1.0 and scores.proposed_total == 3
    assert scores.papers[0].missed == ["Dataset: USMLE"]
    assert scores.papers[0].false_alarms == ["Model: GPT-4"]


def rel(subject, predicate, obj):
    return {"subject": subject, "predicate": predicate, "object": obj}


def test_missed_relations_are_counted_by_cause():
    gold = [{"id": "a", "entities": [ent("NewNet", proposed=True), ent("ResNet-50"),
                                     ent("ImageNet", "Dataset"), ent("COCO", "Dataset"),
                                     ent("Adam", "Method"), ent("OldNet")],
             "relations": [rel("NewNet", "based_on", "ResNet-50"),
                           rel("NewNet", "evaluated_on", "ImageNet"),
                           rel("NewNet", "evaluated_on", "COCO"),
                           rel("OldNet", "uses_method", "Adam"),
                           rel("OldNet", "trained_on", "ImageNet"),
                           rel("ResNet-50", "trained_on", "COCO")]}]
    pred = {"a": {"entities": [ent("NewNet"), ent("ResNet-50"), ent("ImageNet", "Dataset")],
                  "relations": [rel("NewNet", "trained_on", "ImageNet"),
                                rel("NewNet", "based_on", "ResNet-50")]}}
    scores = evaluate(gold, pred)
    assert (scores.relations.tp, scores.relations.fp, scores.relations.fn) == (1, 1, 5)
    assert scores.relation_misses == {
        "neither end found": 1,  # OldNet uses_method Adam
        "subject not found": 1,  # OldNet trained_on ImageNet
        "object not found": 2,  # NewNet evaluated_on COCO, ResNet-50 trained_on COCO
        "ends found, not related": 0,
        "ends found, other predicate": 1,  # NewNet evaluated_on ImageNet (said trained_on)
    }
    assert sum(scores.relation_misses.values()) == scores.relations.fn
    assert "NewNet evaluated_on ImageNet (ends found, other predicate)" in (
        scores.papers[0].missed_relations)
    pred["a"]["relations"] = [rel("NewNet", "based_on", "ResNet-50")]
    assert evaluate(gold, pred).relation_misses["ends found, not related"] == 1


def test_missing_prediction_counts_as_misses():
    gold = [{"id": "a", "entities": [ent("BERT")], "relations": []}]
    scores = evaluate(gold, {})
    assert (scores.all_types.tp, scores.all_types.fn) == (0, 1)


def write(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_eval_command(tmp_path: Path):
    gold = write(tmp_path / "gold.jsonl", [{"id": "a", "entities": [ent("BERT")], "relations": []}])
    pred = write(
        tmp_path / "pred.jsonl",
        [{"id": "a", "entities": [ent("BERT"), ent("T5")], "relations": []}],
    )
    result = CliRunner().invoke(app, ["eval", str(gold), str(pred), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["all"]["precision"] == 0.5 and scores["all"]["recall"] == 1.0
    result = CliRunner().invoke(app, ["eval", str(gold), str(pred), "--by-paper"])
    assert result.exit_code == 0 and "Model: T5" in result.output


def test_eval_command_prints_why_relations_were_missed(tmp_path: Path):
    gold = write(tmp_path / "gold.jsonl", [{
        "id": "a", "entities": [ent("BERT"), ent("SQuAD", "Dataset")],
        "relations": [rel("BERT", "evaluated_on", "SQuAD")]}])
    pred = write(tmp_path / "pred.jsonl", [{"id": "a", "entities": [ent("BERT")]}])
    result = CliRunner().invoke(app, ["eval", str(gold), str(pred)])
    assert result.exit_code == 0, result.output
    assert "missed relations by cause: neither end found 0, subject not found 0, object not " \
           "found 1" in " ".join(result.output.split())
    result = CliRunner().invoke(app, ["eval", str(gold), str(pred), "--json"])
    assert json.loads(result.output)["relation_misses"]["object not found"] == 1


def test_eval_reports_bad_files(tmp_path: Path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "entities": []}\n{oops\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(gold), str(gold)])
    assert result.exit_code == 1
    assert f"{gold}:2: malformed JSON" in result.output
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "none.jsonl"), str(gold)])
    assert result.exit_code == 1 and "file not found" in result.output


# Partial matching: spans that overlap in the text, same type, one-to-one.

SENTENCE = ("We report translation accuracy on the NIST Chinese-English translation task "
            "and F1 for named entity recognition (NER) on CoNLL 2003.")


def sentence(text=SENTENCE, pid="s1"):
    return Paper(id=pid, title="Sentence 1", abstract=text)


def at(entity, text, fld="abstract", start_from=0):
    """``entity`` with one mention: the first occurrence of its name from ``start_from``."""
    start = text.index(entity["name"], start_from)
    return {**entity, "mentions": [{"field": fld, "start": start,
                                    "end": start + len(entity["name"])}]}


def partial(gold_entities, pred_entities, text=SENTENCE, types=None):
    paper = sentence(text)
    gold = [{"id": paper.id, "entities": gold_entities, "relations": []}]
    pred = {paper.id: {"id": paper.id, "entities": pred_entities, "relations": []}}
    return evaluate(gold, pred, types=types), evaluate(gold, pred, {paper.id: paper}, types)


def counts(scores, etype=None):
    c = scores.all_types if etype is None else scores.by_type[etype]
    return c.tp, c.fp, c.fn


def test_name_spans_are_whole_words_any_case_and_spacing():
    paper = sentence("NER and NERD differ; ner  tagging is generated text.")
    assert name_spans(["NER"], paper) == [("abstract", 0, 3), ("abstract", 21, 24)]
    assert name_spans(["ner tagging"], paper) == [("abstract", 21, 33)]
    assert name_spans(["Sentence"], paper) == [("title", 0, 8)]


def test_overlapping_spans_of_the_same_type_match_partially():
    gold = [ent("named entity recognition (NER)", "Task"), ent("CoNLL 2003", "Dataset")]
    pred = [at(ent("named entity recognition", "Task"), SENTENCE),
            at(ent("CoNLL", "Task"), SENTENCE)]  # overlaps the dataset, wrong type
    exact, lenient = partial(gold, pred)
    assert counts(exact) == (0, 2, 2)
    assert counts(lenient, "Task") == (1, 1, 0)
    assert counts(lenient, "Dataset") == (0, 0, 1)


def test_partial_matching_is_one_to_one():
    gold = [ent("NIST Chinese-English translation task", "Task")]
    pred = [at(ent("Chinese-English translation", "Task"), SENTENCE),
            at(ent("NIST", "Task"), SENTENCE)]
    _, lenient = partial(gold, pred)
    assert counts(lenient) == (1, 1, 0)


def test_a_gold_name_inside_a_longer_gold_span_is_that_spans():
    gold = [ent("translation", "Task"), ent("NIST Chinese-English translation task", "Task")]
    long = SENTENCE.index("NIST")
    assert gold_spans(gold, sentence()) == [
        [("abstract", 10, 21)], [("abstract", long, long + len(gold[1]["name"]))]]
    # both predictions overlap only the long span: one match, "translation" is missed
    pred = [at(ent("Chinese-English translation", "Task"), SENTENCE),
            at(ent("translation task", "Task"), SENTENCE)]
    _, lenient = partial(gold, pred)
    assert counts(lenient) == (1, 1, 1)
    assert lenient.papers[0].missed == ["Task: translation"]


def test_partial_keeps_exact_matches_and_reads_names_without_mentions():
    gold = [ent("BLEU", "Metric"), ent("F1", "Metric")]  # BLEU is not in the sentence
    pred = [ent("BLEU", "Metric"), ent("F1 score", "Metric"), ent("F1", "Metric")]
    exact, lenient = partial(gold, pred, SENTENCE)
    assert counts(exact) == (2, 1, 0) and counts(lenient) == (2, 1, 0)
    # without mentions a prediction's spans are its name's occurrences: "F1" overlaps
    _, lenient = partial([ent("F1 for named entity", "Metric")], [ent("F1", "Metric")])
    assert counts(lenient) == (1, 0, 0)


def test_types_restrict_both_sides():
    gold = [ent("CoNLL 2003", "Dataset"), ent("BERT", "Model")]
    pred = [at(ent("CoNLL 2003", "Dataset"), SENTENCE), ent("LSTM", "Method")]
    exact, lenient = partial(gold, pred, types=("Task", "Dataset", "Metric"))
    assert counts(exact) == counts(lenient) == (1, 0, 0)


def test_eval_command_partial_matching(tmp_path: Path):
    corpus = write(tmp_path / "corpus.jsonl",
                   [{"id": "s1", "title": "Sentence 1", "abstract": SENTENCE}])
    gold = write(tmp_path / "gold.jsonl", [{"id": "s1", "entities": [
        ent("named entity recognition (NER)", "Task"), ent("BERT")], "relations": []}])
    pred = write(tmp_path / "pred.jsonl", [{"id": "s1", "entities": [
        at(ent("named entity recognition", "Task"), SENTENCE)], "relations": []}])
    base = ["eval", str(gold), str(pred), "--json"]
    result = CliRunner().invoke(app, base + ["--match", "partial", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["entities"]["Task"]["tp"] == 1 and scores["all"]["fn"] == 1
    result = CliRunner().invoke(app, base + ["--match", "partial", "--corpus", str(corpus),
                                             "--types", "Task,Dataset,Metric"])
    assert json.loads(result.output)["all"]["recall"] == 1.0
    result = CliRunner().invoke(app, base)
    assert json.loads(result.output)["all"]["tp"] == 0


def test_eval_command_partial_matching_errors(tmp_path: Path):
    corpus = write(tmp_path / "corpus.jsonl", [{"id": "other", "title": "T", "abstract": "A."}])
    gold = write(tmp_path / "gold.jsonl", [{"id": "s1", "entities": [], "relations": []}])
    result = CliRunner().invoke(app, ["eval", str(gold), str(gold), "--match", "partial"])
    assert result.exit_code != 0 and "--match partial needs --corpus" in result.output
    result = CliRunner().invoke(app, ["eval", str(gold), str(gold), "--match", "partial",
                                      "--corpus", str(corpus)])
    assert result.exit_code == 1 and f"{gold}:1: paper 's1' is in none" in result.output
    result = CliRunner().invoke(app, ["eval", str(gold), str(gold), "--types", "Task,Thing"])
    assert result.exit_code != 0 and "--types" in result.output
    result = CliRunner().invoke(app, ["eval", str(gold), str(gold), "--match", "fuzzy"])
    assert result.exit_code != 0 and "--match" in result.output


def test_eval_cv_command_partial_matching_and_types():
    fixture = Path(__file__).parent / "fixtures" / "retrain"
    gold, corpus = fixture / "robotics-chem.gold.jsonl", fixture / "robotics-chem.jsonl"
    base = ["eval", str(gold), "--cv", "3", "--corpus", str(corpus), "--json",
            "--types", "Task,Dataset,Metric"]
    exact = json.loads(CliRunner().invoke(app, base).output)
    result = CliRunner().invoke(app, base + ["--match", "partial"])
    assert result.exit_code == 0, result.output
    lenient = json.loads(result.output)
    assert lenient["all"]["tp"] >= exact["all"]["tp"] > 0
    assert lenient["entities"]["Model"] == lenient["entities"]["Method"] == exact["entities"][
        "Model"] == {"tp": 0, "fp": 0, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_extract_command_writes_what_a_build_writes(tmp_path: Path, demo_build):
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(app, ["extract", "--model", "rules", "-o", str(out)])
    assert result.exit_code == 0, result.output
    _, build_dir = demo_build  # built with --model rules
    assert out.read_bytes() == (build_dir / "extractions.jsonl").read_bytes()
