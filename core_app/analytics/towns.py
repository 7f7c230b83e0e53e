"""镇村收件数据分析 (DOMAIN §4.8, S1 §3.2.2.8): cases received per town and village, by intake source.

A case counts in P by ``received_at`` (收件). It belongs to the town and village of its intake region
(``cases.intake_region_id``), rolled up the region tree by the case mart: a case received in a grid counts
for its village and town, one recorded at town level for the town only (no village).

Attribution is the intake system's: it records as the intake region the region of the receiving site for
cases received at a window or a self-service terminal, and for online cases (浙江政务服务网, 浙里办) the
handling place the applicant chose, else the applicant's own region (DOMAIN §4.8, proposed). This analysis
takes that recorded region as it stands and never re-derives it; a case without one is counted in the
district's total but under no town (and is left out of the town ranking).

Intake sources: 窗口 on 政务服务2.0 and on 1.0, 自助终端, 浙江政务服务网, 浙里办; each has its count and its
share of the received cases.
"""

from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from core_app.access.principal import Principal
from core_app.analytics.dimensions import INTAKE_SOURCE_LABELS, INTAKE_SOURCES, dimension
from core_app.analytics.engine import Analysis, Flow, Query, Ratio, compute
from core_app.analytics.models import CaseFact
from core_app.analytics.periods import Period
from core_app.analytics.sources import CASE_FACTS


def _received(name: str, label: str, intake_source: str | None = None) -> Flow:
    when = None if intake_source is None else CaseFact.intake_source == intake_source
    return Flow(name, label, CASE_FACTS, on=CaseFact.received_at, when=when)


SOURCE_COUNTS = tuple(
    _received(f"{source}_count", f"{INTAKE_SOURCE_LABELS[source]}收件数", source) for source in INTAKE_SOURCES
)
SOURCE_SHARES = tuple(
    Ratio(f"{source}_share", f"{INTAKE_SOURCE_LABELS[source]}占比", f"{source}_count", "received_count")
    for source in INTAKE_SOURCES
)

ANALYSIS = Analysis(
    name="towns",
    title="镇村收件数据分析",
    section="3.2.2.8",
    measures=(_received("received_count", "收件数"), *SOURCE_COUNTS, *SOURCE_SHARES),
    dimensions=("town", "village", "hall", "intake_source", "department"),
    drill=("town", "village", "hall"),
)

RANKING_COLUMNS = (
    "received_count",
    "received_count_pop",
    "received_count_yoy",
    *(m.name for m in SOURCE_COUNTS),
)


def town_ranking(
    session: Session, period: Period, *, principal: Principal | None = None, now: datetime | None = None
) -> pd.DataFrame:
    """Towns by cases received in ``period``, most first, with 环比/同比; equal counts share a rank
    (1, 1, 3) and are listed by town id. Cases with no town are not ranked."""
    frame = compute(session, Query(ANALYSIS, [period], by=("town",)), principal, now).frame
    ranked = frame.loc[frame["town"].notna(), ["town", *RANKING_COLUMNS]].copy()
    ranked["town"] = ranked["town"].astype("int64")
    ranked = ranked.sort_values(["received_count", "town"], ascending=[False, True], ignore_index=True)
    ranked.insert(0, "rank", ranked["received_count"].rank(method="min", ascending=False).astype("int64"))
    ranked.insert(
        2, "town_name", ranked["town"].map(dimension("town").names(session, ranked["town"].tolist()))
    )
    return ranked
