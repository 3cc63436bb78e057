"""Extraction speed with and without the trained decider, on real distinct abstracts.

Usage: python bench/decider_speed.py [--shared DIR] [--papers N] [--rounds R]

Extracts the unlabeled OpenReview abstracts (``corpus-ml/ml-openreview-unlabeled.jsonl``, used
here only for timing) with the rule pipeline alone (``model="rules"``) and with the shipped model,
alternating R rounds and keeping each one's best, and prints papers per CPU second of one pass and
of the two-pass corpus extraction, and the CPU time of the two deciding components.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import build_nlp, extract  # noqa: E402
from kg.corpus import extract_all  # noqa: E402
from kg.ingest import read_papers  # noqa: E402


def timed(func) -> float:
    started = time.process_time()
    func()
    return time.process_time() - started


def component_seconds(nlp, texts: list[str], names: tuple[str, ...]) -> float:
    """CPU seconds of the ``names`` components over ``texts`` (the others run untimed)."""
    total = 0.0
    for text in texts:
        doc = nlp.make_doc(text)
        for name, proc in nlp.pipeline:
            if name in names:
                started = time.process_time()
                doc = proc(doc)
                total += time.process_time() - started
            else:
                doc = proc(doc)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--papers", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    path = args.shared / "data" / "corpus-ml" / "ml-openreview-unlabeled.jsonl"
    papers = list(read_papers([path]))[: args.papers]
    pipelines = {"rules only": build_nlp(model="rules"),
                 "shipped model": build_nlp(model="default")}
    for nlp in pipelines.values():
        list(extract(papers[:100], nlp))  # warm up
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for label, nlp in pipelines.items():
            for kind, run in (("one pass", lambda nlp=nlp: list(extract(papers, nlp))),
                              ("two passes", lambda nlp=nlp: extract_all(papers, nlp))):
                seconds = timed(run)
                best[label, kind] = min(best.get((label, kind), seconds), seconds)
    print(f"{len(papers)} distinct abstracts ({path.name}), one core, best of {args.rounds}")
    for (label, kind), seconds in best.items():
        print(f"  {label:<14} {kind:<11} {len(papers) / seconds:7.0f} papers/s")
    texts = [p.text for p in papers]
    decide = component_seconds(pipelines["shipped model"], texts,
                               ("paperkg_decide", "paperkg_decide_relations"))
    print(f"  deciding components alone: {len(papers) / decide:7.0f} papers/s "
          f"({decide / len(papers) * 1000:.2f} ms per paper)")


if __name__ == "__main__":
    main()
