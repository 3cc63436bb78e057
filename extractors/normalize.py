"""Name normalisation shared by matching, linking and evaluation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_DROP = re.compile(r"[\s\-\u2010-\u2015\u2212_./\\'\u2019\u2018`]+")
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH_TABLE = str.maketrans({c: "-" for c in DASHES})


def fold_dashes(text: str) -> str:
    """Replace unicode dashes and the minus sign with an ASCII hyphen."""
    return text.translate(_DASH_TABLE)


@lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """The matching key of a name (the scoring rule of ``paperkg eval``).

    NFKC, casefold, drop a leading article, drop whitespace, hyphens, underscores, dots,
    slashes and apostrophes.

    >>> name_key("The Llama 2") == name_key("llama-2")
    True
    """
    text = unicodedata.normalize("NFKC", name).strip()
    text = _ARTICLE.sub("", text).casefold()
    return _DROP.sub("", text)


def slugify(name: str) -> str:
    """A readable, IRI-safe slug: lowercase ASCII letters and digits joined by single hyphens;
    ``+`` is spelt ``plus`` (``Grad-CAM++`` -> ``grad-cam-plus-plus``, ``GPT-3.5`` ->
    ``gpt-3-5``).  The lexicons' ids follow the same rule."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text.replace("+", " plus "))
    return text.strip("-") or "x"
