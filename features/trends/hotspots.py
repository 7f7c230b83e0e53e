"""Spatial hot spots: clusters of nearby events (DBSCAN on longitude/latitude with the haversine metric).

Points within ``eps_m`` metres of each other are neighbours; a cluster needs ``min_samples`` points in a
core point's neighbourhood (the point included). Noise points belong to no hot spot. Per cluster: centre
(mean of the points; fine at the scale of a few hundred metres), count, radius (largest distance from the
centre, metres), the most frequent category and street, and the member ids.
"""

import numpy as np
import pandas as pd
from sklearn.cluster import DBSCAN

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def _mode(values: pd.Series):
    counts = values.dropna().value_counts()
    return None if counts.empty else counts.index[0]


def hot_spots(points: pd.DataFrame, *, eps_m: float = 200.0, min_samples: int = 10) -> pd.DataFrame:
    """Cluster ``points`` (columns id, lon, lat; optional category, street) and describe each cluster,
    largest first: cluster, lon, lat, count, radius_m, top_category, top_category_count, street,
    member_ids. Points without valid coordinates are ignored."""
    if eps_m <= 0 or min_samples < 1:
        raise ValueError("eps_m must be positive and min_samples at least 1")
    columns = [
        "cluster",
        "lon",
        "lat",
        "count",
        "radius_m",
        "top_category",
        "top_category_count",
        "street",
        "member_ids",
    ]
    frame = points.copy()
    for column in ("category", "street"):
        if column not in frame:
            frame[column] = None
    placed = frame["lon"].between(-180, 180) & frame["lat"].between(-90, 90)
    frame = frame[placed].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    radians = np.radians(frame[["lat", "lon"]].to_numpy(dtype=float))  # haversine wants (lat, lon)
    labels = DBSCAN(
        eps=eps_m / EARTH_RADIUS_M, min_samples=min_samples, metric="haversine", algorithm="ball_tree"
    ).fit_predict(radians)
    frame["cluster"] = labels
    rows = []
    for _, members in frame[frame["cluster"] >= 0].groupby("cluster"):
        lon, lat = members["lon"].mean(), members["lat"].mean()
        category = _mode(members["category"])
        rows.append(
            {
                "lon": round(float(lon), 6),
                "lat": round(float(lat), 6),
                "count": len(members),
                "radius_m": round(float(haversine_m(lon, lat, members["lon"], members["lat"]).max()), 1),
                "top_category": category,
                "top_category_count": int((members["category"] == category).sum()) if category else 0,
                "street": _mode(members["street"]),
                "member_ids": members["id"].tolist(),
            }
        )
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows).sort_values("count", ascending=False, ignore_index=True)
    table.insert(0, "cluster", np.arange(1, len(table) + 1))
    return table[columns]
