"""notebooks/explore.ipynb runs clean from top to bottom (nbclient, a real Jupyter kernel), on the
demo corpus with its default parameters and on the shared corpus with injected ones (as papermill
injects them: a cell tagged ``injected-parameters`` after the one tagged ``parameters``)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from conftest import SHARED_CORPUS
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def run_notebook(parameters: dict | None = None) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit the notebook without outputs"
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "one cell tagged 'parameters'"
    if parameters:
        source = "\n".join(f"{k} = {json.dumps(v)}" for k, v in parameters.items())
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(tagged[0] + 1, cell)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


def check_outputs(nb: nbformat.NotebookNode) -> str:
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    warnings = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not warnings, warnings
    data = [o.data for o in outputs if o.output_type in ("execute_result", "display_data")]
    html = "\n".join(d.get("text/html", "") for d in data)
    assert html.count("<table") >= 8  # entity tables, SPARQL results, analytics
    assert "<iframe srcdoc=" in html and "paperkg-data" in html  # the inline explorer
    assert sum("image/png" in d for d in data) >= 2  # the charts and the year trend
    source = "\n".join(c.source for c in nb.cells)
    for needle in ("nx.pagerank", "louvain_communities", "nx.shortest_path", "run_query(",
                   "named_query_info", "SELECT", "year"):
        assert needle in source
    return "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")


def test_explore_notebook_runs_clean_on_the_demo():
    printed = check_outputs(run_notebook())
    assert "focus: Llama-2, MIMIC-III, LoRA" in printed


def test_explore_notebook_runs_on_the_shared_corpus_with_parameters():
    corpus = SHARED_CORPUS / "medical-ai-dev.jsonl"
    if not corpus.is_file():
        pytest.skip(f"the shared corpus is not at {corpus}")
    printed = check_outputs(run_notebook({"corpus": str(corpus), "focus": ["GPT-4", "LoRA"],
                                          "hops": 1}))
    assert "142 papers" in printed and "focus: GPT-4, LoRA" in printed
