"""Extraction quality on the shared dev set: entity and relation P/R/F1 against gold.

Usage: python bench/quality.py [--shared DIR] [--json FILE] [--by-paper]

Reads ../shared/data/corpus in both formats (JSON Lines and the listing dump), extracts, and scores
against ../shared/data/gold/medical-ai-dev.gold.jsonl with the rule of ``paperkg eval``.  Also
prints the scores of the two halves of the dev set (odd/even papers) as a stability check, how
much of the gold the bundled lexicons know, and the merge check of canonicalisation.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import build_nlp, extract  # noqa: E402
from extractors.normalize import name_key  # noqa: E402
from kg.evaluation import Scores, entity_keys, evaluate, read_annotations  # noqa: E402
from kg.ingest import read_papers  # noqa: E402


def predictions(path: Path, nlp, title_to_id: dict[str, str] | None = None) -> dict[str, dict]:
    out = {}
    for x in extract(read_papers([path]), nlp):
        record = x.to_json()
        if title_to_id is not None:
            record["id"] = title_to_id.get(name_key(x.paper.title), record["id"])
        out[record["id"]] = record
    return out


def table(label: str, scores: Scores) -> list[str]:
    rows = [f"{label}"]
    for name, counts in [
        *scores.by_type.items(),
        ("core", scores.core),
        ("all", scores.all_types),
        ("relations", scores.relations),
    ]:
        rows.append(
            f"  {name:<10} P {counts.precision:.3f}  R {counts.recall:.3f}  "
            f"F1 {counts.f1:.3f}   (tp {counts.tp}, fp {counts.fp}, fn {counts.fn})"
        )
    for pred, counts in sorted(scores.by_predicate.items()):
        rows.append(
            f"    {pred:<13} P {counts.precision:.3f}  R {counts.recall:.3f}  F1 {counts.f1:.3f}"
        )
    rows.append(
        f"  proposed accuracy {scores.proposed_accuracy:.3f} "
        f"over {scores.proposed_total} matched entities"
    )
    return rows


def lexicon_coverage(gold: list[dict], nlp) -> tuple[int, int]:
    """How many gold entities have a form the bundled lexicons know (what patterns must find)."""
    lexicon = nlp.get_pipe("paperkg_entities").lexicon
    known = {name_key(p) for e in lexicon.entries.values() for p in e.patterns}
    total = hit = 0
    for record in gold:
        for ent in record["entities"]:
            total += 1
            hit += bool(entity_keys(ent) & known)
    return hit, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--json", type=Path, help="also write the scores as JSON")
    parser.add_argument("--by-paper", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()
    data = args.shared / "data"
    gold = read_annotations(data / "gold" / "medical-ai-dev.gold.jsonl")
    nlp = build_nlp()
    started = time.perf_counter()
    pred = predictions(data / "corpus" / "medical-ai-dev.jsonl", nlp)
    seconds = time.perf_counter() - started

    title_to_id = {
        name_key(p.title): p.id for p in read_papers([data / "corpus" / "medical-ai-dev.jsonl"])
    }
    pred_listing = predictions(data / "corpus" / "medical-ai-dev.listing.txt", nlp, title_to_id)
    scores = evaluate(gold, pred)
    listing_scores = evaluate(gold, pred_listing)
    halves = [evaluate(gold[k::2], pred) for k in (0, 1)]
    hit, total = lexicon_coverage(gold, nlp)
    lines = table(f"dev set ({len(gold)} papers, JSONL input)", scores)
    same = listing_scores.to_json() == scores.to_json()
    lines.append(f"listing input gives the same scores: {'yes' if same else 'NO'}")
    for k, half in enumerate(halves):
        lines.append(
            f"half {k}: core F1 {half.core.f1:.3f}, all F1 {half.all_types.f1:.3f}, "
            f"relations F1 {half.relations.f1:.3f}"
        )
    lines.append(
        f"gold entities with a lexicon form: {hit}/{total} ({hit / total:.1%}); "
        f"the rest must come from patterns"
    )
    lines.append(f"extraction: {len(pred)} papers in {seconds:.2f} s")
    if args.by_paper:
        for paper in scores.papers:
            if (
                paper.missed
                or paper.false_alarms
                or paper.missed_relations
                or paper.false_relations
            ):
                print(f"{paper.id}: missed {paper.missed} | false {paper.false_alarms}")
                print(f"   rel missed {paper.missed_relations} | rel false {paper.false_relations}")
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(scores.to_json(), indent=2) + "\n")


if __name__ == "__main__":
    main()
