"""Broader concepts of tasks and methods (``skos:broader``).

The hierarchy is data: the canonical line of a lexicon entry may carry ``"broader"``, the id (or
a list of ids) of a more general entry of the same type (``task/medical-image-segmentation`` ->
``task/image-segmentation``, ``method/dqn`` -> ``method/q-learning``); ``paperkg lexicons
check`` verifies that the targets exist and that there is no cycle.  A task the lexicons do not
know gets a broader task by one rule: its name ends, at a word boundary, with the name or alias
of a lexicon task or the name of another task of the graph ("retinal vessel segmentation" ->
vessel segmentation; the longest such ending wins).

A graph links each task or method to its *nearest* broader concepts that are in the graph: when
the lexicon's parent has no paper in the corpus, the link goes to the parent's parent, so that
every ``skos:broader`` link joins two entities of the graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from extractors.lexicon import bundled_lexicon_lines
from extractors.normalize import name_key
from kg.model import Entity

#: The entity types with a hierarchy.
HIERARCHY_TYPES = ("Task", "Method")
#: The types whose names the suffix rule reads (a method's name ending is no sound parent).
SUFFIX_RULE_TYPES = ("Task",)


@dataclass(slots=True)
class Hierarchy:
    """The broader links of the lexicons, and the lexicon names the suffix rule looks for."""

    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  #: id -> broader ids
    #: (type, name key of a name or alias) -> lexicon id
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)  #: the lexicon ids of tasks and methods

    def add_lines(self, lines: Iterable[tuple[int, dict]]) -> None:
        """Add the ``broader`` fields and pattern names of parsed lexicon lines."""
        for _, obj in lines:
            ident, label, pattern = obj.get("id"), obj.get("label"), obj.get("pattern")
            if not isinstance(ident, str) or label not in HIERARCHY_TYPES:
                continue
            self.known.add(ident)
            targets = broader_targets(obj.get("broader"))
            if targets:
                self.parents[ident] = targets
            if isinstance(pattern, str) and label in SUFFIX_RULE_TYPES:
                self.names.setdefault((label, name_key(pattern)), ident)


def broader_targets(value: object) -> tuple[str, ...]:
    """The ids of a ``broader`` field: one id, or a list of ids (anything else: none)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


@cache
def bundled_hierarchy() -> Hierarchy:
    """The hierarchy of the bundled lexicons (read once)."""
    hierarchy = Hierarchy()
    for _source, lines in bundled_lexicon_lines():
        hierarchy.add_lines(lines)
    return hierarchy


def suffix_parent(entity: Entity, names: Mapping[tuple[str, str], str]) -> str | None:
    """The task whose name the entity's name ends with (the longest ending), if any.

    ``names``: (type, name key) -> id of the tasks to look for.
    """
    if entity.type not in SUFFIX_RULE_TYPES:
        return None
    words = entity.name.split()
    for start in range(1, len(words)):
        parent = names.get((entity.type, name_key(" ".join(words[start:]))))
        if parent is not None and parent != entity.id:
            return parent
    return None


def broader_in_graph(entities: Mapping[str, Entity],
                     hierarchy: Hierarchy | None = None) -> dict[str, tuple[str, ...]]:
    """Entity id -> the ids of its nearest broader concepts among ``entities`` (sorted).

    Lexicon entities follow the lexicon's links (a lexicon entry without one has none), other
    tasks the suffix rule; a parent that is
    not in ``entities`` is replaced by its own parents, up the hierarchy.
    """
    hierarchy = bundled_hierarchy() if hierarchy is None else hierarchy
    names = dict(hierarchy.names)  # the lexicon's tasks, and the graph's other tasks
    for entity in entities.values():
        if entity.type in SUFFIX_RULE_TYPES and entity.id not in hierarchy.known:
            names.setdefault((entity.type, name_key(entity.name)), entity.id)
    broader: dict[str, tuple[str, ...]] = {}
    for entity in entities.values():
        if entity.type not in HIERARCHY_TYPES:
            continue
        start = hierarchy.parents.get(entity.id, ())
        if entity.id not in hierarchy.known:
            rule = suffix_parent(entity, names)
            start = (rule,) if rule is not None else ()
        found = _nearest_present(start, entities, hierarchy, entity)
        if found:
            broader[entity.id] = found
    return broader


def _nearest_present(start: tuple[str, ...], entities: Mapping[str, Entity],
                     hierarchy: Hierarchy, entity: Entity) -> tuple[str, ...]:
    found: set[str] = set()
    seen: set[str] = {entity.id}
    frontier = list(start)
    while frontier:
        ident = frontier.pop()
        if ident in seen:
            continue
        seen.add(ident)
        present = entities.get(ident)
        if present is not None and present.type == entity.type:
            found.add(ident)
        else:
            frontier.extend(hierarchy.parents.get(ident, ()))
    return tuple(sorted(found))
