"""Portraits of enterprises and citizens (企业画像, 个人画像; DOMAIN §4.7, §7.4) from aggregated records.

Input: one ``ApplicantRecords`` per kind of applicant, every frame already aggregated per subject (or per
subject and matter / channel) by the database; timestamps local (Asia/Shanghai) naive. Output: one row
per profile: subject_id, features (a JSON-ready dict without personal data), tags, score.

Features
- activity: ``cases`` (all applications), ``matters_done`` (completed cases), ``distinct_matters``,
  ``top_matters``, ``pending_cases`` (open: submitted .. suspended), ``cases_90d``/``cases_365d``
  (submitted in the last 90/365 days), ``last_contact_on`` and ``days_since_last_contact`` over cases,
  queue tickets, consultations and reported events;
- channels: ``channel_shares`` of window / pc_web / mobile_app / self_service, ``preferred_channel``
  (largest share; ties go to the first in that order), ``online_share`` (pc_web + mobile_app);
- satisfaction: valid ``reviews``, ``good_rate`` (level >= 3), ``bad_reviews`` (level <= 2); events
  reported, closed, their callback ``events_satisfaction_rate`` ((satisfied + basically) / callbacks,
  DOMAIN §4.9) and ``events_dissatisfied``;
- enterprise: industry code, section and its name (GB/T 4754), ``employee_count`` and ``size_class``,
  ``established_on``, ``age_years``, ``life_stage``, ``credit_level``, ``exit_cases``;
- citizen: ``age_band``, ``special_group``, queue ``tickets``, ``missed_tickets``, ``tickets_per_case``
  (tickets linked to a case / cases with a ticket) and ``repeat_cases`` (cases needing >= 2 tickets).

Tags (thresholds in ``rules.Thresholds``): ``prefers_<channel>`` (the preferred channel holds at least
half of at least 2 cases), ``frequent`` (>= 5 cases in the last year; an enterprise >= 12, one a
month: businesses apply far more often than people), ``dormant`` (no contact for over a
year, or never), ``has_pending``, ``dissatisfied`` (a bad review or a dissatisfied event callback);
enterprises ``new_business`` (life stage new), ``exiting``; citizens ``elderly`` (60 or older, or in the
special group 老年人), ``special_group``, ``repeat_visitor`` (a repeat case).

Score (engagement, 0-100) = 100 x (0.4 recency + 0.3 frequency + 0.2 breadth + 0.1 digital) with
recency = max(0, 1 - days since last contact / 365) (0 if never), frequency = min(1, cases_365d / the
frequent threshold (5, enterprises 12)),
breadth = min(1, distinct matters / 5), digital = online_share (0 without cases). Weights:
``rules.ENGAGEMENT_WEIGHTS``.
"""

from dataclasses import dataclass, fields
from datetime import datetime

import numpy as np
import pandas as pd

from features.portraits.frames import frame_of, per_subject, portraits, ratio, top_items, weighted_score
from features.portraits.rules import (
    AGE_BANDS,
    CHANNELS,
    EXIT_MATTER_PATTERN,
    EXITING,
    INDUSTRY_SECTIONS,
    LARGEST_SIZE,
    LIFE_STAGES,
    OLDEST_BAND,
    OLDEST_STAGE,
    ONLINE_CHANNELS,
    PREFERENCE_TAGS,
    SIZE_CLASSES,
    THRESHOLDS,
    Thresholds,
)

PROFILE_COLUMNS = (
    "subject_id",
    "region_id",
    "birth_year",
    "special_group",
    "industry_code",
    "employee_count",
    "established_on",
    "credit_level",
)
MATTER_CASE_COLUMNS = ("subject_id", "matter_id", "cases", "completed", "open_cases")
CASE_ACTIVITY_COLUMNS = ("subject_id", "cases_90d", "cases_365d", "last_case_at")
CHANNEL_COLUMNS = ("subject_id", "channel", "cases")
REVIEW_COLUMNS = ("subject_id", "reviews", "good", "bad")
TICKET_COLUMNS = ("subject_id", "tickets", "served", "missed", "last_ticket_at")
VISIT_COLUMNS = ("subject_id", "ticketed_cases", "linked_tickets", "repeat_cases")
CONSULTATION_COLUMNS = ("subject_id", "consultations", "last_consulted_at")
EVENT_COLUMNS = (
    "subject_id",
    "events",
    "closed",
    "satisfied",
    "basically",
    "dissatisfied",
    "last_event_at",
)
MATTER_COLUMNS = ("matter_id", "name")
SPECIAL_GROUP_ELDERLY = "老年人"


@dataclass(frozen=True)
class ApplicantRecords:
    """The aggregated records of one kind of applicant; each frame holds the columns named after it.

    profiles (PROFILE_COLUMNS): one row per subject to portray; the other frames may hold fewer subjects.
    matter_cases: per subject and matter, applications, completed and open ones. case_activity: per
    subject, cases submitted in the last 90 / 365 days and the last submission. channels: per subject and
    channel, applications. reviews: valid reviews of the subject's cases, good (level >= 3), bad (<= 2).
    tickets: queue tickets, served, missed, the last taken. visits: per subject, cases with a ticket,
    tickets linked to a case, cases with >= 2 tickets. consultations, events: counts and the last one.
    matters: matter_id -> name.
    """

    profiles: pd.DataFrame
    matter_cases: pd.DataFrame
    case_activity: pd.DataFrame
    channels: pd.DataFrame
    reviews: pd.DataFrame
    tickets: pd.DataFrame
    visits: pd.DataFrame
    consultations: pd.DataFrame
    events: pd.DataFrame
    matters: pd.DataFrame

    @classmethod
    def of(cls, **frames: pd.DataFrame) -> "ApplicantRecords":
        """Records from the frames given; those left out are empty."""
        columns = {
            "profiles": PROFILE_COLUMNS,
            "matter_cases": MATTER_CASE_COLUMNS,
            "case_activity": CASE_ACTIVITY_COLUMNS,
            "channels": CHANNEL_COLUMNS,
            "reviews": REVIEW_COLUMNS,
            "tickets": TICKET_COLUMNS,
            "visits": VISIT_COLUMNS,
            "consultations": CONSULTATION_COLUMNS,
            "events": EVENT_COLUMNS,
            "matters": MATTER_COLUMNS,
        }
        unknown = set(frames) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown record frames {sorted(unknown)}")
        return cls(**{name: frame_of(cols, frames.get(name)) for name, cols in columns.items()})


def enterprise_portraits(
    records: ApplicantRecords, now: datetime, thresholds: Thresholds = THRESHOLDS
) -> pd.DataFrame:
    """Portray each enterprise of ``records.profiles`` as of NOW (local naive)."""
    ids = _ids(records)
    stamp = pd.Timestamp(now)
    activity, nested = _activity(records, ids, stamp, thresholds)
    firm = _enterprise_profile(records, ids, stamp)
    firm["exit_cases"] = _exit_cases(records, ids)
    firm.loc[firm["exit_cases"] > 0, "life_stage"] = EXITING
    scalars = pd.concat([firm, activity], axis=1)
    frequent = thresholds.frequent_enterprise_cases
    flags = _applicant_flags(scalars, thresholds, frequent)
    flags["new_business"] = scalars["life_stage"] == LIFE_STAGES[0][1]
    flags["exiting"] = scalars["life_stage"] == EXITING
    return portraits(ids, scalars, nested, flags, engagement_score(scalars, thresholds, frequent))


def citizen_portraits(
    records: ApplicantRecords, now: datetime, thresholds: Thresholds = THRESHOLDS
) -> pd.DataFrame:
    """Portray each citizen of ``records.profiles`` as of NOW (local naive)."""
    ids = _ids(records)
    stamp = pd.Timestamp(now)
    activity, nested = _activity(records, ids, stamp, thresholds)
    person = _citizen_profile(records, ids, stamp)
    visits = _visits(records, ids)
    scalars = pd.concat([person, activity, visits], axis=1)
    flags = _applicant_flags(scalars, thresholds, thresholds.frequent_cases)
    flags["elderly"] = (person["age"] >= thresholds.elderly_age) | (
        person["special_group"] == SPECIAL_GROUP_ELDERLY
    )
    flags["special_group"] = person["special_group"].notna()
    flags["repeat_visitor"] = visits["repeat_cases"] > 0
    score = engagement_score(scalars, thresholds, thresholds.frequent_cases)
    return portraits(ids, scalars.drop(columns="age"), nested, flags, score)


def engagement_score(features: pd.DataFrame, thresholds: Thresholds, frequent_cases: int) -> pd.Series:
    """The engagement score (0-100) from days_since_last_contact, cases_365d (full at FREQUENT_CASES),
    distinct_matters and online_share; see the module docstring."""
    days = features["days_since_last_contact"].astype(float)
    parts = pd.DataFrame(
        {
            "recency": (1 - days / thresholds.year_days).clip(lower=0, upper=1).fillna(0),
            "frequency": (features["cases_365d"] / frequent_cases).clip(upper=1),
            "breadth": (features["distinct_matters"] / thresholds.breadth_matters).clip(upper=1),
            "digital": features["online_share"].fillna(0),
        }
    )
    return weighted_score(parts, thresholds.engagement_weights)


def _ids(records: ApplicantRecords) -> pd.Index:
    return pd.Index(records.profiles["subject_id"].astype("int64").unique(), name="subject_id")


def _activity(
    records: ApplicantRecords, ids: pd.Index, now: pd.Timestamp, thresholds: Thresholds
) -> tuple[pd.DataFrame, dict[str, list]]:
    """Cases, matters, channels, reviews, tickets, consultations, events and the last contact."""
    cases = per_subject(ids, records.matter_cases, ("cases", "completed", "open_cases"))
    matters = records.matter_cases[records.matter_cases["cases"] > 0]
    recent = per_subject(ids, records.case_activity, ("cases_90d", "cases_365d"))
    shares, preferred, preferred_share, online = _channels(records.channels, ids)
    reviews = per_subject(ids, records.reviews, ("reviews", "good", "bad"))
    tickets = per_subject(ids, records.tickets, ("tickets", "served", "missed"))
    events = per_subject(ids, records.events, ("events", "closed", "satisfied", "basically", "dissatisfied"))
    callbacks = events["satisfied"] + events["basically"] + events["dissatisfied"]
    last = _last_contact(records, ids)
    days = np.floor((now - last) / pd.Timedelta(days=1)).clip(lower=0)
    frame = pd.DataFrame(
        {
            "cases": cases["cases"],
            "matters_done": cases["completed"],
            "distinct_matters": matters.groupby("subject_id")["matter_id"].nunique().reindex(ids).fillna(0),
            "pending_cases": cases["open_cases"],
            "cases_90d": recent["cases_90d"],
            "cases_365d": recent["cases_365d"],
            "preferred_channel": preferred,
            "preferred_share": preferred_share,
            "online_share": online,
            "reviews": reviews["reviews"],
            "good_rate": ratio(reviews["good"], reviews["reviews"]),
            "bad_reviews": reviews["bad"],
            "tickets": tickets["tickets"],
            "missed_tickets": tickets["missed"],
            "consultations": per_subject(ids, records.consultations, ("consultations",))["consultations"],
            "events_reported": events["events"],
            "events_closed": events["closed"],
            "events_satisfaction_rate": ratio(events["satisfied"] + events["basically"], callbacks),
            "events_dissatisfied": events["dissatisfied"],
            "last_contact_on": last.dt.strftime("%Y-%m-%d").where(last.notna()),
            "days_since_last_contact": days,
        },
        index=ids,
    )
    not_counts = {"preferred_channel", "preferred_share", "online_share", "good_rate"}
    not_counts |= {"events_satisfaction_rate", "last_contact_on"}
    counts = [c for c in frame.columns if c not in not_counts]
    frame[counts] = frame[counts].astype("Int64")
    names = dict(zip(records.matters["matter_id"].astype(int), records.matters["name"], strict=True))
    top = top_items(matters, ids, item="matter_id", count="cases", names=names, limit=thresholds.top_matters)
    return frame, {"top_matters": top, "channel_shares": shares}


def _channels(channels: pd.DataFrame, ids: pd.Index) -> tuple[list[dict], pd.Series, pd.Series, pd.Series]:
    """Per subject: the share of each channel (dict), the preferred channel, its share, the online share."""
    if channels.empty:
        counts = pd.DataFrame(0.0, index=ids, columns=list(CHANNELS))
    else:
        counts = channels.pivot_table(
            index="subject_id", columns="channel", values="cases", aggfunc="sum", fill_value=0
        )
        counts = counts.reindex(index=ids, columns=list(CHANNELS)).fillna(0)
    total = counts.sum(axis=1)
    shares = counts.div(total.where(total > 0), axis=0).round(4)
    preferred = counts.idxmax(axis=1).where(total > 0)
    online = shares[list(ONLINE_CHANNELS)].sum(axis=1, min_count=1).where(total > 0)
    records = shares.astype(object).where(shares.notna(), None).to_dict("records")
    dicts = [record if total_i > 0 else {} for record, total_i in zip(records, total, strict=True)]
    return dicts, preferred, shares.max(axis=1).where(total > 0), online


def _last_contact(records: ApplicantRecords, ids: pd.Index) -> pd.Series:
    """The latest case, ticket, consultation or reported event of each subject (NaT if none)."""
    sources = (
        (records.case_activity, "last_case_at"),
        (records.tickets, "last_ticket_at"),
        (records.consultations, "last_consulted_at"),
        (records.events, "last_event_at"),
    )
    stamps = [
        pd.to_datetime(frame[column]).groupby(frame["subject_id"]).max().reindex(ids)
        for frame, column in sources
    ]
    return pd.concat(stamps, axis=1).max(axis=1).astype("datetime64[ns]")


def _applicant_flags(features: pd.DataFrame, thresholds: Thresholds, frequent_cases: int) -> pd.DataFrame:
    """The tags both kinds of applicant share, one boolean column each."""
    flags = pd.DataFrame(index=features.index)
    preferred = features["preferred_channel"]
    enough = features["cases"].fillna(0) >= thresholds.min_cases_for_preference
    strong = features["preferred_share"].fillna(0) >= thresholds.preference_share
    for channel, tag in PREFERENCE_TAGS.items():
        flags[tag] = enough & strong & (preferred == channel)
    flags["frequent"] = features["cases_365d"].fillna(0) >= frequent_cases
    days = features["days_since_last_contact"].astype(float)
    flags["dormant"] = days.isna() | (days > thresholds.dormant_days)
    flags["has_pending"] = features["pending_cases"].fillna(0) > 0
    flags["dissatisfied"] = (features["bad_reviews"].fillna(0) > 0) | (
        features["events_dissatisfied"].fillna(0) > 0
    )
    return flags


def _enterprise_profile(records: ApplicantRecords, ids: pd.Index, now: pd.Timestamp) -> pd.DataFrame:
    profile = records.profiles.drop_duplicates("subject_id").set_index("subject_id").reindex(ids)
    code = profile["industry_code"].astype(object).where(profile["industry_code"].notna())
    section = code.str[:1].where(code.str[:1].isin(list(INDUSTRY_SECTIONS)))
    established = pd.to_datetime(profile["established_on"])
    age = ((now - established) / pd.Timedelta(days=365.25)).round(2)
    employees = profile["employee_count"].astype("Int64")
    return pd.DataFrame(
        {
            "region_id": profile["region_id"].astype("Int64"),
            "industry_code": code,
            "industry_section": section,
            "industry_section_name": section.map(INDUSTRY_SECTIONS),
            "employee_count": employees,
            "size_class": _banded(employees.astype(float), SIZE_CLASSES, LARGEST_SIZE),
            "established_on": established.dt.strftime("%Y-%m-%d").where(established.notna()),
            "age_years": age,
            "life_stage": _banded(age, LIFE_STAGES, OLDEST_STAGE),
            "credit_level": profile["credit_level"].astype(object).where(profile["credit_level"].notna()),
        },
        index=ids,
    )


def _citizen_profile(records: ApplicantRecords, ids: pd.Index, now: pd.Timestamp) -> pd.DataFrame:
    profile = records.profiles.drop_duplicates("subject_id").set_index("subject_id").reindex(ids)
    age = now.year - profile["birth_year"].astype(float)
    group = profile["special_group"].astype(object)
    return pd.DataFrame(
        {
            "region_id": profile["region_id"].astype("Int64"),
            "age": age,
            "age_band": _banded(age, AGE_BANDS, OLDEST_BAND),
            "special_group": group.where(group.notna() & (group != "")),
        },
        index=ids,
    )


def _visits(records: ApplicantRecords, ids: pd.Index) -> pd.DataFrame:
    visits = per_subject(ids, records.visits, ("ticketed_cases", "linked_tickets", "repeat_cases"))
    return pd.DataFrame(
        {
            "tickets_per_case": ratio(visits["linked_tickets"], visits["ticketed_cases"]),
            "repeat_cases": visits["repeat_cases"].astype("Int64"),
        },
        index=ids,
    )


def _exit_cases(records: ApplicantRecords, ids: pd.Index) -> pd.Series:
    """Applications to deregister the business itself (rules.EXIT_MATTER_PATTERN)."""
    exits = records.matters.loc[
        records.matters["name"].astype(str).str.contains(EXIT_MATTER_PATTERN, regex=True), "matter_id"
    ]
    cases = records.matter_cases[records.matter_cases["matter_id"].isin(exits)]
    return per_subject(ids, cases, ("cases",))["cases"].astype("Int64")


def _banded(values: pd.Series, bands: tuple[tuple[float, str], ...], last: str) -> pd.Series:
    """The label of the first band whose (exclusive) upper bound exceeds the value; NaN stays NaN."""
    bounds = np.array([bound for bound, _ in bands], dtype=float)
    labels = np.array([label for _, label in bands] + [last], dtype=object)
    numbers = values.astype(float).to_numpy()
    banded = labels[np.searchsorted(bounds, numbers, side="right")]
    return pd.Series(np.where(np.isnan(numbers), None, banded), index=values.index, dtype=object)
