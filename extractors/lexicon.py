"""Lexicons: spaCy EntityRuler JSONL files with an ``id`` and metadata on the canonical line.

A lexicon entry is a canonical entity (``id``, ``label``, ``name``, external ids) with every
surface form (``pattern``) that names it.  The first line of an id carries the metadata; the
other lines of the same id are aliases.  User pattern files in the same format add entries or
override built-in ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from extractors.normalize import slugify
from kg.errors import InputError
from kg.jsonlines import read_objects
from kg.model import ENTITY_TYPES

EXTERNAL_ID_KEYS = ("wikidata", "huggingface", "homepage")
LEXICON_FILES = ("models", "datasets", "methods", "tasks", "metrics")


@dataclass(slots=True)
class LexiconEntry:
    """One canonical entity of a lexicon and its surface forms."""

    id: str
    label: str
    name: str
    patterns: list[str] = field(default_factory=list)  #: phrase patterns (canonical first)
    token_patterns: list[list[dict]] = field(default_factory=list)  #: Matcher patterns
    external_ids: dict[str, str] = field(default_factory=dict)
    case_sensitive: bool | None = None  #: None: decided per pattern


@dataclass(slots=True)
class Lexicon:
    """All entries by id."""

    entries: dict[str, LexiconEntry] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def add_lines(self, lines: Iterable[tuple[int, dict]], source: str, override: bool) -> None:
        """Add parsed JSONL lines (``(line_number, object)``) from ``source``."""
        if override:
            self._drop_patterns(lines := list(lines))
        for lineno, obj in lines:
            label, pattern = obj.get("label"), obj.get("pattern")
            if label not in ENTITY_TYPES:
                raise InputError(
                    source, f"label must be one of {', '.join(ENTITY_TYPES)}, not {label!r}", lineno
                )
            if not isinstance(pattern, str | list) or not pattern:
                raise InputError(source, "pattern must be a non-empty string or token list", lineno)
            text = pattern if isinstance(pattern, str) else None
            entry_id = obj.get("id") or f"{label.lower()}/{slugify(text or json.dumps(pattern))}"
            entry = self.entries.get(entry_id)
            if entry is None:
                entry = LexiconEntry(
                    id=entry_id, label=label, name=obj.get("name") or text or entry_id
                )
                self.entries[entry_id] = entry
            elif override and obj.get("name"):
                entry.name, entry.label = obj["name"], label
            for key in EXTERNAL_ID_KEYS:
                if obj.get(key):
                    entry.external_ids[key] = str(obj[key])
            if "case_sensitive" in obj:
                entry.case_sensitive = bool(obj["case_sensitive"])
            if isinstance(pattern, list):
                entry.token_patterns.append(pattern)
            elif pattern not in entry.patterns:
                entry.patterns.append(pattern)

    def _drop_patterns(self, lines: list[tuple[int, dict]]) -> None:
        """Remove built-in surface forms that a user file redefines."""
        redefined = {
            obj["pattern"].casefold() for _, obj in lines if isinstance(obj.get("pattern"), str)
        }
        for entry in self.entries.values():
            entry.patterns = [p for p in entry.patterns if p.casefold() not in redefined]


def read_jsonl(path: Path | str, text: str | None = None) -> list[tuple[int, dict]]:
    """Parse a JSONL pattern file into ``(line_number, object)`` pairs; errors name the line."""
    return list(read_objects(path, text))


def bundled_lexicon_lines() -> Iterator[tuple[str, list[tuple[int, dict]]]]:
    """Each bundled lexicon file as ``(source name, its numbered lines)``."""
    folder = resources.files("extractors") / "lexicons"
    for name in LEXICON_FILES:
        resource = folder / f"{name}.jsonl"
        if resource.is_file():
            source = f"extractors/lexicons/{name}.jsonl"
            yield source, read_jsonl(source, resource.read_text("utf-8"))


def load_lexicon(extra: Iterable[Path | str] = ()) -> Lexicon:
    """The bundled lexicons plus user pattern files (which add to or override them)."""
    lexicon = Lexicon()
    for source, lines in bundled_lexicon_lines():
        lexicon.add_lines(lines, source, False)
    for path in extra:
        lexicon.add_lines(read_jsonl(path), str(path), override=True)
    return lexicon
