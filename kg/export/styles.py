"""How node types and relations are drawn: one place for the HTML view and the graph-tool files.

Colours are Okabe-Ito (readable with colour-blindness); each node type also has its own shape and
legend symbol.  :mod:`kg.export.html` and :mod:`kg.export.gephi` both read these.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.model import CO_OCCURS_WITH


@dataclass(frozen=True, slots=True)
class NodeStyle:
    """How one node type is drawn (shape name) and shown in the legend."""

    color: str
    shape: str
    symbol: str


@dataclass(frozen=True, slots=True)
class RelationStyle:
    """How one relation is drawn: colour, width, dash pattern (vis-network) and arrow."""

    color: str
    width: float
    dashes: tuple[int, ...] = ()
    arrow: bool = True


#: Okabe-Ito colours (readable with colour-blindness); a distinct shape per type as well.
NODE_STYLES: dict[str, NodeStyle] = {
    "Paper": NodeStyle("#8c8c8c", "square", "\u25a0"),
    "Model": NodeStyle("#0072b2", "dot", "\u25cf"),
    "Dataset": NodeStyle("#e69f00", "diamond", "\u25c6"),
    "Method": NodeStyle("#009e73", "triangle", "\u25b2"),
    "Task": NodeStyle("#cc79a7", "star", "\u2605"),
    "Metric": NodeStyle("#d55e00", "hexagon", "\u2b22"),
}

RELATION_STYLES: dict[str, RelationStyle] = {
    "proposes": RelationStyle("#333333", 2.5),
    "uses": RelationStyle("#b4b4b4", 1.0),
    "based_on": RelationStyle("#0072b2", 2.0, (8, 4)),
    "trained_on": RelationStyle("#e69f00", 2.0, (2, 3)),
    "evaluated_on": RelationStyle("#d55e00", 2.0, (10, 3, 2, 3)),
    "uses_method": RelationStyle("#009e73", 2.0, (5, 5)),
    CO_OCCURS_WITH: RelationStyle("#c8c8c8", 1.0, (), arrow=False),
}
OTHER_RELATION = RelationStyle("#7f7f7f", 1.0, (3, 3))
