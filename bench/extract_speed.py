"""Extraction speed on one core: the dev corpus repeated, papers per CPU second, per component.

Usage: python bench/extract_speed.py [--repeat 10] [--shared DIR]

Prints papers/s of ``extract`` (one pass, ``nlp.pipe``), of the whole two-pass corpus extraction
(``extract_corpus``: names learned in one paper are looked for in all), of spaCy's own English
tokenizer for comparison, and of each pipeline component on its own.  Times are CPU time of this
process (``time.process_time``), so that other work on the machine skews them less.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import build_nlp, extract  # noqa: E402
from extractors.learning import extract_corpus  # noqa: E402
from kg.model import Paper  # noqa: E402


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:8.0f} papers/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    corpus = args.shared / "data" / "corpus" / "medical-ai-dev.jsonl"
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    papers = [
        Paper(id=f"{r['id']}-{k}", title=r["title"], abstract=r["abstract"])
        for k in range(args.repeat)
        for r in records
    ]
    nlp = build_nlp()
    list(extract(papers[:200], nlp))  # warm up caches
    print(f"{len(papers)} papers ({len(records)} dev abstracts x {args.repeat}), one core")

    started = time.process_time()
    list(extract(papers, nlp))
    print(f"extract (one pass)           {rate(len(papers), time.process_time() - started)}")
    started = time.process_time()
    extract_corpus(papers, nlp)
    print(f"extract_corpus (two passes)  {rate(len(papers), time.process_time() - started)}")

    texts = [p.text for p in papers]
    english = spacy.blank("en")
    started = time.process_time()
    list(english.tokenizer.pipe(texts))
    print(f"spaCy English tokenizer      {rate(len(papers), time.process_time() - started)}")
    started = time.process_time()
    docs = [nlp.make_doc(t) for t in texts]
    print(f"paperkg tokenizer            {rate(len(papers), time.process_time() - started)}")
    for name, component in nlp.pipeline:
        started = time.process_time()
        docs = [component(doc) for doc in docs]
        print(f"{name:<28} {rate(len(papers), time.process_time() - started)}")


if __name__ == "__main__":
    main()
