"""`paperkg eval`: scores against gold annotations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kg.cli.common import (
    app,
    console,
    reports_errors,
)


@app.command("eval")
@reports_errors
def evaluate_command(
    gold: Annotated[Path, typer.Argument(help="Gold annotations (JSONL).")],
    pred: Annotated[Path, typer.Argument(help="Predictions from `paperkg extract` (JSONL).")],
    by_paper: Annotated[
        bool, typer.Option("--by-paper", help="List misses and false alarms per paper.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score predictions against gold: P/R/F1 per type, core, all, relations, `proposed`.

    Example:

        paperkg eval gold.jsonl pred.jsonl --by-paper
    """
    import json

    from kg.evaluation import evaluate, read_annotations

    gold_records = read_annotations(gold)
    predictions = {str(r["id"]): r for r in read_annotations(pred)}
    scores = evaluate(gold_records, predictions)
    if as_json:
        console.print_json(json.dumps(scores.to_json()))
        return
    table = Table(title=f"paperkg eval: {len(gold_records)} papers")
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
    if by_paper:
        errors = Table(title="errors by paper")
        for column in ("paper", "missed", "false alarms", "missed relations", "false relations"):
            errors.add_column(column)
        for paper in scores.papers:
            if paper.has_errors:
                errors.add_row(paper.id, "\n".join(paper.missed), "\n".join(paper.false_alarms),
                               "\n".join(paper.missed_relations), "\n".join(paper.false_relations))
        console.print(errors)
