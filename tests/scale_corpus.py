"""Small corpora and helpers shared by the engine, store and Dask tests."""

from __future__ import annotations

import json
from pathlib import Path

from kg.pipeline import demo_corpus_path

#: Two papers of our own: the second teaches a name ("KSGT") the first uses bare, so the
#: corpus extraction's second pass (learned names) has work to do.
TEACHING_PAIR = [
    {"id": "t:uses", "title": "Grading kidney stones from endoscopy images",
     "abstract": "We compare KSGT with two convolutional baselines on 400 endoscopic images. "
                 "KSGT reaches the best accuracy on all stone types.", "year": 2024},
    {"id": "t:teaches", "title": "Kidney Stone Grading Tuning for endoscopy",
     "abstract": "We propose Kidney Stone Grading Tuning (KSGT), a parameter-efficient "
                 "fine-tuning method for vision transformers. Experiments show that KSGT "
                 "improves grading accuracy.", "year": 2025},
]


def write_corpus(path: Path, records: list[dict]) -> Path:
    """Write ``records`` as JSON Lines to ``path``."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def demo_records() -> list[dict]:
    """The bundled demo corpus' records."""
    return [json.loads(line) for line in demo_corpus_path().read_text("utf-8").splitlines()
            if line.strip()]


def files_of(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (relative name -> bytes)."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}
