"""Task, Dataset and Metric extraction on the TDMSci sentences, with partial matching as TDMSci.

Usage: python bench/tdmsci.py [--shared DIR] [--split work|held-out|all]
                              [--pipeline rules|default|trained]
                              [--errors] [--json FILE]

TDMSci (Hou et al., EACL 2021; IBM/science-result-extractor) annotates Task, Dataset and Metric
mentions in sentences of NLP papers, under its own scheme (spans keep head nouns, "prediction" is
a Task, no Model or Method).  ``../shared/data/external/`` has its 1,523-sentence training split,
one record per sentence; its test split is kept outside the repository.  paperkg extracts the
sentences of a split as one corpus, the way ``paperkg build`` does (both passes: a name one
sentence defines is known in the others), then only Task, Dataset and Metric count,
on both sides (``paperkg eval --types Task,Dataset,Metric``):

- **exact**: the rule of ``paperkg eval`` (normalised names agree);
- **partial**: ``paperkg eval --match partial``: a predicted and a gold entity of the same type in
  the same sentence also match when their spans overlap; a gold entity's spans are the
  occurrences of its name in the sentence (TDMSci's spans are flat: an occurrence inside a longer
  gold entity belongs to that one); one-to-one (:mod:`kg.evaluation`).

``--pipeline trained`` is a model of TDMSci's own scheme, the way a user teaches paperkg theirs:
``paperkg train --tagger`` on the working two thirds (the decider and a sequence tagger).  On the
working split it is scored by 3-fold cross-validation (``paperkg eval --cv 3 --tagger``); on the
held-out third, trained on all of the working two thirds.

Held-out discipline: the sentences split into a working two thirds and a held-out third (every
third sentence, ``--split held-out``).  Lexicon and rule work looks only at the working part
(``--errors`` lists its misses and false alarms, and refuses the held-out third); the held-out
third is scored at the end of a piece of work.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import build_nlp  # noqa: E402
from kg.corpus import extract_all  # noqa: E402
from kg.evaluation import Counts, Scores, evaluate, read_annotations  # noqa: E402
from kg.ingest import read_papers  # noqa: E402
from kg.model import Paper  # noqa: E402
from kg.training import cross_validate, temporary_model_dir, train  # noqa: E402

TYPES = ("Task", "Dataset", "Metric")
CORPUS = "external/tdmsci-train.corpus.jsonl"
GOLD = "external/tdmsci-train.gold.jsonl"
SPLITS = ("work", "held-out", "all")
PIPELINES = ("rules", "default", "trained")
LABELS = {"rules": "rules", "default": "--model default",
          "trained": "paperkg train --tagger on the working two thirds"}
#: the TDMSci authors' trained tagger on their test split, partial matching (the target)
TARGET_F1 = 0.77


def in_split(index: int, split: str) -> bool:
    """Sentence ``index`` (0-based, file order) is in ``split``: every third one is held out."""
    held_out = index % 3 == 2
    return split == "all" or held_out == (split == "held-out")


def load(data: Path, split: str) -> tuple[list[Paper], list[dict]]:
    """The sentences of ``split`` and their gold records, in file order."""
    papers = list(read_papers([data / CORPUS]))
    gold = read_annotations(data / GOLD)
    if [p.id for p in papers] != [str(g["id"]) for g in gold]:
        raise SystemExit(f"error: {data / GOLD}: ids differ from {data / CORPUS}")
    keep = [i for i in range(len(papers)) if in_split(i, split)]
    return [papers[i] for i in keep], [gold[i] for i in keep]


def score(papers: list[Paper], gold: list[dict], pipeline: str) -> tuple[Scores, Scores]:
    """Exact and partial scores of ``pipeline`` (``rules`` or a model) on the sentences."""
    nlp = build_nlp(model=pipeline)
    pred = {x.paper.id: x.to_json() for x in extract_all(papers, nlp)}
    return scores_of(papers, gold, pred)


def scores_of(papers: list[Paper], gold: list[dict], pred: dict[str, dict]
              ) -> tuple[Scores, Scores]:
    """Exact and partial scores of the predictions (by sentence id)."""
    by_id = {p.id: p for p in papers}
    return evaluate(gold, pred, types=TYPES), evaluate(gold, pred, by_id, types=TYPES)


def write_annotated(papers: list[Paper], gold: list[dict], directory: Path) -> tuple[Path, Path]:
    """The sentences and their gold as a corpus and a gold file in ``directory``."""
    corpus, gold_file = directory / "corpus.jsonl", directory / "gold.jsonl"
    corpus.write_text("".join(json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract})
                              + "\n" for p in papers), encoding="utf-8")
    gold_file.write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    return corpus, gold_file


def score_trained(data: Path, split: str, papers: list[Paper], gold: list[dict]
                  ) -> tuple[Scores, Scores]:
    """Scores of a model trained (with a tagger) on TDMSci's working two thirds: 3-fold CV on
    the working split, trained on all of it for the held-out third."""
    with temporary_model_dir() as scratch:
        work = Path(scratch)
        if split == "work":
            corpus, gold_file = write_annotated(papers, gold, work)
            pred = cross_validate([gold_file], [corpus], 3, tagger=True).predictions
            return scores_of(papers, gold, pred)
        corpus, gold_file = write_annotated(*load(data, "work"), work)
        train([gold_file], [corpus], work / "model", tagger=True)
        return score(papers, gold, str(work / "model"))


def rows(label: str, scores: Scores) -> list[str]:
    def row(name: str, c: Counts) -> str:
        return (f"    {name:<9} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}"
                f"   (tp {c.tp}, fp {c.fp}, fn {c.fn})")

    return [f"  {label}", *(row(t, scores.by_type[t]) for t in TYPES),
            row("overall", scores.all_types)]


def errors(scores: Scores) -> list[str]:
    """Misses and false alarms per sentence (partial matching)."""
    return [f"{p.id}: missed {p.missed} | false {p.false_alarms}"
            for p in scores.papers if p.missed or p.false_alarms]


def to_json(scores: Scores) -> dict:
    out = {t: scores.by_type[t].to_json() for t in TYPES}
    out["overall"] = scores.all_types.to_json()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--split", choices=SPLITS, default="work",
                        help="work: two thirds to look at; held-out: every third sentence")
    parser.add_argument("--pipeline", action="append", choices=PIPELINES,
                        help="rules, default (the shipped model), trained (on TDMSci's working "
                        "two thirds, with a tagger); repeatable (default: all three; the first "
                        "two with --split all)")
    parser.add_argument("--errors", action="store_true",
                        help="list misses and false alarms (not on the held-out third)")
    parser.add_argument("--json", type=Path, help="also write the scores as JSON")
    args = parser.parse_args()
    if args.errors and args.split != "work":
        parser.error("--errors lists the working split only: the held-out third is for scoring")
    pipelines = args.pipeline or [p for p in PIPELINES if p != "trained" or args.split != "all"]
    if "trained" in pipelines and args.split == "all":
        parser.error("--pipeline trained learns from the working split: score --split work "
                     "(cross-validated) or held-out")
    papers, gold = load(args.shared / "data", args.split)
    n_gold = sum(len(g["entities"]) for g in gold)
    print(f"TDMSci training sentences, {args.split} split: {len(papers)} sentences, "
          f"{n_gold} gold Task/Dataset/Metric entities (target: partial F1 >= {TARGET_F1} on "
          "the TDMSci test split)")
    out: dict = {}
    for pipeline in pipelines:
        if pipeline == "trained":
            exact, partial = score_trained(args.shared / "data", args.split, papers, gold)
        else:
            exact, partial = score(papers, gold, pipeline)
        label = LABELS[pipeline]
        print(f"{label}:")
        print("\n".join(rows("exact", exact) + rows("partial", partial)))
        out[pipeline] = {"exact": to_json(exact), "partial": to_json(partial)}
        if args.errors:
            print("\n".join(errors(partial)))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
