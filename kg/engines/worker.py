"""What runs where the extraction runs: in the build's process, a local worker process or a
Dask worker.  Everything here is importable by name and takes only picklable arguments.

A worker builds its spaCy pipeline once (per process and thread) and keeps it; the names learned
from the corpus (:mod:`extractors.learning`) are taught to it for the second pass only.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kg.model import Paper, PaperExtraction

if TYPE_CHECKING:
    from extractors.lexicon import Lexicon

#: User pattern files as ``(file name, content)``: shipped by value so that workers on other
#: machines need not see the client's files.
PatternSpec = tuple[tuple[str, bytes], ...]

#: What a worker returns per paper: the ``extractions.jsonl`` line (no newline), the extraction
#: (as the task's :data:`Keep` makes it), and the entities of the paper that teach a name to the
#: corpus (``None`` when there are none).
Result = tuple[str, PaperExtraction, PaperExtraction | None]

#: What a worker makes of each extraction before returning it (e.g. :func:`kg.linking.slim`), so
#: that the client never holds full extractions; a module-level function (it is pickled by name).
Keep = Callable[[PaperExtraction], PaperExtraction]

_local = threading.local()


#: the spec entry that carries the decider's model file (``--model``), not a pattern file
MODEL_ENTRY = ":paperkg-model:.json"


def pattern_spec(paths: Path | str | Sequence[Path | str] | None,
                 model: Path | str | None = None) -> PatternSpec:
    """Read user pattern files (and the ``--model`` file, shipped the same way) into a
    :data:`PatternSpec` (a missing file fails here, at once)."""
    from kg.errors import InputError

    spec = []
    if model is not None:
        # lazy: importing extractors loads spaCy, which a client of remote workers need not
        from extractors.decider.model import default_model_dir, load_model, model_file

        if str(model) == "default":
            model = default_model_dir()
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
    return tuple(entry for entry in spec if entry[0] != MODEL_ENTRY)


def _model_file(spec: PatternSpec) -> Path | None:
    files = _pattern_files(tuple(entry for entry in spec if entry[0] == MODEL_ENTRY))
    return files[0] if files else None


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


def _pipelines() -> dict[PatternSpec, list]:
    cache = getattr(_local, "pipelines", None)
    if cache is None:
        cache = _local.pipelines = {}
    return cache  # spec -> [nlp, key of the names it was taught (None: nothing)]


def get_nlp(spec: PatternSpec = ()):
    """This thread's pipeline for ``spec`` (built on first use)."""
    cache = _pipelines()
    if spec not in cache:
        from extractors import build_nlp

        cache[spec] = [build_nlp(patterns=_pattern_files(patterns_only(spec)) or None,
                                 model=_model_file(spec)), None]
    return cache[spec][0]


def lexicon_of(spec: PatternSpec = ()) -> Lexicon:
    """The lexicon of ``spec``'s pipeline (what linking reads), without building the pipeline
    when this thread has none: a build whose workers extract need no spaCy in its process."""
    cache = _pipelines()
    if spec in cache:
        return cache[spec][0].get_pipe("paperkg_entities").lexicon
    from extractors.lexicon import load_lexicon

    return load_lexicon(_pattern_files(patterns_only(spec)))


def _teach(spec: PatternSpec, names: dict[str, str] | None) -> None:
    entry = _pipelines()[spec]
    key = None if not names else hashlib.sha256(
        json.dumps(names, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    if entry[1] != key:
        entry[0].get_pipe("paperkg_entities").learn(names or {})
        entry[1] = key


def teaching_part(extraction: PaperExtraction) -> PaperExtraction | None:
    """The entities of ``extraction`` that :func:`extractors.learning.learned_names` counts.

    Each entity is asked on its own, so the client can compute the corpus' learned names from
    these parts alone, without keeping every extraction.
    """
    from extractors.learning import learned_names

    teaching = [e for e in extraction.entities
                if learned_names([PaperExtraction(extraction.paper, [e])])]
    return PaperExtraction(extraction.paper, teaching) if teaching else None


def extract_partition(
    papers: list[Paper],
    patterns: PatternSpec = (),
    names: dict[str, str] | None = None,
    batch_size: int = 256,
    keep: Keep | None = None,
) -> list[Result]:
    """Extract ``papers`` (``nlp.pipe`` in batches), in order; ``names``: learned names.

    Each paper's line is made from its full extraction here, so only ``keep(extraction)`` (the
    full one when ``keep`` is ``None``) goes back to the client.
    """
    from extractors import extract

    nlp = get_nlp(patterns)
    _teach(patterns, names)
    results: list[Result] = []
    for extraction in extract(papers, nlp, batch_size=batch_size):
        line = json.dumps(extraction.to_json(), ensure_ascii=False)
        teaching = teaching_part(extraction) if names is None else None
        results.append((line, extraction if keep is None else keep(extraction), teaching))
    return results


def forget_names(patterns: PatternSpec = ()) -> None:
    """Reset what this thread's pipeline was taught (after a build in the client's process)."""
    if patterns in _pipelines():
        _teach(patterns, None)
