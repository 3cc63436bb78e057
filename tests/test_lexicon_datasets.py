"""The bundled Dataset lexicon: valid, large enough, and matched as intended by the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lexicon_checker import load_checker

LEXICONS = Path(__file__).resolve().parents[1] / "extractors" / "lexicons"
DATASETS = LEXICONS / "datasets.jsonl"


def _lines() -> list[dict]:
    return [json.loads(line) for line in DATASETS.read_text(encoding="utf-8").splitlines()]


def test_datasets_lexicon_passes_the_checker_without_warnings():
    report = load_checker().check_files([DATASETS])
    assert report.errors == []
    assert report.warnings == []
    assert report.stats[str(DATASETS)]["entries"] >= 350


def test_every_line_is_a_dataset_and_canonical_lines_come_first():
    seen: set[str] = set()
    for obj in _lines():
        assert obj["label"] == "Dataset"
        assert obj["id"].startswith("dataset/")
        if obj["id"] not in seen:
            assert obj["name"] == obj["pattern"]
            seen.add(obj["id"])
        else:
            assert set(obj) == {"label", "pattern", "id"}


def test_version_specific_entries_are_distinct():
    ids = {obj["id"] for obj in _lines()}
    for a, b in [("mimic-iii", "mimic-iv"), ("mimic-iv", "mimic-cxr"), ("imagenet", "imagenet-1k"),
                 ("imagenet-1k", "imagenet-21k"), ("cifar-10", "cifar-100"),
                 ("laion-400m", "laion-5b"), ("squad", "squad-2-0"), ("mmlu", "mmlu-pro"),
                 ("isic-2018", "isic-2019"), ("brats-2020", "brats-2021")]:
        assert f"dataset/{a}" in ids and f"dataset/{b}" in ids


@pytest.fixture(scope="module")
def nlp(rules_nlp):
    """The rule pipeline: these tests are about the lexicon entries the rules match."""
    return rules_nlp


def _datasets(nlp, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.kb_id_) for e in nlp(text).ents if e.label_ == "Dataset"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We evaluate on MedQA-USMLE, MedMCQA and PubMedQA.",
         [("MedQA-USMLE", "dataset/medqa"), ("MedMCQA", "dataset/medmcqa"),
          ("PubMedQA", "dataset/pubmedqa")]),
        ("Notes come from MIMIC-III and MIMIC-IV; images from MIMIC-CXR.",
         [("MIMIC-III", "dataset/mimic-iii"), ("MIMIC-IV", "dataset/mimic-iv"),
          ("MIMIC-CXR", "dataset/mimic-cxr")]),
        ("Segmentation on BraTS 2021 and the Medical Segmentation Decathlon.",
         [("BraTS 2021", "dataset/brats-2021"),
          ("Medical Segmentation Decathlon", "dataset/medical-segmentation-decathlon")]),
        ("Pre-training on ImageNet-22K and MS COCO.",
         [("ImageNet-22K", "dataset/imagenet-21k"), ("MS COCO", "dataset/coco")]),
        ("Medical VQA on VQA-RAD, SLAKE and PathVQA.",
         [("VQA-RAD", "dataset/vqa-rad"), ("SLAKE", "dataset/slake"),
          ("PathVQA", "dataset/pathvqa")]),
        ("Results on the 2010 i2b2/VA corpus and NIH ChestX-ray14.",
         [("2010 i2b2/VA", "dataset/i2b2-2010"), ("NIH ChestX-ray14", "dataset/chestx-ray14")]),
        ("Questions from the Chinese National Medical Licensing Examination.",
         [("Chinese National Medical Licensing Examination",
           "dataset/chinese-national-medical-licensing-examination")]),
        ("Transfer to FGVC and VTAB-1k, not to FGVC-Aircraft alone.",
         [("FGVC", "dataset/fgvc"), ("VTAB-1k", "dataset/vtab-1k"),
          ("FGVC-Aircraft", "dataset/fgvc-aircraft")]),
    ],
)
def test_pipeline_finds_datasets_and_links_aliases(nlp, text, expected):
    assert _datasets(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We study math word problems and race conditions in the drop-out layer.",
        "The stack of CT slices shows enzyme kinetics.",
        "Speech commands were recorded.",
    ],
)
def test_ordinary_words_are_not_datasets(nlp, text):
    assert _datasets(nlp, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Few-shot results on Omniglot, miniImageNet and tieredImageNet; digits from SVHN, "
         "USPS and MNIST-M.",
         [("Omniglot", "dataset/omniglot"), ("miniImageNet", "dataset/miniimagenet"),
          ("tieredImageNet", "dataset/tieredimagenet"), ("SVHN", "dataset/svhn"),
          ("USPS", "dataset/usps"), ("MNIST-M", "dataset/mnist-m")]),
        ("Perplexity on the One Billion Word benchmark, enwik8 and text8; accuracy on bAbI "
         "and IMDb.",
         [("One Billion Word benchmark", "dataset/one-billion-word"),
          ("enwik8", "dataset/enwik8"), ("text8", "dataset/text8"), ("bAbI", "dataset/babi"),
          ("IMDb", "dataset/imdb")]),
        ("Translation on WMT'14 English-German and IWSLT14 German-English; chunking on "
         "CoNLL-2000.",
         [("WMT'14 English-German", "dataset/wmt14-en-de"),
          ("IWSLT14 German-English", "dataset/iwslt14-de-en"),
          ("CoNLL-2000", "dataset/conll-2000")]),
        ("Agents play Atari 2600 games from the Arcade Learning Environment (ALE) and MuJoCo "
         "tasks in OpenAI Gym and the DeepMind Control Suite.",
         [("Atari 2600 games", "dataset/arcade-learning-environment"),
          ("Arcade Learning Environment", "dataset/arcade-learning-environment"),
          ("ALE", "dataset/arcade-learning-environment"), ("MuJoCo", "dataset/mujoco"),
          ("OpenAI Gym", "dataset/openai-gym"),
          ("DeepMind Control Suite", "dataset/deepmind-control-suite")]),
        ("Video models are pre-trained on Kinetics and Sports-1M; graph kernels are compared "
         "on MUTAG, PROTEINS and COLLAB.",
         [("Kinetics", "dataset/kinetics"), ("Sports-1M", "dataset/sports-1m"),
          ("MUTAG", "dataset/mutag"), ("PROTEINS", "dataset/proteins"),
          ("COLLAB", "dataset/collab")]),
        ("Agents play Pong, Breakout, Ms. Pac-Man and Q*bert, drive in TORCS, explore House3D "
         "and MazeBase, and read in TextWorld and Jericho.",
         [("Pong", "dataset/pong"), ("Breakout", "dataset/breakout"),
          ("Ms. Pac-Man", "dataset/ms-pac-man"), ("Q*bert", "dataset/q-bert"),
          ("TORCS", "dataset/torcs"), ("House3D", "dataset/house3d"),
          ("MazeBase", "dataset/mazebase"), ("TextWorld", "dataset/textworld"),
          ("Jericho", "dataset/jericho")]),
        ("We evaluate on SCAN, COGS, ListOps and the Long Range Arena, plus Criteo and METR-LA.",
         [("SCAN", "dataset/scan"), ("COGS", "dataset/cogs"), ("ListOps", "dataset/listops"),
          ("Long Range Arena", "dataset/long-range-arena"), ("Criteo", "dataset/criteo"),
          ("METR-LA", "dataset/metr-la")]),
        ("Music models are trained on JSB Chorales, Nottingham, MuseData and Piano-midi.de; "
         "recurrent ones on sequential MNIST; language models on English Wikipedia, Reddit and "
         "the New York Times.",
         [("JSB Chorales", "dataset/jsb-chorales"), ("Nottingham", "dataset/nottingham"),
          ("MuseData", "dataset/musedata"), ("Piano-midi.de", "dataset/piano-midi-de"),
          ("sequential MNIST", "dataset/sequential-mnist"),
          ("English Wikipedia", "dataset/wikipedia"), ("Reddit", "dataset/reddit"),
          ("New York Times", "dataset/new-york-times-annotated-corpus")]),
    ],
)
def test_general_ml_benchmarks_are_found_in_running_text(nlp, text, expected):
    assert _datasets(nlp, text) == expected


def test_dataset_names_that_are_also_words_match_only_as_written(nlp):
    text = ("Enzyme kinetics of proteins in a collab; the yelp of a dog; a CT scan of a cog; a "
            "sketchy breakout of pong in the jericho region, nottingham and reddit.")
    assert _datasets(nlp, text) == []
