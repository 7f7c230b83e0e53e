"""Rising topics: series (categories) whose count in the latest period is far above their own baseline.

For each series, the baseline is the previous ``baseline_periods`` periods (weeks): mean m and sample
standard deviation s. A count is Poisson-like, so s is floored at sqrt(m) (a flat baseline would otherwise
flag +1); z = (x - m) / max(s, sqrt(m), 1). The series is rising when z > ``z_threshold`` (DOMAIN §7.3:
anomaly > baseline + 3σ) and x >= ``min_count`` (a jump from 0 to 2 is noise, not a topic). The Poisson
upper-tail probability P(X >= x | λ = m) is reported alongside.
"""

import numpy as np
import pandas as pd
from scipy import stats

Z_THRESHOLD = 3.0
MIN_COUNT = 5


def rising_series(
    wide: pd.DataFrame,
    *,
    baseline_periods: int = 8,
    z_threshold: float = Z_THRESHOLD,
    min_count: int = MIN_COUNT,
) -> pd.DataFrame:
    """Score the last row of ``wide`` (periods as rows, oldest first; series as columns) against the rows
    before it. Returns one row per series: series, count, baseline_mean, baseline_std, z, p_value, rising;
    sorted by z, largest first."""
    if len(wide) < 2:
        raise ValueError("rising topics need the latest period and at least one baseline period")
    values = wide.fillna(0).astype(float)
    latest = values.iloc[-1]
    baseline = values.iloc[-1 - baseline_periods : -1]
    mean = baseline.mean()
    std = baseline.std(ddof=1).fillna(0)
    sigma = np.maximum(np.maximum(std, np.sqrt(mean)), 1.0)
    z = (latest - mean) / sigma
    table = pd.DataFrame(
        {
            "series": values.columns,
            "count": latest.to_numpy(),
            "baseline_mean": mean.round(3).to_numpy(),
            "baseline_std": std.round(3).to_numpy(),
            "z": z.round(3).to_numpy(),
            "p_value": stats.poisson.sf(latest.to_numpy() - 1, np.maximum(mean.to_numpy(), 1e-9)),
        }
    )
    table["rising"] = (table["z"] > z_threshold) & (table["count"] >= min_count)
    return table.sort_values(["z", "count"], ascending=False, ignore_index=True)
