"""spaCy pattern extractors of models, datasets, methods, tasks and metrics.

>>> from extractors import build_nlp, extract
>>> nlp = build_nlp()
>>> doc = nlp("We fine-tune Llama-2 with LoRA on MedQA.")
>>> sorted((e.text, e.label_) for e in doc.ents)  # doctest: +SKIP
"""

from extractors.extract import doc_to_extraction, extract
from extractors.pipeline import build_nlp

__all__ = ["build_nlp", "doc_to_extraction", "extract"]
