"""The matter-association graph as a plotly figure: networkx spring layout (fixed seed), one colour per
community, edges as thin lines; and the rules and bundles as table rows."""

import math
from typing import Any

import networkx as nx
import plotly.graph_objects as go

from dashboards.components import COLORWAY, TEMPLATE, empty_figure
from dashboards.labels import BUNDLE_STATUS

LAYOUT_SEED = 7  # the same picture every time the page opens
UNGROUPED = "未归入一件事"
UNGROUPED_COLOR = "#94a3b8"


def positions(graph: dict[str, Any]) -> dict[int, tuple[float, float]]:
    """Node id -> (x, y): a spring layout pulled together by each edge's applicant overlap."""
    network = nx.Graph()
    network.add_nodes_from(node["id"] for node in graph["nodes"])
    for edge in graph["edges"]:
        network.add_edge(edge["source"], edge["target"], weight=max(edge["weight"], 0.01))
    if not network:
        return {}
    spread = 1.5 / math.sqrt(max(network.number_of_nodes(), 1))
    layout = nx.spring_layout(network, seed=LAYOUT_SEED, weight="weight", k=spread, iterations=80)
    return {node: (float(x), float(y)) for node, (x, y) in layout.items()}


def community_names(graph: dict[str, Any]) -> dict[int, str]:
    return {c["bundle_id"]: c["name"] for c in graph["communities"]}


def figure(graph: dict[str, Any], selected: int | None = None) -> go.Figure:
    """Edges first, then one node trace per community (legend = the bundles); the selected matter ringed."""
    if not graph["nodes"]:
        return empty_figure("还没有关联规则：请先运行 butler associations build")
    where = positions(graph)
    fig = go.Figure()
    fig.add_trace(_edge_trace(graph["edges"], where))
    names = community_names(graph)
    groups: dict[int | None, list[dict[str, Any]]] = {}
    for node in graph["nodes"]:
        groups.setdefault(node["community"], []).append(node)
    order = sorted(groups, key=lambda c: (c is None, c or 0))
    for index, community in enumerate(order):
        color = UNGROUPED_COLOR if community is None else COLORWAY[index % (len(COLORWAY) - 1)]
        label = UNGROUPED if community is None else names.get(community, f"一件事 {community}")
        fig.add_trace(_node_trace(groups[community], where, color, label, selected))
    fig.update_layout(
        template=TEMPLATE,
        showlegend=True,
        legend={
            "font": {"size": 11},
            "itemsizing": "constant",
            "orientation": "h",
            "y": -0.02,
            "yanchor": "top",
        },
        xaxis={"visible": False},
        yaxis={"visible": False},
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        hovermode="closest",
        clickmode="event",
        height=760,
    )
    return fig


def _edge_trace(edges: list[dict[str, Any]], where: dict[int, tuple[float, float]]) -> go.Scatter:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for edge in edges:
        (x0, y0), (x1, y1) = where[edge["source"]], where[edge["target"]]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        line={"width": 0.8, "color": "rgba(140,170,220,0.35)"},
        hoverinfo="skip",
        showlegend=False,
        name="关联",
    )


HOVER = "%{customdata[1]}<br>%{customdata[2]}<br>办理对象 %{customdata[3]}<extra>%{fullData.name}</extra>"


def _node_trace(nodes, where, color: str, label: str, selected: int | None) -> go.Scatter:
    sizes = [min(8 + 1.6 * math.sqrt(max(node["subjects"], 0)), 40) for node in nodes]
    return go.Scatter(
        x=[where[node["id"]][0] for node in nodes],
        y=[where[node["id"]][1] for node in nodes],
        mode="markers",
        name=label,
        marker={
            "size": sizes,
            "color": color,
            "line": {
                "width": [3 if node["id"] == selected else 0.5 for node in nodes],
                "color": ["#ffffff" if node["id"] == selected else "rgba(0,0,0,0.4)" for node in nodes],
            },
        },
        text=[node["name"] for node in nodes],
        customdata=[[node["id"], node["name"], node["department_name"], node["subjects"]] for node in nodes],
        hovertemplate=HOVER,
    )


RULE_COLUMNS = [
    ("antecedent_name", "前项事项"),
    ("consequent_name", "后项事项"),
    ("pair_subjects", "共同办理对象数"),
    ("support", "支持度"),
    ("confidence", "置信度"),
    ("lift", "提升度"),
    ("a_before_b_share", "先办前项占比"),
    ("median_gap_days", "间隔中位数（天）"),
    ("result_use_share", "结果复用占比"),
]
BUNDLE_COLUMNS = [
    ("name", "一件事（候选）"),
    ("status", "状态"),
    ("score", "评分"),
    ("lead_department_name", "牵头部门"),
    ("path", "最佳办理链路"),
    ("subjects", "涉及对象数"),
    ("path_share", "按链路办理占比"),
    ("mean_lift", "平均提升度"),
    ("path_gap_days", "链路总间隔（天）"),
]


def rule_row(rule: dict[str, Any]) -> dict[str, Any]:
    row = {field: rule[field] for field, _ in RULE_COLUMNS}
    for field in ("support",):
        row[field] = f"{rule[field]:.2%}"
    for field in ("confidence", "a_before_b_share", "result_use_share"):
        row[field] = f"{rule[field]:.1%}"
    row["lift"] = round(rule["lift"], 2)
    row["median_gap_days"] = round(rule["median_gap_days"], 1)
    return row


def bundle_row(bundle: dict[str, Any]) -> dict[str, Any]:
    """A mined bundle with its best handling path spelled out and the evidence that found it."""
    names = {item["matter_id"]: item["name"] for item in bundle["items"]}
    evidence = bundle.get("evidence") or {}
    share = evidence.get("path_share")
    return {
        "id": bundle["id"],
        "name": bundle["name"],
        "status": BUNDLE_STATUS.get(bundle["status"], bundle["status"]),
        "score": None if bundle["score"] is None else round(bundle["score"], 2),
        "lead_department_name": bundle.get("lead_department_name") or "—",
        "path": " → ".join(names.get(m, str(m)) for m in bundle["path"]),
        "subjects": evidence.get("subjects"),
        "path_share": "—" if share is None else f"{share:.1%}",
        "mean_lift": _round(evidence.get("mean_lift"), 2),
        "path_gap_days": _round(evidence.get("path_gap_days"), 1),
    }


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)
