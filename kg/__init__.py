"""paperkg: knowledge graphs of papers, models, datasets, methods, tasks and metrics."""

from kg.model import (
    ENTITY_TYPES,
    Entity,
    Evidence,
    KnowledgeGraph,
    Mention,
    Paper,
    PaperEntity,
    PaperExtraction,
    PaperRelation,
    Relation,
)

__version__ = "0.1.0"

__all__ = [
    "ENTITY_TYPES",
    "Entity",
    "Evidence",
    "KnowledgeGraph",
    "Mention",
    "Paper",
    "PaperEntity",
    "PaperExtraction",
    "PaperRelation",
    "Relation",
    "__version__",
]
