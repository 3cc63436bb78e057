"""Read the graph of a finished build back from its output directory.

Route: every build writes ``extractions.jsonl`` (the per-paper entities, mentions, relations and
their evidence); :func:`load_build` parses it back into :class:`~kg.model.PaperExtraction`
records and links them again with the bundled lexicons.  Linking is deterministic, so entity ids,
relations, weights and evidence are the build's (entities of a user ``--patterns`` file keep
their ids but fall back to the name used in the papers).

``extractions.jsonl`` holds no paper metadata, so titles, years, venues, authors and URLs come
from the build's input files listed in ``report.json`` when they can still be read (matched by
paper id); otherwise a paper's title is recovered from its title evidence, if any.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError, PaperkgError
from kg.jsonlines import read_objects
from kg.model import (
    ENTITY_TYPES,
    Evidence,
    KnowledgeGraph,
    Mention,
    Paper,
    PaperEntity,
    PaperExtraction,
    PaperRelation,
)

EXTRACTIONS = "extractions.jsonl"
REPORT = "report.json"


def _evidence(obj: object, source: str, lineno: int) -> Evidence:
    if not isinstance(obj, dict):
        raise InputError(source, "evidence must be an object", lineno)
    try:
        evidence = Evidence(
            paper_id=str(obj["paper"]),
            field=obj["field"],
            start=int(obj["start"]),
            end=int(obj["end"]),
            sentence=int(obj["sentence"]),
            sentence_text=str(obj["sentence_text"]),
            rule=str(obj["rule"]),
        )
    except KeyError as exc:
        raise InputError(source, f"evidence without {exc.args[0]!r}", lineno) from None
    except (TypeError, ValueError):
        raise InputError(source, "evidence offsets must be integers", lineno) from None
    if evidence.field not in ("title", "abstract"):
        raise InputError(source, f"evidence field must be title or abstract, "
                         f"not {evidence.field!r}", lineno)
    return evidence


def _entity(obj: object, source: str, lineno: int) -> PaperEntity:
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not obj["name"]:
        raise InputError(source, "each entity needs a non-empty 'name'", lineno)
    etype = obj.get("type")
    if etype not in ENTITY_TYPES:
        raise InputError(source, f"entity {obj['name']!r}: type must be one of "
                         f"{', '.join(ENTITY_TYPES)}, not {etype!r}", lineno)
    mentions = obj.get("mentions", [])
    aliases = obj.get("aliases", [])
    if not isinstance(mentions, list) or not isinstance(aliases, list):
        raise InputError(source, f"entity {obj['name']!r}: 'mentions' and 'aliases' must be "
                         "lists", lineno)
    return PaperEntity(
        name=obj["name"],
        type=etype,
        aliases=[str(a) for a in aliases],
        proposed=bool(obj.get("proposed", False)),
        mentions=[
            Mention(str(m.get("text", "")) if isinstance(m, dict) else "", etype,
                    _evidence(m, source, lineno))
            for m in mentions
        ],
        lexicon_id=obj.get("lexicon_id") or None,
    )


def _relation(obj: object, source: str, lineno: int) -> PaperRelation:
    if not isinstance(obj, dict) or not all(
        isinstance(obj.get(k), str) for k in ("subject", "predicate", "object")
    ):
        raise InputError(source, "each relation needs 'subject', 'predicate' and 'object'", lineno)
    return PaperRelation(obj["subject"], obj["predicate"], obj["object"],
                         _evidence(obj.get("evidence"), source, lineno))


def read_extractions(path: Path) -> Iterator[PaperExtraction]:
    """Parse ``extractions.jsonl`` (as written by a build); errors name the file and line.

    Papers carry only their id (and a title recovered from title evidence, if any).
    """
    source = str(path)
    for lineno, record in read_objects(path):
        if not isinstance(record.get("id"), str):
            raise InputError(source, "expected an object with a string 'id'", lineno)
        entities = record.get("entities", [])
        relations = record.get("relations", [])
        if not isinstance(entities, list) or not isinstance(relations, list):
            raise InputError(source, "'entities' and 'relations' must be lists", lineno)
        parsed = [_entity(e, source, lineno) for e in entities]
        title = " ".join(dict(sorted(
            (m.evidence.sentence, m.evidence.sentence_text)
            for e in parsed for m in e.mentions if m.evidence.field == "title"
        )).values())
        yield PaperExtraction(
            paper=Paper(id=record["id"], title=title, abstract="", source=source, record=lineno),
            entities=parsed,
            relations=[_relation(r, source, lineno) for r in relations],
        )


def _input_papers(out_dir: Path, wanted: set[str]) -> dict[str, Paper]:
    """The build's papers re-read from the inputs named in ``report.json`` (best effort)."""
    from kg.ingest import read_papers

    try:
        inputs = json.loads((out_dir / REPORT).read_text(encoding="utf-8")).get("inputs", [])
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(inputs, list) or not inputs:
        return {}
    papers: dict[str, Paper] = {}
    try:
        for paper in read_papers([str(i) for i in inputs], on_error="skip"):
            if paper.id in wanted:
                papers[paper.id] = paper
    except (PaperkgError, OSError):
        return papers
    return papers


def load_build(path: Path) -> KnowledgeGraph:
    """The graph of a build output directory (or of one ``extractions.jsonl`` file)."""
    from extractors.lexicon import load_lexicon
    from kg.linking import link

    path = Path(path)
    if path.is_dir():
        out_dir, file = path, path / EXTRACTIONS
        if not file.is_file():
            raise InputError(str(path), f"no {EXTRACTIONS} here: is this a paperkg build "
                             "output directory?")
    elif path.is_file():
        out_dir, file = path.parent, path
    else:
        raise InputError(str(path), "no such file or directory")
    extractions = list(read_extractions(file))
    originals = _input_papers(out_dir, {x.paper.id for x in extractions})
    for extraction in extractions:
        original = originals.get(extraction.paper.id)
        if original is not None:
            extraction.paper = original
    return link(extractions, load_lexicon())
