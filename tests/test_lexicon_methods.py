"""The Method, Task and Metric lexicons and the lexicon checker script.

Covers: the three files pass ``paperkg lexicons check`` cleanly and are large enough; the brief's
naming conventions (acronym canonicals, MAE as a Metric alias only); all bundled lexicons together
are consistent; the checker reports each kind of defect; its copy of the matcher's variant rules
equals the extractor's; and the entries are found by the real pipeline in running text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lexicon_checker import load_checker

LEXICONS = Path(__file__).resolve().parents[1] / "extractors" / "lexicons"
FILES = {
    "Method": (LEXICONS / "methods.jsonl", 250),
    "Task": (LEXICONS / "tasks.jsonl", 200),
    "Metric": (LEXICONS / "metrics.jsonl", 100),
}


CHECK = load_checker()


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _entries(label: str) -> dict[str, dict]:
    """Canonical line plus ``aliases`` of every entry of one file, by id."""
    out: dict[str, dict] = {}
    for obj in _lines(FILES[label][0]):
        if obj["id"] not in out:
            out[obj["id"]] = {**obj, "aliases": []}
        else:
            out[obj["id"]]["aliases"].append(obj["pattern"])
    return out


# --- the three lexicon files ------------------------------------------------------------------


@pytest.mark.parametrize("label", sorted(FILES))
def test_lexicon_passes_checker_without_warnings_and_is_large_enough(label):
    path, minimum = FILES[label]
    report = CHECK.check_files([path])
    assert report.errors == []
    assert report.warnings == []
    assert report.stats[str(path)]["entries"] >= minimum
    assert {obj["label"] for obj in _lines(path)} == {label}


def test_all_bundled_lexicons_are_consistent_together():
    paths = sorted(LEXICONS.glob("*.jsonl"))
    assert {p.name for p in paths} >= {"methods.jsonl", "tasks.jsonl", "metrics.jsonl"}
    report = CHECK.check_files(paths)
    assert report.errors == []


def test_acronym_canonicals_follow_the_guideline():
    methods, tasks = _entries("Method"), _entries("Task")
    for slug, name, long_form in [
        ("lora", "LoRA", "low-rank adaptation"),
        ("dpo", "DPO", "direct preference optimization"),
        ("rag", "RAG", "retrieval-augmented generation"),
        ("peft", "PEFT", "parameter-efficient fine-tuning"),
        ("rlhf", "RLHF", "reinforcement learning from human feedback"),
        ("sft", "SFT", "supervised fine-tuning"),
        ("moe", "MoE", "mixture of experts"),
        ("mae", "MAE", "masked autoencoder"),
    ]:
        entry = methods[f"method/{slug}"]
        assert entry["name"] == name
        assert long_form in entry["aliases"]
    assert tasks["task/vqa"]["name"] == "VQA"
    assert "visual question answering" in tasks["task/vqa"]["aliases"]
    assert methods["method/knowledge-distillation"]["name"] == "knowledge distillation"


def test_mae_metric_is_the_long_form_with_mae_as_alias():
    metrics = _entries("Metric")
    entry = metrics["metric/mean-absolute-error"]
    assert entry["name"] == "mean absolute error"
    assert "MAE" in entry["aliases"]
    assert all(e["name"] != "MAE" for e in metrics.values())


def test_generic_phrases_are_not_patterns():
    generic = {"fine-tuning", "deep learning", "machine learning", "large language models",
               "large language model", "neural networks", "neural network", "transformers",
               "transformer", "foundation models", "training", "ct", "mri", "x-ray"}
    for label in FILES:
        patterns = {obj["pattern"].casefold() for obj in _lines(FILES[label][0])}
        assert not patterns & generic, label


def test_versioned_metrics_are_distinct_entries():
    ids = set(_entries("Metric"))
    for slug in ("bleu", "bleu-4", "rouge", "rouge-1", "rouge-2", "rouge-l", "f1", "macro-f1",
                 "micro-f1", "auroc", "auc", "auprc", "dice", "mdice", "iou", "miou",
                 "hausdorff-distance", "hd95", "chrf", "chrf-plus-plus"):
        assert f"metric/{slug}" in ids


def test_homepages_are_well_formed_urls():
    for label in FILES:
        for entry in _entries(label).values():
            if "homepage" in entry:
                assert entry["homepage"].startswith(("https://arxiv.org/abs/", "https://"))
                assert " " not in entry["homepage"]


# --- the checker ------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, objs: list[dict | str]) -> Path:
    path = tmp_path / name
    path.write_text(
        "\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n",
        encoding="utf-8",
    )
    return path


def _canon(label: str, name: str, **extra) -> dict:
    ident = f"{label.lower()}/{CHECK.slugify(name)}"
    return {"label": label, "pattern": name, "id": ident, "name": name, **extra}


def _alias(label: str, name: str, pattern: str) -> dict:
    return {"label": label, "pattern": pattern, "id": f"{label.lower()}/{CHECK.slugify(name)}"}


def _check_command(path) -> int:
    """The exit code of ``paperkg lexicons check PATH``."""
    from typer.testing import CliRunner

    from kg.cli import app

    return CliRunner().invoke(app, ["lexicons", "check", str(path)]).exit_code


def test_checker_accepts_a_clean_file(tmp_path):
    path = _write(tmp_path, "ok.jsonl", [
        _canon("Method", "Grad-CAM++") | {"id": "method/grad-cam-plus-plus"},  # "+" -> "plus"
        _canon("Method", "LoRA", homepage="https://arxiv.org/abs/2106.09685"),
        _alias("Method", "LoRA", "low-rank adaptation"),
    ])
    report = CHECK.check_files([path])
    assert report.errors == [] and report.warnings == []
    assert report.stats[str(path)] == {"entries": 2, "aliases": 1, "wikidata": 0,
                                       "huggingface": 0, "homepage": 1}
    assert _check_command(path) == 0


@pytest.mark.parametrize(
    ("objs", "problem"),
    [
        (["{not json"], "invalid JSON"),
        ([_canon("Method", "LoRA") | {"label": "Technique"}], "is not one of"),
        ([_canon("Method", "LoRA") | {"id": "task/lora"}], "does not match label"),
        ([_alias("Method", "LoRA", "low-rank adaptation")], "has no 'name'"),
        ([_canon("Method", "LoRA"), _alias("Method", "LoRA", "x") | {"homepage": "https://a.b"}],
         "alias line carries metadata"),
        ([_canon("Method", "LoRA") | {"id": "method/low-rank"}], "is not the slug"),
        ([_canon("Method", "LoRA") | {"pattern": "Lora"}], "differs from name"),
        ([_canon("Method", "QLoRA"), _canon("Method", "LoRA")], "out of order"),
        ([_canon("Method", "LoRA"), _alias("Method", "LoRA", "LoRA")], "repeated within Method"),
        ([_canon("Method", "LoRA", wikidata="Q-12")], "malformed wikidata"),
        ([_canon("Method", "LoRA", homepage="arxiv.org/abs/1")], "malformed homepage"),
        ([_canon("Method", "LoRA", source="me")], "unknown key"),
        ([_canon("Method", "LoRA", case_sensitive="yes")], "case_sensitive must be"),
        ([_canon("Method", "LoRA"), "  "], "empty line"),
    ],
)
def test_checker_reports_each_defect_with_file_and_line(tmp_path, objs, problem):
    path = _write(tmp_path, "bad.jsonl", objs)
    report = CHECK.check_files([path])
    assert any(problem in e for e in report.errors), report.errors
    assert all(e.startswith(f"{path}:") for e in report.errors)
    assert _check_command(path) == 1


def test_checker_requires_ids_unique_across_files(tmp_path):
    a = _write(tmp_path, "a.jsonl", [_canon("Method", "LoRA")])
    b = _write(tmp_path, "b.jsonl", [_canon("Method", "LoRA")])
    report = CHECK.check_files([a, b])
    assert any("already defined" in e and str(a) in e for e in report.errors)


def test_checker_warns_about_derived_aliases_and_cross_entry_collisions(tmp_path):
    path = _write(tmp_path, "warn.jsonl", [
        _canon("Method", "knowledge distillation"),
        _alias("Method", "knowledge distillation", "knowledge-distillation"),  # derived variant
        _alias("Method", "knowledge distillation", "Knowledge Distillations"),  # case + plural
        _canon("Method", "SAM"),
        _alias("Method", "SAM", "Sam"),  # short: matched case-sensitively, so a real alias
        _canon("Method", "sam-optimizer"),
        _alias("Method", "sam-optimizer", "S.A.M."),  # folds onto SAM's pattern
    ])
    report = CHECK.check_files([path])
    assert report.errors == []
    assert sum("already derives" in w for w in report.warnings) == 2
    assert any("folds to the same form" in w and "S.A.M." in w for w in report.warnings)


# --- matching in running text -----------------------------------------------------------------


@pytest.fixture(scope="module")
def nlp(rules_nlp):
    """The rule pipeline: these tests are about the lexicon entries the rules match."""
    return rules_nlp


def _found(nlp, text: str, label: str) -> list[tuple[str, str]]:
    return [(e.text, e.kb_id_) for e in nlp(text).ents if e.label_ == label]


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("We compare parameter-efficient fine-tuning (PEFT) with full finetuning and QLoRA.",
         "Method", [("parameter-efficient fine-tuning", "method/peft"), ("PEFT", "method/peft"),
                    ("full finetuning", "method/full-fine-tuning"), ("QLoRA", "method/qlora")]),
        ("Models use retrieval-augmented generation (RAG) and chain-of-thought (CoT) prompting.",
         "Method", [("retrieval-augmented generation", "method/rag"), ("RAG", "method/rag"),
                    ("chain-of-thought", "method/chain-of-thought-prompting"),
                    ("CoT", "method/chain-of-thought-prompting")]),
        ("Aligned with group relative policy optimization (GRPO) after supervised finetuning.",
         "Method", [("group relative policy optimization", "method/grpo"),
                    ("GRPO", "method/grpo"), ("supervised finetuning", "method/sft")]),
        ("We pre-train with masked autoencoders and explain with Grad-CAM++ and SHAP.",
         "Method", [("masked autoencoders", "method/mae"),
                    ("Grad-CAM++", "method/grad-cam-plus-plus"), ("SHAP", "method/shap")]),
        ("We compare GANs, kNN, random forests and mixture-of-experts models.",
         "Method", [("GANs", "method/gan"),
                    ("kNN", "method/k-nearest-neighbors"),
                    ("random forests", "method/random-forest"),
                    ("mixture-of-experts", "method/moe")]),
        ("Tasks: medical visual question answering (Med-VQA) and radiology report generation.",
         "Task", [("medical visual question answering", "task/medical-vqa"),
                  ("Med-VQA", "task/medical-vqa"),
                  ("radiology report generation", "task/radiology-report-generation")]),
        ("We study named entity recognition (NER), ICD coding and length-of-stay prediction.",
         "Task", [("named entity recognition", "task/named-entity-recognition"),
                  ("NER", "task/named-entity-recognition"), ("ICD coding", "task/icd-coding"),
                  ("length-of-stay prediction", "task/length-of-stay-prediction")]),
        ("We continue pre-training the encoder and insert low-rank adapters.",
         "Method", [("continue pre-training", "method/continual-pre-training"),
                    ("low-rank adapters", "method/lora")]),
        # medical coding (ICD, CPT … codes) is the broader task; ICD coding is one kind of it
        ("Automated medical coding differs from ICD coding; clinical coding needs experts.",
         "Task", [("medical coding", "task/medical-coding"), ("ICD coding", "task/icd-coding"),
                  ("clinical coding", "task/medical-coding")]),
        # research problems, not techniques
        ("Domain generalization matters more than hyperparameter tuning here.",
         "Task", [("Domain generalization", "task/domain-generalization"),
                  ("hyperparameter tuning", "task/hyperparameter-optimization")]),
        ("Drug–target interaction prediction and medical image segmentation were evaluated.",
         "Task", [("Drug–target interaction prediction", "task/drug-target-interaction-prediction"),
                  ("medical image segmentation", "task/medical-image-segmentation")]),
        ("We report F1-score, AUROC, Dice similarity coefficient (DSC), HD95, BLEU-4 and ROUGE-L.",
         "Metric", [("F1-score", "metric/f1"), ("AUROC", "metric/auroc"),
                    ("Dice similarity coefficient", "metric/dice"), ("DSC", "metric/dice"),
                    ("HD95", "metric/hd95"), ("BLEU-4", "metric/bleu-4"),
                    ("ROUGE-L", "metric/rouge-l")]),
        ("We report pass@1, Cohen’s kappa, the C-index, R² and RaTEScore.",
         "Metric", [("pass@1", "metric/pass-k"), ("Cohen’s kappa", "metric/cohen-s-kappa"),
                    ("C-index", "metric/c-index"), ("R²", "metric/coefficient-of-determination"),
                    ("RaTEScore", "metric/ratescore")]),
    ],
)
def test_entries_are_found_in_running_text(nlp, text, label, expected):
    assert _found(nlp, text, label) == expected


def test_short_acronyms_do_not_fire_on_ordinary_words(nlp):
    text = "A spin echo sequence, a green filter and lime juice; we dare not tie the ties."
    assert [e.text for e in nlp(text).ents if e.label_ in ("Method", "Metric")] == []


# --- general machine learning (architecture families, optimisers, regularisers, RL) ----------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We train convolutional neural networks (CNNs) and a multilayer perceptron with SGD "
         "with momentum and weight normalization.",
         [("convolutional neural networks", "method/cnn"), ("CNNs", "method/cnn"),
          ("multilayer perceptron", "method/mlp"),
          ("SGD with momentum", "method/sgd-with-momentum"),
          ("weight normalization", "method/weight-normalization")]),
        ("The agent is trained with REINFORCE, DDPG, TD3 and prioritized experience replay; we "
         "reinforce this with Double DQN.",
         [("REINFORCE", "method/reinforce"), ("DDPG", "method/ddpg"), ("TD3", "method/td3"),
          ("prioritized experience replay", "method/prioritized-experience-replay"),
          ("Double DQN", "method/double-dqn")]),
        ("Optimisers compared: AdaDelta, LAMB, K-FAC and Nesterov momentum; the schedule uses "
         "cyclical learning rates.",
         [("AdaDelta", "method/adadelta"), ("LAMB", "method/lamb"), ("K-FAC", "method/k-fac"),
          ("Nesterov momentum", "method/nesterov-accelerated-gradient"),
          ("cyclical learning rates", "method/cyclical-learning-rates")]),
        ("Regularisation uses stochastic depth, DropBlock, spectral normalization and the "
         "Gumbel-softmax trick.",
         [("stochastic depth", "method/stochastic-depth"), ("DropBlock", "method/dropblock"),
          ("spectral normalization", "method/spectral-normalization"),
          ("Gumbel-softmax trick", "method/gumbel-softmax")]),
        ("We search architectures with DARTS and meta-learn with Reptile; the reptile sleeps.",
         [("DARTS", "method/darts"), ("Reptile", "method/reptile")]),
        ("A Wasserstein GAN and a neural ODE are trained with connectionist temporal "
         "classification (CTC) and backpropagation through time.",
         [("Wasserstein GAN", "method/wgan"), ("neural ODE", "method/neural-ode"),
          ("connectionist temporal classification", "method/ctc"), ("CTC", "method/ctc"),
          ("backpropagation through time", "method/backpropagation-through-time")]),
        ("We train QMIX and MADDPG agents with random network distillation (RND) and "
         "conservative Q-learning (CQL).",
         [("QMIX", "method/qmix"), ("MADDPG", "method/maddpg"),
          ("random network distillation", "method/random-network-distillation"),
          ("RND", "method/random-network-distillation"),
          ("conservative Q-learning", "method/cql"), ("CQL", "method/cql")]),
        ("Robustness is tested with AutoAttack and DeepFool against TRADES; graphs use R-GCN "
         "and a graph autoencoder.",
         [("AutoAttack", "method/autoattack"), ("DeepFool", "method/deepfool"),
          ("TRADES", "method/trades"), ("R-GCN", "method/r-gcn"),
          ("graph autoencoder", "method/graph-autoencoder")]),
    ],
)
def test_general_ml_methods_are_found_in_running_text(nlp, text, expected):
    assert _found(nlp, text, "Method") == expected


def test_method_names_that_are_also_words_match_only_as_written(nlp):
    text = "The swish of a tail, a rainbow, a reptile; we reinforce the wall."
    assert [e.text for e in nlp(text).ents] == []


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("We study density estimation, continuous control and video prediction, as well as "
         "neural style transfer.",
         "Task", [("density estimation", "task/density-estimation"),
                  ("continuous control", "task/continuous-control"),
                  ("video prediction", "task/video-prediction"),
                  ("neural style transfer", "task/style-transfer")]),
        ("Applications include CTR prediction, the traveling salesman problem (TSP) and "
         "few-shot classification.",
         "Task", [("CTR prediction", "task/click-through-rate-prediction"),
                  ("traveling salesman problem", "task/traveling-salesman-problem"),
                  ("TSP", "task/traveling-salesman-problem"),
                  ("few-shot classification", "task/few-shot-classification")]),
        ("We report bits/dim, the human-normalized score, top-5 error and robust accuracy.",
         "Metric", [("bits/dim", "metric/bits-per-dimension"),
                    ("human-normalized score", "metric/human-normalized-score"),
                    ("top-5 error", "metric/top-5-error"),
                    ("robust accuracy", "metric/robust-accuracy")]),
        ("Speech quality is measured with PESQ, STOI and SI-SDR; flow with end-point error "
         "(EPE).",
         "Metric", [("PESQ", "metric/pesq"), ("STOI", "metric/stoi"), ("SI-SDR", "metric/si-sdr"),
                    ("end-point error", "metric/end-point-error"),
                    ("EPE", "metric/end-point-error")]),
        ("We address scene parsing, crowd counting, lip reading, uncertainty quantification "
         "and robotic grasping.",
         "Task", [("scene parsing", "task/semantic-segmentation"),
                  ("crowd counting", "task/crowd-counting"), ("lip reading", "task/lip-reading"),
                  ("uncertainty quantification", "task/uncertainty-estimation"),
                  ("robotic grasping", "task/robotic-grasping")]),
        ("It gives a 3x speed-up, lower latency and test error, twice the throughput, "
         "higher test accuracy and log-likelihood, and wins the human evaluation.",
         "Metric", [("speed-up", "metric/speedup"), ("latency", "metric/latency"),
                    ("test error", "metric/test-error"), ("throughput", "metric/throughput"),
                    ("test accuracy", "metric/test-accuracy"),
                    ("log-likelihood", "metric/log-likelihood"),
                    ("human evaluation", "metric/human-evaluation")]),
        ("Units use the sigmoid, tanh or softmax; capsules use dynamic routing; agents get an "
         "intrinsic reward; we train with momentum, Nesterov's momentum, Entropy-SGD and RAML "
         "against the C&W attack.",
         "Method", [("sigmoid", "method/sigmoid"), ("tanh", "method/tanh"),
                    ("softmax", "method/softmax"), ("dynamic routing", "method/dynamic-routing"),
                    ("intrinsic reward", "method/intrinsic-motivation"),
                    ("momentum", "method/sgd-with-momentum"),
                    ("Nesterov's momentum", "method/nesterov-accelerated-gradient"),
                    ("Entropy-SGD", "method/entropy-sgd"), ("RAML", "method/raml"),
                    ("C&W attack", "method/carlini-wagner-attack")]),
        ("Agents play referential games, where language emergence is studied; model selection "
         "follows.",
         "Task", [("referential games", "task/referential-game"),
                  ("language emergence", "task/emergent-communication"),
                  ("model selection", "task/model-selection")]),
        ("We report FPR95, mCE, CRPS and SacreBLEU.",
         "Metric", [("FPR95", "metric/fpr95"), ("mCE", "metric/mce"), ("CRPS", "metric/crps"),
                    ("SacreBLEU", "metric/bleu")]),
    ],
)
def test_general_ml_tasks_and_metrics_are_found_in_running_text(nlp, text, label, expected):
    assert _found(nlp, text, label) == expected


# --- core machine learning (optimisation, Bayesian, matrix, graph, causal, forecasting …) -----


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("We optimise with Newton's method, FISTA and block coordinate descent, then sample with "
         "the No-U-Turn Sampler (NUTS) and minimise the maximum mean discrepancy (MMD).",
         "Method", [("Newton's method", "method/newton-s-method"), ("FISTA", "method/fista"),
                    ("block coordinate descent", "method/block-coordinate-descent"),
                    ("No-U-Turn Sampler", "method/no-u-turn-sampler"),
                    ("NUTS", "method/no-u-turn-sampler"),
                    ("maximum mean discrepancy", "method/maximum-mean-discrepancy"),
                    ("MMD", "method/maximum-mean-discrepancy")]),
        ("Tucker decomposition, robust PCA, k-means++ and C4.5 are compared with elastic weight "
         "consolidation (EWC), GATv2 and the X-learner.",
         "Method", [("Tucker decomposition", "method/tucker-decomposition"),
                    ("robust PCA", "method/robust-pca"), ("k-means++", "method/k-means-plus-plus"),
                    ("C4.5", "method/c4-5"),
                    ("elastic weight consolidation", "method/elastic-weight-consolidation"),
                    ("EWC", "method/elastic-weight-consolidation"), ("GATv2", "method/gatv2"),
                    ("X-learner", "method/x-learner")]),
        ("Experiments on Amazon Photo, ogbl-collab, PEMS08, Yelp2018, IHDP, FEMNIST and "
         "NAS-Bench-201.",
         "Dataset", [("Amazon Photo", "dataset/amazon-photo"),
                     ("ogbl-collab", "dataset/ogbl-collab"), ("PEMS08", "dataset/pems08"),
                     ("Yelp2018", "dataset/yelp2018"), ("IHDP", "dataset/ihdp"),
                     ("FEMNIST", "dataset/femnist"), ("NAS-Bench-201", "dataset/nas-bench-201")]),
        ("PatchTST, DLinear, SASRec, TabPFN and TARNet are the baselines.",
         "Model", [("PatchTST", "model/patchtst"), ("DLinear", "model/dlinear"),
                   ("SASRec", "model/sasrec"), ("TabPFN", "model/tabpfn"),
                   ("TARNet", "model/tarnet")]),
        ("We report the ELBO, PEHE, backward transfer, the structural Hamming distance (SHD) and "
         "FLOPs.",
         "Metric", [("ELBO", "metric/evidence-lower-bound"), ("PEHE", "metric/pehe"),
                    ("backward transfer", "metric/backward-transfer"),
                    ("structural Hamming distance", "metric/structural-hamming-distance"),
                    ("SHD", "metric/structural-hamming-distance"), ("FLOPs", "metric/flops")]),
        ("We study long-tailed recognition, tensor completion, conditional average treatment "
         "effect estimation and neural network verification.",
         "Task", [("long-tailed recognition", "task/long-tailed-recognition"),
                  ("tensor completion", "task/tensor-completion"),
                  ("conditional average treatment effect estimation",
                   "task/conditional-average-treatment-effect-estimation"),
                  ("neural network verification", "task/neural-network-verification")]),
    ],
)
def test_core_ml_entries_are_found_in_running_text(nlp, text, label, expected):
    assert _found(nlp, text, label) == expected


def test_core_ml_names_that_are_also_words_do_not_fire(nlp):
    text = ("Patients slept in a tent; a lion, a yogi and a prophet met in the mean shift of "
            "online learning, with a shampoo and a scaffold; the largest waterbirds needed deep "
            "compression.")
    assert [e.text for e in nlp(text).ents] == []
