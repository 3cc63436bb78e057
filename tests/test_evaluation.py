"""``paperkg eval``: the matching rule and the scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractors.normalize import name_key
from kg.cli import app
from kg.evaluation import evaluate, match_entities


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


def test_eval_reports_bad_files(tmp_path: Path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "entities": []}\n{oops\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(gold), str(gold)])
    assert result.exit_code == 1
    assert f"{gold}:2: malformed JSON" in result.output
    result = CliRunner().invoke(app, ["eval", str(tmp_path / "none.jsonl"), str(gold)])
    assert result.exit_code == 1 and "file not found" in result.output


def test_extract_command_writes_what_a_build_writes(tmp_path: Path, demo_build):
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(app, ["extract", "-o", str(out)])
    assert result.exit_code == 0, result.output
    _, build_dir = demo_build
    assert out.read_bytes() == (build_dir / "extractions.jsonl").read_bytes()
