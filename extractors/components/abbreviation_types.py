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


def long_form_type(long_form: str, short_form: str) -> str | None:
    """The type a long form's head word gives, or None (generic or unknown)."""
    short = short_form.casefold()
    if short in GENERIC_NAMES or short.rstrip("s") in GENERIC_NAMES:
        return None
    words = long_form.replace("\u2010", "-").strip("~*^:;,.").split()
    if not words:
        return None
    if "augmented" in long_form.casefold() and words[-1].lower() == "generation":
        return "Method"
    return LONG_FORM_HEADS.get(words[-1].lower().rstrip("s")) or LONG_FORM_HEADS.get(
        words[-1].lower()
    )
