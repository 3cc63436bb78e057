"""The lexicon checker (:mod:`extractors.lexicon_check`) and the bundled lexicons' folder."""

from __future__ import annotations

from types import ModuleType

import extractors.lexicon_check
from extractors.lexicon_check import bundled_lexicons

LEXICONS = bundled_lexicons()


def load_checker() -> ModuleType:
    """The checker module."""
    return extractors.lexicon_check
