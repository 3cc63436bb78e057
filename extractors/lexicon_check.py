"""Validate EntityRuler-format JSONL lexicons (the bundled ones, or a user's pattern files).

``paperkg lexicons check [FILE_OR_DIR ...]`` (default: the bundled ``extractors/lexicons/``)
prints one ``file:line: problem`` line per error or warning and a per-file summary, and exits
with status 1 when there is any error.

Checks: every line is a JSON object with a plain-string ``label``/``pattern``/``id``; the label is
one of the five entity types and matches the id prefix; the first line of each id is its canonical
line and carries ``name`` (equal to its pattern and slugifying to the id), later lines are bare
aliases; ids are unique across all files; lines are sorted by id; no pattern is repeated within a
label; external identifiers are well-formed; a ``broader`` (an id or a list of ids: the more
general entries of a task or method) names entries of the same type that exist, and the broader
links have no cycle.  Warnings: patterns of *different* ids that collide
once case, hyphens and spaces are folded (the matcher may not tell them apart) and aliases that
the extractor would derive anyway from another form of the same entry (see
:func:`extractors.components.entities.surface_variants`; case and unicode dashes are folded
except for short acronyms).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from extractors.components.entities import is_case_sensitive as matches_case_sensitively
from extractors.components.entities import surface_variants
from extractors.lexicon import LexiconEntry
from extractors.normalize import DASHES, slugify

LABELS = ("Model", "Dataset", "Method", "Task", "Metric")
CANONICAL_KEYS = {
    "label",
    "pattern",
    "id",
    "name",
    "wikidata",
    "huggingface",
    "homepage",
    "case_sensitive",
    "broader",
}
ALIAS_KEYS = {"label", "pattern", "id"}
_ID_RE = re.compile(r"^(model|dataset|method|task|metric)/[a-z0-9]+(?:-[a-z0-9]+)*$")
_QID_RE = re.compile(r"^Q[1-9][0-9]*$")
_HF_RE = re.compile(r"^[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?$")
_URL_RE = re.compile(r"^https?://[^\s\"<>]+$")


def fold(pattern: str) -> str:
    """A loose key for spotting ambiguity: casefolded, without spaces, hyphens and dots."""
    return re.sub(r"[\s\-_.]+", "", pattern.casefold())


_DASH_TABLE = str.maketrans({c: "-" for c in DASHES})


def is_case_sensitive(pattern: str) -> bool:
    """Whether the extractor matches ``pattern`` only as written (entries with no setting)."""
    return matches_case_sensitively(pattern, LexiconEntry(id="x/x", label="Model", name=pattern))


def match_key(pattern: str, case_sensitive: bool | None = None) -> str:
    """What the matcher compares: the text itself, or lower case with ASCII dashes.

    ``case_sensitive`` is the entry's explicit setting; ``None`` decides per pattern.
    """
    if is_case_sensitive(pattern) if case_sensitive is None else case_sensitive:
        return pattern
    return pattern.translate(_DASH_TABLE).lower()


def generated_forms(pattern: str, label: str, case_sensitive: bool | None = None) -> set[str]:
    """Match keys of every form the extractor derives from ``pattern``."""
    return {match_key(v, case_sensitive) for v in surface_variants(pattern, label)}


def id_slugs(name: str) -> set[str]:
    """Acceptable id slugs of a name: the plain slug, or with ``+`` spelt ``plus`` (``chrF++``)."""
    return {slugify(name), slugify(name.replace("+", " plus "))}


@dataclass
class Report:
    """Errors, warnings and per-file counts of one validation run."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)


class _Checker:
    """One validation run over files that are checked together (ids unique across them)."""

    def __init__(self) -> None:
        self.report = Report()
        self.id_home: dict[str, str] = {}  # id -> "file:line" of its canonical line
        self.by_label: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)  # exact pattern
        self.folded: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)  # folded pattern
        self.broader: dict[str, tuple[str, list[str]]] = {}  # id -> (where, broader ids)

    def error(self, message: str) -> None:
        self.report.errors.append(message)

    def check_file(self, path: Path) -> None:
        stats = {"entries": 0, "aliases": 0, "wikidata": 0, "huggingface": 0, "homepage": 0}
        self.report.stats[str(path)] = stats
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            self.error(f"{path}: cannot read: {exc}")
            return
        previous_id = ""
        entry_forms: dict[str, set[str]] = {}  # pattern -> its generated forms (this entry)
        entry_case: bool | None = None  # the current entry's explicit case_sensitive
        for number, raw in enumerate(lines, start=1):
            where = f"{path}:{number}"
            obj = self.parse(raw, where)
            if obj is None:
                continue
            label, pattern, ident = obj["label"], obj["pattern"], obj["id"]
            self.check_fields(obj, where, previous_id)
            if ident != previous_id:  # the entry's canonical line
                entry_forms = {}
                entry_case = obj.get("case_sensitive")
                self.check_canonical(obj, where, stats)
            else:
                stats["aliases"] += 1
                extra = set(obj) - ALIAS_KEYS
                if extra:
                    self.error(f"{where}: alias line carries metadata key(s) "
                               f"{', '.join(sorted(extra))}; only the canonical line may")
            previous_id = ident
            seen = self.check_pattern(label, pattern, ident, where)
            mine = match_key(pattern, entry_case)
            redundant = [f for f, forms in entry_forms.items() if mine in forms]
            if redundant and seen is None:
                self.report.warnings.append(
                    f"{where}: alias {pattern!r} is a variant the extractor already derives "
                    f"from {redundant[0]!r} (case/dash/hyphen/space/plural)"
                )
            entry_forms.setdefault(pattern, generated_forms(pattern, label, entry_case))

    def parse(self, raw: str, where: str) -> dict | None:
        """The line's object, if it has string ``label``, ``pattern`` and ``id``."""
        if not raw.strip():
            self.error(f"{where}: empty line")
            return None
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            self.error(f"{where}: invalid JSON: {exc.msg}")
            return None
        if not isinstance(obj, dict):
            self.error(f"{where}: not a JSON object")
            return None
        bad = [k for k in ("label", "pattern", "id") if not isinstance(obj.get(k), str)]
        if bad:
            self.error(f"{where}: missing or non-string key(s) {', '.join(bad)}")
            return None
        return obj

    def check_fields(self, obj: dict, where: str, previous_id: str) -> None:
        label, pattern, ident = obj["label"], obj["pattern"], obj["id"]
        if label not in LABELS:
            self.error(f"{where}: label {label!r} is not one of {', '.join(LABELS)}")
        if not _ID_RE.match(ident):
            self.error(f"{where}: id {ident!r} is not '<type>/<slug>'")
        elif ident.split("/", 1)[0] != label.lower():
            self.error(f"{where}: id {ident!r} does not match label {label!r}")
        if not pattern.strip() or pattern != pattern.strip() or "  " in pattern:
            self.error(f"{where}: pattern {pattern!r} is empty or badly spaced")
        if ident < previous_id:
            self.error(f"{where}: id {ident!r} is out of order (after {previous_id!r}); "
                       "sort by id")

    def check_canonical(self, obj: dict, where: str, stats: dict[str, int]) -> None:
        label, pattern, ident = obj["label"], obj["pattern"], obj["id"]
        if ident in self.id_home:
            self.error(f"{where}: id {ident!r} already defined at {self.id_home[ident]}")
        self.id_home.setdefault(ident, where)
        stats["entries"] += 1
        extra = set(obj) - CANONICAL_KEYS
        if extra:
            self.error(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        name = obj.get("name")
        if not isinstance(name, str) or not name.strip():
            self.error(f"{where}: canonical line of {ident!r} has no 'name' "
                       "(or an alias line comes before it)")
        else:
            if name != pattern:
                self.error(f"{where}: canonical pattern {pattern!r} differs from name {name!r}")
            if ident.split("/", 1)[-1] not in id_slugs(name):
                self.error(f"{where}: id {ident!r} is not the slug of name {name!r} (expected "
                           f"{label.lower()}/{slugify(name)})")
        if "broader" in obj:
            self.check_broader(obj, where)
        if not isinstance(obj.get("case_sensitive", False), bool):
            self.error(f"{where}: case_sensitive must be true or false")
        for key, regex in (("wikidata", _QID_RE), ("huggingface", _HF_RE),
                           ("homepage", _URL_RE)):
            if key in obj:
                value = obj[key]
                if not isinstance(value, str) or not regex.match(value):
                    self.error(f"{where}: malformed {key} {value!r}")
                else:
                    stats[key] += 1

    def check_broader(self, obj: dict, where: str) -> None:
        """The form of a ``broader`` field (its targets are checked by :meth:`finish`)."""
        ident, value = obj["id"], obj["broader"]
        targets = [value] if isinstance(value, str) else value
        if not isinstance(targets, list) or not targets or not all(
                isinstance(t, str) for t in targets):
            self.error(f"{where}: broader must be an id or a non-empty list of ids")
            return
        kind = ident.split("/", 1)[0]
        for target in targets:
            if not _ID_RE.match(target) or target.split("/", 1)[0] != kind:
                self.error(f"{where}: broader {target!r} is not a {kind} id")
            elif target == ident:
                self.error(f"{where}: {ident!r} is broader than itself")
        if len(set(targets)) != len(targets):
            self.error(f"{where}: broader repeats an id")
        self.broader[ident] = (where, targets)

    def finish(self, known: set[str]) -> None:
        """Broader targets exist (among the checked files or ``known``) and form no cycle."""
        for ident, (where, targets) in self.broader.items():
            for target in targets:
                if _ID_RE.match(target) and target not in self.id_home and target not in known:
                    self.error(f"{where}: broader {target!r} of {ident!r} is no lexicon entry")
        for cycle in broader_cycles({i: t for i, (_, t) in self.broader.items()}):
            where = self.broader[cycle[0]][0]
            self.error(f"{where}: broader links form a cycle: {' -> '.join(cycle)}")

    def check_pattern(self, label: str, pattern: str, ident: str, where: str
                      ) -> tuple[str, str] | None:
        """Repeated and colliding patterns; returns where the pattern was seen first, if it
        was."""
        seen = self.by_label[label].get(pattern)
        if seen is not None:
            self.error(f"{where}: pattern {pattern!r} repeated within {label} "
                       f"(first at {seen[1]}, id {seen[0]})")
        else:
            self.by_label[label][pattern] = (ident, where)
        key = fold(pattern)
        other = self.folded[label].get(key)
        if other is not None and other[0] != ident:
            self.report.warnings.append(
                f"{where}: pattern {pattern!r} of {ident} folds to the same "
                f"form as a pattern of {other[0]} ({other[1]})"
            )
        self.folded[label].setdefault(key, (ident, where))
        return seen


def broader_cycles(links: dict[str, list[str]]) -> list[list[str]]:
    """The cycles of the broader links ``id -> broader ids``, each once (``a -> b -> a``)."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(links):
        if state.get(root):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            targets = links.get(node, [])
            if index < len(targets):
                stack.append((node, index + 1))
                target = targets[index]
                if state.get(target) == 1:
                    cycles.append(path[path.index(target):] + [target])
                elif not state.get(target):
                    stack.append((target, 0))
            else:
                state[node] = 2
                path.pop()
    return cycles


def check_files(paths: list[Path]) -> Report:
    """Validate the lexicon files ``paths`` together (ids must be unique across them).

    A ``broader`` target may also be an entry of the bundled lexicons (a user's file may place
    its entries under them).
    """
    checker = _Checker()
    for path in paths:
        checker.check_file(path)
    checker.finish(bundled_ids())
    return checker.report


def bundled_ids() -> set[str]:
    """The ids of the bundled lexicons."""
    ids: set[str] = set()
    for path in sorted(bundled_lexicons().glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                ids.add(obj["id"])
    return ids


def bundled_lexicons() -> Path:
    """The folder of the bundled lexicons."""
    return Path(__file__).resolve().parent / "lexicons"


def lexicon_files(targets: list[Path]) -> list[Path]:
    """The ``*.jsonl`` files of ``targets`` (files or folders; none: the bundled lexicons)."""
    paths: list[Path] = []
    for target in targets or [bundled_lexicons()]:
        paths.extend(sorted(target.glob("*.jsonl")) if target.is_dir() else [target])
    return paths


