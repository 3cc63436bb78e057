"""``paperkg_entities``: lexicon matching and the resolution of every candidate into ``doc.ents``.

Lexicon patterns (EntityRuler JSONL, see :mod:`extractors.lexicon`) go into two PhraseMatchers:
short mixed-case names (``SAM``, ``LoRA``, ``ViT``) match case-sensitively on ``ORTH``, all others
on ``NORM`` (lower case, unicode dashes folded).  Surface variants (``Llama 2``/``Llama-2``/
``Llama2``, plurals of lower-case terms) are generated.  Candidates of upstream components
(:mod:`~extractors.components.names`, :mod:`~extractors.components.abbreviations`) join the lexicon
matches; overlaps are resolved longest-first, then by rule priority.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from itertools import product
from pathlib import Path
from typing import cast

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from extractors.candidates import Candidate, candidates, set_span_extensions
from extractors.chunks import chunk_bounds, is_likeness, is_whole_name
from extractors.components.abbreviation_types import is_generic_pair, long_form_type
from extractors.components.abbreviations import EXTENSION as ABBREVIATIONS
from extractors.compounds import MethodCompounds, compound_tasks, in_metric_context
from extractors.cues import HEAD_TYPES, is_introduced
from extractors.ellipsis import elided_terms, lexicon_keys, slashed_versions
from extractors.lexicon import Lexicon, LexiconEntry, load_lexicon, read_jsonl
from extractors.normalize import DASHES, name_key
from extractors.paradigms import Paradigms
from extractors.resources import TitledResources
from extractors.sentence_index import body_start
from extractors.token_view import doc_text, text_of

LEXICON_PRIORITY = 0
ABBREVIATION_PRIORITY = 1
DEFINITION_PRIORITY = -1
COMPOUND_PRIORITY = 1
LEARNED_PRIORITY = 3
VARIANT_PRIORITY = 1  # below the lexicon entry of the same span: "GPT-4o mini"
RESOURCE_PRIORITY = 2
#: lexicon types whose terms share heads in coordinations: "supervised and self-supervised
#: learning", "zero- and few-shot prompting"
ELIDED_LABELS = frozenset({"Method", "Task"})

#: a longer span is not a name but a run of glued text (``xxxx…xxxNet``): its id would be too
#: long for a database index (Neo4j refuses index keys over 8 kB)
MAX_NAME_CHARS = 200


def is_case_sensitive(pattern: str, entry: LexiconEntry) -> bool:
    """Short names with two or more capitals match only as written (``SAM`` but not ``sam``)."""
    if entry.case_sensitive is not None:
        return entry.case_sensitive
    return sum(c.isupper() for c in pattern) >= 2 and len(pattern) <= 6


def surface_variants(pattern: str, label: str) -> list[str]:
    """Spelling variants of a pattern: hyphen/space/no-space forms, plural of lower-case terms."""
    variants = [pattern]
    separators = re.findall(r"[- ]", pattern)
    if 0 < len(separators) <= 3:
        # every mix of hyphens and spaces: "GPT-4o-mini" -> "GPT-4o mini", "GPT 4o-mini" …
        parts = re.split(r"[- ]", pattern)
        for joiners in product("- ", repeat=len(separators)):
            rest = "".join(j + p for j, p in zip(joiners, parts[1:], strict=True))
            variants.append(parts[0] + rest)
        # "Llama-2" -> "Llama2" only where a digit meets the joiner ("MultiPL-E" is no "multiple")
        glued = re.sub(r"(?<=[A-Za-z])[- ](?=\d)|(?<=\d)[- ](?=[A-Za-z])", "", pattern)
        if glued != pattern:
            variants.append(glued)
    if (
        label in ("Method", "Task", "Metric", "Model")
        and pattern.islower()
        and pattern[-1].isalpha()
    ):
        variants += [v + "s" for v in variants if not v.endswith("s")]
    elif (pattern[-1:].isupper() and sum(c.isupper() for c in pattern) >= 2
          or label in ("Model", "Method") and _CAMEL_CASE_NAME.fullmatch(pattern)):
        variants.append(pattern + "s")  # "ViTs", "GANs", "DenseNets"
    if _MIXED_CASE_NAME.fullmatch(pattern):
        variants.append(pattern.upper())  # "LLaVA" written "LLAVA"
    return list(dict.fromkeys(variants))


#: one word with an inner capital, ending in a lower-case letter other than s: ``DenseNet``
_CAMEL_CASE_NAME = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*[a-rt-z]")
#: a mixed-case name of five or more characters with two or more capitals: its all-capitals
#: spelling is the same name (shorter ones, ``ToT``/``CoLA``, would read as other acronyms)
_MIXED_CASE_NAME = re.compile(r"(?=.{5,}$)(?=(?:.*[A-Z]){2})(?=.*[a-z])[A-Za-z0-9]+")


#: the component's name in a pipeline
ENTITIES = "paperkg_entities"


def entity_matcher(nlp: Language) -> EntityMatcher:
    """``nlp``'s :class:`EntityMatcher` (its lexicon, and the names it was taught)."""
    return cast(EntityMatcher, nlp.get_pipe(ENTITIES))


@Language.factory(
    ENTITIES,
    default_config={"patterns": [], "use_lexicons": True},
)
def make_entity_matcher(
    nlp: Language, name: str, patterns: list[str], use_lexicons: bool
) -> EntityMatcher:
    """Factory: ``nlp.add_pipe("paperkg_entities", config={"patterns": ["my.jsonl"]})``."""
    lexicon = load_lexicon([Path(p) for p in patterns]) if use_lexicons else Lexicon()
    if not use_lexicons:
        for path in patterns:
            lexicon.add_lines(read_jsonl(path), str(path), override=True)
    return EntityMatcher(nlp, lexicon)


class EntityMatcher:
    """Matches lexicon entries and resolves all candidates into ``doc.ents``."""

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        set_span_extensions()
        self.lexicon = lexicon
        for dash in DASHES:
            nlp.vocab[dash].norm_ = "-"
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(nlp.vocab, attr="NORM")
        self.tokens = Matcher(nlp.vocab)
        # phrase patterns: the paperkg tokenizer's token hashes, else a Doc of another tokenizer
        self._pattern = getattr(nlp.tokenizer, "phrase_pattern",
                                lambda text, attr: nlp.make_doc(text))
        self._add_patterns(lexicon.entries.values())
        self.method_compounds = MethodCompounds(nlp)
        self.elision_keys = lexicon_keys(
            (e.id, e.label, e.patterns)
            for e in lexicon.entries.values()
            if e.label in ELIDED_LABELS
        )
        #: every entry's patterns, for the numbers after a slash (``CIFAR-10/100``)
        self.version_keys = lexicon_keys(
            (e.id, e.label, e.patterns) for e in lexicon.entries.values()
        )
        self.paradigms = Paradigms(nlp, self.elision_keys)
        self.resources = TitledResources(nlp)
        self._vocab = nlp.vocab
        self.learned = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._learned_key = hashlib.sha256(b"{}").hexdigest()  # nothing learned

    def learn(self, names: dict[str, str]) -> None:
        """Recognise these names (surface form -> type) too; ``{}`` forgets what was learned.

        Teaching the names it already knows is free (a corpus teaches tens of thousands, once
        per partition of papers)."""
        key = hashlib.sha256(json.dumps(names, sort_keys=True, ensure_ascii=False)
                             .encode("utf-8")).hexdigest()
        if key == self._learned_key:
            return
        self._learned_key = key
        self.learned = PhraseMatcher(self._vocab, attr="ORTH")
        for label in sorted(set(names.values())):
            forms = sorted(form for form, t in names.items() if t == label)
            self.learned.add(label, [self._pattern(form, "ORTH") for form in forms])

    def _add_patterns(self, entries: Iterable[LexiconEntry]) -> None:
        exact: dict[str, list] = {}
        folded: dict[str, list] = {}
        seen: set[tuple[str, str]] = set()
        for entry in entries:
            for pattern in entry.patterns:
                case = is_case_sensitive(pattern, entry)
                for variant in surface_variants(pattern, entry.label):
                    key = (variant if case else variant.lower(), entry.id)
                    if key in seen:
                        continue
                    seen.add(key)
                    (exact if case else folded).setdefault(entry.id, []).append(
                        self._pattern(variant, "ORTH" if case else "NORM")
                    )
            if entry.token_patterns:
                self.tokens.add(entry.id, entry.token_patterns)
        for entry_id, docs in exact.items():
            self.exact.add(entry_id, docs)
        for entry_id, docs in folded.items():
            self.folded.add(entry_id, docs)

    def entry(self, entry_id: str) -> LexiconEntry:
        return self.lexicon.entries[entry_id]

    def __call__(self, doc: Doc) -> Doc:
        found = candidates(doc)
        strings = doc.vocab.strings
        for matcher in (
            (self.exact, self.folded, self.tokens)
            if len(self.tokens)
            else (self.exact, self.folded)
        ):
            for match_id, start, end in matcher(doc):
                entry = self.lexicon.entries[strings[match_id]]
                if not is_whole_name(doc[start:end]) or (
                    entry.label == "Model" and is_likeness(doc, end)
                ):
                    continue
                found.append(
                    Candidate(
                        start, end, entry.label, f"lexicon:{entry.id}", entry.id, LEXICON_PRIORITY
                    )
                )
                # "GPT-3.5 Turbo", "Gemini 1.5 Flash": another model; "WMT 2014 English to
                # French": a dataset of the benchmark
                variant_end = (
                    max(product_variant_end(doc, end), version_variant_end(doc, start, end))
                    if entry.label == "Model"
                    else language_pair_end(doc, end)
                    if entry.label == "Dataset"
                    else end
                )
                if variant_end > end:
                    # "MobileNet v2": the variant may spell an entry of its own
                    spelt = self.version_keys.get(name_key(doc[start:variant_end].text))
                    found.append(
                        Candidate(start, variant_end, entry.label, f"lexicon:{spelt[0]}",
                                  spelt[0], LEXICON_PRIORITY)
                        if spelt and spelt[1] == entry.label else
                        Candidate(start, variant_end, entry.label,
                                  f"lexicon-variant:{entry.id}", "", VARIANT_PRIORITY))
        found.extend(
            Candidate(s, e, label, "ellipsis", entry_id, COMPOUND_PRIORITY)
            for c in [c for c in found if c.label in ELIDED_LABELS and c.kb_id]
            for s, e, entry_id, label in elided_terms(doc, c.start, c.end, self.elision_keys)
        )
        found.extend(
            Candidate(s, e, label, "ellipsis", entry_id, COMPOUND_PRIORITY)
            for c in [c for c in found if c.kb_id]
            for s, e, entry_id, label in slashed_versions(doc, c.start, c.end, self.version_keys)
        )
        found.extend(
            Candidate(start, end, "Method", "paradigm", entry_id, COMPOUND_PRIORITY)
            for start, end, entry_id in self.paradigms(doc)
        )
        found.extend(
            Candidate(start, end, "Method", "compound:method", "", COMPOUND_PRIORITY)
            for start, end in self.method_compounds(doc)
        )
        found.extend(resource_candidates(doc, found, self.resources))
        found[:] = disambiguate(doc, found)
        for match_id, start, end in self.learned(doc) if len(self.learned) else ():
            if is_whole_name(doc[start:end]):
                found.append(
                    Candidate(start, end, strings[match_id], "learned", "", LEARNED_PRIORITY)
                )
        pairs = doc._.get(ABBREVIATIONS) if Doc.has_extension(ABBREVIATIONS) else None
        text = doc_text(doc) if pairs else ""
        for long_span, short_span in pairs or ():
            found.extend(abbreviation_candidates(doc, text, long_span, short_span, found))
        spans = compound_tasks(doc, resolve(doc, found))
        spans = [s for s in spans if len(text_of(s)) <= MAX_NAME_CHARS]
        metrics = [s for s in spans if s.label_ == "Metric"]
        doc.ents = [s for s in spans if s.label_ != "Metric" or in_metric_context(doc, s, metrics)]
        return doc


def resource_candidates(
    doc: Doc, found: list[Candidate], resources: TitledResources
) -> list[Candidate]:
    """Title-case resource names (``the Harvard-Emory ECG Database``) that hold no lexicon match
    (``the BraTS 2021 Challenge`` is BraTS 2021)."""
    lexical = [c for c in found if c.priority == LEXICON_PRIORITY]
    return [
        Candidate(start, end, "Dataset", "pattern:resource", "", RESOURCE_PRIORITY)
        for start, end in resources(doc, body_start(doc))
        if not any(c.start < end and start < c.end for c in lexical)
    ]


def abbreviation_candidates(
    doc: Doc, text: str, long_span: Span, short_span: Span, found: list[Candidate]
) -> list[Candidate]:
    """Candidates for an abbreviation pair, typed by the lexicon or by the long form's head word.

    The short form's other occurrences in the doc get the same type.
    """
    lexical = [c for c in found if c.priority == LEXICON_PRIORITY]
    # the lexicon entry of the whole long form, or of it without leading lower-case words
    # ("innovative Parameter-Efficient Fine-Tuning"), never of a part ("… embedded LoRA")
    starts = [long_span.start]
    while starts[-1] < long_span.end - 1 and doc[starts[-1]].is_lower:
        starts.append(starts[-1] + 1)
    by_long = next(
        (c for c in lexical if c.start in starts and c.end == long_span.end), None
    )
    by_short = next(
        (c for c in lexical if c.start == short_span.start and c.end == short_span.end), None
    )
    known = by_long or by_short
    # the type the name finder gave the short form: "a new method, Gradient-based Parameter
    # Selection (GPS)"
    bounds = (short_span.start, short_span.end)
    by_name = next(
        (c.label for c in found if c.rule.startswith("pattern:") and (c.start, c.end) == bounds),
        None,
    )
    if known:
        label = known.label
    elif is_generic_pair(long_span.text, short_span.text):
        label = None
    else:
        label = (
            head_after(doc, short_span)
            or long_form_type(long_span.text, short_span.text)
            or by_name
        )
    if label is None:
        return []
    kb_id = known.kb_id if known else ""
    # the paper's own definition wins over the lexicon's reading of the short form
    # ("semi-supervised learning (SSL)" is not the lexicon's self-supervised SSL)
    priority = DEFINITION_PRIORITY if by_long else ABBREVIATION_PRIORITY
    covered = set() if by_long else {(c.start, c.end) for c in lexical if c.kb_id == kb_id}
    return [
        Candidate(s.start, s.end, label, "abbreviation", kb_id, priority)
        for s in [long_span, *_occurrences(doc, text, short_span.text)]
        if (s.start, s.end) not in covered
    ]


def head_after(doc: Doc, short_span: Span) -> str | None:
    """The type of a head noun right after a defined short form: ``Consistency Embedding
    Segmentation (CESEG) techniques`` are a Method, whatever the long form ends with."""
    k = short_span.end
    if k < len(doc) and doc[k].text == ")":
        k += 1
    word = doc[k].lower_ if k < len(doc) else ""
    return HEAD_TYPES[word] if word in HEAD_TYPES and word not in ("task", "tasks") else None


def _occurrences(doc: Doc, text: str, form: str) -> list[Span]:
    """Every token-aligned occurrence of ``form`` in ``doc`` (whose text is ``text``)."""
    spans = []
    pos = text.find(form)
    while pos != -1:
        span = doc.char_span(pos, pos + len(form))
        if span is not None:
            spans.append(span)
        pos = text.find(form, pos + 1)
    return spans


#: product names that make another model of a known one: "GPT-4o mini", "GPT-3.5 Turbo"
PRODUCT_WORDS = frozenset("turbo mini pro flash ultra nano plus max lite omni".split())


def product_variant_end(doc: Doc, end: int) -> int:
    """End of ``<model> <product word>`` (spaced or hyphenated), or ``end`` if there is none."""
    k = end + 1 if end < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_ else end
    if k < len(doc) and doc[k].lower_ in PRODUCT_WORDS and not doc[k].is_upper:
        return k + 1
    return end


_VERSION = re.compile(r"^[vV]\d+(\.\d+)?$")


def version_variant_end(doc: Doc, start: int, end: int) -> int:
    """End of the chunk when it adds a version to the model: ``Whisper-large-v3`` is not
    ``Whisper`` (sizes alone, ``Llama-2-7B``, stay the model's); else ``end``."""
    chunk_end = chunk_bounds(doc, start, end)[1]
    if chunk_end > end and any(_VERSION.match(t.text) for t in doc[end:chunk_end]):
        return chunk_end
    if end < len(doc) and _VERSION.match(doc[end].text):  # "MobileNet v2"
        return end + 1
    return end


#: languages and ISO 639-1 codes that name a translation direction
_LANGUAGES = frozenset(
    "english german french spanish italian portuguese dutch romanian czech polish russian "
    "ukrainian turkish finnish estonian latvian lithuanian hungarian swedish danish norwegian "
    "greek arabic hebrew persian hindi bengali gujarati tamil nepali sinhala pashto kazakh "
    "chinese japanese korean vietnamese thai indonesian malay khmer burmese".split()
)
_LANGUAGE_CODES = frozenset(
    "en de fr es it pt nl ro cs pl ru uk tr fi et lv lt hu sv da no el ar he fa hi bn gu ta "
    "ne si ps kk zh ja ko vi th id ms km my".split()
)
#: what joins a translation direction's languages: "German-English", "En→De", "English to
#: French", "Chinese--English", "English-to-Romanian"
_DIRECTION_JOINERS = frozenset({"-", "–", "—", "→", "->", "to", "/"})


def language_pair_end(doc: Doc, end: int) -> int:
    """End of a translation direction that follows a dataset's name (``WMT 2014 English to
    French``, ``IWSLT14 de-en``), or ``end`` if none does: a benchmark's direction is a dataset
    of its own, and papers name it so."""
    if end >= len(doc):
        return end
    first = doc[end].lower_
    languages = (_LANGUAGES if first in _LANGUAGES
                 else _LANGUAGE_CODES if first in _LANGUAGE_CODES else None)
    k = end + 1
    while k < len(doc) and k - end <= 3 and doc[k].lower_ in _DIRECTION_JOINERS:
        k += 1
    if languages is None or k == end + 1 or k >= len(doc) or doc[k].lower_ not in languages:
        return end
    return k + 1


def disambiguate(doc: Doc, found: list[Candidate]) -> list[Candidate]:
    """One lexicon reading per span: a surface form in two lexicons (``MAE``: masked autoencoder
    or mean absolute error) is the Metric next to a number or score word, else the other one."""
    by_span: dict[tuple[int, int], list[Candidate]] = {}
    for cand in found:
        by_span.setdefault((cand.start, cand.end), []).append(cand)
    kept = []
    for (start, end), cands in by_span.items():
        labels = {c.label for c in cands}
        if len(labels) > 1 and "Metric" in labels:
            window = doc[max(start - 4, 0) : min(end + 4, len(doc))]
            numeric = any(t.like_num or t.text == "%" or t.lower_ in METRIC_WORDS for t in window)
            cands = [c for c in cands if (c.label == "Metric") == numeric] or cands
        kept.extend(cands)
    return kept


METRIC_WORDS = frozenset({"score", "scores", "metric", "metrics", "error", "lower", "higher"})


def resolve(doc: Doc, found: list[Candidate]) -> list[Span]:
    """Pick non-overlapping candidates: longest first, then lowest priority value, then earliest."""
    ordered = sorted(found, key=lambda c: (-(c.end - c.start), c.priority, c.start, c.label))
    proposed = {(c.start, c.end) for c in found if c.proposed}
    taken = bytearray(len(doc))
    spans = []
    for cand in ordered:
        if any(taken[cand.start : cand.end]):
            continue
        taken[cand.start : cand.end] = b"\x01" * (cand.end - cand.start)
        span = Span(doc, cand.start, cand.end, label=cand.label, kb_id=cand.kb_id)
        span._.rule = cand.rule
        # whichever rule named the span, the paper may be the one introducing it
        span._.proposed = (cand.start, cand.end) in proposed or is_introduced(doc, span)
        spans.append(span)
    return sorted(spans, key=lambda s: s.start)
