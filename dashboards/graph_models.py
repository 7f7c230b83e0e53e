"""The model board's pieces: version rows with their headline metrics, and the accept-rate trend figure."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from dashboards.components import TEMPLATE, empty_figure

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
ALIAS_LABELS = {"champion": "冠军 champion", "challenger": "挑战者 challenger"}
# The metrics worth a column, in this order, where a model has them; the rest stay in the run.
METRIC_LABELS = {
    "eval_macro_f1": "宏平均F1",
    "eval_accuracy": "准确率",
    "eval_top3_accuracy": "Top-3准确率",
    "eval_ece": "校准误差ECE",
    "eval_coverage_at_95": "95%置信覆盖率",
    "eval_precision_at_k": "Precision@K",
    "eval_recall_at_k": "Recall@K",
    "eval_ndcg_at_k": "NDCG@K",
    "eval_auc": "AUC",
}
MAX_METRIC_COLUMNS = 5
DECISION_COLORS = {"accepted": "#2ee6a6", "overridden": "#ff6b6b", "auto": "#3fb6ff"}
DECISION_LABELS = {"accepted": "采纳", "overridden": "改派", "auto": "模型自动派遣"}


def local_time(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def metric_columns(versions: list[dict[str, Any]]) -> list[str]:
    """The known headline metrics these versions have, else their first eval_* metrics."""
    present = {name for v in versions for name in v["metrics"]}
    known = [m for m in METRIC_LABELS if m in present]
    if known:
        return known[:MAX_METRIC_COLUMNS]
    return sorted(m for m in present if m.startswith("eval_"))[:MAX_METRIC_COLUMNS]


def version_rows(versions: list[dict[str, Any]], metrics: list[str]) -> list[dict[str, Any]]:
    rows = []
    for version in versions:
        row = {
            "version": f"v{version['version']}",
            "aliases": "、".join(ALIAS_LABELS.get(a, a) for a in version["aliases"]) or "—",
            "created_at": local_time(version["created_at"]),
            "status": version["status"],
        }
        for name in metrics:
            value = version["metrics"].get(name)
            row[name] = "—" if value is None else round(value, 4)
        rows.append(row)
    return rows


def version_columns(metrics: list[str]) -> list[tuple[str, str]]:
    base = [("version", "版本"), ("aliases", "别名"), ("created_at", "注册时间"), ("status", "状态")]
    return base + [(m, METRIC_LABELS.get(m, m)) for m in metrics]


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def acceptance_figure(by_day: list[dict[str, Any]]) -> go.Figure:
    """Decisions per day as stacked bars, and the day's accept rate as a line on the right axis."""
    if not any(day[d] for day in by_day for d in DECISION_LABELS):
        empty = empty_figure("这段时间没有派遣决定")
        empty.update_layout(height=220)
        return empty
    days = [day["day"] for day in by_day]
    fig = go.Figure()
    for decision, label in DECISION_LABELS.items():
        fig.add_bar(
            x=days, y=[day[decision] for day in by_day], name=label, marker_color=DECISION_COLORS[decision]
        )
    fig.add_scatter(
        x=days,
        y=[day["accept_rate"] for day in by_day],
        name="采纳率",
        mode="lines+markers",
        yaxis="y2",
        line={"color": "#ffc542", "width": 2},
        connectgaps=False,
    )
    fig.update_layout(
        template=TEMPLATE,
        barmode="stack",
        title="派遣建议：每日决定与采纳率",
        yaxis={"title": "决定数"},
        yaxis2={
            "title": "采纳率",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.05],
            "tickformat": ".0%",
        },
        xaxis={"tickformat": "%m-%d", "dtick": 86_400_000 if len(days) <= 10 else None},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        margin={"l": 56, "r": 64, "t": 48, "b": 36},
        title_x=0,
        height=380,
    )
    return fig
