"""From spaCy docs to :class:`~kg.model.PaperExtraction` records (one per paper)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import cast

from spacy.language import Language
from spacy.tokens import Doc, Span

from extractors.candidates import span_key
from extractors.components.abbreviations import EXTENSION as ABBREVIATIONS
from extractors.components.entities import entity_matcher
from extractors.components.relations import EXTENSION as RELATIONS
from extractors.normalize import name_key
from extractors.sentence_index import sentence_index, sentence_span, sentence_text
from extractors.token_view import doc_text, text_of
from kg.model import (
    EntityType,
    Evidence,
    Field,
    Mention,
    Paper,
    PaperEntity,
    PaperExtraction,
    PaperRelation,
)
from kg.text import Reading


def extract(
    papers: Iterable[Paper], nlp: Language, batch_size: int = 256
) -> Iterator[PaperExtraction]:
    """Extract every paper (``nlp.pipe`` in batches), in input order."""
    stream = ((reading.text, (paper, reading))
              for paper in papers for reading in (paper.reading,))
    for doc, (paper, reading) in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
        yield doc_to_extraction(doc, paper, nlp, reading)


class _Sentences:
    """Sentence index and text of a token, and character offsets relative to the fields."""

    def __init__(self, doc: Doc, paper: Paper, reading: Reading | None) -> None:
        self.doc = doc
        self.title_len = len(paper.title)
        self.paper_id = paper.id
        given = f"{paper.title}\n{paper.abstract}"
        differs = doc_text(doc) != given
        #: the text as given and how the doc's text maps onto it, when the doc reads it
        #: otherwise (a title in capitals, LaTeX styling: :attr:`Paper.reading`)
        self.source: str | None = given if differs else None
        self.reading: Reading | None = (reading or paper.reading) if differs else None

    def _source_span(self, start: int, end: int) -> tuple[int, int]:
        if self.reading is None:
            return start, end
        return self.reading.source_start(start), self.reading.source_end(end)

    def evidence(self, span: Span, rule: str) -> Evidence:
        index = sentence_index(self.doc, span.start)
        start, end = self._source_span(span.start_char, span.end_char)
        field: Field
        if start <= self.title_len:
            field, offset = "title", 0
        else:
            field, offset = "abstract", self.title_len + 1
        return Evidence(
            paper_id=self.paper_id,
            field=field,
            start=start - offset,
            end=end - offset,
            sentence=index,
            sentence_text=self.sentence_text(index),
            rule=rule,
        )

    def sentence_text(self, index: int) -> str:
        """Sentence ``index`` as the paper gives it."""
        if self.source is None:
            return sentence_text(self.doc, index)
        sentence = sentence_span(self.doc, index)
        start, end = self._source_span(sentence.start_char, sentence.end_char)
        return self.source[start:end].strip()


def doc_to_extraction(doc: Doc, paper: Paper, nlp: Language, reading: Reading | None = None
                      ) -> PaperExtraction:
    """Group a doc's entity spans into paper entities (abbreviation pairs merged); ``reading``
    is ``paper.reading`` when the caller has it already."""
    sentences = _Sentences(doc, paper, reading)
    lexicon = entity_matcher(nlp).lexicon
    ents = list(doc.ents)  # Doc.ents rebuilds its spans on every access
    alias_of = _abbreviation_links(doc, ents)
    # a name no lexicon rule matched ("Path-VQA") that spells a lexicon entity of the paper
    # ("PathVQA") is that entity
    for span in ents:
        if span.kb_id_:
            alias_of.setdefault((span.label_, name_key(text_of(span))), span_key(span))
    groups: dict[tuple[str, str], list[Span]] = {}
    for span in ents:
        key = span_key(span)
        groups.setdefault(alias_of.get(key, key), []).append(span)

    entities: list[PaperEntity] = []
    name_of: dict[tuple[str, str], str] = {}
    for key, spans in groups.items():
        kb_id = next((s.kb_id_ for s in spans if s.kb_id_), "")
        # the pipeline labels spans with entity types only
        label = cast(EntityType, Counter(s.label_ for s in spans).most_common(1)[0][0])
        surfaces = list(dict.fromkeys(text_of(s) for s in spans))
        entry = lexicon.entries[kb_id] if kb_id else None
        # a span the decider typed otherwise than its entry is named by the entry (an elided
        # "lifelong" in "lifelong and few-shot learning" is lifelong learning) but not linked to it
        name = entry.name if entry else _preferred_name(spans, surfaces)
        if entry and entry.label != label:
            kb_id = ""
        entity = PaperEntity(
            name=name,
            type=label,
            aliases=[s for s in surfaces if s != name],
            proposed=any(s._.proposed for s in spans),
            mentions=[
                Mention(text_of(s), cast(EntityType, s.label_),
                        sentences.evidence(s, s._.rule or ""))
                for s in spans
            ],
            lexicon_id=kb_id or None,
        )
        entities.append(entity)
        name_of[key] = name
    relations = [
        PaperRelation(
            name_of[alias_of.get(span_key(subj), span_key(subj))],
            predicate,
            name_of[alias_of.get(span_key(obj), span_key(obj))],
            sentences.evidence(_relation_span(doc, subj, obj), rule),
        )
        for subj, predicate, obj, rule in (doc._.get(RELATIONS) or ())
    ]
    # spans of one name typed differently ("MFG" a Model here, a Method there) are two entities,
    # but a relation between them would relate the name to itself
    relations = list({(r.subject, r.predicate, r.object): r for r in relations
                      if r.subject != r.object}.values())
    return PaperExtraction(paper=paper, entities=entities, relations=relations)


def _relation_span(doc: Doc, subj: Span, obj: Span) -> Span:
    """What a relation's evidence points at: subject to object when one sentence holds both,
    else the object's mention (the sentence with the cue; the subject is the paper's own)."""
    if sentence_index(doc, subj.start) == sentence_index(doc, obj.start):
        return doc[min(subj.start, obj.start) : max(subj.end, obj.end)]
    return obj


def _preferred_name(spans: list[Span], surfaces: list[str]) -> str:
    """An acronym defined in the paper if there is one, else the most frequent surface form."""
    short = [s for s in surfaces if s.upper() == s or sum(c.isupper() for c in s) >= 2]
    short = [s for s in short if " " not in s]
    if short and len(surfaces) > 1:
        return short[0]
    counts = Counter(text_of(s) for s in spans)
    return max(surfaces, key=lambda s: (counts[s], -surfaces.index(s)))


def _abbreviation_links(doc: Doc, ents: list[Span]) -> dict[tuple[str, str], tuple[str, str]]:
    """Map the key of a long form to the key of its short form (same label only)."""
    if not Doc.has_extension(ABBREVIATIONS):
        return {}
    by_bounds = {(e.start, e.end): e for e in ents}
    links: dict[tuple[str, str], tuple[str, str]] = {}
    for long_span, short_span in doc._.get(ABBREVIATIONS) or ():
        long_ent = by_bounds.get((long_span.start, long_span.end)) or next(
            (e for e in ents if e.end == long_span.end and e.start >= long_span.start
             and all(t.is_lower for t in doc[long_span.start : e.start])),
            None,
        )
        short_ent = by_bounds.get((short_span.start, short_span.end))
        if long_ent is None or short_ent is None or long_ent.label_ != short_ent.label_:
            continue
        long_key, short_key = span_key(long_ent), span_key(short_ent)
        if long_key != short_key:
            target = short_key if not long_ent.kb_id_ or short_ent.kb_id_ else long_key
            source = long_key if target == short_key else short_key
            links[source] = target
    return links
