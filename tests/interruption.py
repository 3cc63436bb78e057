"""Helpers of the interruption tests (``test_hardening_interrupt*.py``): a build killed half way
(SIGINT or SIGKILL) must leave the previous output/ and store intact and readable.

Every build runs as a real ``paperkg`` process.  A small wrapper (:data:`CHILD`) writes how many
papers the build has read to a progress file, so that the signal arrives at a known point: after
some partitions of papers were extracted, while the next one is being read and extracted; or
right before or after the swap of the staging and output directories.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib

from kg.pipeline import demo_corpus_path

ROOT = Path(__file__).resolve().parents[1]
PARTITION = 8  #: papers extracted at a time (the builds below use this, not 512)
SMALL = 16  #: papers of the previous build
PAPERS = 48  #: papers of the interrupted build
KILL_AFTER = 20  #: papers read when the signal is sent: two partitions are extracted

#: ``python -c CHILD PROGRESS_FILE paperkg-args...``: the CLI in partitions of PARTITION papers,
#: writing how many papers it has read to PROGRESS_FILE
CHILD = f"""
import signal
import sys
# Ctrl-C as at a terminal, even when the tests run where SIGINT is ignored (a background job)
signal.signal(signal.SIGINT, signal.default_int_handler)
from pathlib import Path
import kg.corpus as corpus
import kg.pipeline as pipeline
partitions = corpus.partitions
corpus.partitions = lambda papers, size: partitions(papers, {PARTITION})
progress = Path(sys.argv.pop(1))
read_inputs = pipeline.read_inputs
def counted(*args, **kwargs):
    for n, paper in enumerate(read_inputs(*args, **kwargs), 1):
        if n % 10 == 0:
            progress.write_text(str(n))
        yield paper
pipeline.read_inputs = counted
import kg.store.update as update
update.read_inputs = counted
from kg.cli import main
main()
"""


def synthetic_corpus(path: Path, papers: int, tag: str) -> Path:
    """``papers`` records made from the bundled demo corpus (new ids and titles)."""
    demo = [json.loads(line) for line in demo_corpus_path().read_text("utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(papers):
            base = demo[i % len(demo)]
            record = {"id": f"{tag}:{i}", "title": f"{base['title']} ({tag} {i})",
                      "abstract": base["abstract"], "year": base.get("year")}
            fh.write(json.dumps(record) + "\n")
    return path


def paperkg(*args: str, progress: Path | None = None) -> subprocess.Popen:
    command = [sys.executable, "-c", CHILD, str(progress or os.devnull), *args]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def run_to_end(*args: str) -> subprocess.CompletedProcess:
    process = paperkg(*args)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-3000:]
    return subprocess.CompletedProcess(args, 0, out, err)


def papers_read(progress: Path) -> int:
    """The count in the progress file; 0 before the first write and while a write is half done
    (``write_text`` truncates first, so a reader can see the file empty)."""
    try:
        text = progress.read_text()
    except FileNotFoundError:
        return 0
    return int(text) if text.strip().isdigit() else 0


def interrupt(args: list[str], progress: Path, sig: signal.Signals) -> int:
    """Start a build, send ``sig`` once it has read KILL_AFTER papers; its exit code."""
    progress.unlink(missing_ok=True)
    process = paperkg(*args, progress=progress)
    deadline = time.monotonic() + 300
    while papers_read(progress) < KILL_AFTER:
        assert process.poll() is None, f"the build ended before the signal: {process.stderr.read()}"
        assert time.monotonic() < deadline, "the build never got half way"
        time.sleep(0.02)
    process.send_signal(sig)
    process.communicate(timeout=120)
    assert process.returncode != 0  # it did not get to finish
    return process.returncode


def snapshot(directory: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``directory``."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def readable(out: Path) -> int:
    """The build's files parse; return the papers of its report."""
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    graph = rdflib.Graph().parse(out / "graph.nt", format="nt")
    assert len(graph) > 0
    assert len(list(ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE))) == \
        len(graph)
    lines = (out / "extractions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == report["papers"]
    return report["papers"]


def corpora_in(directory: Path) -> tuple[Path, Path]:
    """The previous build's corpus (SMALL papers) and the interrupted one's (PAPERS)."""
    return (synthetic_corpus(directory / "small.jsonl", SMALL, "a"),
            synthetic_corpus(directory / "big.jsonl", PAPERS, "b"))


def store_state(store: Path) -> tuple[int, int]:
    """(triples, papers) of a store, read with pyoxigraph."""
    db = ox.Store.read_only(str(store))
    try:
        triples = len(list(db.quads_for_pattern(None, None, None, ox.DefaultGraph())))
        papers = len(list(db.quads_for_pattern(
            None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://w3id.org/paperkg/ontology#Paper"), ox.DefaultGraph())))
    finally:
        del db
    return triples, papers
