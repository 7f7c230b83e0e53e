"""The cockpit's figures, built from plain API answers (no requests here, so they are unit-tested alone).

Every figure is sized by its container (autosize) and its fonts by ``scale`` (1 at 1920x1080, 2 at
3840x2160), so the same code draws the LED wall at either resolution. Clickable marks carry the key of
what they stand for in ``customdata``: the drill-down reads it from the click.
"""

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboards.components import COLORWAY, FONT_FAMILY, TEMPLATE

STREETS_GEOJSON = Path(__file__).parent / "geo" / "streets.geojson"
HEAT_SCALE = [[0.0, "#12355b"], [0.5, "#1f7fb8"], [0.8, "#f0a43a"], [1.0, "#ff5a5a"]]
TEXT = "#dbe7ff"
LAT_STRETCH = 1 / math.cos(math.radians(22.6))  # the district lies near 22.6° N
MUTED = "#8fb3e8"

# The key-link indicators of the warning radar: (indicator, axis label). All rates where higher is worse.
RADAR_AXES = (
    ("overdue_rate", "超期率"),
    ("returned_rate", "退件率"),
    ("voided_rate", "作废率"),
    ("rejected_rate", "不予受理率"),
    ("abnormal_special_step_rate", "特殊环节异常率"),
)


def period_change(current: float | None, previous: float | None) -> float | None:
    """Relative change from PREVIOUS to CURRENT (0.1 = +10%); None when there is nothing to compare."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / previous


def previous_value(value: float | None, pop: float | None, unit: str) -> float | None:
    """Last period's value back from this period's value and its 环比 as the analytics API gives it:
    relative for counts, the difference in points for rates (their ``_pop`` is current minus previous)."""
    if value is None or pop is None:
        return None
    if unit == "rate":
        return value - pop
    return value / (1 + pop) if pop != -1 else None


def format_value(value: float | None, unit: str) -> str:
    """A number as the big screen shows it: 1,234 / 95.2% / 3.4 天 / — when there is none."""
    if value is None:
        return "—"
    if unit == "rate":
        return f"{value:.1%}"
    if unit == "days":
        return f"{value:.1f} 天"
    if unit == "minutes":
        return f"{value:.0f} 分钟"
    return f"{value:,.0f}"


def _layout(figure: go.Figure, scale: float, **layout: Any) -> go.Figure:
    base = {
        "template": TEMPLATE,
        "autosize": True,
        "font": {"family": FONT_FAMILY, "color": TEXT, "size": round(13 * scale)},
        "margin": {
            "l": round(8 * scale),
            "r": round(12 * scale),
            "t": round(8 * scale),
            "b": round(8 * scale),
        },
        "showlegend": False,
        "hoverlabel": {"font": {"size": round(14 * scale), "family": FONT_FAMILY}},
        "uirevision": "cockpit",  # a refresh keeps what the viewer did (hidden legend items, zoom)
    }
    base.update(layout)
    figure.update_layout(**base)
    return figure


def gauge(value: float | None, *, scale: float = 1.0, target: float = 0.95) -> go.Figure:
    """A rate (0..1) as a gauge in percent, red below 80%, amber up to TARGET, green above."""
    shown = 0.0 if value is None else value * 100
    figure = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=shown,
            number={
                "suffix": "%",
                "valueformat": ".1f",
                "font": {"size": round(30 * scale), "color": "#fff"},
            },
            gauge={
                "axis": {"range": [0, 100], "tickfont": {"size": round(11 * scale)}, "tickcolor": MUTED},
                "bar": {"color": "#3fb6ff", "thickness": 0.3},
                "bgcolor": "rgba(0,0,0,0)",
                "borderwidth": 0,
                "steps": [
                    {"range": [0, 80], "color": "rgba(255,107,107,0.35)"},
                    {"range": [80, target * 100], "color": "rgba(255,197,66,0.35)"},
                    {"range": [target * 100, 100], "color": "rgba(46,230,166,0.35)"},
                ],
                "threshold": {
                    "line": {"color": "#2ee6a6", "width": 3},
                    "thickness": 0.8,
                    "value": target * 100,
                },
            },
        )
    )
    return _layout(
        figure,
        scale,
        margin={
            "l": round(24 * scale),
            "r": round(24 * scale),
            "t": round(22 * scale),
            "b": round(26 * scale),
        },
    )


def bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    keys: Sequence[Any],
    *,
    scale: float = 1.0,
    unit: str = "count",
    color: str = COLORWAY[0],
    top: int = 10,
    lowest: bool = False,
) -> go.Figure:
    """Horizontal bars, largest on top, at most TOP of them (the TOP smallest if LOWEST: the laggards);
    customdata = the bars' keys."""
    rows = sorted(
        (r for r in zip(labels, values, keys, strict=True) if r[1] is not None),
        key=lambda r: r[1],
        reverse=True,
    )
    rows = rows[-top:] if lowest else rows[:top]
    rows.reverse()  # plotly draws the first category at the bottom
    texts = [format_value(v, unit) for _, v, _ in rows]
    figure = go.Figure(
        go.Bar(
            x=[v for _, v, _ in rows],
            y=[short(label) for label, _, _ in rows],
            customdata=[k for _, _, k in rows],
            orientation="h",
            marker={"color": color, "line": {"width": 0}},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertext=[label for label, _, _ in rows],
            hovertemplate="%{hovertext}: %{text}<extra>点击下钻</extra>",
        )
    )
    most = max((v for _, v, _ in rows), default=0) or 1
    return _layout(
        figure,
        scale,
        xaxis={"visible": False, "range": [0, most * 1.25]},
        yaxis={"tickfont": {"size": round(12 * scale)}, "automargin": True},
        bargap=max(0.3, 0.9 - 0.06 * len(rows)),  # a lone bar stays a bar, not a wall
    )


def short(label: str, limit: int = 9) -> str:
    """Department names lose the district prefix and long names are cut, so the bars keep their room."""
    for prefix in ("云溪区",):
        if label.startswith(prefix) and len(label) > len(prefix) + 1:
            label = label[len(prefix) :]
    return label if len(label) <= limit else label[: limit - 1] + "…"


def ring(
    labels: Sequence[str], values: Sequence[float], keys: Sequence[Any], *, scale: float = 1.0
) -> go.Figure:
    """A donut of shares; the total in the hole; customdata = the slices' keys."""
    total = sum(v for v in values if v)
    figure = go.Figure(
        go.Pie(
            labels=list(labels),
            values=list(values),
            customdata=list(keys),
            hole=0.6,
            sort=True,
            direction="clockwise",
            texttemplate="%{percent:.1%}",
            textposition="inside",
            insidetextorientation="horizontal",
            marker={"colors": COLORWAY, "line": {"color": "#0b1220", "width": 2}},
            hovertemplate="%{label}: %{value:,} (%{percent})<extra>点击下钻</extra>",
        )
    )
    return _layout(
        figure,
        scale,
        showlegend=True,
        legend={"orientation": "v", "x": 1.0, "y": 0.5, "font": {"size": round(12 * scale)}},
        annotations=[
            {
                "text": f"{total:,.0f}",
                "showarrow": False,
                "font": {"size": round(22 * scale), "color": "#fff"},
            }
        ],
    )


def radar(current: Mapping[str, float | None], previous: Mapping[str, float | None], *, scale: float = 1.0):
    """The key-link warning radar: each axis a rate where higher is worse, this month against last."""
    labels = [label for _, label in RADAR_AXES]
    keys = [name for name, _ in RADAR_AXES]

    def trace(values: Mapping[str, float | None], name: str, color: str, fill: str) -> go.Scatterpolar:
        radii = [100 * (values.get(k) or 0) for k in keys]
        labelled = name == "本月"  # the numbers of this month are written on the points
        return go.Scatterpolar(
            r=[*radii, radii[0]],
            theta=[*labels, labels[0]],
            customdata=[*keys, keys[0]],
            name=name,
            mode="lines+markers+text" if labelled else "lines+markers",
            # small rates crowd the centre: only those of 1% and more carry their number
            text=[f"{r:.1f}%" if r >= 1 else "" for r in [*radii, radii[0]]] if labelled else None,
            textposition="top center",
            textfont={"size": round(12 * scale), "color": "#ffd0d0"},
            fill="toself",
            fillcolor=fill,
            line={"color": color, "width": 2 * scale},
            marker={"size": 7 * scale},
            hovertemplate="%{theta}: %{r:.1f}%<extra>" + name + "</extra>",
        )

    figure = go.Figure(
        [
            trace(previous, "上月", "#94a3b8", "rgba(148,163,184,0.15)"),
            trace(current, "本月", "#ff6b6b", "rgba(255,107,107,0.3)"),
        ]
    )
    return _layout(
        figure,
        scale,
        showlegend=True,
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.02, "yanchor": "top"},
        margin={
            "l": round(70 * scale),
            "r": round(70 * scale),
            "t": round(24 * scale),
            "b": round(30 * scale),
        },
        polar={
            "bgcolor": "rgba(0,0,0,0)",
            "radialaxis": {"showticklabels": False, "gridcolor": "rgba(140,170,220,0.2)", "nticks": 4},
            "angularaxis": {"gridcolor": "rgba(140,170,220,0.2)", "tickfont": {"size": round(12 * scale)}},
        },
    )


def trend(series: Mapping[str, Sequence[tuple[str, float]]], keys: Mapping[str, Any], *, scale: float = 1.0):
    """Lines over periods, one per series name; customdata = the series' key on every point."""
    figure = go.Figure()
    for name, points in series.items():
        figure.add_trace(
            go.Scatter(
                x=[p for p, _ in points],
                y=[v for _, v in points],
                name=name,
                mode="lines+markers",
                customdata=[keys.get(name)] * len(points),
                line={"width": 2 * scale, "shape": "spline", "smoothing": 0.6},
                marker={"size": 5 * scale},
                hovertemplate=name + " %{x}: %{y:,}<extra></extra>",
            )
        )
    return _layout(
        figure,
        scale,
        showlegend=True,
        legend={
            "orientation": "h",
            "y": 1.0,
            "yanchor": "bottom",
            "x": 0,
            "font": {"size": round(11 * scale)},
        },
        margin={
            "l": round(44 * scale),
            "r": round(12 * scale),
            "t": round(30 * scale),
            "b": round(28 * scale),
        },
        xaxis={
            "type": "category",
            "tickfont": {"size": round(11 * scale)},
            "gridcolor": "rgba(140,170,220,0.1)",
        },
        yaxis={"tickfont": {"size": round(11 * scale)}, "rangemode": "tozero"},
        hovermode="closest",
    )


@cache
def _streets_text() -> str:
    return STREETS_GEOJSON.read_text(encoding="utf-8")


def streets() -> dict:
    """The street polygons shipped with the package (dashboards/geo/streets.geojson)."""
    return json.loads(_streets_text())


def _rings(geometry: Mapping[str, Any]) -> Iterable[list[list[float]]]:
    """The outer rings of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        yield geometry["coordinates"][0]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield polygon[0]


def heat_colors(counts: Sequence[float]) -> list[str]:
    """A colour per count on the heat scale, relative to the largest count."""
    most = max(counts, default=0) or 1
    return sample_colorscale(HEAT_SCALE, [c / most for c in counts])


def street_map(
    geojson: Mapping[str, Any],
    heat: Mapping[str, int],
    points: Sequence[Mapping[str, Any]] = (),
    *,
    scale: float = 1.0,
) -> go.Figure:
    """The street polygons coloured by their event count (joined on the street name), the events as
    points, the street names at their centres. Trace i is feature i: a click on a fill names the street."""
    features = list(geojson["features"])
    counts = [heat.get(f["properties"]["name"], 0) for f in features]
    figure = go.Figure()
    for feature, count, color in zip(features, counts, heat_colors(counts), strict=True):
        name = feature["properties"]["name"]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring_ in _rings(feature["geometry"]):
            xs += [p[0] for p in ring_] + [None]
            ys += [p[1] for p in ring_] + [None]
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                fillcolor=color,
                opacity=0.85,
                mode="lines",
                line={"color": "#7fd3ff", "width": 1.2 * scale},
                name=name,
                hoveron="fills",
                text=f"{name}：{count:,} 件",
                hoverinfo="text",
                customdata=[name] * len(xs),
            )
        )
    if points:
        # SVG, not WebGL: a few thousand points draw at once, and a wall PC without a GPU (or headless
        # Chromium) spends seconds setting WebGL up.
        figure.add_trace(
            go.Scatter(
                x=[p["lon"] for p in points],
                y=[p["lat"] for p in points],
                mode="markers",
                name="事件",
                marker={"size": 4 * scale, "color": "#ffe08a", "opacity": 0.75},
                customdata=[p.get("street") for p in points],
                text=[p.get("title", "") for p in points],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[f["properties"]["center"][0] for f in features],
            y=[f["properties"]["center"][1] for f in features],
            mode="text",
            text=[f"{f['properties']['name']}<br>{c:,}" for f, c in zip(features, counts, strict=True)],
            textfont={"size": round(12 * scale), "color": "#ffffff"},
            hoverinfo="skip",
            customdata=[f["properties"]["name"] for f in features],
        )
    )
    return _layout(
        figure,
        scale,
        xaxis={"visible": False, "fixedrange": True},
        # A degree of latitude is 1/cos(latitude) times as long as one of longitude: no squashed district.
        yaxis={"visible": False, "scaleanchor": "x", "scaleratio": LAT_STRETCH, "fixedrange": True},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        dragmode=False,
        hovermode="closest",
    )
