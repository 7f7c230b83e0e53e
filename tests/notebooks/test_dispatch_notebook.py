"""The dispatch walkthrough notebook runs top to bottom on a small sample, so it cannot rot unnoticed."""

import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "dispatch_walkthrough.py"
SHARED_DATA = Path(os.environ.get("BUTLER_SHARED_DATA", ROOT.parent / "shared" / "data"))
PUBLIC_SAMPLE = SHARED_DATA / "tipdm2020c" / "attach2_sample495.utf8.csv"


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the kernel's state (MLflow store, jieba cache, Jupyter and IPython dirs) at tmp_path."""
    monkeypatch.setenv("BUTLER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    return tmp_path


def execute(notebook: nbformat.NotebookNode, timeout: int = 120) -> None:
    """Execute every cell in a fresh kernel started in the repository root; raise if a cell raises."""
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()


@pytest.mark.skipif(not PUBLIC_SAMPLE.exists(), reason=f"public data not found at {PUBLIC_SAMPLE}")
def test_dispatch_walkthrough_runs_on_a_small_sample(kernel_env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BUTLER_SHARED_DATA", str(SHARED_DATA))
    monkeypatch.setenv("BUTLER_NOTEBOOK_SAMPLE", "150")
    monkeypatch.setenv("BUTLER_NOTEBOOK_HEAD", "temperature")
    monkeypatch.setenv("BUTLER_NOTEBOOK_SEARCH_SECONDS", "1")
    notebook = jupytext.read(NOTEBOOK)
    execute(notebook)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert (kernel_env / "var" / "mlflow" / "mlflow.db").exists()  # the runs went to the temporary store


def test_a_raising_cell_fails_the_run(kernel_env: Path):
    notebook = jupytext.reads("# %%\nx = 1\n\n# %%\nraise RuntimeError('broken cell')\n", fmt="py:percent")
    with pytest.raises(CellExecutionError, match="broken cell"):
        execute(notebook, timeout=60)
