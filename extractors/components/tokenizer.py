"""Tokenizer settings: split names at every hyphen, dash, slash, ``=`` and ``+``.

spaCy's English tokenizer keeps ``Llama-2`` as one token but splits ``Med-PaLM``; splitting at
every joiner makes surface variants line up token by token, so one lexicon pattern matches
``Llama-2``, ``Llama‐2`` and (through generated variants) ``Llama 2``.
"""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex

JOINERS = r"(?<=\S)[-\u2010-\u2015\u2212/=+](?=\S)"


def split_joiners(nlp: Language) -> Language:
    """Add the joiner infix rule to ``nlp``'s tokenizer (in place) and return ``nlp``."""
    infixes = [*nlp.Defaults.infixes, JOINERS]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


@spacy.registry.callbacks("paperkg.split_joiners.v1")
def make_split_joiners():
    """``[initialize.before_init]`` / ``[nlp.after_creation]`` callback form of :func:`split_joiners`."""
    return split_joiners
