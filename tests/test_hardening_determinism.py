"""Determinism: the same input gives byte-identical output files, whatever the worker count and
the hash seed of the process.

The builds are real ``paperkg build`` processes with different ``--workers`` and
``PYTHONHASHSEED``, in partitions of a few papers so that the workers do share the corpus; the
corpus mixes the demo papers with records full of hostile text (tests/hostile.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

from hostile import FRAGMENTS, NAMES

from kg.pipeline import demo_corpus_path

ROOT = Path(__file__).resolve().parents[1]

#: ``python -c CHILD paperkg-args...``: the CLI with partitions of 7 papers
CHILD = """
import kg.corpus as corpus
partitions = corpus.partitions
corpus.partitions = lambda papers, size: partitions(papers, 7)
from kg.cli import main
main()
"""


def hostile_records(n: int, seed: int = 11) -> list[dict]:
    """``n`` records whose titles, abstracts, authors and venues mix hostile fragments."""
    rng = random.Random(seed)

    def text(pieces: int) -> str:
        return "".join(rng.choice(FRAGMENTS) for _ in range(pieces)) + " x"

    records = []
    for i in range(n):
        name = rng.choice(NAMES)
        records.append({
            "id": f"h:{i}:{text(2)}",
            "title": f"{name} {text(3)}",
            "abstract": f"{text(4)} We propose {name}, a language model based on Llama-2 and "
                        f"trained on MIMIC-III. {name} outperforms GPT-4 on MedQA. {text(4)}",
            "authors": [text(2), text(1)],
            "venue": text(2),
            "year": 2000 + i,
        })
    return records


def files_of(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def build(corpus: Path, out: Path, workers: int, hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", CHILD, "build", str(corpus), "-o", str(out),
                           "--workers", str(workers), "--on-error", "skip"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def test_outputs_are_byte_identical_whatever_the_workers_and_hash_seed(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    demo = demo_corpus_path().read_text(encoding="utf-8")
    corpus.write_text(demo + "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                     for r in hostile_records(16)), encoding="utf-8")
    build(corpus, tmp_path / "one", workers=1, hash_seed="1")
    build(corpus, tmp_path / "three", workers=3, hash_seed="2")
    one, three = files_of(tmp_path / "one"), files_of(tmp_path / "three")
    assert sorted(one) == sorted(three)
    assert [name for name in one if one[name] != three[name]] == []
    report = json.loads((tmp_path / "one" / "report.json").read_text(encoding="utf-8"))
    assert report["papers"] > 32 and report["entities_by_type"]
