"""``--engine dask``: extraction as tasks on a cluster (here a LocalCluster of two worker
processes started by the test) gives byte-identical outputs to the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scale_corpus import TEACHING_PAIR, demo_records, files_of, write_corpus
from typer.testing import CliRunner

from kg.engines import EngineOptions
from kg.errors import PaperkgError
from kg.pipeline import BuildOptions, build

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    """Twelve papers (with a name one teaches the other) and a user patterns file."""
    root = tmp_path_factory.mktemp("dask")
    corpus = write_corpus(root / "tiny.jsonl",
                          [TEACHING_PAIR[0], *demo_records()[:10], TEACHING_PAIR[1]])
    patterns = root / "patterns.jsonl"
    patterns.write_text(json.dumps({"label": "Model", "pattern": "convolutional baselines",
                                    "id": "model/conv-baselines"}) + "\n", encoding="utf-8")
    return corpus, patterns


def test_dask_outputs_are_byte_identical_to_local(cluster, tiny, tmp_path: Path) -> None:
    corpus, patterns = tiny
    local = BuildOptions(patterns=patterns)
    dask = BuildOptions(patterns=patterns, engine=EngineOptions(
        engine="dask", scheduler=cluster, partition_size=3))
    build([corpus], tmp_path / "local", local)
    report = build([corpus], tmp_path / "dask", dask)
    assert report.papers == 12
    assert files_of(tmp_path / "dask") == files_of(tmp_path / "local")
    extractions = (tmp_path / "dask" / "extractions.jsonl").read_text("utf-8")
    assert "model/conv-baselines" in extractions  # the patterns file reached the workers
    first = json.loads(extractions.splitlines()[0])
    assert any(e["name"] == "KSGT" for e in first["entities"])  # learned names: pass 2 ran


def test_cli_dask_engine(cluster, tiny, tmp_path: Path) -> None:
    from kg.cli import app

    corpus, _ = tiny
    result = CliRunner().invoke(app, ["build", str(corpus), "-o", str(tmp_path / "o"),
                                      "--engine", "dask", "--scheduler", cluster])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "o" / "report.json").read_text())["papers"] == 12


def test_unreachable_scheduler_is_one_clear_error(tmp_path: Path, monkeypatch) -> None:
    import kg.engines.dask

    monkeypatch.setattr(kg.engines.dask, "CONNECT_TIMEOUT", 1)
    options = BuildOptions(engine=EngineOptions(engine="dask", scheduler="tcp://127.0.0.1:9"))
    with pytest.raises(PaperkgError, match="cannot connect to the Dask scheduler at "
                                           "tcp://127.0.0.1:9"):
        build([], tmp_path / "o", options)
