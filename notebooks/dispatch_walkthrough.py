# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Dispatch model walkthrough
#
# For data scientists: load a labelled complaint history, train the dispatch model, look at its errors,
# its confusion matrix and its calibration, then log runs to MLflow, compare them and register one.
#
# Data: the public TipDM 2020 C sample (附件2, 495 messages, 7 first-level categories). The folder comes
# from `BUTLER_SHARED_DATA` (default `../shared/data`, relative to the repository root);
# `BUTLER_NOTEBOOK_SAMPLE` keeps only that many rows (the test suite runs this notebook on ~150).
# MLflow writes under `BUTLER_VAR_DIR` (default `./var`), never to a server unless `MLFLOW_TRACKING_URI`
# says so.
#
# Run it with `jupytext --to notebook notebooks/dispatch_walkthrough.py` and open the `.ipynb`, or execute
# it top to bottom as a script.

# %%
import os
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sklearn.model_selection import train_test_split

from core_app.config import get_settings
from models.dispatch import DispatchClassifier
from training import tracking
from training.data import read_table, training_rows
from training.dispatch import promote, train_dispatch
from training.evaluate import confusion_table, per_class_table, summary_metrics

pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 60)

ROOT = Path.cwd() if (Path.cwd() / "pyproject.toml").exists() else Path.cwd().parent
DATA = Path(os.environ.get("BUTLER_SHARED_DATA", ROOT.parent / "shared" / "data"))
SAMPLE = int(os.environ.get("BUTLER_NOTEBOOK_SAMPLE", "0"))  # 0: every row
HEAD = os.environ.get("BUTLER_NOTEBOOK_HEAD", "auto")  # the test uses "temperature": no LightGBM, faster
SEARCH_SECONDS = float(os.environ.get("BUTLER_NOTEBOOK_SEARCH_SECONDS", "30"))
print("data:", DATA, "| sample:", SAMPLE or "all", "| head:", HEAD, "| var dir:", get_settings().var_dir)

# %% [markdown]
# ## 1. Load the data
#
# `read_table` reads CSV (UTF-8 or GB18030, detected) and XLSX; `training_rows` joins the text columns with
# "。" and drops rows without text or label, as `butler train dispatch --data` does.

# %%
table = read_table(DATA / "tipdm2020c" / "attach2_sample495.utf8.csv")
X, y = training_rows(table, ["留言主题", "留言详情"], "一级分类", extra_cols=["留言时间"])
if SAMPLE and SAMPLE < len(y):
    X, _, y, _ = train_test_split(X, y, train_size=SAMPLE, stratify=y, random_state=0)
    X, y = X.reset_index(drop=True), y.reset_index(drop=True)
print(len(y), "messages")
y.value_counts().to_frame("messages")

# %% [markdown]
# ## 2. Train on 80%, keep 20% to look at
#
# The estimator picks its probability head (temperature scaling, LightGBM on the linear scores, or their
# average) by cross-validated macro-F1 inside `fit`, and its abstain threshold for 95% precision on
# out-of-fold predictions. Here we hold out a stratified 20% to inspect what it gets wrong.

# %%
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
model = DispatchClassifier(head=HEAD).fit(X_train[["text"]], y_train)
print("head:", model.head_, "| abstain below", round(model.threshold_, 3))
print("validation coverage at 95% precision:", round(model.validation_coverage_, 3))
pd.DataFrame(model.head_scores_).T

# %%
proba = model.predict_proba(X_test[["text"]])
y_index = np.searchsorted(model.classes_, y_test.to_numpy())
metrics = summary_metrics(proba, y_index)
assert proba.shape == (len(y_test), len(model.classes_))
assert np.allclose(proba.sum(axis=1), 1.0)
pd.Series(metrics).round(3).to_frame("held-out")

# %% [markdown]
# ## 3. Errors
#
# Per-class precision and recall (worst first), then the misrouted messages with the model's top three.
# Misroutes between neighbouring categories (城乡建设 vs 环境保护, 交通运输 vs 城乡建设) are expected:
# several departments share a matter. Those are where the ranked table and a dispatcher help.

# %%
per_class_table(proba, y_index, model.classes_).round(3)

# %%
ranked = model.rank(X_test[["text"]]).set_index(X_test.index)
ranked.insert(0, "true", y_test)
ranked.insert(1, "text", X_test["text"].str.slice(0, 40))
errors = ranked[ranked["top1"] != ranked["true"]]
print(f"{len(errors)} of {len(ranked)} held-out messages misrouted; "
      f"{(errors[['top2', 'top3']].eq(errors['true'], axis=0).any(axis=1)).sum()} of them have the truth in top 2-3")
errors.head(15)

# %% [markdown]
# ## 4. Confusion matrix
# Rows are the true label, columns the prediction.

# %%
confusion = confusion_table(proba, y_index, model.classes_)
assert confusion.to_numpy().sum() == len(y_test)
confusion

# %% [markdown]
# ## 5. Calibration
#
# A reliability table: held-out messages binned by the model's confidence (its top probability). For a
# calibrated model the accuracy in each bin matches the mean confidence; ECE is the count-weighted gap.
# The abstain threshold decides which messages are auto-dispatched.

# %%
def reliability_table(proba: np.ndarray, y_index: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Return count, mean confidence, accuracy and gap per equal-width confidence bin."""
    confidence = proba.max(axis=1)
    frame = pd.DataFrame({
        "bin": pd.cut(confidence, np.linspace(0, 1, bins + 1), include_lowest=True),
        "confidence": confidence,
        "correct": proba.argmax(axis=1) == y_index,
    })
    table = frame.groupby("bin", observed=True).agg(
        count=("correct", "size"), confidence=("confidence", "mean"), accuracy=("correct", "mean")
    )
    table["gap"] = table["accuracy"] - table["confidence"]
    return table


reliability = reliability_table(proba, y_index)
assert reliability["count"].sum() == len(y_test)
print("ECE:", round(metrics["ece"], 3))
reliability.round(3)

# %%
auto = proba.max(axis=1) >= model.threshold_
auto_precision = (proba.argmax(axis=1) == y_index)[auto].mean() if auto.any() else float("nan")
print(f"auto-dispatched at threshold {model.threshold_:.3f}: {auto.mean():.0%} of held-out messages, "
      f"precision {auto_precision:.3f} (target {model.target_precision})")

# %% [markdown]
# ## 6. Runs in MLflow: log, train, compare
#
# First we log the exploratory model above as a run of its own (its parameters, held-out figures and the
# reliability table), so it sits next to production runs. Then `train_dispatch` does what
# `butler train dispatch` does: a held-out evaluation set, a small search over C within a time budget,
# metrics and tables logged, and the model registered as `dispatch` (alias `challenger`, and `champion` if
# there is none yet). `mlflow.search_runs` puts the runs side by side.

# %%
tracking.configure()
print("tracking store:", mlflow.get_tracking_uri())
with mlflow.start_run(experiment_id=tracking.experiment(tracking.DISPATCH_MODEL)) as exploratory:
    mlflow.log_params({"source": "notebook: 80/20 split", "C": model.C, "head": model.head_,
                       "rows": len(y_train), "evaluation_rows": len(y_test)})
    mlflow.log_metrics({f"eval_{name}": value for name, value in metrics.items()})
    mlflow.log_text(reliability.to_csv(), "reliability.csv")

# %%
trained = train_dispatch(X[["text"]], y, source="notebook: text", search_seconds=SEARCH_SECONDS)
print("registered version", trained.version, "aliases", trained.aliases)
pd.Series(trained.metrics).round(3).to_frame("held-out (train_dispatch)")

# %%
runs = mlflow.search_runs(
    experiment_names=[tracking.DISPATCH_MODEL], order_by=["attributes.start_time DESC"], max_results=10
)
columns = ["run_id", "params.source", "params.C", "params.head", "params.evaluation_rows",
           "metrics.eval_macro_f1", "metrics.eval_top3_accuracy", "metrics.eval_ece",
           "metrics.eval_coverage_at_95"]
comparison = runs[columns].set_index("run_id")
assert {exploratory.info.run_id, trained.run_id} <= set(comparison.index)
comparison

# %% [markdown]
# ## 7. Promote and load
#
# `promote` moves `champion` to the challenger only if it is at least as good on the challenger's own
# evaluation set (what `butler models promote dispatch` does; the first model registered is champion
# already). Then we load the champion the way the serving code does and rank two new messages.

# %%
outcome = promote()
print(outcome.message())
client = MlflowClient()
versions = client.search_model_versions(f"name='{tracking.DISPATCH_MODEL}'")
pd.DataFrame([{"version": v.version, "aliases": ", ".join(v.aliases), "run_id": v.run_id} for v in versions])

# %%
champion = mlflow.sklearn.load_model(f"models:/{tracking.DISPATCH_MODEL}@{tracking.CHAMPION}")
new = pd.DataFrame({"text": ["小区门口道路破损严重，下雨积水，希望尽快维修。", "孩子学校食堂收费过高，请教育局核查。"]})
new_ranked = champion.rank(new)
assert len(new_ranked) == 2 and set(new_ranked["top1"]) <= set(champion.classes_)
new_ranked
