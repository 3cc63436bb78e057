"""The trained decider: candidate families, features, train/load round trip, ``--model``,
``eval --cv``, the sequence tagger, and an end-to-end retrain on a small annotated fixture of our
own."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from extractors import build_nlp
from extractors.components import decide
from extractors.components.decide import RECORD
from extractors.decider.candidates import all_candidates
from extractors.decider.features import DocContext, entity_features, shape
from extractors.decider.model import MODEL_FILE, default_model_dir, load_model
from extractors.decider.relations import Mention, candidate_pairs, pair_features
from extractors.decider.tagger import gold_tags, spans_of
from extractors.normalize import name_key
from kg.cli import app
from kg.errors import InputError
from kg.ingest import read_papers
from kg.pipeline import demo_corpus_path
from kg.training import cross_validate, folds_of, train

FIXTURE = Path(__file__).parent / "fixtures" / "retrain"
GOLD = FIXTURE / "robotics-chem.gold.jsonl"
CORPUS = FIXTURE / "robotics-chem.jsonl"
NEW = FIXTURE / "robotics-chem-new.jsonl"

runner = CliRunner()


def _candidates(nlp, text):
    doc = nlp(text)
    view = doc.text
    return doc, {(view[doc[c.start].idx:doc[c.end - 1].idx + len(doc[c.end - 1].text)], c.rule)
                 for c in all_candidates(doc)}


def test_rule_entities_are_candidates(recording_nlp):
    doc, found = _candidates(recording_nlp, "BioBERT: a model\nWe fine-tune BioBERT with LoRA on "
                             "PubMedQA.")
    assert ("LoRA", "lexicon:method/lora") in found
    assert any(text == "PubMedQA" and rule.startswith("lexicon:") for text, rule in found)


def test_head_noun_chunks_are_candidates(recording_nlp):
    _, found = _candidates(recording_nlp, "A title\nWe study retention time forecasting and "
                           "tempered contrastive networks.")
    texts = {t for t, rule in found if rule == "chunk:head"}
    assert {"retention time forecasting", "time forecasting",
            "tempered contrastive networks", "contrastive networks"} <= texts
    assert "We study retention time forecasting" not in texts  # stop words end a chunk


def test_name_shapes_and_modified_entities_are_candidates(recording_nlp):
    _, found = _candidates(recording_nlp, "A title\nWe compare ZorbNet and a Kelvin GAN.")
    assert ("ZorbNet", "shape:name") in found or any(t == "ZorbNet" for t, _ in found)
    assert ("Kelvin GAN", "chunk:modified") in found


def test_features_describe_rule_shape_context_and_position(recording_nlp):
    doc = recording_nlp("KSGT: kidney stone grading\nWe propose KSGT, trained on MIMIC-IV.")
    ctx = DocContext(doc)
    cands = all_candidates(doc)
    title = next(c for c in cands if c.start == 0)
    feats = entity_features(ctx, title, name_key("KSGT"))
    assert "pos=title" in feats and "title_name" in feats
    assert "shape=X" in feats and "count=2" in feats
    mimic = next(c for c in cands if doc[c.start].text == "MIMIC")
    feats = entity_features(ctx, mimic, name_key("MIMIC-IV"))
    assert "rule=lexicon" in feats and "label=Dataset" in feats and "prev=on" in feats
    assert "we_propose_sentence" in feats and "pos=first" in feats
    assert shape("GPT-4o") == "X-dx" and shape("ResNet") == "XxXx"


def test_recording_keeps_features_for_training(recording_nlp):
    doc = recording_nlp("A title\nWe evaluate on SQuAD.")
    decisions = doc.user_data[RECORD]
    assert decisions and all(d.features and d.features[0] == "bias" for d in decisions)


def test_shipped_model_loads_and_is_a_registered_component():
    model = load_model(default_model_dir())
    assert set(model.entity.classes) == {"none", "Model", "Dataset", "Method", "Task", "Metric"}
    assert model.relation is not None and "based_on" in model.relation.classes
    nlp = spacy.blank("en")
    nlp.add_pipe("paperkg_entities")
    nlp.add_pipe("paperkg_decide")
    doc = nlp("We fine-tune BioBERT on PubMedQA.")
    assert "BioBERT" in {e.text for e in doc.ents}


def test_bad_model_file_is_a_clear_error(tmp_path):
    (tmp_path / MODEL_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"model\.json: not a paperkg model"):
        load_model(tmp_path)
    result = runner.invoke(app, ["extract", str(NEW), "--model", str(tmp_path), "-o",
                                 str(tmp_path / "pred.jsonl")])
    assert result.exit_code != 0 and "not a paperkg model" in result.output
    assert not (tmp_path / "pred.jsonl").exists()


def test_training_twice_gives_byte_identical_files(tmp_path):
    _, first, _ = train([GOLD], [CORPUS], tmp_path / "a")
    _, second, _ = train([GOLD], [CORPUS], tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    loaded = load_model(tmp_path / "a")
    assert json.loads(first.read_text()) == loaded.to_json()


def test_gold_paper_missing_from_corpus_names_the_line(tmp_path):
    gold = tmp_path / "g.jsonl"
    gold.write_text(GOLD.read_text() + '{"id": "nowhere", "entities": []}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"g\.jsonl:9: paper 'nowhere'"):
        train([gold], [CORPUS], tmp_path / "m")


def test_folds_are_by_paper_and_deterministic():
    assert folds_of(["b", "a", "c", "d"], 2) == [1, 0, 0, 1]


def _names(pred: Path) -> set[tuple[str, str]]:
    return {(e["type"], e["name"].lower()) for line in pred.read_text().splitlines()
            for e in json.loads(line)["entities"]}


def test_retrain_on_own_annotations_changes_what_is_extracted(tmp_path):
    """``paperkg train`` on a few robotics/chemistry abstracts, then ``extract --model``: the
    field's tasks are found in a paper the model has not seen."""
    model_dir = tmp_path / "model"
    result = runner.invoke(app, ["train", str(GOLD), "--corpus", str(CORPUS), "-o",
                                 str(model_dir)])
    assert result.exit_code == 0, result.output
    assert (model_dir / MODEL_FILE).is_file()
    default_pred, own_pred = tmp_path / "default.jsonl", tmp_path / "own.jsonl"
    assert runner.invoke(app, ["extract", str(NEW), "-o", str(default_pred)]).exit_code == 0
    result = runner.invoke(app, ["extract", str(NEW), "--model", str(model_dir), "-o",
                                 str(own_pred)])
    assert result.exit_code == 0, result.output
    default, own = _names(default_pred), _names(own_pred)
    assert ("Task", "solubility prediction") in own - default
    # and it scores better on that unseen paper than the shipped model
    gold = str(FIXTURE / "robotics-chem-new.gold.jsonl")
    f1 = {}
    for name, pred in (("default", default_pred), ("own", own_pred)):
        result = runner.invoke(app, ["eval", gold, str(pred), "--json"])
        f1[name] = json.loads(result.output)["all"]["f1"]
    assert f1["own"] > f1["default"]


def test_build_uses_the_model(tmp_path):
    model_dir = tmp_path / "model"
    train([GOLD], [CORPUS], model_dir)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(NEW), "--model", str(model_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = (out / "extractions.jsonl").read_text().splitlines()
    names = {e["name"].lower() for e in json.loads(lines[0])["entities"]}
    assert "solubility prediction" in names


def test_cross_validation_scores_every_paper_once():
    result = cross_validate([GOLD], [CORPUS], 4)
    assert set(result.predictions) == {json.loads(line)["id"]
                                       for line in GOLD.read_text().splitlines()}
    assert result.pooled.all_types.tp > 0


def test_eval_cv_command_prints_scores():
    result = runner.invoke(app, ["eval", str(GOLD), "--cv", "4", "--corpus", str(CORPUS),
                                 "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["all"]["tp"] > 0 and set(scores["entities"]) >= {"Task", "Dataset"}
    bad = runner.invoke(app, ["eval", str(GOLD), "--cv", "4"])
    assert bad.exit_code != 0


def test_model_travels_to_workers_with_the_pattern_spec(tmp_path):
    from kg.engines.worker import get_nlp, pattern_spec, patterns_only

    train([GOLD], [CORPUS], tmp_path / "m")
    spec = pattern_spec(None, tmp_path / "m")
    assert spec and patterns_only(spec) == ()
    model = get_nlp(spec).get_pipe("paperkg_decide").model
    assert model.to_json() == load_model(tmp_path / "m").to_json()
    assert get_nlp(pattern_spec(None, "rules")).get_pipe("paperkg_decide").model is None
    shipped = load_model(default_model_dir()).to_json()
    for default in (pattern_spec(None, "default"), pattern_spec(None), ()):
        assert get_nlp(default).get_pipe("paperkg_decide").model.to_json() == shipped


def test_a_paper_without_a_proposal_cue_proposes_its_likeliest_entity(monkeypatch):
    # the demo paper chains SAM and GPT-4V under a title name and never says "we propose"
    paper = next(p for p in read_papers([demo_corpus_path()]) if p.id == "demo:016")
    nlp = build_nlp()
    proposed = [(e.text, e.label_) for e in nlp(paper.text).ents if e._.proposed]
    assert proposed == [("Segment & Describe", "Model")]
    monkeypatch.setattr(decide, "PROPOSAL_FALLBACK", 1.01)
    assert not any(e._.proposed for e in nlp(paper.text).ents)


def test_the_papers_own_entity_pairs_with_sentences_it_is_not_in(recording_nlp):
    doc = recording_nlp("A title\nWe propose ZorbNet, a new network. Experiments on CIFAR-10 show "
                    "large gains.")
    words = [t.text for t in doc]
    own = Mention(words.index("ZorbNet"), words.index("ZorbNet") + 1, "Model", "zorbnet", True)
    cifar = Mention(words.index("CIFAR"), words.index("CIFAR") + 3, "Dataset", "cifar10", False)
    pairs = candidate_pairs(doc, [own, cifar])
    assert (own, cifar, True) in pairs  # the sentence says neither "we" nor "our"
    feats = pair_features(doc, own, cifar, True, [])
    assert "via_own=True|Model>Dataset" in feats and not any(f.startswith("we") for f in feats)


def test_a_model_taught_otherwise_drops_a_rule_relation(tmp_path):
    """Annotations that never relate what a rule cue relates ("We evaluate X on Y" here) teach
    the relation model to drop the rule's relation; the relations they do make stay."""
    models = ["GPT-4", "Llama-2", "BERT", "RoBERTa", "T5", "Mistral-7B", "Gemma", "Falcon"]
    datasets = ["MedQA", "PubMedQA", "MedMCQA", "SQuAD", "MMLU", "GSM8K", "CIFAR-10", "MNIST"]
    corpus, gold = [], []
    for i, (model, data) in enumerate((m, d) for m in models for d in datasets[:4]):
        evaluated = i % 2 == 0
        sentence = (f"We evaluate {model} on {data}." if evaluated
                    else f"{model} was trained on {data}.")
        corpus.append({"id": f"p{i}", "title": f"Study {i}", "abstract": sentence})
        gold.append({"id": f"p{i}", "entities": [
            {"name": model, "type": "Model"}, {"name": data, "type": "Dataset"}],
            "relations": [] if evaluated else [
                {"subject": model, "predicate": "trained_on", "object": data}]})
    corpus_path, gold_path = tmp_path / "corpus.jsonl", tmp_path / "gold.jsonl"
    corpus_path.write_text("".join(json.dumps(r) + "\n" for r in corpus), encoding="utf-8")
    gold_path.write_text("".join(json.dumps(r) + "\n" for r in gold), encoding="utf-8")
    train([gold_path], [corpus_path], tmp_path / "model")
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "n1", "title": "A study", "abstract":
                               "We evaluate GPT-4 on MMLU. Llama-2 was trained on GSM8K."}) + "\n",
                   encoding="utf-8")

    def relations(model: str) -> set[tuple[str, str, str]]:
        out = tmp_path / f"{model.replace('/', '_')}.jsonl"
        result = runner.invoke(app, ["extract", str(new), "--model", model, "-o", str(out)])
        assert result.exit_code == 0, result.output
        record = json.loads(out.read_text(encoding="utf-8"))
        return {(r["subject"], r["predicate"], r["object"]) for r in record["relations"]}

    assert ("GPT-4", "evaluated_on", "MMLU") in relations("rules")
    taught = relations(str(tmp_path / "model"))
    assert ("GPT-4", "evaluated_on", "MMLU") not in taught
    assert ("Llama-2", "trained_on", "GSM8K") in taught


def test_gold_tags_mark_the_longest_occurrence_of_each_name_flat(recording_nlp):
    doc = recording_nlp("A title\nWe study grasp pose estimation; it is harder than pose "
                        "estimation.")
    forms = {name_key("grasp pose estimation"): "Task", name_key("pose estimation"): "Task"}
    tags = gold_tags(doc, forms)
    words = [t.text for t in doc]
    assert [(words[a], words[b - 1], label) for a, b, label in spans_of(tags)] == [
        ("grasp", "estimation", "Task"), ("pose", "estimation", "Task")]  # not the "."
    assert tags[words.index("grasp"):words.index("grasp") + 3] == ["B-Task", "I-Task", "I-Task"]
    assert spans_of(["I-Task", "I-Task", "O", "B-Metric"]) == [(0, 2, "Task"), (3, 4, "Metric")]


def test_tagger_finds_names_where_no_rule_proposes_one(tmp_path):
    """``paperkg train --tagger``: the model holds a CRF whose spans become entities where the
    decider kept none ("terrain classification" has no candidate in the unseen paper)."""
    for name in ("a", "b"):
        result = runner.invoke(app, ["train", str(GOLD), "--corpus", str(CORPUS), "--tagger",
                                     "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    first, second = (tmp_path / n / MODEL_FILE for n in ("a", "b"))
    assert first.read_bytes() == second.read_bytes()
    assert "tagger" in json.loads(first.read_text()) and "tokens for the" in result.output
    train([GOLD], [CORPUS], tmp_path / "plain")
    found = {}
    for name in ("a", "plain"):
        pred = tmp_path / f"{name}.jsonl"
        result = runner.invoke(app, ["extract", str(NEW), "--model", str(tmp_path / name), "-o",
                                     str(pred)])
        assert result.exit_code == 0, result.output
        found[name] = {(e["type"], e["name"].lower(), e["mentions"][0]["rule"])
                       for e in json.loads(pred.read_text())["entities"]}
    assert ("Task", "terrain classification", "tagger") in found["a"]
    assert not any(name == "terrain classification" for _, name, _ in found["plain"])
    cv = runner.invoke(app, ["eval", str(GOLD), "--cv", "4", "--corpus", str(CORPUS),
                             "--tagger", "--json"])
    assert cv.exit_code == 0 and json.loads(cv.output)["all"]["tp"] > 0


def test_a_tagger_that_is_not_a_crfsuite_model_is_a_clear_error(tmp_path):
    model = load_model(default_model_dir()).to_json()
    model["tagger"] = base64.b64encode(b"not a model").decode()
    (tmp_path / MODEL_FILE).write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(InputError, match=r"model\.json: .*its tagger is not a crfsuite model"):
        load_model(tmp_path)


def test_gold_of_a_type_the_graph_lacks_is_a_clear_error(tmp_path):
    """A model learns the gold's types and predicates; one the graph has no class for would only
    fail later, in `build`, so `train` (and `eval`) refuse it, naming the file and line."""
    gold = tmp_path / "g.jsonl"
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"type": "Dataset"', '"type": "Chemical"')
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["train", str(gold), "--corpus", str(CORPUS), "-o",
                                 str(tmp_path / "m")])
    assert result.exit_code != 0 and not (tmp_path / "m").exists()
    assert "g.jsonl:3: entity 'AqSol-9k': type must be one of" in " ".join(result.output.split())
    scored = runner.invoke(app, ["eval", str(gold), str(GOLD)])  # nor can it be scored
    assert scored.exit_code != 0 and "Chemical" in scored.output
    model = load_model(default_model_dir()).to_json()
    model["relation"]["classes"][0] = "cites"
    (tmp_path / MODEL_FILE).write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(InputError, match="the model decides cites: not an entity type"):
        load_model(tmp_path)


TDMSCI = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"


def test_tagger_learns_an_annotation_scheme_from_real_sentences(tmp_path):
    """On real NLP sentences annotated under TDMSci's scheme (``../shared``), a model trained with
    the tagger finds more of the scheme's names in sentences it has not seen than the decider
    alone trained on the same 300 sentences."""
    corpus, gold = TDMSCI / "tdmsci-train.corpus.jsonl", TDMSCI / "tdmsci-train.gold.jsonl"
    if not gold.is_file():
        pytest.skip(f"the TDMSci sentences are not at {TDMSCI}")
    records = gold.read_text(encoding="utf-8").splitlines()
    texts = corpus.read_text(encoding="utf-8").splitlines()
    train_gold, test_gold = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    train_gold.write_text("\n".join(records[:300]) + "\n", encoding="utf-8")
    test_gold.write_text("\n".join(records[300:500]) + "\n", encoding="utf-8")
    test_corpus = tmp_path / "test-corpus.jsonl"
    test_corpus.write_text("\n".join(texts[300:500]) + "\n", encoding="utf-8")
    f1 = {}
    for name, options in (("decider", []), ("tagger", ["--tagger"])):
        model, pred = tmp_path / name, tmp_path / f"{name}.jsonl"
        result = runner.invoke(app, ["train", str(train_gold), "--corpus", str(corpus), "-o",
                                     str(model), *options])
        assert result.exit_code == 0, result.output
        result = runner.invoke(app, ["extract", str(test_corpus), "--model", str(model), "-o",
                                     str(pred)])
        assert result.exit_code == 0, result.output
        result = runner.invoke(app, ["eval", str(test_gold), str(pred), "--match", "partial",
                                     "--corpus", str(test_corpus), "--types",
                                     "Task,Dataset,Metric", "--json"])
        f1[name] = json.loads(result.output)["all"]["f1"]
    assert f1["tagger"] > f1["decider"] + 0.05, f1
