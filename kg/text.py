"""Text that every output can hold."""

from __future__ import annotations

import re

#: Unicode noncharacters (U+FDD0..U+FDEF and the last two code points of every plane): "not for
#: interchange", refused by XML 1.0 and by some RDF parsers (raptor).  Read as U+FFFD.
NONCHARACTERS = re.compile("[\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
) + "]")


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` with every Unicode noncharacter and lone surrogate (a JSON ``\\ud800`` escape
    that is not half of a pair, which no UTF-8 output can hold) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", NONCHARACTERS.sub("\ufffd", value))
