"""Reproduce the shipped decider model from the shared dev gold (``make model``).

Usage: python bench/train_model.py [--shared DIR] [-o DIR] [--check] [--add GOLD CORPUS]...

Trains on the annotated dev sets of :data:`TRAINING_SETS` (medical-AI listing papers, general-ML
OpenReview papers), the project's own general-ML training set (``bench/training/``: 279 more
OpenReview papers of ``../shared``'s unlabeled corpus, annotated by the guideline) and any
``--add`` set, and writes
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

#: (gold file, corpus of its papers), relative to ``shared/data``: the shipped model's recipe
TRAINING_SETS = (
    ("gold/medical-ai-dev.gold.jsonl", "corpus/medical-ai-dev.jsonl"),
    ("gold/ml-openreview-dev.gold.jsonl", "corpus-ml/ml-openreview-dev.jsonl"),
)


def dev_sets(shared: Path) -> tuple[list[Path], list[Path]]:
    """The gold files and corpora of :data:`TRAINING_SETS`."""
    data = shared / "data"
    return [data / g for g, _ in TRAINING_SETS], [data / c for _, c in TRAINING_SETS]


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
    parser.add_argument("--add", nargs=2, action="append", default=[], type=Path,
                        metavar=("GOLD", "CORPUS"), help="train on this annotated set too")
    args = parser.parse_args()
    gold, corpora = dev_sets(args.shared)
    extra_gold, extra_corpora = training_set(args.shared)
    gold += extra_gold + [g for g, _ in args.add]
    corpora += extra_corpora + [c for _, c in args.add]
    with tempfile.TemporaryDirectory(prefix="paperkg-model-") as scratch:
        out = Path(scratch) if args.check else args.out
        model, path, seconds = train(gold, corpora, out)
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
