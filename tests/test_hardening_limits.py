"""Limits: hostile inputs give a clear one-line error in bounded time and memory; large inputs
stream.

Each case runs the real command line in a subprocess, so that its peak memory (``ru_maxrss`` of
that process alone) can be compared with reading a one-paper file.  ``paperkg info`` reads
exactly as ``paperkg build`` does (same readers, same limits) without loading spaCy, so its
memory is the readers' own.  The 1 GB case is in bench/big_input.py (run it with
``PAPERKG_BIG_INPUT=1`` here, or on its own).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import read_papers
from kg.ingest.records import (
    MAX_ABSTRACT_CHARS,
    MAX_ID_CHARS,
    MAX_RECORD_BYTES,
    MAX_TITLE_CHARS,
)
from kg.linking import MAX_COOCCURRING_ENTITIES
from kg.model import CO_OCCURS_WITH
from kg.pipeline import BuildOptions, build_graph, write_outputs

ROOT = Path(__file__).resolve().parents[1]
TEN_MB = 10 * 1024 * 1024
#: what a hostile input may add to the peak memory of reading a one-paper file
MEMORY_SLACK_MB = 40
TIME_LIMIT_S = 20
GOOD = {"title": "A Fine Title", "abstract": "We propose FooNet, a language model."}


def run(*args: str, timeout: float = 120) -> tuple[int, str, float]:
    """``paperkg ARGS`` in a subprocess: exit code, stderr and seconds."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "kg", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    return done.returncode, done.stderr, time.monotonic() - started


#: runs the CLI and, at exit, writes the process' peak resident memory (VmHWM: reset by exec,
#: so it is this program's own, not the test process' it was forked from) to argv[1]
_MEASURED = (
    "import atexit, sys\n"
    "out = sys.argv.pop(1)\n"
    "def peak():\n"
    "    status = open('/proc/self/status').read()\n"
    "    kb = next(l.split()[1] for l in status.splitlines() if l.startswith('VmHWM:'))\n"
    "    open(out, 'w').write(kb)\n"
    "atexit.register(peak)\n"
    "from kg.cli import main\n"
    "main()\n"
)


def run_measured(*args: str, timeout: float = 120) -> tuple[int, str, float, float]:
    """Like :func:`run`, and the peak resident memory (MB) of that process."""
    if not Path("/proc/self/status").is_file():
        pytest.skip("peak memory is read from /proc (Linux)")
    peak = Path(tempfile.mkdtemp()) / "peak"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURED, str(peak), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - started
    mb = int(peak.read_text()) / 1024
    shutil.rmtree(peak.parent, ignore_errors=True)
    return done.returncode, done.stderr, seconds, mb


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory: pytest.TempPathFactory) -> float:
    """Peak memory of ``paperkg info`` on a one-paper file."""
    path = tmp_path_factory.mktemp("baseline") / "one.jsonl"
    path.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    code, err, _, mb = run_measured("info", str(path))
    assert code == 0, err
    return mb


def clear_error(code: int, err: str, path: Path, *words: str) -> str:
    """Exit code 1 and one line ``error: <file>:<line>: <problem>`` holding ``words``."""
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"error: {path}"), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def bounded(seconds: float, mb: float, baseline: float) -> None:
    assert seconds < TIME_LIMIT_S, f"{seconds:.1f} s"
    assert mb < baseline + MEMORY_SLACK_MB, f"{mb:.0f} MB (one-paper file: {baseline:.0f} MB)"


# --------------------------------------------------------------------------- one huge record


def _ten_mb_line(tmp_path: Path, suffix: str) -> Path:
    """A file whose first record is one line of 10 MB, followed by a good record."""
    big = "x" * TEN_MB
    path = tmp_path / f"huge{suffix}"
    if suffix == ".jsonl":
        text = json.dumps({"title": "Huge", "abstract": big}) + "\n" + json.dumps(GOOD) + "\n"
    elif suffix == ".csv":
        text = f'title,abstract\nHuge,{big}\n"{GOOD["title"]}","{GOOD["abstract"]}"\n'
    elif suffix == ".txt":
        text = f"A Title\n{big}.\nA Second Title\n{'A long enough abstract. ' * 8}\n"
    elif suffix == ".json":
        text = json.dumps([{"title": "Huge", "abstract": big}, GOOD])
    else:
        text = ('<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Huge</title><summary>'
                f"{big}</summary></entry></feed>\n")
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".txt", ".json", ".xml"])
def test_a_10_mb_line_is_a_clear_error_in_bounded_time_and_memory(tmp_path, baseline_mb,
                                                                   suffix):
    path = _ten_mb_line(tmp_path, suffix)
    code, err, seconds, mb = run_measured("info", str(path))
    clear_error(code, err, path, f"{MAX_RECORD_BYTES:,}")
    bounded(seconds, mb, baseline_mb)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".txt"])
def test_reading_goes_on_after_a_10_mb_line_when_skipping(tmp_path, suffix):
    path = _ten_mb_line(tmp_path, suffix)
    report_papers = list(read_papers([path], on_error="skip"))
    assert len(report_papers) == 1


def test_a_10_mb_line_stops_a_build_with_a_clear_error(tmp_path):
    path = _ten_mb_line(tmp_path, ".jsonl")
    out = tmp_path / "out"
    code, err, seconds = run("build", str(path), "-o", str(out))
    clear_error(code, err, path, "longer than the limit")
    assert seconds < 60 and not (out / "graph.nt").exists()


# --------------------------------------------------------------------------- nesting, XML


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_deeply_nested_json_is_a_clear_error(tmp_path, baseline_mb, suffix):
    nested = "[" * 200_000 + "]" * 200_000
    path = tmp_path / f"nested{suffix}"
    record = f'{{"title": {nested}, "abstract": "x"}}'
    path.write_text(record + "\n" if suffix == ".jsonl" else f"[{record}]", encoding="utf-8")
    code, err, seconds, mb = run_measured("info", str(path))
    clear_error(code, err, path, "nested too deeply")
    bounded(seconds, mb, baseline_mb)


def test_moderately_nested_json_is_a_clear_field_error(tmp_path):
    path = tmp_path / "nested.jsonl"
    path.write_text('{"title": ' + "[" * 500 + "]" * 500 + ', "abstract": "x"}\n',
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"nested.jsonl:1: title must be text, not list"):
        list(read_papers([path]))


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
XML_ATTACKS = {
    "billion-laughs-arxiv": LAUGHS + '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
    "<title>&lol9;</title><summary>x</summary></entry></feed>\n",
    "billion-laughs-pubmed": LAUGHS + "<PubmedArticleSet><PubmedArticle><MedlineCitation>"
    "<Article><ArticleTitle>&lol9;</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
    "</PubmedArticleSet>\n",
    "quadratic-blowup": '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY a "' + "a" * 50_000
    + '">]>\n<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>' + "&a;" * 50_000
    + "</title></entry></feed>\n",
    "external-entity": '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY xxe SYSTEM '
    '"file:///etc/passwd">]>\n<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&xxe;'
    "</title><summary>x</summary></entry></feed>\n",
}


@pytest.mark.parametrize("name", sorted(XML_ATTACKS))
def test_xml_entity_attacks_are_refused_in_bounded_time_and_memory(tmp_path, baseline_mb, name):
    path = tmp_path / f"{name}.xml"
    path.write_text(XML_ATTACKS[name], encoding="utf-8")
    code, err, seconds, mb = run_measured("info", str(path))
    clear_error(code, err, path, "entit")
    assert "root:" not in err  # never a line of /etc/passwd
    bounded(seconds, mb, baseline_mb)


def test_deeply_nested_xml_is_a_clear_error(tmp_path, baseline_mb):
    path = tmp_path / "deep.xml"
    path.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>' + "<a>" * 100_000
                    + "x" + "</a>" * 100_000 + "</title></entry></feed>\n", encoding="utf-8")
    code, err, seconds, mb = run_measured("info", str(path))
    clear_error(code, err, path, "deeper than")
    bounded(seconds, mb, baseline_mb)


# --------------------------------------------------------------------------- binary files


def _random_bytes(n: int) -> bytes:
    return random.Random(9).randbytes(n)


@pytest.mark.parametrize("name,kind", [
    ("papers.zip", "ZIP archive"), ("papers.jsonl", "ZIP archive"),
    ("papers.jsonl.gz", "gzip"), ("noise.txt", "binary file"), ("noise.json", "binary file"),
])
def test_archives_and_random_bytes_are_clear_errors(tmp_path, baseline_mb, name, kind):
    path = tmp_path / name
    if kind == "ZIP archive":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("papers.jsonl", _random_bytes(2_000_000))
    elif kind == "gzip":
        path.write_bytes(gzip.compress(_random_bytes(2_000_000)))
    else:
        path.write_bytes(_random_bytes(2_000_000))
    code, err, seconds, mb = run_measured("info", str(path))
    clear_error(code, err, path, kind)
    bounded(seconds, mb, baseline_mb)


# --------------------------------------------------------------------------- field limits


@pytest.mark.parametrize("record,problem", [
    ({"title": "T" * (MAX_TITLE_CHARS + 1), "abstract": "x"}, "title is 2,001 characters"),
    ({"title": "T", "abstract": "x" * (MAX_ABSTRACT_CHARS + 1)}, "abstract is 20,001 characters"),
    ({"id": "i" * (MAX_ID_CHARS + 1), "title": "T", "abstract": "x"}, "id is 501 characters"),
    ({"id": "model/llama-2", "title": "T", "abstract": "x"}, "the form of an entity id"),
])
def test_field_limits_are_clear_record_errors(tmp_path, record, problem):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(read_papers([path]))
    assert str(info.value).startswith(f"{path}:2: ") and problem in str(info.value)
    assert len(str(info.value).splitlines()) == 1
    assert len(list(read_papers([path], on_error="skip"))) == 1


# --------------------------------------------------------------------------- extraction time


@pytest.mark.parametrize("name,abstract", [
    ("one glued chunk", "7B-" * 6_666),  # was quadratic in the chunk length
    ("one endless sentence", "[Foo-Net] " * 2_000),  # was quadratic in the sentence length
    ("brackets", "(" * 10_000 + ")" * 9_999),
])
def test_hostile_abstracts_extract_in_bounded_time(tmp_path, name, abstract):
    path = tmp_path / "p.jsonl"
    record = {"title": "We propose FooNet, a model", "abstract": abstract[:MAX_ABSTRACT_CHARS]}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    started = time.perf_counter()
    build_graph([path], BuildOptions())
    assert time.perf_counter() - started < TIME_LIMIT_S


def _output_bytes(out: Path) -> int:
    return sum(f.stat().st_size for f in out.rglob("*") if f.is_file())


def test_an_entity_dense_abstract_does_not_blow_up_the_output(tmp_path):
    abstract = " ".join(f"We propose Net{i}, a model." for i in range(100))
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"title": "Many models", "abstract": abstract}) + "\n",
                    encoding="utf-8")
    graph, extractions, report = build_graph([path], BuildOptions())
    assert len(graph.entities) >= 100
    pairs = [r for r in graph.relations if r.predicate == CO_OCCURS_WITH]
    assert len(pairs) == MAX_COOCCURRING_ENTITIES * (MAX_COOCCURRING_ENTITIES - 1) // 2
    write_outputs(graph, extractions, report, tmp_path / "out", BuildOptions())
    assert _output_bytes(tmp_path / "out") < 1_000 * path.stat().st_size + 5_000_000


# --------------------------------------------------------------------------- streaming


def _write_corpus(path: Path, papers: int, fmt: str) -> None:
    """A synthetic corpus (made-up titles and abstracts) of ``papers`` records."""
    rng = random.Random(5)
    words = ("model dataset language clinical image segmentation transformer benchmark "
             "accuracy retrieval question answering radiology report").split()

    def record(i: int) -> dict[str, str]:
        text = " ".join(rng.choice(words) for _ in range(300))
        return {"id": f"s:{i}", "title": f"Synthetic paper {i}", "abstract": text + "."}

    with path.open("w", encoding="utf-8") as fh:
        if fmt == "json":
            fh.write("[\n")
        if fmt == "csv":
            fh.write("id,title,abstract\n")
        for i in range(papers):
            r = record(i)
            if fmt == "jsonl":
                fh.write(json.dumps(r) + "\n")
            elif fmt == "json":
                fh.write(("," if i else "") + json.dumps(r) + "\n")
            else:
                fh.write(f'{r["id"]},{r["title"]},"{r["abstract"]}"\n')
        if fmt == "json":
            fh.write("]\n")


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_a_large_file_is_read_in_bounded_memory(tmp_path, baseline_mb, fmt):
    path = tmp_path / f"big.{fmt}"
    _write_corpus(path, 6_000, fmt)
    size_mb = path.stat().st_size / 2**20
    assert size_mb > 15
    code, err, seconds, mb = run_measured("info", str(path), timeout=300)
    assert code == 0, err
    # reading it whole would take more than the file's size (bytes, then decoded text)
    assert mb < baseline_mb + 15, (
        f"{mb:.0f} MB to read {size_mb:.0f} MB (one-paper file: {baseline_mb:.0f} MB)")


@pytest.mark.skipif(not os.environ.get("PAPERKG_BIG_INPUT"),
                    reason="set PAPERKG_BIG_INPUT=1 to read a generated 1 GB file")
def test_a_1_gb_file_streams_in_bounded_memory(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "big_input.py"), "--sizes",
                           "16,1024", "--dir", str(tmp_path), "--check"], capture_output=True,
                          text=True, timeout=3600)
    assert done.returncode == 0, done.stdout + done.stderr
