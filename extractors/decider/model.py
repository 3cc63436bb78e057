"""Linear models over string features, stored as deterministic JSON and applied without sklearn.

A model directory holds ``model.json``: ``{"format", "entity", "proposed", "relation", "info"}``,
each classifier ``{"classes": [...], "bias": [...], "weights": {feature: [one per class]}}``;
a model trained with a sequence tagger also has ``"tagger"``: the crfsuite model file in base64
(:mod:`extractors.decider.tagger`), so that one file is the whole model wherever it travels.
Weights are rounded (so the file is small and byte-identical when retrained on the same data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy

from extractors.decider.tagger import SequenceTagger
from kg.errors import InputError
from kg.model import ENTITY_PREDICATES, ENTITY_TYPES

MODEL_FILE = "model.json"
FORMAT = 1
DIGITS = 4
NONE = "none"  #: the class of a candidate that is no entity, of a pair that is not related


def default_model_dir() -> Path:
    """The model shipped with the package (trained on the shared dev gold)."""
    return Path(str(resources.files("extractors") / "models" / "default"))


@dataclass(slots=True)
class LinearClassifier:
    """Multinomial (or binary: two classes) logistic regression over indicator features."""

    classes: list[str]
    index: dict[str, int]
    weights: numpy.ndarray  #: features x classes
    bias: numpy.ndarray
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict) -> LinearClassifier:
        names = sorted(data["weights"])
        weights = numpy.array([data["weights"][f] for f in names], dtype=numpy.float64)
        if not names:
            weights = numpy.zeros((0, len(data["classes"])))
        return cls(list(data["classes"]), {f: i for i, f in enumerate(names)}, weights,
                   numpy.array(data["bias"], dtype=numpy.float64))

    def to_json(self) -> dict:
        names = sorted(self.index, key=self.index.__getitem__)
        return {
            "classes": self.classes,
            "bias": [round(float(b), DIGITS) for b in self.bias],
            "weights": {f: [round(float(w), DIGITS) for w in self.weights[self.index[f]]]
                        for f in sorted(names)},
        }

    def scores(self, features: list[str]) -> numpy.ndarray:
        """Class scores (log-odds up to a constant) of one feature list."""
        index = self.index
        rows = [index[f] for f in features if f in index]
        return self.weights[rows].sum(axis=0) + self.bias if rows else self.bias.copy()

    def predict(self, features: list[str]) -> tuple[str, float]:
        """The best class and its probability."""
        s = self.scores(features)
        best = int(s.argmax())
        exp = numpy.exp(s - s[best])
        return self.classes[best], float(1.0 / exp.sum())

    def probabilities_many(self, rows: list[list[str]]) -> numpy.ndarray:
        """Class probabilities of many feature lists at once (one row each): one gather and
        one segmented sum for all of them."""
        if not rows:
            return numpy.zeros((0, len(self.classes)))
        index, zero = self.index, len(self.index)
        flat: list[int] = []
        starts: list[int] = []
        for features in rows:
            starts.append(len(flat))
            flat.append(zero)  # a zero row: no segment is empty
            flat.extend([i for i in map(index.get, features) if i is not None])
        padded = self._padded()
        s = numpy.add.reduceat(padded[flat], starts, axis=0) + self.bias
        s = numpy.exp(s - s.max(axis=1, keepdims=True))
        return s / s.sum(axis=1, keepdims=True)

    def _padded(self) -> numpy.ndarray:
        padded = self._cache.get("padded")
        if padded is None:
            padded = numpy.vstack([self.weights, numpy.zeros((1, len(self.classes)))])
            self._cache["padded"] = padded
        return padded

    def probabilities(self, features: list[str]) -> numpy.ndarray:
        """The probability of each class (in the order of ``classes``)."""
        s = self.scores(features)
        exp = numpy.exp(s - s.max())
        return exp / exp.sum()

    def probability(self, features: list[str], cls: str) -> float:
        """Probability of ``cls`` (for a two-class model, the positive class)."""
        if cls not in self.classes:
            return 0.0
        s = self.scores(features)
        exp = numpy.exp(s - s.max())
        return float(exp[self.classes.index(cls)] / exp.sum())


@dataclass(slots=True)
class DeciderModel:
    """The entity, ``proposed`` and relation classifiers of one model directory, and its
    sequence tagger if it has one."""

    entity: LinearClassifier
    proposed: LinearClassifier
    relation: LinearClassifier | None
    info: dict
    tagger: SequenceTagger | None = None

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "info": self.info,
            "entity": self.entity.to_json(),
            "proposed": self.proposed.to_json(),
            "relation": self.relation.to_json() if self.relation is not None else None,
        } | ({"tagger": self.tagger.to_json()} if self.tagger is not None else {})

    def save(self, directory: Path) -> Path:
        """Write ``directory/model.json`` (sorted keys, one classifier per line block)."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        text = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        tmp = path.with_name(f".{MODEL_FILE}.tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(path)
        return path


def model_file(path: Path | str) -> Path:
    """``path`` itself if it is a file, else ``path/model.json``."""
    path = Path(path)
    return path / MODEL_FILE if path.is_dir() else path


def load_model(path: Path | str) -> DeciderModel:
    """Read a model directory (or its ``model.json``); a bad file is an :class:`InputError`."""
    file = model_file(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(file), f"cannot read the model: {exc.strerror}") from None
    except ValueError as exc:
        raise InputError(str(file), f"not a paperkg model (bad JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(str(file), f"not a paperkg model of format {FORMAT}")
    try:
        relation = data.get("relation")
        tagger = SequenceTagger.from_json(data["tagger"]) if "tagger" in data else None
        model = DeciderModel(
            entity=LinearClassifier.from_json(data["entity"]),
            proposed=LinearClassifier.from_json(data["proposed"]),
            relation=LinearClassifier.from_json(relation) if relation else None,
            info=dict(data.get("info") or {}),
            tagger=tagger,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(str(file), f"not a paperkg model ({exc!r})") from None
    decided = {*model.entity.classes, *(model.relation.classes if model.relation else ()),
               *(tagger.types() if tagger else ())}
    unknown = sorted(decided - {NONE, *ENTITY_TYPES, *ENTITY_PREDICATES})
    if unknown:
        raise InputError(str(file), f"the model decides {', '.join(unknown)}: not an entity type "
                         "or predicate of paperkg")
    return model
