"""Reproduce the shipped decider model from the shared dev gold (``make model``).

Usage: python bench/train_model.py [--shared DIR] [-o DIR] [--check]

Trains on both annotated dev sets (medical-AI listing papers, general-ML OpenReview papers) and
the project's own general-ML training set (``bench/training/``: 280 more OpenReview papers of
``../shared``'s unlabeled corpus, annotated by the guideline), and writes
``extractors/models/default/model.json``; ``--check`` writes to a scratch directory and
fails unless the result is byte-identical to the shipped file.  Prints the training time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors.decider.model import MODEL_FILE, default_model_dir  # noqa: E402
from kg.training import train  # noqa: E402


def dev_sets(shared: Path) -> tuple[list[Path], list[Path]]:
    """The gold files and corpora of the two annotated dev sets."""
    data = shared / "data"
    gold = [data / "gold" / "medical-ai-dev.gold.jsonl",
            data / "gold" / "ml-openreview-dev.gold.jsonl"]
    corpora = [data / "corpus" / "medical-ai-dev.jsonl",
               data / "corpus-ml" / "ml-openreview-dev.jsonl"]
    return gold, corpora


def training_set(shared: Path) -> tuple[list[Path], list[Path]]:
    """The gold file and corpus of the training set of ``bench/training/`` (never scored)."""
    return ([ROOT / "bench" / "training" / "ml-openreview-train.gold.jsonl"],
            [shared / "data" / "corpus-ml" / "ml-openreview-unlabeled.jsonl"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("-o", "--out", type=Path, default=default_model_dir())
    parser.add_argument("--check", action="store_true",
                        help="train into a scratch directory and compare with the shipped model")
    args = parser.parse_args()
    gold, corpora = dev_sets(args.shared)
    extra_gold, extra_corpora = training_set(args.shared)
    with tempfile.TemporaryDirectory(prefix="paperkg-model-") as scratch:
        out = Path(scratch) if args.check else args.out
        model, path, seconds = train(gold + extra_gold, corpora + extra_corpora, out)
        size = path.stat().st_size
        print(f"trained on {model.info['papers']} papers ({model.info['entity_examples']} entity, "
              f"{model.info['relation_examples']} relation candidates) in {seconds:.1f} s; "
              f"{path.name}: {size / 1024:.0f} KiB")
        if args.check:
            same = path.read_bytes() == (default_model_dir() / MODEL_FILE).read_bytes()
            print("identical to the shipped model: " + ("yes" if same else "NO"))
            return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
