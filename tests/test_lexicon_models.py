"""The bundled Model lexicon (extractors/lexicons/models.jsonl): valid, broad and precise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lexicon_checker import load_checker

from extractors.components.entities import is_case_sensitive, surface_variants
from extractors.lexicon import load_lexicon

LEXICONS = Path(__file__).resolve().parents[1] / "extractors" / "lexicons"
MODELS = LEXICONS / "models.jsonl"


@pytest.fixture(scope="module")
def lines() -> list[dict]:
    return [json.loads(line) for line in MODELS.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def models():
    lexicon = load_lexicon()
    return {e.name: e for e in lexicon.entries.values() if e.label == "Model"}


def test_models_file_passes_theload_checker() -> None:
    report = load_checker().check_files([MODELS])
    assert report.errors == []
    assert report.stats[str(MODELS)]["entries"] >= 400
    # the only warnings allowed are no-space spellings ("UNet", "nnUNet") that the checker
    # assumes derived but the extractor does not derive (see the next test)
    assert all("already derives" in w for w in report.warnings), report.warnings


def _derived(pattern: str, entry) -> set[str]:
    case = is_case_sensitive(pattern, entry)
    return {v if case else v.lower() for v in surface_variants(pattern, entry.label)}


def test_no_alias_is_one_the_extractor_derives_by_itself(models) -> None:
    redundant = []
    for entry in models.values():
        for i, alias in enumerate(entry.patterns):
            others = set().union(*(_derived(p, entry) for j, p in enumerate(entry.patterns)
                                   if j != i))
            if (alias if is_case_sensitive(alias, entry) else alias.lower()) in others:
                redundant.append((entry.name, alias))
    assert redundant == []


def test_every_line_is_a_model_and_every_id_is_unique(lines: list[dict]) -> None:
    assert {obj["label"] for obj in lines} == {"Model"}
    canonical = [obj["id"] for obj in lines if "name" in obj]
    assert len(canonical) == len(set(canonical))
    assert {obj["id"] for obj in lines} == set(canonical)


@pytest.mark.parametrize(
    "names",
    [
        ("GPT-3.5", "GPT-4", "GPT-4V", "GPT-4o", "GPT-4o-mini", "ChatGPT", "o1"),
        ("LLaMA", "Llama-2", "Llama-3", "Llama-3.1", "Llama-3.2"),
        ("PaLM", "PaLM 2", "Med-PaLM", "Med-PaLM 2"),
        ("SAM", "SAM 2", "MedSAM", "SAM-Med2D"),
        ("BERT", "BioBERT", "ClinicalBERT", "PubMedBERT", "BioMedLM", "GatorTron"),
        ("U-Net", "nnU-Net", "UNETR", "Swin UNETR", "TransUNet", "ViT", "ViT-B/16", "DINOv2"),
        ("Qwen", "Qwen2", "Qwen2.5", "Qwen2-VL", "Gemini", "Gemini Pro", "Gemini 1.5"),
    ],
)
def test_versions_are_distinct_entries(models, names: tuple[str, ...]) -> None:
    ids = [models[name].id for name in names]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("name", "alias"),
    [
        ("SAM", "Segment Anything Model"),
        ("PubMedBERT", "BiomedBERT"),
        ("BioMedLM", "PubMedGPT"),
        ("ViT", "Vision Transformer"),
        ("XLM-RoBERTa", "XLM-R"),
        ("LLaMA", "Llama"),
        ("Mixtral 8x7B", "Mixtral"),
        ("GPT-4V", "GPT-4 Vision"),
    ],
)
def test_aliases_point_to_their_canonical_entry(models, name: str, alias: str) -> None:
    assert alias in models[name].patterns


def test_no_generic_phrases_modalities_or_organisations(lines: list[dict]) -> None:
    banned = {
        "transformer", "transformers", "large language model", "llm", "llms", "foundation model",
        "deep learning", "neural network", "cnn", "ct", "mri", "x-ray", "openai", "google",
        "meta", "microsoft", "anthropic", "mae", "masked autoencoder",
    }
    assert not [obj["pattern"] for obj in lines if obj["pattern"].casefold() in banned]


def test_external_identifiers_are_well_formed(lines: list[dict]) -> None:
    arxiv = re.compile(r"^https://arxiv\.org/abs/\d{4}\.\d{4,5}$")
    for obj in lines:
        home = obj.get("homepage")
        if home and "arxiv.org" in home:
            assert arxiv.match(home), obj
        hf = obj.get("huggingface")
        if hf:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+", hf), obj
    with_ids = [obj for obj in lines if {"huggingface", "homepage"} & set(obj)]
    assert len(with_ids) >= 300


@pytest.fixture(scope="module")
def nlp(rules_nlp):
    """The rule pipeline: these tests are about the lexicon entries the rules match."""
    return rules_nlp


def _models(nlp, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.kb_id_) for e in nlp(text).ents if e.label_ == "Model"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We compare GPT-4V, GPT-4o and GPT-3.5-turbo with ChatGPT.",
         [("GPT-4V", "model/gpt-4v"), ("GPT-4o", "model/gpt-4o"),
          ("GPT-3.5-turbo", "model/gpt-3-5-turbo"), ("ChatGPT", "model/chatgpt")]),
        ("MedSAM adapts the Segment Anything Model (SAM); SAM2 is newer.",
         [("MedSAM", "model/medsam"), ("Segment Anything Model", "model/sam"),
          ("SAM", "model/sam"), ("SAM2", "model/sam-2")]),
        ("Backbones: ResNet50, DenseNet121, nnUNet, UNet and Swin-UNETR.",
         [("ResNet50", "model/resnet-50"), ("DenseNet121", "model/densenet-121"),
          ("nnUNet", "model/nnu-net"), ("UNet", "model/u-net"),
          ("Swin-UNETR", "model/swin-unetr")]),
        ("Encoders: Bio_ClinicalBERT, BiomedBERT and PubMedGPT.",
         [("Bio_ClinicalBERT", "model/clinicalbert"), ("BiomedBERT", "model/pubmedbert"),
          ("PubMedGPT", "model/biomedlm")]),
        ("Gemini 1.5 Pro, Gemini Pro, Med-PaLM 2 and Llama 2 were prompted.",
         [("Gemini 1.5 Pro", "model/gemini-1-5-pro"), ("Gemini Pro", "model/gemini-pro"),
          ("Med-PaLM 2", "model/med-palm-2"), ("Llama 2", "model/llama-2")]),
        ("Baselines: Mistral NeMo, Big Transfer (BiT), MDETR, SIREN, CLIP-ViL and PRIMERA.",
         [("Mistral NeMo", "model/mistral-nemo"), ("Big Transfer", "model/big-transfer"),
          ("BiT", "model/big-transfer"), ("MDETR", "model/mdetr"), ("SIREN", "model/siren"),
          ("CLIP-ViL", "model/clip-vil"), ("PRIMERA", "model/primera")]),
        ("Audio Spectrogram Transformers and LLAVA answer, unlike a bit of luck or a siren.",
         [("Audio Spectrogram Transformers", "model/audio-spectrogram-transformer"),
          ("LLAVA", "model/llava")]),
    ],
)
def test_pipeline_finds_models_and_links_aliases(nlp, text: str, expected) -> None:
    assert _models(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Patients were assessed at T0 and after surgery; align the images.",
        "Outcomes were graded with Bloom's taxonomy; since its inception the registry grew.",
    ],
)
def test_ordinary_words_are_not_models(nlp, text: str) -> None:
    assert _models(nlp, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We train deep residual networks, ResNet-56 and WRN-28-10, against DenseNets and "
         "Inception.",
         [("deep residual networks", "model/resnet"), ("ResNet-56", "model/resnet-56"),
          ("WRN-28-10", "model/wrn-28-10"), ("DenseNets", "model/densenet"),
          ("Inception", "model/inception")]),
        ("Samples from DCGAN, BigGAN, PixelCNN++, Glow and RealNVP are compared.",
         [("DCGAN", "model/dcgan"), ("BigGAN", "model/biggan"),
          ("PixelCNN++", "model/pixelcnn-plus-plus"), ("Glow", "model/glow"),
          ("RealNVP", "model/realnvp")]),
        ("We compare AWD-LSTM, BiDAF, QANet, the Universal Transformer and a Neural Turing "
         "Machine.",
         [("AWD-LSTM", "model/awd-lstm"), ("BiDAF", "model/bidaf"), ("QANet", "model/qanet"),
          ("Universal Transformer", "model/universal-transformer"),
          ("Neural Turing Machine", "model/neural-turing-machine")]),
        ("Speech systems: Deep Speech 2, Listen, Attend and Spell, Tacotron and WaveGlow.",
         [("Deep Speech 2", "model/deep-speech-2"),
          ("Listen, Attend and Spell", "model/listen-attend-and-spell"),
          ("Tacotron", "model/tacotron"), ("WaveGlow", "model/waveglow")]),
        ("We compare Graphormer, SchNet and the Decision Transformer with HiFi-GAN and "
         "FastSpeech 2.",
         [("Graphormer", "model/graphormer"), ("SchNet", "model/schnet"),
          ("Decision Transformer", "model/decision-transformer"), ("HiFi-GAN", "model/hifi-gan"),
          ("FastSpeech 2", "model/fastspeech-2")]),
        # a one-word name with an inner capital has its plural, as "GANs" has
        ("NASNets, AlexNets and SchNets overfit where EfficientNets do not.",
         [("NASNets", "model/nasnet"), ("AlexNets", "model/alexnet"),
          ("SchNets", "model/schnet"), ("EfficientNets", "model/efficientnet")]),
    ],
)
def test_general_ml_networks_are_found_in_running_text(nlp, text: str, expected) -> None:
    assert _models(nlp, text) == expected


def test_model_names_that_are_also_words_match_only_as_written(nlp) -> None:
    text = "Since its inception, the glow of a performer has been the reformer's goal."
    assert _models(nlp, text) == []
