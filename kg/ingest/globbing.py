"""Input patterns (``corpus/**/*.jsonl``) matched without following symbolic links to
directories, so a link loop (``self -> .``) cannot make a glob run for ever; and directory walks
that report the directories they cannot read instead of skipping them silently.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_MAGIC = re.compile(r"[*?\[]")


def _part_regex(part: str) -> str:
    out, i = [], 0
    while i < len(part):
        c = part[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = part.find("]", i + 2 if part[i + 1:i + 2] in ("!", "]") else i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = part[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A regex of a glob pattern: ``**`` any number of directories, ``*``/``?``/``[…]`` within
    one name; names starting with ``.`` only where the pattern spells the dot."""
    parts = pattern.split("/")
    pieces = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            pieces.append("(?:[^/.][^/]*/)*" if not last else "(?:[^/.][^/]*(?:/|$))*")
            continue
        hidden = "" if part.startswith(".") else "(?!\\.)"
        pieces.append(hidden + _part_regex(part) + ("" if last else "/"))
    return re.compile("".join(pieces))


def walk(directory: Path, unreadable: list[tuple[str, str]]) -> list[tuple[Path, bool]]:
    """Every ``(path, is_directory)`` under ``directory``, links to directories not followed;
    directories that cannot be read are added to ``unreadable`` as ``(path, reason)``."""

    def failed(exc: OSError) -> None:
        unreadable.append((str(exc.filename or directory), exc.strerror or str(exc)))

    out: list[tuple[Path, bool]] = []
    for root, dirs, names in os.walk(directory, onerror=failed, followlinks=False):
        base = Path(root)
        out.extend((base / d, True) for d in dirs)
        out.extend((base / n, False) for n in names)
    return out


def recursive_glob(pattern: str, unreadable: list[tuple[str, str]]) -> list[str]:
    """The paths matching a pattern with ``**``, sorted, without following directory links."""
    parts = pattern.split("/")
    fixed = []
    for part in parts:
        if _MAGIC.search(part) or part == "**":
            break
        fixed.append(part)
    root_text = "/".join(fixed) or ("/" if pattern.startswith("/") else ".")
    root = Path(root_text)
    if not root.is_dir():
        return []
    regex = pattern_regex("/".join(parts[len(fixed):]))
    matches = []
    for path, _is_dir in walk(root, unreadable):
        relative = path.relative_to(root).as_posix()
        if regex.fullmatch(relative):
            matches.append(str(root / relative) if fixed else relative)
    return sorted(matches)
