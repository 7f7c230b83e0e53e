"""Training tests: a throwaway MLflow store under a temporary BUTLER_VAR_DIR, and the public sample."""

from pathlib import Path

import pandas as pd
import pytest

from core_app.config import get_settings

TIPDM = Path(__file__).resolve().parents[3] / "shared" / "data" / "tipdm2020c" / "attach2_sample495.utf8.csv"


@pytest.fixture
def mlflow_home(tmp_path, monkeypatch):
    """Point BUTLER_VAR_DIR (and so MLflow's store) at a temporary folder."""
    monkeypatch.setenv("BUTLER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def tipdm_sample() -> pd.DataFrame:
    """Return 25 messages per class of the public TipDM sample (175 rows), or skip where it is absent."""
    if not TIPDM.is_file():
        pytest.skip(f"the public data set is not at {TIPDM} (it sits beside the repository in CI)")
    table = pd.read_csv(TIPDM, dtype=str, keep_default_na=False)
    return table.groupby("一级分类", group_keys=False).head(25).reset_index(drop=True)
