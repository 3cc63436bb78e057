"""Extraction speed on real, distinct abstracts, beside spaCy's own reference.

Usage: python bench/extract_speed.py [--shared DIR] [--papers 1500] [--rounds 3] [--model DIR]

Reads the first N of the unlabeled OpenReview abstracts
(``corpus-ml/ml-openreview-unlabeled.jsonl``, used here only for timing: distinct real text, so
spaCy's tokenizer cache cannot flatter it) and prints:

1. the **reference**: spaCy's blank English tokenizer plus one ``PhraseMatcher`` of every lexicon
   pattern over the same texts, in-process CPU time, and as a whole process (start-up included);
2. ``paperkg extract`` as a whole process (start-up included), with the shipped model (the
   default), with ``--model rules`` and with each ``--model DIR``, and its ratio to the
   reference process;
3. papers per CPU second of one pass (``extract``) and of the two-pass corpus extraction
   (``kg.corpus.extract_all``) in this process, each pipeline's best of R rounds, and the time of
   each pipeline component;
4. the time to find learned names in a paper when a corpus has taught 100 to 50,000 of them, with
   :class:`~extractors.learning.NameIndex` and with one regular expression of all names.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import build_nlp, extract  # noqa: E402
from extractors.learning import NameIndex  # noqa: E402
from kg.corpus import extract_all  # noqa: E402
from kg.ingest import read_papers  # noqa: E402

#: the reference, run as its own process: spaCy's tokenizer and a PhraseMatcher of every
#: lexicon pattern (token patterns are matched by their words)
REFERENCE = """
import json, sys, time
from pathlib import Path
started = time.process_time()
import spacy
from spacy.matcher import PhraseMatcher
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
nlp = spacy.blank("en")
matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
phrases = []
for path in sorted(Path(sys.argv[2]).glob("*.jsonl")):
    for line in path.read_text(encoding="utf-8").splitlines():
        pattern = json.loads(line)["pattern"]
        if not isinstance(pattern, str):
            pattern = " ".join(str(next(iter(t.values()))) for t in pattern)
        phrases.append(pattern)
matcher.add("LEXICON", list(nlp.tokenizer.pipe(phrases)))
setup = time.process_time() - started
matches = sum(len(matcher(doc)) for doc in nlp.tokenizer.pipe(texts))
print(json.dumps({"setup": setup, "run": time.process_time() - started - setup,
                  "patterns": len(phrases), "matches": matches}))
"""


def cpu_seconds(func: Callable[[], object]) -> float:
    started = time.process_time()
    func()
    return time.process_time() - started


def wall_seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:7.0f} papers/s"


def processes(papers_file: Path, texts_file: Path, n: int, rounds: int,
              models: Sequence[Path] = ()) -> None:
    """Whole processes, start-up included: the reference and ``paperkg extract`` (with the
    shipped model, the rules alone, and ``models``)."""
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        reference = [python, "-c", REFERENCE, str(texts_file), str(ROOT / "extractors/lexicons")]
        figures = json.loads(subprocess.run(reference, check=True, capture_output=True,
                                            text=True).stdout)
        print(f"reference: spaCy tokenizer + PhraseMatcher of {figures['patterns']:,} lexicon "
              f"patterns ({figures['matches']:,} matches)")
        print(f"  in-process                  {rate(n, figures['run'])}  "
              f"(+ {figures['setup']:.2f} s set-up CPU)")
        ref = min(wall_seconds(reference) for _ in range(rounds))
        print(f"  whole process               {ref:6.2f} s wall")
        runs = [("shipped model (default)", []), ("--model rules", ["--model", "rules"])]
        runs += [(f"--model {m.name}", ["--model", str(m)]) for m in models]
        for label, extra in runs:
            command = [python, "-m", "kg", "extract", str(papers_file), "-o",
                       f"{tmp}/out.jsonl", "--workers", "1", *extra]
            seconds = min(wall_seconds(command) for _ in range(rounds))
            print(f"paperkg extract, {label:<24} {seconds:6.2f} s wall  "
                  f"= {seconds / ref:4.1f}x the reference process")


def in_process(papers: list, rounds: int) -> None:
    """Papers per CPU second of one pass and of the corpus extraction, per pipeline."""
    pipelines = {"shipped model": build_nlp(), "rules only": build_nlp(model="rules")}
    for nlp in pipelines.values():
        list(extract(papers[:100], nlp))  # warm up
    best: dict[tuple[str, str], float] = {}
    for _ in range(rounds):
        for label, nlp in pipelines.items():
            for kind, run in (("one pass", lambda nlp=nlp: list(extract(papers, nlp))),
                              ("two passes", lambda nlp=nlp: extract_all(papers, nlp))):
                seconds = cpu_seconds(run)
                best[label, kind] = min(best.get((label, kind), seconds), seconds)
    print(f"in this process, CPU time, best of {rounds}:")
    for (label, kind), seconds in best.items():
        print(f"  {label:<14} {kind:<11} {rate(len(papers), seconds)}")
    nlp = pipelines["shipped model"]
    texts = [p.text for p in papers]
    seconds = {name: 0.0 for name, _ in nlp.pipeline}
    started = time.process_time()
    docs = [nlp.make_doc(t) for t in texts]
    print(f"  {'tokenizer':<26} {rate(len(papers), time.process_time() - started)}")
    for name, component in nlp.pipeline:
        seconds[name] = cpu_seconds(lambda component=component: [component(d) for d in docs])
        print(f"  {name:<26} {rate(len(papers), seconds[name])}")


def name_lookup(texts: list[str]) -> None:
    """Microseconds per paper to find learned names, by number of names (random name shapes)."""
    rng = random.Random(0)
    for n in (100, 1_000, 10_000, 50_000):
        names = {"".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 6)))
                 + rng.choice(["", "-Net", "Bench", "-QA", "GPT", "former"]) for _ in range(n)}
        index = NameIndex(names)
        regex = re.compile("|".join(re.escape(x) for x in sorted(names, key=len, reverse=True)))
        ours = cpu_seconds(lambda index=index: [list(index.occurrences(t)) for t in texts])
        theirs = cpu_seconds(lambda regex=regex: [regex.search(t) for t in texts])
        print(f"learned names: {n:>6,}  NameIndex {ours / len(texts) * 1e6:7.0f} us/paper   "
              f"one regex {theirs / len(texts) * 1e6:7.0f} us/paper")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--papers", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", type=Path, action="append", default=[],
                        help="also time `paperkg extract --model DIR` (repeatable), e.g. a "
                        "model trained with --tagger")
    args = parser.parse_args()
    source = args.shared / "data" / "corpus-ml" / "ml-openreview-unlabeled.jsonl"
    papers = list(read_papers([source]))[: args.papers]
    print(f"{len(papers)} distinct abstracts ({source.name}), one core")
    with tempfile.TemporaryDirectory() as tmp:
        papers_file, texts_file = Path(tmp) / "papers.jsonl", Path(tmp) / "texts.jsonl"
        lines = source.read_text(encoding="utf-8").splitlines()[: args.papers]
        papers_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        texts_file.write_text("".join(json.dumps({"text": p.text}) + "\n" for p in papers),
                              encoding="utf-8")
        processes(papers_file, texts_file, len(papers), args.rounds, args.model)
    in_process(papers, args.rounds)
    name_lookup([p.text for p in papers])


if __name__ == "__main__":
    main()
