"""Interruption of a build into a directory: SIGINT or SIGKILL half way, or SIGKILL right before
or after the swap of the staging and output directories, leaves the previous output/ intact and
readable, and the next build completes normally (helpers: ``tests/interruption.py``; the store's
test is in a file of its own, so that pytest-xdist runs the two slow tests side by side)."""

from __future__ import annotations

import signal
import subprocess
import sys

from interruption import (
    PAPERS,
    ROOT,
    SMALL,
    corpora_in,
    interrupt,
    readable,
    run_to_end,
    snapshot,
    synthetic_corpus,
)

#: ``python -c SWAP_KILL OUT INPUT WHEN``: a build that SIGKILLs itself just before or just
#: after the atomic swap of staging and output directories
SWAP_KILL = """
import os, signal, sys
import kg.atomic as atomic
out, corpus, when = sys.argv[1:4]
exchange = atomic.exchange
def dying_exchange(a, b):
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    exchange(a, b)
    os.kill(os.getpid(), signal.SIGKILL)
atomic.exchange = dying_exchange
from kg.cli import main
sys.argv = ["paperkg", "build", corpus, "-o", out]
main()
"""


def test_killed_build_leaves_the_previous_output(tmp_path):
    """SIGINT and SIGKILL half way leave output/ as it was; SIGKILL just before the swap leaves
    it all old, just after it all new; the next build completes and cleans up."""
    small, big = corpora_in(tmp_path)
    other = synthetic_corpus(tmp_path / "other.jsonl", 8, "c")
    out = tmp_path / "output"
    out.mkdir()
    (out / "README.md").write_text("the user's own file\n", encoding="utf-8")
    run_to_end("build", str(small), "-o", str(out))
    before = snapshot(out)
    assert readable(out) == SMALL

    interrupt(["build", str(big), "-o", str(out)], tmp_path / "progress", signal.SIGINT)
    assert snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]  # cleaned up at once

    interrupt(["build", str(big), "-o", str(out)], tmp_path / "progress", signal.SIGKILL)
    assert snapshot(out) == before
    assert readable(out) == SMALL

    def killed_at_the_swap(when: str) -> None:
        done = subprocess.run([sys.executable, "-c", SWAP_KILL, str(out), str(other), when],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]

    killed_at_the_swap("before")
    assert snapshot(out) == before and readable(out) == SMALL
    killed_at_the_swap("after")
    assert readable(out) == 8

    run_to_end("build", str(big), "-o", str(out))
    assert readable(out) == PAPERS
    assert (out / "README.md").read_text(encoding="utf-8") == "the user's own file\n"
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]  # SIGKILL's, removed
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
