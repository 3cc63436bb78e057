"""notebooks/explore.ipynb runs clean from top to bottom (nbclient, a real Jupyter kernel)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def test_explore_notebook_runs_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit the notebook without outputs"
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    warnings = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not warnings, warnings
    data = [o.data for o in outputs if o.output_type in ("execute_result", "display_data")]
    html = "\n".join(d.get("text/html", "") for d in data)
    assert html.count("<table") >= 8  # entity tables, SPARQL results, analytics
    assert "<iframe srcdoc=" in html and "vis.Network" in html  # the inline pyvis view
    assert any("image/png" in d for d in data)  # the matplotlib chart
    source = "\n".join(c.source for c in nb.cells)
    for needle in ("nx.pagerank", "louvain_communities", "nx.shortest_path", "run_query(",
                   "named_query_info", "SELECT"):
        assert needle in source
