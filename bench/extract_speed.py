"""Extraction speed on one core: the dev corpus repeated, papers per CPU second, per component.

Usage: python bench/extract_speed.py [--repeat 10] [--shared DIR]

Prints papers/s of ``extract`` (one pass, ``nlp.pipe``), of the whole two-pass corpus
extraction (``kg.corpus.extract_all``: names learned in one paper are looked for in all), of
spaCy's own English tokenizer for comparison, and of each pipeline component on its own; then the
time to find the learned names in a paper when a corpus has taught 100 to 50,000 of them (a real
corpus teaches about one per paper), with :class:`~extractors.learning.NameIndex` and with one
regular expression of all names.  Times are CPU time of this
process (``time.process_time``), so that other work on the machine skews them less.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
import time
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import build_nlp, extract  # noqa: E402
from extractors.learning import NameIndex  # noqa: E402
from kg.corpus import extract_all  # noqa: E402
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
    extract_all(papers, nlp)
    print(f"extract_all (two passes)     {rate(len(papers), time.process_time() - started)}")

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
    name_lookup([r["title"] + "\n" + r["abstract"] for r in records])


def name_lookup(texts: list[str]) -> None:
    """Microseconds per paper to find learned names, by number of names (random name shapes)."""
    rng = random.Random(0)
    for n in (100, 1_000, 10_000, 50_000):
        names = {"".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 6)))
                 + rng.choice(["", "-Net", "Bench", "-QA", "GPT", "former"]) for _ in range(n)}
        index = NameIndex(names)
        regex = re.compile("|".join(re.escape(x) for x in sorted(names, key=len, reverse=True)))
        started = time.process_time()
        for text in texts:
            list(index.occurrences(text))
        ours = (time.process_time() - started) / len(texts) * 1e6
        started = time.process_time()
        for text in texts:
            regex.search(text)
        theirs = (time.process_time() - started) / len(texts) * 1e6
        print(f"learned names: {n:>6,}  NameIndex {ours:7.0f} us/paper   "
              f"one regex {theirs:7.0f} us/paper")


if __name__ == "__main__":
    main()
