"""An optional sequence tagger in a model: a linear-chain CRF (python-crfsuite) over the tokens.

The decider only chooses among the candidates the rules propose, so names of a kind no rule
proposes (another field's compounds, an annotation scheme with longer spans) stay out of reach.
A model trained with ``paperkg train --tagger`` also holds a CRF that labels tokens B-/I-<type>
or O, learned from the gold names' occurrences in the text; its features are the token, its shape
and affixes, the neighbouring words, and the candidates covering it (rule family and type).  At
extraction its spans become entities where no decided entity lies.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from extractors.decider.candidates import EntityCandidate
from extractors.decider.features import rule_family, shape
from extractors.normalize import name_key
from extractors.sentence_index import body_start
from extractors.token_view import token_view

TAGGER_FILE = "tagger.crfsuite"  #: the model file crfsuite writes (in a scratch directory)
OUTSIDE = "O"
#: the longest gold name, in tokens, looked for when labelling a text
MAX_NAME_TOKENS = 12
#: L1 / L2 regularisation and iterations of the CRF's L-BFGS training (cross-validated on the
#: TDMSci working sentences; more iterations scored the same and took twice as long)
C1, C2, ITERATIONS = 0.2, 0.1, 50

Tagged = list[tuple[int, int, str]]  #: (start token, end token, type)


def token_features(doc: Doc, candidates: Iterable[EntityCandidate]) -> list[list[str]]:
    """The CRF's features of each token of ``doc``."""
    view = token_view(doc)
    lower, text = view.lower, view.text
    n = len(lower)
    covering: list[set[str]] = [set() for _ in range(n)]
    for cand in candidates:
        family, label = rule_family(cand.rule), cand.label or "?"
        for i in range(cand.start, cand.end):
            place = "B" if i == cand.start else "I"
            covering[i].update((f"cand={place}|{label}", f"cand_rule={place}|{family}|{label}"))
            if cand.chosen:
                covering[i].add(f"chosen={place}|{label}")
    title_end = body_start(doc)
    padded = ["<s>", "<s>", *lower, "</s>", "</s>"]
    rows = []
    for i in range(n):
        word = lower[i]
        row = [
            "bias",
            f"w={word}",
            f"shape={shape(text[i])}",
            f"suffix={word[-3:]}",
            f"prefix={word[:3]}",
            "title" if i < title_end else "body",
            f"w-2={padded[i]}",
            f"w-1={padded[i + 1]}",
            f"w+1={padded[i + 3]}",
            f"w+2={padded[i + 4]}",
            f"w-1w={padded[i + 1]}|{word}",
            f"ww+1={word}|{padded[i + 3]}",
            *sorted(covering[i]),
        ]
        if text[i][:1].isupper():
            row.append("capitalised")
        rows.append(row)
    return rows


def gold_tags(doc: Doc, forms: dict[str, str]) -> list[str]:
    """B-/I-<type>/O of each token: the occurrences of the gold names (normalised form ->
    type), longest first, never overlapping (annotations are flat)."""
    view = token_view(doc)
    prefixes = {k[:m] for k in forms for m in range(1, len(k) + 1)}
    found = []
    n = len(view.text)
    for i in range(n):
        if view.is_space[i] or name_key(view.text[i])[:1] not in prefixes:
            continue
        best = None
        for j in range(i + 1, min(n, i + MAX_NAME_TOKENS) + 1):
            key = name_key(view.span_text(i, j))
            if key in forms and name_key(view.text[j - 1]):  # not ending in a "." or "-"
                best = (i, j, forms[key])
            elif key not in prefixes:
                break
        if best is not None:
            found.append(best)
    tags = [OUTSIDE] * n
    for i, j, label in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if all(t == OUTSIDE for t in tags[i:j]):
            tags[i:j] = [f"B-{label}"] + [f"I-{label}"] * (j - i - 1)
    return tags


def spans_of(tags: Sequence[str]) -> Tagged:
    """The (start, end, type) runs of B-/I- tags (an I- without its B- starts a run)."""
    out: Tagged = []
    i = 0
    while i < len(tags):
        if tags[i] == OUTSIDE:
            i += 1
            continue
        label = tags[i][2:]
        j = i + 1
        while j < len(tags) and tags[j] == f"I-{label}":
            j += 1
        out.append((i, j, label))
        i = j
    return out


class SequenceTagger:
    """A trained CRF (the bytes of a crfsuite model file), opened on first use."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._tagger = None

    def opened(self) -> Any:
        """The crfsuite tagger; a file that is not a crfsuite model raises ValueError."""
        if self._tagger is None:
            import pycrfsuite

            tagger = pycrfsuite.Tagger()
            tagger.open_inmemory(self.data)
            self._tagger = tagger
        return self._tagger

    def types(self) -> set[str]:
        """The entity types the tagger labels."""
        return {label[2:] for label in self.opened().labels() if label != OUTSIDE}

    def tag(self, features: list[list[str]]) -> Tagged:
        """The spans the CRF labels in one doc (its :func:`token_features`)."""
        return spans_of(self.opened().tag(features)) if features else []

    def to_json(self) -> str:
        """The crfsuite model file in base64 (the ``tagger`` of ``model.json``)."""
        return base64.b64encode(self.data).decode("ascii")

    @classmethod
    def from_json(cls, data: str) -> SequenceTagger:
        """The tagger of ``model.json``; raises ValueError if it is not a crfsuite model."""
        tagger = cls(base64.b64decode(data.encode("ascii"), validate=True))
        try:
            tagger.opened()
        except ValueError:
            raise ValueError("its tagger is not a crfsuite model") from None
        return tagger


def fit_tagger(sequences: Iterable[tuple[list[list[str]], list[str]]]) -> SequenceTagger:
    """Train the CRF on (token features, tags) of each text; deterministic (L-BFGS, data in
    the order given)."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for features, tags in sequences:
        if features:
            trainer.append(features, tags)
    trainer.set_params({"c1": C1, "c2": C2, "max_iterations": ITERATIONS,
                        "feature.possible_transitions": True})
    with tempfile.TemporaryDirectory(prefix="paperkg-tagger-") as scratch:
        path = Path(scratch) / TAGGER_FILE
        trainer.train(str(path))
        return SequenceTagger(path.read_bytes())
