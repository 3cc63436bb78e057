"""Interruption of a build into a store: SIGINT or SIGKILL half way leaves the store as it was,
and the next build adds to it normally (helpers: ``tests/interruption.py``)."""

from __future__ import annotations

import signal

from interruption import (
    PAPERS,
    SMALL,
    corpora_in,
    interrupt,
    readable,
    run_to_end,
    store_state,
)


def test_killed_store_build_leaves_the_store(tmp_path):
    small, big = corpora_in(tmp_path)
    store = tmp_path / "store"
    run_to_end("build", str(small), "--store", str(store))
    before = store_state(store)
    assert before[1] == SMALL

    for sig in (signal.SIGINT, signal.SIGKILL):
        interrupt(["build", str(big), "--store", str(store)], tmp_path / "progress", sig)
        assert store_state(store) == before, sig
    run_to_end("export", str(store), "-o", str(tmp_path / "exported"))
    assert readable(tmp_path / "exported") == SMALL

    run_to_end("build", str(big), "--store", str(store))
    assert store_state(store)[1] == SMALL + PAPERS
