"""What runs where the extraction runs: in the build's process, a local worker process or a
Dask worker.  Everything here is importable by name and takes only picklable arguments.

A worker builds its spaCy pipeline once (per process and thread) and keeps it; the names learned
from the corpus are taught to it per task (:func:`kg.corpus.extract_results`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from spacy.language import Language

from extractors import build_nlp
from extractors.components.decide import DEFAULT, RULES_ONLY
from extractors.components.entities import entity_matcher
from extractors.decider.model import load_model, model_file
from extractors.learning import teach
from extractors.lexicon import Lexicon, load_lexicon
from kg.corpus import ExtractionTask, Keep, PaperResult, extract_results
from kg.errors import InputError
from kg.model import Paper

#: User pattern files as ``(file name, content)``: shipped by value so that workers on other
#: machines need not see the client's files.
PatternSpec = tuple[tuple[str, bytes], ...]

_local = threading.local()


#: the spec entry that carries the decider's model file (``--model``), not a pattern file
MODEL_ENTRY = ":paperkg-model:.json"
#: the spec entry that says the rules decide alone (``--model rules``)
RULES_ENTRY = ":paperkg-rules:"


def pattern_spec(paths: Path | str | Sequence[Path | str] | None,
                 model: Path | str | None = None) -> PatternSpec:
    """Read user pattern files (and the ``--model`` file, shipped the same way) into a
    :data:`PatternSpec` (a missing file fails here, at once).

    ``model``: ``None`` or ``"default"`` (the shipped model, on every machine: no entry),
    ``"rules"`` (the rules decide alone) or a model made by ``paperkg train``.
    """
    spec: list[tuple[str, bytes]] = []
    if str(model) == RULES_ONLY:
        spec.append((RULES_ENTRY, b""))
    elif model is not None and str(model) != DEFAULT:
        load_model(model)  # a bad model fails here, with its file name
        spec.append((MODEL_ENTRY, model_file(model).read_bytes()))
    if paths is None:
        return tuple(spec)
    if isinstance(paths, str | Path):
        paths = [paths]
    for path in paths:
        try:
            spec.append((Path(path).name, Path(path).read_bytes()))
        except OSError as exc:
            raise InputError(str(path), f"cannot read the patterns file: {exc.strerror}") from None
    return tuple(spec)


def patterns_only(spec: PatternSpec) -> PatternSpec:
    """``spec`` without its model entry."""
    return tuple(entry for entry in spec if entry[0] not in (MODEL_ENTRY, RULES_ENTRY))


def model_only(spec: PatternSpec) -> PatternSpec:
    """``spec``'s model entry (none: the shipped model decides)."""
    return tuple(entry for entry in spec if entry[0] in (MODEL_ENTRY, RULES_ENTRY))


def _model(spec: PatternSpec) -> Path | str:
    """What decides for ``spec``: a model file on this machine, ``"rules"`` or ``"default"``."""
    if (RULES_ENTRY, b"") in spec:
        return RULES_ONLY
    files = _pattern_files(tuple(entry for entry in spec if entry[0] == MODEL_ENTRY))
    return files[0] if files else DEFAULT


def _pattern_files(spec: PatternSpec) -> list[Path]:
    """The spec's files on this machine (written once into the temporary directory)."""
    paths = []
    for name, content in spec:
        digest = hashlib.sha256(content).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"paperkg-patterns-{digest}" / name
        if not path.is_file() or path.read_bytes() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(content)
            os.replace(tmp, path)
        paths.append(path)
    return paths


def _pipelines() -> dict[PatternSpec, Language]:
    cache = getattr(_local, "pipelines", None)
    if cache is None:
        cache = _local.pipelines = {}
    return cache


def get_nlp(spec: PatternSpec = ()) -> Language:
    """This thread's pipeline for ``spec`` (built on first use)."""
    cache = _pipelines()
    if spec not in cache:
        cache[spec] = build_nlp(patterns=_pattern_files(patterns_only(spec)) or None,
                                model=_model(spec))
    return cache[spec]


def lexicon_of(spec: PatternSpec = ()) -> Lexicon:
    """The lexicon of ``spec``'s pipeline (what linking reads), without building the pipeline
    when this thread has none: a build whose workers extract need no spaCy in its process."""
    cache = _pipelines()
    if spec in cache:
        return entity_matcher(cache[spec]).lexicon
    return load_lexicon(_pattern_files(patterns_only(spec)))


def extract_partition(papers: list[Paper], names: dict[str, str] | None = None,
                      keep: Keep | None = None, patterns: PatternSpec = (),
                      batch_size: int = 256) -> list[PaperResult]:
    """Extract a partition (see :class:`kg.corpus.ExtractionTask`) with this thread's pipeline
    for ``patterns``.

    Each paper's line is made from its full extraction here, so only what ``keep`` keeps goes
    back to the client.  (Names come as their own argument: a Dask client scatters them once.)
    """
    return extract_results(get_nlp(patterns), ExtractionTask(papers, names, keep), batch_size)


def forget_names(patterns: PatternSpec = ()) -> None:
    """Reset what this thread's pipeline was taught (after a build in the client's process)."""
    nlp = _pipelines().get(patterns)
    if nlp is not None:
        teach(nlp, None)
