"""Typing of abbreviation pairs: ``Low-Rank Adaptation (LoRA)`` -> one Method, two surface forms."""

from __future__ import annotations

from extractors.cues import GENERIC_NAMES

#: last word of a long form -> type
LONG_FORM_HEADS: dict[str, str] = {
    **dict.fromkeys(
        "tuning fine-tuning finetuning learning adaptation optimization optimisation distillation "
        "prompting training pre-training pretraining augmentation alignment regression "
        "quantization pruning merging attention feedback experts decoding search sampling "
        "autoencoder autoencoders mechanism".split(),
        "Method",
    ),
    **dict.fromkeys(
        "answering segmentation classification detection recognition prediction extraction "
        "summarization summarisation translation captioning retrieval inference linking matching "
        "coding registration reconstruction grounding diagnosis triage".split(),
        "Task",
    ),
    **dict.fromkeys(
        "score accuracy error coefficient rate index distance curve precision recall "
        "similarity".split(),
        "Metric",
    ),
    **dict.fromkeys("model network transformer".split(), "Model"),
    **dict.fromkeys(
        "dataset benchmark corpus database examination exam archive bank".split(), "Dataset"
    ),
}


#: words of generic class names: "Medical Large Vision-Language Models", "conventional machine
#: learning", "deep neural networks" name no particular thing
GENERIC_CLASS_WORDS = frozenset(
    """medical clinical biomedical health healthcare large small multimodal multi-modal vision
    language vision-language visual foundation pretrained pre-trained deep neural network
    networks model models machine learning generative ai artificial intelligence convolutional
    recurrent transformer transformers conventional traditional classical general-purpose
    general open-source proprietary based""".split()
)


def is_generic_class(words: list[str]) -> bool:
    """True when every word of a long form is a word of generic class names."""
    return all(w.lower().strip("()") in GENERIC_CLASS_WORDS for w in words)


def _words(long_form: str) -> list[str]:
    return long_form.replace("\u2010", "-").strip("~*^:;,.").split()


def is_generic_pair(long_form: str, short_form: str) -> bool:
    """A definition of a generic word: ``large language models (LLMs)``, ``deep learning (DL)``,
    ``open-source (OS)``."""
    short = short_form.casefold()
    words = _words(long_form)
    return (
        short in GENERIC_NAMES
        or short.rstrip("s") in GENERIC_NAMES
        or not words
        or is_generic_class(words)
    )


def long_form_type(long_form: str, short_form: str) -> str | None:
    """The type a long form's head word gives, or None (generic or unknown)."""
    if is_generic_pair(long_form, short_form):
        return None
    words = _words(long_form)
    if "augmented" in long_form.casefold() and words[-1].lower() == "generation":
        return "Method"
    return LONG_FORM_HEADS.get(words[-1].lower().rstrip("s")) or LONG_FORM_HEADS.get(
        words[-1].lower()
    )
