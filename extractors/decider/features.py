"""Features of entity candidates: which rule fired, lexicon type, morphology, head and neighbour
words, sentence position, how often the form occurs in the paper, and the paper's domain
(clinical or general: the rule family and type crossed with it).

Features are strings (binary indicators): the model file maps each to one weight per class, so
applying a model is a sum of a few dozen weight rows.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from itertools import groupby

from spacy.tokens import Doc

from extractors.components.abbreviations import EXTENSION as ABBREVIATIONS
from extractors.components.names import title_segments
from extractors.cues import CLINICAL_WORDS, HEAD_TYPES, PROPOSE_VERBS
from extractors.decider.candidates import EntityCandidate, head_type
from extractors.normalize import name_key
from extractors.sentence_index import sentence_index, sentence_starts
from extractors.token_view import token_view

_DIGIT = re.compile(r"\d")


def rule_family(rule: str) -> str:
    """The rule without its lexicon entry: ``lexicon:model/llama-2`` -> ``lexicon``,
    ``compound:lexicon:task/x`` -> ``compound:lexicon``, ``pattern:title-name`` as it is."""
    parts = rule.split(":")
    if parts[0] in ("pattern", "compound", "chunk", "shape", "title"):
        return ":".join(p for p in parts[:2] if "/" not in p)
    return parts[0]


_SHAPE_TABLE = str.maketrans(
    {**{c: "X" for c in string.ascii_uppercase}, **{c: "x" for c in string.ascii_lowercase},
     **{c: "d" for c in string.digits}}
)


@lru_cache(maxsize=1 << 15)
def shape(text: str) -> str:
    """Character classes, runs collapsed: ``GPT-4o`` -> ``X-dx``, ``ResNet`` -> ``XxXx``."""
    return "".join(k for k, _ in groupby(text.translate(_SHAPE_TABLE)))[:8]


class DocContext:
    """Per-doc facts shared by all candidates of the doc."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.view = token_view(doc)
        starts = sentence_starts(doc)
        self.starts = starts
        self.start_set = set(starts)
        lower = self.view.lower
        bounds = [*starts, len(doc)]
        self.we_propose = set()
        for index, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
            words = set(lower[a:b])
            if words & {"we", "our", "this"} and words & PROPOSE_VERBS:
                self.we_propose.add(index)
        self.domain = "clinical" if sum(w in CLINICAL_WORDS for w in lower) >= 2 else "general"
        self._folded = ""
        #: the title's phrases between prepositions, and which kind each is
        self.title_segments = {(a, b): kind for a, b, kind in title_segments(doc)}
        pairs = doc._.get(ABBREVIATIONS) if Doc.has_extension(ABBREVIATIONS) else None
        #: normalised long and short forms of the paper's abbreviation definitions
        self.defined: set[str] = {
            name_key(self.view.span_text(span.start, span.end))
            for pair in pairs or () for span in pair
        }

    def count(self, key: str) -> int:
        """How often the normalised form occurs in the paper (at least once)."""
        if not self._folded:
            self._folded = name_key(self.view.doc_text) or " "
        return max(self._folded.count(key), 1) if key else 1


def entity_features(ctx: DocContext, cand: EntityCandidate, key: str) -> list[str]:
    """The feature strings of one candidate (``key``: its normalised form)."""
    view = ctx.view
    lower, texts = view.lower, view.text
    start, end = cand.start, cand.end
    text = view.span_text(start, end)
    head = lower[end - 1]
    first = lower[start]
    family = rule_family(cand.rule)
    label = cand.label or "?"
    prev1 = lower[start - 1] if start > 0 else "<s>"
    prev2 = lower[start - 2] if start > 1 else "<s>"
    next1 = lower[end] if end < len(lower) else "</s>"
    next2 = lower[end + 1] if end + 1 < len(lower) else "</s>"
    sent = sentence_index(ctx.doc, start)
    position = "title" if sent == 0 else "first" if sent == 1 else "body"
    n_tokens = min(end - start, 6)
    count = ctx.count(key)
    feats = [
        "bias",
        f"rule={family}",
        f"label={label}",
        f"rule_label={family}|{label}",
        f"chosen={cand.chosen}",
        f"shape={shape(text)}",
        f"len={n_tokens}",
        f"chars={min(len(text) // 4, 8)}",
        f"head={head}",
        f"head_label={head}|{label}",
        f"first={first}",
        f"prev={prev1}",
        f"prev2={prev2}|{prev1}",
        f"next={next1}",
        f"next2={next1}|{next2}",
        f"prev_label={prev1}|{label}",
        f"next_label={next1}|{label}",
        f"pos={position}",
        f"pos_label={position}|{label}",
        f"count={min(count, 4)}",
        f"count_label={min(count, 4)}|{label}",
        f"domain_rule={ctx.domain}|{family}|{label}",
    ]
    segment = ctx.title_segments.get((start, end))
    if segment:
        feats += [f"title_segment={segment}", f"title_segment={segment}|{label}"]
    if cand.kb_id:
        feats.append(f"kb={cand.kb_id}")
    feats.append(f"head_class={head_type(head) or HEAD_TYPES.get(head, '-')}|{label}")
    if key in ctx.defined:
        feats += ["abbreviation_defined", f"abbreviation_defined|{label}"]
    if sent > 0 and start not in ctx.start_set and all(
        t[:1].isupper() for t in texts[start:end] if t.isalpha() and len(t) > 3
    ) and texts[start][:1].isupper():
        feats.append(f"capitalised_mid_sentence|{family}")
    if not cand.chosen:
        feats += [f"widest={cand.widest}|{family}", f"first_family={first}|{family}",
                  f"len_family={n_tokens}|{family}|{cand.widest}"]
    if cand.proposed:
        feats += ["rule_proposed", f"rule_proposed|{label}"]
    if sent in ctx.we_propose:
        feats += ["we_propose_sentence", f"we_propose_sentence|{label}"]
    if text.islower():
        feats.append(f"lowercase|{label}")
    elif text.isupper():
        feats.append(f"uppercase|{label}")
    if _DIGIT.search(text):
        feats.append(f"digit|{label}")
    if "-" in text:
        feats.append("hyphen")
    if next1 in HEAD_TYPES:
        feats.append(f"head_after={HEAD_TYPES[next1]}|{label}")
    if prev1 in ("(", ",") or next1 in (")", ","):
        feats.append(f"punct={prev1}{next1}")
    if sent == 0 and end < len(texts) and texts[end] == ":":
        feats.append("title_name")
    for suffix in (head[-4:], head[-3:]):
        feats.append(f"suffix={suffix}|{label}")
    return feats


def proposed_features(entity_feats: list[str], decided: str) -> list[str]:
    """Features of the ``proposed`` decision: the entity's own, crossed with its decided type."""
    return [*entity_feats, f"type={decided}"] + [
        f"{f}|{decided}" for f in entity_feats
        if f.startswith(("rule_proposed", "we_propose", "pos=", "prev=", "rule="))
    ]
