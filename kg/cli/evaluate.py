"""`paperkg eval` and `paperkg train`: scores against gold annotations, and the decider
trained on them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from kg.cli.common import PatternsOpt, app, console, progress_bar, reports_errors
from kg.model import ENTITY_TYPES, Paper

if TYPE_CHECKING:
    from kg.evaluation import Scores

TaggerOpt = Annotated[
    bool, typer.Option("--tagger", help="Also train a sequence tagger (a CRF over the tokens), "
                       "for names no rule proposes: another field's, another annotation "
                       "scheme's.")
]
CorpusOpt = Annotated[
    list[Path] | None, typer.Option("--corpus", help="Corpus with the annotated papers "
                                    "(repeatable).", show_default=False)
]


@app.command("eval")
@reports_errors
def evaluate_command(
    gold: Annotated[Path, typer.Argument(help="Gold annotations (JSONL).")],
    pred: Annotated[
        Path | None, typer.Argument(help="Predictions from `paperkg extract` (JSONL); not with "
                                    "--cv.", show_default=False)
    ] = None,
    by_paper: Annotated[
        bool, typer.Option("--by-paper", help="List misses and false alarms per paper.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    cv: Annotated[
        int | None, typer.Option("--cv", help="K-fold cross-validation by paper: train the "
                                 "decider on the other folds, extract and score each fold "
                                 "(needs --corpus).", show_default=False)
    ] = None,
    corpus: CorpusOpt = None,
    patterns: PatternsOpt = None,
    tagger: TaggerOpt = False,
    match: Annotated[
        str, typer.Option("--match", help="'exact': names/aliases must agree (after "
                          "normalisation); 'partial': also entities whose spans overlap in the "
                          "text (needs --corpus).")
    ] = "exact",
    types: Annotated[
        str | None, typer.Option("--types", help="Score only these entity types, e.g. "
                                 "'Task,Dataset,Metric' (others are ignored on both sides).",
                                 show_default=False)
    ] = None,
) -> None:
    """Score predictions against gold: P/R/F1 per type, core, all, relations, `proposed`.

    Examples:

        paperkg eval gold.jsonl pred.jsonl --by-paper

        paperkg eval gold.jsonl pred.jsonl --match partial --corpus papers.jsonl

        paperkg eval gold.jsonl --cv 5 --corpus papers.jsonl
    """
    import json

    from kg.evaluation import MATCH_RULES, evaluate, read_annotations

    kept = types_of(types)
    if match not in MATCH_RULES:
        raise typer.BadParameter(f"--match must be one of {', '.join(MATCH_RULES)}, not {match!r}")
    if match == "partial" and not corpus:
        raise typer.BadParameter("--match partial needs --corpus (the texts the gold annotates)")
    if cv is not None:
        if pred is not None or not corpus:
            raise typer.BadParameter("--cv takes the gold file and --corpus, not predictions")
        from kg.training import cross_validate

        with progress_bar() as progress:
            progress.add_task(f"{cv}-fold cross-validation", total=None)
            result = cross_validate([gold], corpus, cv, [patterns] if patterns else [],
                                    tagger=tagger)
        gold_records, predictions = read_annotations(gold), result.predictions
        title = (f"paperkg eval --cv {cv}: {len(gold_records)} papers (each scored by a model "
                 "trained on the other folds)")
    elif pred is None:
        raise typer.BadParameter("give the predictions file, or --cv K with --corpus")
    else:
        gold_records = read_annotations(gold)
        predictions = {str(r["id"]): r for r in read_annotations(pred)}
        title = f"paperkg eval: {len(gold_records)} papers"
    papers = annotated_texts(gold, corpus) if match == "partial" else None
    scores = evaluate(gold_records, predictions, papers, kept)
    if match == "partial":
        title += ", partial matching"
    if as_json:
        console.print_json(json.dumps(scores.to_json()))
        return
    print_scores(title, scores, by_paper)


def types_of(spec: str | None) -> tuple[str, ...] | None:
    """The entity types of ``--types`` (comma-separated), checked."""
    if spec is None:
        return None
    names = tuple(t.strip() for t in spec.split(",") if t.strip())
    unknown = [t for t in names if t not in ENTITY_TYPES]
    if unknown or not names:
        raise typer.BadParameter(f"--types takes entity types among {', '.join(ENTITY_TYPES)}, "
                                 f"not {spec!r}")
    return names


def annotated_texts(gold: Path, corpus: list[Path] | None) -> dict[str, Paper]:
    """The papers the gold file annotates, by id (a record without its paper is an error naming
    the gold file and line)."""
    from kg.training import read_annotated

    return {p.id: p for p in read_annotated([gold], list(corpus or [])).papers}


def print_scores(title: str, scores: Scores, by_paper: bool = False) -> None:
    """The score table of ``paperkg eval`` (and, with ``by_paper``, the errors of each paper)."""
    table = Table(title=title)
    for column in ("", "precision", "recall", "F1", "tp", "fp", "fn"):
        table.add_column(column, justify="right" if column else "left")
    rows = [*scores.by_type.items(), ("core (Model+Dataset+Method)", scores.core),
            ("all types", scores.all_types), ("relations", scores.relations),
            *((f"  {p}", c) for p, c in sorted(scores.by_predicate.items()))]
    for label, c in rows:
        table.add_row(label, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}",
                      str(c.tp), str(c.fp), str(c.fn))
    console.print(table)
    console.print(f"proposed accuracy: {scores.proposed_accuracy:.3f} "
                  f"({scores.proposed_total} matched entities)")
    if scores.relations.fn:
        causes = ", ".join(f"{cause} {n}" for cause, n in scores.relation_misses.items())
        console.print(f"missed relations by cause: {causes}")
    if by_paper:
        errors = Table(title="errors by paper")
        for column in ("paper", "missed", "false alarms", "missed relations", "false relations"):
            errors.add_column(column)
        for paper in scores.papers:
            if paper.has_errors:
                errors.add_row(paper.id, "\n".join(paper.missed), "\n".join(paper.false_alarms),
                               "\n".join(paper.missed_relations), "\n".join(paper.false_relations))
        console.print(errors)


@app.command()
@reports_errors
def train(
    gold: Annotated[list[Path], typer.Argument(help="Gold annotation files (JSONL, the format "
                                               "`paperkg eval` reads).")],
    corpus: Annotated[
        list[Path], typer.Option("--corpus", help="Corpus with the annotated papers "
                                 "(repeatable).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.")],
    patterns: PatternsOpt = None,
    tagger: TaggerOpt = False,
) -> None:
    """Train the extractor's decider on your own annotations; use it with `--model`.

    The rule components propose candidates; the model learns from your gold which of them are
    entities, of which type, which the paper proposes, and which pairs are related.  With
    --tagger, a sequence tagger also learns to find names where no rule looks.

    Examples:

        paperkg train chem.gold.jsonl --corpus chem.jsonl -o chem-model/

        paperkg train chem.gold.jsonl --corpus chem.jsonl --tagger -o chem-model/

        paperkg extract new.jsonl --model chem-model/ -o pred.jsonl
    """
    from kg.training import train as run_train

    with progress_bar() as progress:
        progress.add_task("training", total=None)
        model, path, seconds = run_train(gold, corpus, out, [patterns] if patterns else [],
                                         tagger)
    info = model.info
    tokens = f", {info['tagger_tokens']} tokens for the tagger" if "tagger_tokens" in info else ""
    console.print(f"Trained on {info['papers']} papers ({info['entity_examples']} entity and "
                  f"{info['relation_examples']} relation candidates{tokens}) in {seconds:.1f} s; "
                  f"wrote [bold]{escape(str(path))}[/]")
