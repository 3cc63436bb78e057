"""Streaming builds and local engines: same extractions as the corpus extractor, bounded
partitions in flight, byte-identical outputs with N worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scale_corpus import TEACHING_PAIR, demo_records, files_of, write_corpus
from typer.testing import CliRunner

from kg.corpus import extract_all, extract_corpus
from kg.engines import EngineOptions, LocalRunner, open_runner
from kg.engines.bounded import BoundedMap
from kg.errors import PaperkgError
from kg.ingest import read_papers
from kg.model import Paper
from kg.pipeline import BuildOptions, build, build_graph


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The demo corpus with the teaching pair (the user of the name first)."""
    path = tmp_path_factory.mktemp("engines") / "corpus.jsonl"
    return write_corpus(path, [TEACHING_PAIR[0], *demo_records(), TEACHING_PAIR[1]])


def test_stream_gives_the_extractions_of_extract_corpus(corpus: Path, tmp_path: Path) -> None:
    from extractors import build_nlp

    expected = [x.to_json() for x in extract_all(list(read_papers([corpus])), build_nlp())]
    runner = LocalRunner(())
    try:
        result = extract_corpus(read_papers([corpus]), runner, tmp_path / "x.jsonl",
                                partition_size=7)
    finally:
        runner.close()
    assert [x.to_json() for x in result.extractions] == expected
    lines = (tmp_path / "x.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == expected
    # the second pass ran: the first paper learned "KSGT" from the last one
    assert "KSGT" in result.names and result.learned[0]
    assert any(e.name == "KSGT" for e in result.extractions[0].entities)
    assert not list(tmp_path.glob(".*"))  # spool files are gone


def test_papers_are_read_as_extraction_goes(tmp_path: Path) -> None:
    read = []

    def papers():
        for i in range(50):
            read.append(i)
            yield Paper(id=f"p{i}", title=f"Paper {i} on BERT", abstract="We fine-tune BERT.")

    class Watching(LocalRunner):
        seen: list[int] = []

        def map(self, tasks):
            for results in super().map(tasks):
                self.seen.append(len(read))
                yield results

    runner = Watching(())
    try:
        extract_corpus(papers(), runner, tmp_path / "x.jsonl", partition_size=10)
    finally:
        runner.close()
    # each partition of 10 was extracted before the next one was read
    assert runner.seen[:5] == [10, 20, 30, 40, 50]


def test_bounded_keeps_order_and_limits_work_in_flight() -> None:
    in_flight, peak = [], []

    class Job:
        def __init__(self, task) -> None:
            self.task = task
            in_flight.append(self)
            peak.append(len(in_flight))

        def cancel(self) -> None:
            pass

    def result(job: Job):
        in_flight.remove(job)
        return [job.task[0][0]]

    bounded = BoundedMap(Job, result, limit=3)
    out = [r[0] for r in bounded.map(([i], None) for i in range(10))]
    assert out == list(range(10))
    assert max(peak) == 3


def test_workers_give_byte_identical_outputs(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "small.jsonl",
                          [TEACHING_PAIR[0], *demo_records()[:10], TEACHING_PAIR[1]])
    one = BuildOptions(engine=EngineOptions(workers=1))
    two = BuildOptions(engine=EngineOptions(workers=2, partition_size=3))
    build([corpus], tmp_path / "one", one)
    report = build([corpus], tmp_path / "two", two)
    assert report.papers == 12
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")


def test_streaming_build_equals_the_two_step_build(demo_build, tmp_path: Path) -> None:
    graph, out_dir = demo_build
    stages: list[str] = []
    rules = BuildOptions(model=Path("rules"))  # as demo_build
    report = build([], tmp_path / "out", rules, on_stage=stages.append)
    assert files_of(tmp_path / "out") == files_of(out_dir)
    assert report.papers == len(graph.papers)
    assert stages[0] == "linking" and stages[1].startswith("writing ")


def test_build_graph_keeps_its_interface(corpus: Path) -> None:
    graph, extractions, report = build_graph([corpus], BuildOptions())
    assert [x.paper.id for x in extractions][:1] == ["t:uses"]
    assert report.papers == len(graph.papers) == len(extractions)


@pytest.mark.parametrize(("options", "message"), [
    (EngineOptions(engine="spark"), "--engine must be one of local, dask"),
    (EngineOptions(workers=0), "--workers must be at least 1"),
    (EngineOptions(engine="dask"), "--engine dask needs --scheduler"),
    (EngineOptions(scheduler="tcp://127.0.0.1:8786"), "--scheduler is only used with"),
])
def test_bad_engine_options(options: EngineOptions, message: str) -> None:
    with pytest.raises(PaperkgError, match=message):
        open_runner(options, ())


def test_cli_reports_bad_engine_options_in_one_line(tmp_path: Path) -> None:
    from kg.cli import app

    result = CliRunner().invoke(app, ["build", "-o", str(tmp_path / "o"), "--workers", "0"])
    assert result.exit_code == 1
    assert "error: --workers must be at least 1" in result.output
    assert "Traceback" not in result.output


def test_cli_build_streams_into_the_output_directory(tmp_path: Path) -> None:
    from kg.cli import app

    corpus = write_corpus(tmp_path / "pair.jsonl", TEACHING_PAIR)
    result = CliRunner().invoke(app, ["build", str(corpus), "-o", str(tmp_path / "o"),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    first = json.loads((tmp_path / "o" / "extractions.jsonl").read_text().splitlines()[0])
    assert any(e["name"] == "KSGT" for e in first["entities"])
    assert json.loads((tmp_path / "o" / "report.json").read_text())["papers"] == 2
    assert not [p.name for p in (tmp_path / "o").iterdir() if p.name.startswith(".")]


def test_missing_patterns_file_is_one_clear_error(tmp_path: Path) -> None:
    options = BuildOptions(patterns=tmp_path / "nope.jsonl")
    with pytest.raises(PaperkgError, match="nope.jsonl: cannot read the patterns file"):
        build([], tmp_path / "o", options)
    assert not (tmp_path / "o" / "report.json").exists()
