"""No single record or fault breaks a build (issue 20, build cases).

Huge JSON numbers, oversized JSON-array elements and XML records are skippable record errors
naming file and line; disk full, read-only file system, permissions and ``-o`` on a file are
one-line errors that leave the previous output as it was and nothing beside it; temporary
directories of killed builds are reclaimed; extraction workers die with the build; ``**`` globs
follow no link loops; unreadable directories are reported; UTF-32 is named; lone surrogates
are read as U+FFFD; CSV cells a spreadsheet would run as formulas are neutralised.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import InputError
from kg.export.csvtext import FORMULA_STARTS, neutralise_formula
from kg.ingest import ReadReport, expand_inputs, read_papers
from kg.pipeline import BuildReport

ROOT = Path(__file__).resolve().parents[1]
ABSTRACT = ("We fine-tune BERT on SQuAD and report F1. The model improves over a strong "
            "baseline on question answering.")
HUGE = "9" * 5_000


def paper(title: str, **extra: object) -> dict:
    return {"title": title, "abstract": ABSTRACT, **extra}


def write_jsonl(path: Path, *records: str) -> Path:
    path.write_text("".join(r + "\n" for r in records), encoding="utf-8")
    return path


def read(path: Path, on_error: str = "skip") -> tuple[list, ReadReport]:
    report = ReadReport()
    papers = list(read_papers([path], on_error=on_error, report=report))
    return papers, report


# --------------------------------------------------------------------------- records


def test_a_huge_json_integer_is_a_skippable_record_error(tmp_path):
    jsonl = write_jsonl(tmp_path / "a.jsonl", json.dumps(paper("First paper")),
                        '{"title": "x", "abstract": "y", "year": ' + HUGE + "}",
                        json.dumps(paper("Second paper")))
    array = tmp_path / "a.json"
    array.write_text("[\n" + json.dumps(paper("First paper")) + ",\n" + HUGE + ",\n"
                     + json.dumps(paper("Second paper")) + "\n]\n", encoding="utf-8")
    for path, line in ((jsonl, 2), (array, 3)):
        papers, report = read(path)
        assert [p.title for p in papers] == ["First paper", "Second paper"]
        assert [(s.record, "4,300 digits" in s.problem) for s in report.skipped] == [(line, True)]
        with pytest.raises(InputError, match=r"4,300 digits") as info:
            read(path, "stop")
        assert str(info.value).startswith(f"{path}:{line}: ")


def test_an_oversized_json_array_element_is_skipped(tmp_path):
    path = tmp_path / "big.json"
    big = json.dumps(paper("Huge", abstract='x"]}{[' * 200_000))
    path.write_text("[" + json.dumps(paper("First paper")) + ",\n" + big + ",\n"
                    + json.dumps(paper("Second paper")) + "]", encoding="utf-8")
    papers, report = read(path)
    assert [p.title for p in papers] == ["First paper", "Second paper"]
    assert report.skipped[0].record == 2 and "longer than" in report.skipped[0].problem


@pytest.mark.parametrize("kind", ["pubmed", "arxiv"])
def test_an_oversized_xml_record_is_skipped(tmp_path, kind):
    if kind == "pubmed":
        def record(title: str, text: str) -> str:
            return (f"<PubmedArticle><MedlineCitation><PMID>{len(title)}</PMID><Article>"
                    f"<ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText>{text}"
                    "</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n")
        head, tail = "<PubmedArticleSet>\n", "</PubmedArticleSet>\n"
    else:
        def record(title: str, text: str) -> str:
            return (f"<entry><id>http://arxiv.org/abs/2101.0000{len(title) % 10}</id>"
                    f"<title>{title}</title><summary>{text}</summary></entry>\n")
        head, tail = '<feed xmlns="http://www.w3.org/2005/Atom">\n', "</feed>\n"
    path = tmp_path / f"{kind}.xml"
    path.write_text('<?xml version="1.0"?>\n' + head + record("Huge one", "w " * 600_000)
                    + record("A good paper", ABSTRACT) + tail, encoding="utf-8")
    papers, report = read(path)
    assert [p.title for p in papers] == ["A good paper"]
    assert report.skipped[0].record == 3 and "1,048,576 characters" in report.skipped[0].problem


def test_utf32_is_named_as_utf32(tmp_path):
    for name, data in (("bom.csv", "title,abstract\nA,B\n".encode("utf-32")),
                       ("le.csv", "title,abstract\nA,B\n".encode("utf-32-le")),
                       ("be.csv", "title,abstract\nA,B\n".encode("utf-32-be"))):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError, match="UTF-32 text, not UTF-8"):
            read(tmp_path / name)
    (tmp_path / "16.csv").write_bytes("title,abstract\nA,B\n".encode("utf-16-le"))
    with pytest.raises(InputError, match="UTF-16 text"):
        read(tmp_path / "16.csv")


def test_lone_surrogates_are_read_as_replacement_characters(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", json.dumps(paper("Lone \ud800 surrogate",
                                                              authors=["A \udfff"])))
    (found,), report = read(path, "stop")
    assert found.title == "Lone \ufffd surrogate" and found.authors == ("A \ufffd",)


# --------------------------------------------------------------------------- inputs


def test_a_glob_over_symlink_loops_finishes(tmp_path):
    tree = tmp_path / "loop2"
    (tree / "a" / "b").mkdir(parents=True)
    write_jsonl(tree / "a" / "b" / "p.jsonl", json.dumps(paper("Only paper")))
    (tree / "self").symlink_to(".")
    (tree / "a" / "u1").symlink_to("..")
    started = time.monotonic()
    found = expand_inputs([f"{tree}/**/*.jsonl"])
    assert time.monotonic() - started < 10
    assert [source for _, source in found] == [f"{tree}/a/b/p.jsonl"]
    assert len(expand_inputs([tree])) == 1


def test_an_unreadable_directory_fails_or_is_listed(tmp_path, monkeypatch):
    (tmp_path / "in" / "locked").mkdir(parents=True)
    write_jsonl(tmp_path / "in" / "p.jsonl", json.dumps(paper("Readable paper")))
    locked = str(tmp_path / "in" / "locked")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == locked:  # what chmod 000 does to a user other than root
            raise PermissionError(errno.EACCES, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(InputError, match="cannot read this directory: Permission denied") as e:
        read(tmp_path / "in", "stop")
    assert str(e.value).startswith(f"{locked}: ")
    papers, report = read(tmp_path / "in")
    assert [p.title for p in papers] == ["Readable paper"]
    assert report.unreadable == [(locked, "Permission denied")]
    assert BuildReport(read=report).to_json()["unreadable_directories"] == [
        {"directory": locked, "problem": "Permission denied"}]


# --------------------------------------------------------------------------- faults


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "c.jsonl"
    return write_jsonl(path, json.dumps(paper("BERT on SQuAD")),
                       json.dumps(paper("=HYPERLINK(\"http://evil.example\",\"click\")",
                                        abstract="=HYPERLINK(\"http://evil.example\") BERT "
                                        "is evaluated on SQuAD. " + ABSTRACT)))


def run_cli(*args: str):
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("code,words", [
    (errno.ENOSPC, "No space left on device"),
    (errno.EROFS, "Read-only file system"),
    (errno.EACCES, "Permission denied"),
])
def test_a_fault_is_one_line_and_leaves_the_output_as_it_was(tmp_path, corpus, monkeypatch,
                                                             code, words):
    out = tmp_path / "out"
    assert run_cli("build", str(corpus), "-o", str(out))[0] == 0
    before = snapshot(out)

    def fail(*_args, **_kwargs):
        raise OSError(code, os.strerror(code), str(out / "relations.csv"))

    monkeypatch.setattr("kg.export.tables.write", fail)
    status, output = run_cli("build", str(corpus), "-o", str(out))
    assert status == 1
    lines = [line for line in output.splitlines() if line.startswith("error")]
    assert lines == [f"error: {out / 'relations.csv'}: {words}" + (
        " (nothing of the previous output was changed)" if code == errno.ENOSPC else "")]
    assert "Traceback" not in output
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left beside


def test_output_naming_a_file_is_one_line(tmp_path, corpus):
    target = tmp_path / "out.txt"
    target.write_text("keep me", encoding="utf-8")
    status, output = run_cli("build", str(corpus), "-o", str(target))
    assert status == 1 and "Traceback" not in output
    assert f"error: {target}: exists and is not a directory" in output
    assert target.read_text(encoding="utf-8") == "keep me"


def test_temporary_directories_of_killed_builds_are_reclaimed(tmp_path, corpus):
    out, store = tmp_path / "out", tmp_path / "S"
    dead = 4_000_000  # above pid_max: no such process
    stage = tmp_path / f".out.staging-{dead}-x1"
    (stage / "sub").mkdir(parents=True)
    (stage / "sub" / "f").write_text("x")
    os.chmod(stage / "sub", 0o500)  # a read-only directory inside, as an old output may be
    new = tmp_path / f".S.new-{dead}-123"
    (new / "d").mkdir(parents=True)
    assert run_cli("build", str(corpus), "-o", str(out), "--store", str(store))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["S", "out"]


def test_a_read_only_previous_output_is_replaced_and_removed(tmp_path, corpus):
    out = tmp_path / "out"
    assert run_cli("build", str(corpus), "-o", str(out))[0] == 0
    (out / "extra").mkdir()
    os.chmod(out / "extra", 0o500)
    os.chmod(out, 0o500)
    try:
        assert run_cli("build", str(corpus), "-o", str(out))[0] == 0
    finally:
        for p in (out, out / "extra"):
            if p.exists():
                os.chmod(p, 0o700)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_extraction_workers_die_with_the_build(tmp_path, sig):
    # more papers than one partition (512), so that the build starts worker processes
    many = write_jsonl(tmp_path / "many.jsonl", *(
        json.dumps(paper(f"Study {i} of question answering", abstract=f"{ABSTRACT} Run {i}."))
        for i in range(1_100)))
    build = subprocess.Popen([sys.executable, "-m", "kg", "build", str(many), "--workers", "2",
                              "-o", str(tmp_path / "out")], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        parent = psutil.Process(build.pid)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            workers = parent.children(recursive=True)
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        assert len(workers) >= 2
        time.sleep(1)
        workers = parent.children(recursive=True)
        build.send_signal(sig)
        build.wait(30)
        _, alive = psutil.wait_procs(workers, timeout=15)
        assert not alive, [p.cmdline() for p in alive]
    finally:
        if build.poll() is None:
            build.kill()


# --------------------------------------------------------------------------- CSV formulas


@given(st.text(max_size=30))
def test_no_cell_starts_a_formula_after_neutralising(text):
    cell = neutralise_formula(text)
    if cell != text:
        assert cell == "'" + text and text.startswith(FORMULA_STARTS)
    else:
        assert not text.startswith(FORMULA_STARTS) or float(text) == float(text)


def test_csv_exports_neutralise_formulas_unless_raw(tmp_path, corpus):
    out, raw = tmp_path / "out", tmp_path / "raw"
    assert run_cli("build", str(corpus), "-o", str(out))[0] == 0
    assert run_cli("build", str(corpus), "-o", str(raw), "--csv-raw")[0] == 0
    import csv

    for name in ("entities.csv", "relations.csv"):
        with open(out / name, encoding="utf-8", newline="") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "@")) or (
            c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit())]
    with open(out / "relations.csv", encoding="utf-8", newline="") as fh:
        sentences = [row[-1] for row in csv.reader(fh)]
    with open(raw / "relations.csv", encoding="utf-8", newline="") as fh:
        raw_sentences = [row[-1] for row in csv.reader(fh)]
    assert any(s.startswith("=HYPERLINK") for s in raw_sentences)
    assert [s.removeprefix("'") for s in sentences] == raw_sentences
