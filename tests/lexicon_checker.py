"""The lexicon checker script (``extractors/lexicons/check_lexicons.py``) loaded as a module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

LEXICONS = Path(__file__).resolve().parents[1] / "extractors" / "lexicons"


def load_checker():
    """Import ``check_lexicons.py`` (a script beside the lexicons, not a package module)."""
    spec = importlib.util.spec_from_file_location("check_lexicons", LEXICONS / "check_lexicons.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module
