"""Extraction quality on the shared dev set: entity and relation P/R/F1 against gold.

Usage: python bench/quality.py [--shared DIR] [--json FILE] [--by-paper] [--decider [--folds K]]
                               [--sealed] [--model default|rules|DIR]

Reads ../shared/data/corpus in both formats (JSON Lines and the listing dump), extracts the way
``paperkg build`` does (with the shipped model by default, which was trained on the dev sets, so
these figures are in-sample: the cross-validated ones of ``--decider`` are the honest ones), and
scores against ../shared/data/gold/medical-ai-dev.gold.jsonl with the rule of ``paperkg eval``.
Also prints the scores of the two halves of the dev set (odd and even papers) as a stability
check, how much of the gold the bundled lexicons know, extraction speed, and the merge check of
canonicalisation: every canonical entity of the linked graph that matches two gold entities of
different names.  Then both dev sets (medical AI, general-ML OpenReview) in one line each, per
type and per predicate.

``--decider`` adds the honest figures of the trained decider (:mod:`kg.training`): the rule
pipeline alone, the shipped model (trained on these very papers, so optimistic) and K-fold
cross-validation by paper (each paper extracted by a model trained on the other folds of both
sets), and the candidate coverage of the gold (the decider's ceiling: the share of gold entities
some candidate spells) per set and type, with the cause of every cross-validated miss (of
relations too: an end not found, the ends found but not related, another predicate); and
K-fold cross-validation over the training set of ``bench/training/`` (the dev sets added to every
fold's training data), text no rule or lexicon entry was written against.
``--sealed`` scores the sealed general-ML test set of ``bench/sealed/`` with the rules and with the
shipped model, which is done once per piece of extraction work, at its end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from train_model import training_set  # noqa: E402

from extractors import build_nlp  # noqa: E402
from extractors.normalize import name_key  # noqa: E402
from kg.corpus import extract_all  # noqa: E402
from kg.evaluation import (  # noqa: E402
    Counts,
    Scores,
    entity_keys,
    evaluate,
    match_entities,
    read_annotations,
)
from kg.ingest import read_papers  # noqa: E402
from kg.linking import link_with_index  # noqa: E402
from kg.training import (  # noqa: E402
    Annotated,
    candidate_coverage,
    cross_validate,
    read_annotated,
    rules_only_scores,
)

DEV_SETS = (
    ("medical-AI dev", "gold/medical-ai-dev.gold.jsonl", "corpus/medical-ai-dev.jsonl"),
    ("general-ML dev", "gold/ml-openreview-dev.gold.jsonl", "corpus-ml/ml-openreview-dev.jsonl"),
)


def table(label: str, scores: Scores) -> list[str]:
    def row(name: str, c: Counts, indent: str = "  ") -> str:
        return (f"{indent}{name:<13} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}"
                f"   (tp {c.tp}, fp {c.fp}, fn {c.fn})")

    rows = [label]
    rows += [row(name, c) for name, c in scores.by_type.items()]
    rows += [row("core", scores.core), row("all types", scores.all_types),
             row("relations", scores.relations)]
    rows += [row(p, c, "    ") for p, c in sorted(scores.by_predicate.items())]
    rows.append(f"  proposed accuracy {scores.proposed_accuracy:.3f} "
                f"over {scores.proposed_total} matched entities")
    return rows


def merge_errors(gold: list[dict], extractions, lexicon) -> list[str]:
    """Canonical entities that stand for two gold entities of different names."""
    _, entity_of = link_with_index(extractions, lexicon)
    gold_by_id = {g["id"]: g for g in gold}
    matched: dict[str, set[str]] = defaultdict(set)
    for x in extractions:
        g = gold_by_id.get(x.paper.id)
        if g is None:
            continue
        pred = [e.to_json() for e in x.entities]
        for i, j in match_entities(g["entities"], pred).items():
            matched[entity_of[(x.paper.id, pred[i]["name"])]].add(g["entities"][j]["name"])
    same = gold_synonyms(gold)
    errors = []
    for entity_id, names in sorted(matched.items()):
        if len({same(n) for n in names}) > 1:
            errors.append(f"{entity_id}: {sorted(names)}")
    return errors


def gold_synonyms(gold: list[dict]):
    """Gold names are one thing when some gold entity lists them as name and alias: returns a
    function from a gold name to the representative of its synonym class."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for record in gold:
        for entity in record["entities"]:
            keys = sorted(entity_keys(entity))
            for key in keys[1:]:
                parent[find(key)] = find(keys[0])
    return lambda name: find(name_key(name))


def lexicon_coverage(gold: list[dict], lexicon) -> tuple[int, int]:
    """How many gold entities have a form the bundled lexicons know (the rest need patterns)."""
    known = {name_key(p) for e in lexicon.entries.values() for p in e.patterns}
    forms = [entity_keys(e) for record in gold for e in record["entities"]]
    return sum(bool(f & known) for f in forms), len(forms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--json", type=Path, help="also write the scores as JSON")
    parser.add_argument("--by-paper", action="store_true", help="list misses and false alarms")
    parser.add_argument("--decider", action="store_true",
                        help="also the trained decider: shipped model and K-fold CV (slow)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    parser.add_argument("--sealed", action="store_true",
                        help="also the sealed test set (bench/sealed/): once per piece of work")
    parser.add_argument("--model", default="default",
                        help="what decides: 'default' (the shipped model, trained on the dev "
                        "sets: in-sample there), 'rules', or a model directory")
    args = parser.parse_args()
    data = args.shared / "data"
    nlp = build_nlp(model=args.model)
    label = "shipped model, in-sample" if args.model == "default" else args.model
    out = medical_report(data, nlp, args.by_paper)
    lines = out.pop("lines")
    for name, gold_file, corpus_file in DEV_SETS:
        scores = score(data / gold_file, list(read_papers([data / corpus_file])), nlp)
        lines.append(f"{name} ({len(scores.papers)} papers), {label}:  {compact(scores)}")
        out[f"{name} ({label})"] = scores.to_json()
    if args.sealed:
        for pipeline in ("rules", "default"):
            sealed = sealed_scores(data, build_nlp(model=pipeline))
            lines.append(f"SEALED general-ML test set ({len(sealed.papers)} papers), --model "
                         f"{pipeline}:  {compact(sealed)}")
            out[f"sealed general-ML ({pipeline})"] = sealed.to_json()
    if args.decider:
        decider = decider_report(data, args.folds)
        lines += decider.pop("lines")
        out.update(decider)
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


def score(gold_file: Path, papers: list, nlp) -> Scores:
    """``papers`` extracted as a build does, scored against ``gold_file``."""
    pred = {x.paper.id: x.to_json() for x in extract_all(papers, nlp)}
    return evaluate(read_annotations(gold_file), pred)


def sealed_scores(data: Path, nlp) -> Scores:
    """The sealed set: its gold, and its papers read from the unlabeled corpus by id."""
    gold_file = ROOT / "bench" / "sealed" / "ml-openreview-sealed.gold.jsonl"
    wanted = {str(r["id"]) for r in read_annotations(gold_file)}
    unlabeled = data / "corpus-ml" / "ml-openreview-unlabeled.jsonl"
    papers = [p for p in read_papers([unlabeled]) if p.id in wanted]
    return score(gold_file, papers, nlp)


def medical_report(data: Path, nlp, by_paper: bool) -> dict:
    """The medical dev set in both input formats, its halves, lexicon coverage, merge check."""
    gold = read_annotations(data / "gold" / "medical-ai-dev.gold.jsonl")
    lexicon = nlp.get_pipe("paperkg_entities").lexicon
    papers = list(read_papers([data / "corpus" / "medical-ai-dev.jsonl"]))
    started = time.perf_counter()
    extractions = extract_all(papers, nlp)
    seconds = time.perf_counter() - started
    pred = {x.paper.id: x.to_json() for x in extractions}

    title_to_id = {name_key(p.title): p.id for p in papers}
    listing = list(read_papers([data / "corpus" / "medical-ai-dev.listing.txt"]))
    pred_listing = {}
    for x in extract_all(listing, nlp):
        record = x.to_json()
        record["id"] = title_to_id.get(name_key(x.paper.title), record["id"])
        pred_listing[record["id"]] = record

    scores = evaluate(gold, pred)
    same = evaluate(gold, pred_listing).to_json() == scores.to_json()
    lines = table(f"medical-AI dev set: {len(gold)} papers (JSONL input)", scores)
    lines.append(f"listing input gives the same scores: {'yes' if same else 'NO'}")
    for k in (0, 1):
        half = evaluate(gold[k::2], pred)
        lines.append(f"half {k} ({len(gold[k::2])} papers): core F1 {half.core.f1:.3f}, "
                     f"all F1 {half.all_types.f1:.3f}, relations F1 {half.relations.f1:.3f}")
    hit, total = lexicon_coverage(gold, lexicon)
    lines.append(f"gold entities with a form in the bundled lexicons: {hit}/{total} "
                 f"({hit / total:.1%}); the rest must come from patterns")
    errors = merge_errors(gold, extractions, lexicon)
    lines.append(f"merge check: {len(errors)} canonical entities match two different gold "
                 "entities" + ("".join(f"\n    {e}" for e in errors)))
    lines.append(f"extraction (two passes, one core): {len(papers)} papers in {seconds:.2f} s")
    if by_paper:
        for paper in scores.papers:
            if paper.has_errors:
                lines.append(f"{paper.id}: missed {paper.missed} | false {paper.false_alarms}")
                lines.append(f"   relations missed {paper.missed_relations} | false "
                             f"{paper.false_relations}")
    return {"medical-ai-dev": scores.to_json(), "lines": lines}


def compact(scores: Scores) -> str:
    """One line: core, all types, relations F1, then F1 per type and per predicate."""
    types = " ".join(f"{t} {c.f1:.3f}" for t, c in scores.by_type.items())
    preds = " ".join(f"{p} {c.f1:.3f}" for p, c in sorted(scores.by_predicate.items()))
    misses = ", ".join(f"{cause} {n}" for cause, n in scores.relation_misses.items())
    return (f"core {scores.core.f1:.3f} (P {scores.core.precision:.3f} R "
            f"{scores.core.recall:.3f})  all {scores.all_types.f1:.3f}  relations "
            f"{scores.relations.f1:.3f} (P {scores.relations.precision:.3f} R "
            f"{scores.relations.recall:.3f})\n      {types}\n      {preds}"
            f"\n      missed relations: {misses}")


def decider_report(data: Path, folds: int) -> dict:
    """Rules only, the shipped model, and K-fold cross-validation on both dev sets."""
    gold = [data / g for _, g, _ in DEV_SETS]
    corpora = [data / c for _, _, c in DEV_SETS]
    rules = rules_only_scores(gold, corpora)
    nlp = build_nlp(model="default")
    shipped = {}
    for (_, _, c), path in zip(DEV_SETS, gold, strict=True):
        papers = list(read_papers([data / c]))
        pred = {x.paper.id: x.to_json() for x in extract_all(papers, nlp)}
        shipped[str(path)] = evaluate(read_annotations(path), pred)
    dev = read_annotated(gold, corpora)
    started = time.perf_counter()
    cv = cross_validate(gold, corpora, folds, also_train=read_annotated(*training_set(data.parent)))
    seconds = time.perf_counter() - started
    lines = [f"\ntrained decider ({folds}-fold cross-validation by paper over both dev sets, "
             "each fold also trained on bench/training/, "
             f"{seconds:.0f} s; the CV rows are the honest figures)"]
    out: dict = {"candidate coverage": coverage_lines(dev, cv, lines)}
    for (name, _, _), path in zip(DEV_SETS, gold, strict=True):
        key = str(path)
        lines.append(f"  {name}:")
        for label, scores in (("rules only", rules[key]), ("shipped model", shipped[key]),
                              (f"model, {folds}-fold CV", cv.by_source[key])):
            lines.append(f"    {label:<17} {compact(scores)}")
            out[f"{name} ({label})"] = scores.to_json()
    # the training set was never looked at while writing rules or lexicons: a second, larger
    # estimate of unseen general-ML text (each fold trained on the other folds and the dev sets)
    train = cross_validate(*training_set(data.parent), folds, also_train=dev)
    lines.append(f"  general-ML training set ({len(train.pooled.papers)} papers, bench/training/):")
    lines.append(f"    {f'model, {folds}-fold CV':<17} {compact(train.pooled)}")
    out[f"general-ML training set (model, {folds}-fold CV)"] = train.pooled.to_json()
    out["lines"] = lines
    return out


def coverage_lines(data: Annotated, cv, lines: list[str]) -> dict:
    """Candidate recall (the decider's ceiling) per dev set and type, and why gold is missed:
    no candidate, only candidates of other boundaries, or a candidate the decider rejected."""
    coverage = candidate_coverage(data, cv.predictions)
    lines.append("  candidate coverage of the gold entities (pass 1) and the CV misses by cause:")
    out = {}
    for source, by_type in coverage.items():
        name = next(n for n, g, _ in DEV_SETS if source.endswith(g))
        lines.append(f"    {name}:")
        for etype, c in by_type.items():
            lines.append(f"      {etype:<9} candidate recall {c.recall:.3f} ({c.candidate}/"
                         f"{c.total}); missed: no candidate {c.no_candidate}, other boundaries "
                         f"{c.boundary}, rejected or mistyped {c.rejected}")
        out[name] = {t: c.to_json() for t, c in by_type.items()}
    return out


if __name__ == "__main__":
    main()
