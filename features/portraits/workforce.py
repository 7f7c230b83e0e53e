"""Portraits of window staff and windows (窗口工作人员业务画像, 窗口画像; DOMAIN §4.4, §4.6, §7.4).

Input: aggregated records of the look-back period (``Thresholds.assessment_days``, one year by default),
per staff member or window; output one row each: subject_id, features, tags, score.

Staff features: ``cases_received`` (收件人), ``cases_handled`` (经办人, completed), ``tickets_served``,
``workload`` (the three summed); ``mean_elapsed_days`` / ``median_elapsed_days`` (A, DOMAIN §4.0, of the cases
completed, from the case mart);
``mean_service_minutes``; ``on_time_rate`` (completed by due_at / completed, DOMAIN §4.2); ``reviews``,
``good_rate``, ``bad_reviews`` (valid reviews of the staff member); ``distinct_matters`` and
``top_matters`` (received or handled); ``windows_worked`` and ``window_ids`` (windows with tickets served).

Window features: ``tickets_served``, ``tickets_missed``, ``active_days`` (days with a served ticket),
``served_per_day``, ``load`` (service minutes / (active days x 450 min), utilisation-like: the share of
a working day spent serving on the days the window served), ``heat`` (served per active day / the median
of the hall's active windows; hot > 1.5, cold < 0.5, DOMAIN §4.6; an idle window has heat 0),
``mean_wait_minutes``, ``mean_service_minutes``, ``cases_received``, ``on_time_rate`` (of those cases
completed), reviews and ``good_rate`` of the window's cases, ``matters_offered``.

Assessment score (0-100), usable by the hall's appraisal:
    score = 100 x (0.35 on_time + 0.25 speed + 0.25 good_rate + 0.15 workload)  (rules.ASSESSMENT_WEIGHTS)
- on_time: the on-time rate; good_rate: the good-review rate; each only when it rests on at least
  ``min_cases_for_rate`` completed cases / reviews;
- speed: the speed percentile among peers, 0 slowest to 1 fastest (ties share the average rank, a peer
  group of one gets 0.5). Staff are ranked within their own department, so that departments with long
  legal limits are not punished, twice: by median A among those who handled cases
  (``handling_speed_percentile``) and by mean service minutes among those who served tickets
  (``service_speed_percentile``); their speed is the mean of the rankings they have (a window clerk is
  ranked on service, a back-office handler on A). Windows are ranked by mean service minutes within the
  same hall. Only members with ``min_cases_for_rate`` timed cases / tickets are ranked;
- workload: the workload percentile among the same peers (staff: workload; windows: tickets served),
  among those with any (an idle member has no workload part, and with nothing else no score).
A missing part's weight is shared out among the present ones (score = weighted mean of what is known);
no part at all -> no score. The parts are kept in ``score_parts``.

Staff tags: ``fast`` / ``slow`` (speed percentile >= 0.8 / <= 0.2), ``on_time_champion`` (on-time rate >=
0.98) / ``late_risk`` (< 0.9) with >= 10 completed cases, ``well_reviewed`` (good rate >= 0.98 over >= 20
reviews), ``bad_reviews`` (>= 3 bad, and >= 5 % of the reviews), ``heavy_load`` (workload percentile
>= 0.8), ``versatile`` (>= 20 distinct matters). Window tags: ``hot``, ``cold``, and
``on_time_champion``, ``late_risk``, ``well_reviewed``, ``bad_reviews`` as for staff.
"""

from dataclasses import dataclass, fields

import pandas as pd

from features.portraits.frames import (
    frame_of,
    per_subject,
    percentile_within,
    portraits,
    ratio,
    top_items,
    weighted_score,
)
from features.portraits.rules import THRESHOLDS, Thresholds

STAFF_COLUMNS = ("subject_id", "department_id")
RECEIVED_COLUMNS = ("subject_id", "cases_received")
HANDLED_COLUMNS = (
    "subject_id",
    "cases_handled",
    "on_time",
    "timed_cases",
    "elapsed_days_sum",
    "median_elapsed_days",
)
SERVED_COLUMNS = ("subject_id", "tickets_served", "service_minutes_sum", "timed_tickets")
REVIEW_COLUMNS = ("subject_id", "reviews", "good", "bad")
STAFF_MATTER_COLUMNS = ("subject_id", "matter_id", "cases")
WINDOWS_WORKED_COLUMNS = ("subject_id", "window_id", "tickets")
MATTER_COLUMNS = ("matter_id", "name")

WINDOW_COLUMNS = ("subject_id", "hall_id", "department_id")
WINDOW_TICKET_COLUMNS = (
    "subject_id",
    "tickets_served",
    "tickets_missed",
    "wait_minutes_sum",
    "waited_tickets",
    "service_minutes_sum",
    "timed_tickets",
    "active_days",
)
WINDOW_CASE_COLUMNS = ("subject_id", "cases_received", "cases_completed", "on_time")
OFFERED_COLUMNS = ("subject_id", "matters_offered")


@dataclass(frozen=True)
class StaffRecords:
    """Aggregated records per staff member (subject_id = staff id) over the look-back period.

    staff: every member to portray and their department. received: cases received. handled: cases
    completed, those completed by due_at, those with an elapsed time A, its sum and median. served:
    queue tickets served, their service minutes and how many had both service stamps. reviews: valid
    reviews, good, bad. matters: cases per matter (received or handled). windows: tickets served per
    window. matter_names: matter_id -> name.
    """

    staff: pd.DataFrame
    received: pd.DataFrame
    handled: pd.DataFrame
    served: pd.DataFrame
    reviews: pd.DataFrame
    matters: pd.DataFrame
    windows: pd.DataFrame
    matter_names: pd.DataFrame

    @classmethod
    def of(cls, **frames: pd.DataFrame) -> "StaffRecords":
        """Records from the frames given; those left out are empty."""
        columns = {
            "staff": STAFF_COLUMNS,
            "received": RECEIVED_COLUMNS,
            "handled": HANDLED_COLUMNS,
            "served": SERVED_COLUMNS,
            "reviews": REVIEW_COLUMNS,
            "matters": STAFF_MATTER_COLUMNS,
            "windows": WINDOWS_WORKED_COLUMNS,
            "matter_names": MATTER_COLUMNS,
        }
        return cls(**_frames(cls, columns, frames))


@dataclass(frozen=True)
class WindowRecords:
    """Aggregated records per window (subject_id = window id) over the look-back period.

    windows: every window to portray, its hall and department. tickets: served and missed tickets, the
    summed wait (taken -> called) and service minutes with how many tickets had them, days with a served
    ticket. cases: cases received at the window, those completed and those completed by due_at. reviews:
    valid reviews of the window's cases. offered: matters the window is bound to.
    """

    windows: pd.DataFrame
    tickets: pd.DataFrame
    cases: pd.DataFrame
    reviews: pd.DataFrame
    offered: pd.DataFrame

    @classmethod
    def of(cls, **frames: pd.DataFrame) -> "WindowRecords":
        """Records from the frames given; those left out are empty."""
        columns = {
            "windows": WINDOW_COLUMNS,
            "tickets": WINDOW_TICKET_COLUMNS,
            "cases": WINDOW_CASE_COLUMNS,
            "reviews": REVIEW_COLUMNS,
            "offered": OFFERED_COLUMNS,
        }
        return cls(**_frames(cls, columns, frames))


def staff_portraits(records: StaffRecords, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Portray each staff member of ``records.staff``."""
    staff = records.staff.drop_duplicates("subject_id").set_index("subject_id")
    ids = pd.Index(staff.index.astype("int64"), name="subject_id")
    department = staff["department_id"].reindex(ids)
    received = per_subject(ids, records.received, ("cases_received",))["cases_received"]
    handled = per_subject(ids, records.handled, HANDLED_COLUMNS[1:-1])
    served = per_subject(ids, records.served, SERVED_COLUMNS[1:])
    reviews = per_subject(ids, records.reviews, REVIEW_COLUMNS[1:])
    matters = records.matters[records.matters["cases"] > 0]
    worked = records.windows[records.windows["tickets"] > 0]
    workload = received + handled["cases_handled"] + served["tickets_served"]
    median_days = (
        records.handled.groupby("subject_id")["median_elapsed_days"].first().reindex(ids).astype(float)
    )
    service = ratio(served["service_minutes_sum"], served["timed_tickets"])
    enough_cases = handled["timed_cases"] >= thresholds.min_cases_for_rate
    enough_tickets = served["timed_tickets"] >= thresholds.min_cases_for_rate
    handling_speed = percentile_within(median_days.where(enough_cases), department, higher_is_better=False)
    service_speed = percentile_within(service.where(enough_tickets), department, higher_is_better=False)
    features = pd.DataFrame(
        {
            "department_id": department.astype("Int64"),
            "cases_received": received.astype("Int64"),
            "cases_handled": handled["cases_handled"].astype("Int64"),
            "tickets_served": served["tickets_served"].astype("Int64"),
            "workload": workload.astype("Int64"),
            "mean_elapsed_days": ratio(handled["elapsed_days_sum"], handled["timed_cases"]),
            "median_elapsed_days": median_days,
            "mean_service_minutes": service,
            "on_time_rate": ratio(handled["on_time"], handled["cases_handled"]),
            "reviews": reviews["reviews"].astype("Int64"),
            "good_rate": ratio(reviews["good"], reviews["reviews"]),
            "bad_reviews": reviews["bad"].astype("Int64"),
            "distinct_matters": matters.groupby("subject_id")["matter_id"].nunique().reindex(ids).fillna(0),
            "windows_worked": worked.groupby("subject_id")["window_id"].nunique().reindex(ids).fillna(0),
            "handling_speed_percentile": handling_speed,
            "service_speed_percentile": service_speed,
            "speed_percentile": pd.concat([handling_speed, service_speed], axis=1).mean(axis=1),
            "workload_percentile": percentile_within(
                workload.where(workload > 0), department, higher_is_better=True
            ),
        },
        index=ids,
    )
    features[["distinct_matters", "windows_worked"]] = features[
        ["distinct_matters", "windows_worked"]
    ].astype("Int64")
    parts = _score_parts(features, handled["cases_handled"], thresholds)
    flags = _rate_flags(features, handled["cases_handled"], thresholds)
    flags.insert(0, "fast", features["speed_percentile"] >= thresholds.fast_percentile)
    flags.insert(1, "slow", features["speed_percentile"] <= thresholds.slow_percentile)
    flags["heavy_load"] = features["workload_percentile"] >= thresholds.heavy_load_percentile
    flags["versatile"] = features["distinct_matters"].fillna(0) >= thresholds.versatile_matters
    names = dict(
        zip(records.matter_names["matter_id"].astype(int), records.matter_names["name"], strict=True)
    )
    nested = {
        "top_matters": top_items(
            matters, ids, item="matter_id", count="cases", names=names, limit=thresholds.top_matters
        ),
        "window_ids": _id_lists(worked, ids, "window_id"),
        "score_parts": _part_dicts(parts),
    }
    score = weighted_score(parts, thresholds.assessment_weights)
    return portraits(ids, features, nested, flags, score)


def window_portraits(records: WindowRecords, thresholds: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """Portray each window of ``records.windows``."""
    windows = records.windows.drop_duplicates("subject_id").set_index("subject_id")
    ids = pd.Index(windows.index.astype("int64"), name="subject_id")
    hall = windows["hall_id"].reindex(ids)
    tickets = per_subject(ids, records.tickets, WINDOW_TICKET_COLUMNS[1:])
    cases = per_subject(ids, records.cases, WINDOW_CASE_COLUMNS[1:])
    reviews = per_subject(ids, records.reviews, REVIEW_COLUMNS[1:])
    offered = per_subject(ids, records.offered, ("matters_offered",))["matters_offered"]
    per_day = ratio(tickets["tickets_served"], tickets["active_days"]).fillna(0)
    service = ratio(tickets["service_minutes_sum"], tickets["timed_tickets"])
    ranked_speed = service.where(tickets["timed_tickets"] >= thresholds.min_cases_for_rate)
    features = pd.DataFrame(
        {
            "hall_id": hall.astype("Int64"),
            "department_id": windows["department_id"].reindex(ids).astype("Int64"),
            "tickets_served": tickets["tickets_served"].astype("Int64"),
            "tickets_missed": tickets["tickets_missed"].astype("Int64"),
            "active_days": tickets["active_days"].astype("Int64"),
            "served_per_day": per_day,
            "load": ratio(
                tickets["service_minutes_sum"], tickets["active_days"] * thresholds.open_minutes_per_day
            ),
            "heat": _heat(per_day, hall),
            "mean_wait_minutes": ratio(tickets["wait_minutes_sum"], tickets["waited_tickets"]),
            "mean_service_minutes": service,
            "cases_received": cases["cases_received"].astype("Int64"),
            "cases_completed": cases["cases_completed"].astype("Int64"),
            "on_time_rate": ratio(cases["on_time"], cases["cases_completed"]),
            "reviews": reviews["reviews"].astype("Int64"),
            "good_rate": ratio(reviews["good"], reviews["reviews"]),
            "bad_reviews": reviews["bad"].astype("Int64"),
            "matters_offered": offered.astype("Int64"),
            "speed_percentile": percentile_within(ranked_speed, hall, higher_is_better=False),
            "workload_percentile": percentile_within(
                tickets["tickets_served"].where(tickets["tickets_served"] > 0), hall, higher_is_better=True
            ),
        },
        index=ids,
    )
    parts = _score_parts(features, cases["cases_completed"], thresholds)
    flags = pd.DataFrame(
        {
            "hot": features["heat"] > thresholds.hot_heat,
            "cold": features["heat"] < thresholds.cold_heat,
        },
        index=ids,
    )
    flags = flags.join(_rate_flags(features, cases["cases_completed"], thresholds))
    score = weighted_score(parts, thresholds.assessment_weights)
    return portraits(ids, features, {"score_parts": _part_dicts(parts)}, flags, score)


def _score_parts(features: pd.DataFrame, completed: pd.Series, thresholds: Thresholds) -> pd.DataFrame:
    """The assessment score's parts, each 0-1 or NaN when it does not rest on enough records."""
    enough_cases = completed >= thresholds.min_cases_for_rate
    enough_reviews = features["reviews"].fillna(0) >= thresholds.min_cases_for_rate
    return pd.DataFrame(
        {
            "on_time": features["on_time_rate"].where(enough_cases),
            "speed": features["speed_percentile"],
            "good_rate": features["good_rate"].where(enough_reviews),
            "workload": features["workload_percentile"],
        },
        index=features.index,
    )


def _rate_flags(features: pd.DataFrame, completed: pd.Series, thresholds: Thresholds) -> pd.DataFrame:
    """on_time_champion, late_risk, well_reviewed and bad_reviews."""
    enough_cases = completed >= thresholds.min_cases_for_rate
    on_time = features["on_time_rate"]
    enough_reviews = features["reviews"].fillna(0) >= thresholds.min_reviews_for_rate
    bad = features["bad_reviews"].fillna(0)
    return pd.DataFrame(
        {
            "on_time_champion": enough_cases & (on_time >= thresholds.on_time_champion_rate),
            "late_risk": enough_cases & (on_time < thresholds.late_risk_rate),
            "well_reviewed": enough_reviews & (features["good_rate"] >= thresholds.well_reviewed_rate),
            "bad_reviews": (bad >= thresholds.bad_review_count)
            & (bad >= thresholds.bad_review_share * features["reviews"].fillna(0)),
        },
        index=features.index,
    )


def _heat(per_day: pd.Series, hall: pd.Series) -> pd.Series:
    """Served per active day over the median of the hall's active windows (an idle window: 0)."""
    active = per_day.where(per_day > 0)
    median = active.groupby(hall).transform("median")
    return (per_day / median.where(median > 0)).where(per_day > 0, 0.0).where(hall.notna())


def _part_dicts(parts: pd.DataFrame) -> list[dict]:
    rounded = parts.round(4)
    return rounded.astype(object).where(rounded.notna(), None).to_dict("records")


def _id_lists(frame: pd.DataFrame, ids: pd.Index, column: str) -> list[list[int]]:
    if frame.empty:
        return [[] for _ in range(len(ids))]
    lists = frame.sort_values([column]).groupby("subject_id")[column].agg(lambda v: [int(i) for i in v])
    return [value if isinstance(value, list) else [] for value in lists.reindex(ids)]


def _frames(cls, columns: dict[str, tuple[str, ...]], frames: dict[str, pd.DataFrame]) -> dict:
    unknown = set(frames) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"unknown record frames {sorted(unknown)}")
    return {name: frame_of(cols, frames.get(name)) for name, cols in columns.items()}
