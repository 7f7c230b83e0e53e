"""Proactive pushes (精准推送, DOMAIN §7.6): ask the recommender, decide, explain, store and send.

``generate_pushes`` reads the recently active subjects' histories and profiles, asks the registered
recommender for their next matters, and hands the answer to the pure decision (``rules.decide``, whose
docstring lists the rules) and reasons (``reasons.explain``). It writes in the caller's transaction.

What is stored: one Push row per decision ``send`` (status sent) or ``opted_out`` (status suppressed,
suppressed_reason "opted_out"). Below-threshold, repeated and capped candidates are not stored: they
would be most rows every day, and a capped one comes back when the cap allows; a dry run shows them.

Sending (settings BUTLER_PUSH_*):
- channel: the subject's preference; else SMS when a phone is on record (citizen phone, enterprise
  contact_phone); else the app. SMS goes to that phone through the outbox (Channel.SMS).
- app: an APP_PUSH message to the subject's app account (the lowest-id active user linked to the citizen
  or enterprise, by username). Without an account the push is still sent into the personal space (status
  sent, no outbox message): that is where the app shows it when they next sign in.
- quiet hours (district BUTLER_PUSH_QUIET_START/END, default 21:00-08:00, or the subject's own pair): a
  push decided inside them gets its outbox row's first attempt at their end. ``sent_at`` is when the
  message is released (so the 30-day conversion window starts when the person can see it).
- every message has dedup_key ``push:<push id>``; a second run the same day finds every pair already
  pushed (the 90-day rule) and writes nothing.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import ColumnElement, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from core_app.access.models import User
from core_app.associations.models import MatterAssociation
from core_app.cases.history import NOT_STARTED, applicant_histories, subject_key
from core_app.cases.models import ApplicantType, Case
from core_app.config import get_settings
from core_app.db.base import utcnow
from core_app.matters.models import BundleStatus, Matter, MatterBundle, MatterBundleItem
from core_app.notify import outbox
from core_app.notify.models import Channel
from core_app.people.models import Citizen, Enterprise
from core_app.people.profiles import applicant_profiles
from core_app.proactive.models import Push, PushChannel, PushPreference, PushStatus
from core_app.proactive.reasons import Evidence, done_matters, explain
from core_app.proactive.rules import (
    BELOW_THRESHOLD,
    DECISIONS,
    OPTED_OUT,
    PAST_COLUMNS,
    SEND,
    STORED,
    SUBJECT_COLUMNS,
    PushRules,
    decide,
)
from serving.recommend import NoRecommenderError, get_recommender

CHUNK = 2_000  # subjects per round: IN lists stay small and memory flat on the large district
LIVE_BUNDLES = (BundleStatus.APPROVED, BundleStatus.ACTIVE)
NO_RECOMMENDER = "no recommender registered: run `butler train recommend`"
CHANNELS = {PushChannel.SMS: Channel.SMS, PushChannel.APP: Channel.APP_PUSH}
SMS_FOOTER = "详情请在个人政务空间查看；不需要此类提醒，可在那里关闭。"


class Recommender(Protocol):
    """What generation needs of serving.recommend.RecommenderService."""

    version: str

    def recommend(
        self, histories: pd.DataFrame, profiles: pd.DataFrame, *, now: datetime, k: int = 5
    ) -> pd.DataFrame: ...


class RecommenderUnavailable(RuntimeError):
    """No recommender model is registered."""


def load_recommender() -> Recommender:
    """The registered recommender (the champion); RecommenderUnavailable when there is none."""
    try:
        return get_recommender()
    except NoRecommenderError as exc:
        raise RecommenderUnavailable(NO_RECOMMENDER) from exc


@dataclass
class GenerationReport:
    """What one generation decided (all decisions counted; ``decisions`` holds all but below-threshold)."""

    model_version: str
    dry_run: bool
    subjects: int = 0
    recommendations: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DECISIONS, 0))
    channels: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    seconds: float = 0.0
    decisions: list[pd.DataFrame] = field(default_factory=list, repr=False)

    def add(self, decided: pd.DataFrame) -> None:
        """Count one round's decisions."""
        self.recommendations += len(decided)
        for decision, count in decided["decision"].value_counts().items():
            self.counts[str(decision)] += int(count)
        sent = decided.loc[decided["decision"] == SEND, "channel"].value_counts()
        for channel, count in sent.items():
            self.channels[str(channel)] = self.channels.get(str(channel), 0) + int(count)

    def decision_frame(self) -> pd.DataFrame:
        """The decisions kept by a dry run, as one frame."""
        return pd.concat(self.decisions, ignore_index=True) if self.decisions else pd.DataFrame()


def generate_pushes(
    session: Session,
    *,
    now: datetime | None = None,
    recommender: Recommender | None = None,
    limit: int | None = None,
    dry_run: bool = False,
) -> GenerationReport:
    """Decide and (unless ``dry_run``) store and send today's pushes for up to ``limit`` subjects,
    the most recently active first. Nothing is committed."""
    started = time.perf_counter()
    now = now or utcnow()
    settings = get_settings()
    rules = PushRules.from_settings(settings)
    recommender = recommender or load_recommender()
    report = GenerationReport(model_version=recommender.version, dry_run=dry_run)
    subjects = active_subjects(session, now=now, days=settings.push_active_days, limit=limit)
    report.subjects = len(subjects)
    for citizen_ids, enterprise_ids in _chunks(subjects, CHUNK):
        histories = applicant_histories(
            session, until=now, citizen_ids=citizen_ids, enterprise_ids=enterprise_ids
        )
        profiles = applicant_profiles(session, citizen_ids=citizen_ids, enterprise_ids=enterprise_ids)
        recommended = recommender.recommend(histories, profiles, now=now, k=settings.push_candidates)
        since = now - timedelta(days=max(rules.repeat_days, rules.cap_days))
        past = past_pushes(session, citizen_ids, enterprise_ids, since=since)
        contacts = subject_contacts(session, citizen_ids, enterprise_ids)
        decided = decide(recommended, past, contacts, rules, now)
        report.add(decided)
        # A dry run shows why the capped and repeated candidates would not go out; a real run explains
        # only what it stores.
        shown = decided["decision"] != BELOW_THRESHOLD if dry_run else decided["decision"].isin(STORED)
        considered = decided[shown]
        explained = explain(considered, gather_evidence(session, considered, histories, profiles, now))
        if dry_run:
            report.decisions.append(explained)
        else:
            report.messages += write_pushes(session, explained, model_version=recommender.version, now=now)
    report.seconds = time.perf_counter() - started
    return report


def active_subjects(session: Session, *, now: datetime, days: int, limit: int | None) -> pd.DataFrame:
    """Citizens and enterprises with a case submitted in the ``days`` before now, latest activity first."""
    subject_id = func.coalesce(Case.citizen_id, Case.enterprise_id)
    last = func.max(Case.submitted_at)
    statement = (
        select(Case.applicant_type, subject_id, last)
        .where(
            Case.submitted_at >= now - timedelta(days=days),
            Case.submitted_at < now,
            Case.status.not_in(NOT_STARTED),
        )
        .group_by(Case.applicant_type, subject_id)
        .order_by(last.desc(), Case.applicant_type, subject_id)
        .limit(limit)
    )
    rows = session.execute(statement).all()
    frame = pd.DataFrame(rows, columns=["subject_type", "subject_id", "last_at"])
    frame["subject_type"] = frame["subject_type"].map(lambda v: ApplicantType(v).value)
    return frame


def _chunks(subjects: pd.DataFrame, size: int) -> Iterator[tuple[list[int], list[int]]]:
    for start in range(0, len(subjects), size):
        part = subjects.iloc[start : start + size]
        citizens = part.loc[part["subject_type"] == ApplicantType.CITIZEN.value, "subject_id"]
        enterprises = part.loc[part["subject_type"] == ApplicantType.ENTERPRISE.value, "subject_id"]
        yield [int(i) for i in citizens], [int(i) for i in enterprises]


def _of_subjects(model, citizen_ids: list[int], enterprise_ids: list[int]) -> ColumnElement[bool]:
    return or_(
        model.citizen_id.in_(citizen_ids) if citizen_ids else false(),
        model.enterprise_id.in_(enterprise_ids) if enterprise_ids else false(),
    )


def past_pushes(
    session: Session, citizen_ids: list[int], enterprise_ids: list[int], *, since: datetime
) -> pd.DataFrame:
    """The subjects' pushes generated or sent since ``since`` (PAST_COLUMNS)."""
    statement = select(
        Push.citizen_id, Push.enterprise_id, Push.matter_id, Push.status, Push.generated_at, Push.sent_at
    ).where(
        _of_subjects(Push, citizen_ids, enterprise_ids),
        or_(Push.generated_at >= since, Push.sent_at >= since),
    )
    rows = session.execute(statement).all()
    frame = pd.DataFrame(rows, columns=["citizen_id", "enterprise_id", *PAST_COLUMNS[1:]])
    frame.insert(0, "subject", _subject_keys(frame))
    frame["status"] = frame["status"].map(lambda v: PushStatus(v).value)
    frame["generated_at"] = pd.to_datetime(frame["generated_at"], utc=True)
    frame["sent_at"] = pd.to_datetime(frame["sent_at"], utc=True)
    return frame[list(PAST_COLUMNS)]


def _subject_keys(frame: pd.DataFrame) -> pd.Series:
    """The subject key of rows with citizen_id / enterprise_id columns (exactly one set)."""
    is_citizen = frame["citizen_id"].notna()
    kinds = pd.Series(ApplicantType.ENTERPRISE.value, index=frame.index).mask(
        is_citizen, ApplicantType.CITIZEN.value
    )
    ids = frame["citizen_id"].fillna(frame["enterprise_id"]).astype("int64")
    return subject_key(kinds, ids)


def subject_contacts(session: Session, citizen_ids: list[int], enterprise_ids: list[int]) -> pd.DataFrame:
    """Preferences and whether a phone is on record (the number itself is not read) (SUBJECT_COLUMNS)."""
    parts = []
    for kind, model, phone, ids, owner in (
        (ApplicantType.CITIZEN, Citizen, Citizen.phone, citizen_ids, PushPreference.citizen_id),
        (
            ApplicantType.ENTERPRISE,
            Enterprise,
            Enterprise.contact_phone,
            enterprise_ids,
            PushPreference.enterprise_id,
        ),
    ):
        if not ids:
            continue
        statement = (
            select(
                literal(kind.value),
                model.id,
                PushPreference.opted_out,
                PushPreference.channel,
                func.coalesce(func.length(func.trim(phone)), 0) > 0,
                PushPreference.quiet_start,
                PushPreference.quiet_end,
            )
            .outerjoin(PushPreference, owner == model.id)
            .where(model.id.in_(ids))
        )
        parts.append(statement)
    columns = ["subject_type", "subject_id", *SUBJECT_COLUMNS[1:]]
    if not parts:
        return pd.DataFrame(columns=["subject", *SUBJECT_COLUMNS[1:]])
    rows = session.execute(union_all(*parts) if len(parts) > 1 else parts[0]).all()
    frame = pd.DataFrame(rows, columns=columns)
    frame["subject"] = subject_key(frame["subject_type"].astype(str), frame["subject_id"])
    frame["opted_out"] = frame["opted_out"].fillna(False).astype(bool)
    frame["has_phone"] = frame["has_phone"].astype(bool)
    frame["channel"] = frame["channel"].map(lambda v: None if v is None else PushChannel(v).value)
    return frame[list(SUBJECT_COLUMNS)]


def gather_evidence(
    session: Session, decided: pd.DataFrame, histories: pd.DataFrame, profiles: pd.DataFrame, now: datetime
) -> Evidence:
    """The matter names, bundles, association rules and past matters the reasons of ``decided`` need."""
    offered = sorted({int(m) for m in decided["matter_id"]})
    subjects = set(decided["subject"])
    own = histories[histories["subject"].isin(subjects)]
    mentioned = set(offered) | {int(m) for m in own["matter_id"]}
    matters = pd.DataFrame(
        session.execute(
            select(Matter.id, Matter.name, Matter.online_capable | Matter.mobile_capable).where(
                Matter.id.in_(sorted(mentioned))
            )
        ).all(),
        columns=["matter_id", "name", "online"],
    )
    bundles = pd.DataFrame(
        session.execute(
            select(MatterBundleItem.matter_id, MatterBundle.id, MatterBundle.name)
            .join(MatterBundle, MatterBundle.id == MatterBundleItem.bundle_id)
            .where(MatterBundleItem.matter_id.in_(offered), MatterBundle.status.in_(LIVE_BUNDLES))
        ).all(),
        columns=["matter_id", "bundle_id", "bundle_name"],
    )
    associations = pd.DataFrame(
        session.execute(
            select(
                MatterAssociation.antecedent_matter_id,
                MatterAssociation.consequent_matter_id,
                MatterAssociation.window_days,
                MatterAssociation.confidence,
                MatterAssociation.median_gap_days,
            ).where(MatterAssociation.consequent_matter_id.in_(offered))
        ).all(),
        columns=[
            "antecedent_matter_id",
            "consequent_matter_id",
            "window_days",
            "confidence",
            "median_gap_days",
        ],
    ).astype({"confidence": float, "median_gap_days": float})
    return Evidence(
        matters=matters,
        bundles=bundles,
        associations=associations,
        done=done_matters(own),
        profiles=profiles[profiles["subject"].isin(subjects)],
        now=now,
    )


def write_pushes(session: Session, explained: pd.DataFrame, *, model_version: str, now: datetime) -> int:
    """Store the ``send`` and ``opted_out`` decisions and queue the messages; the messages queued.

    The pushes are complete before one batched INSERT; queuing does not flush between messages, so each
    costs the outbox's own statements only, and the links are written in one batch at the end.
    """
    rows = list(explained[explained["decision"].isin(STORED)].itertuples(index=False))
    pushes = [_push_row(row, model_version, now) for row in rows]
    recipients = message_recipients(
        session, [push for push, row in zip(pushes, rows, strict=True) if row.decision == SEND]
    )
    to_queue = []
    for push, row in zip(pushes, rows, strict=True):
        if row.decision != SEND:
            continue
        recipient = recipients.get((push.channel, push.citizen_id, push.enterprise_id))
        push.status = PushStatus.SENT
        # The app without an account: the personal space shows it from now, no message leaves.
        push.sent_at = now if recipient is None else row.release_at.to_pydatetime()
        if recipient is not None:
            to_queue.append((push, recipient, row.matter_name))
    session.add_all(pushes)
    session.flush()
    with session.no_autoflush:
        for push, recipient, matter_name in to_queue:
            message = _queue(session, push, recipient, matter_name, now)
            message.next_attempt_at = push.sent_at  # the end of the quiet hours, or now
            push.outbox_message_id = message.id
    session.flush()
    return len(to_queue)


def _push_row(row: Any, model_version: str, now: datetime) -> Push:
    subject_type, subject_id = row.subject.split(":")
    opted_out = row.decision == OPTED_OUT
    return Push(
        citizen_id=int(subject_id) if subject_type == ApplicantType.CITIZEN.value else None,
        enterprise_id=int(subject_id) if subject_type == ApplicantType.ENTERPRISE.value else None,
        matter_id=int(row.matter_id),
        bundle_id=None if pd.isna(row.bundle_id) else int(row.bundle_id),
        score=float(row.score),
        reasons=list(row.reasons),
        model_version=model_version[:64],
        channel=PushChannel(row.channel),
        status=PushStatus.SUPPRESSED if opted_out else PushStatus.GENERATED,
        suppressed_reason=OPTED_OUT if opted_out else None,
        generated_at=now,
    )


def message_recipients(session: Session, pushes: list[Push]) -> dict[tuple, str]:
    """(channel, citizen_id, enterprise_id) -> the phone (SMS) or app account (app) to send to."""
    found: dict[tuple, str] = {}
    sms = [p for p in pushes if p.channel == PushChannel.SMS]
    app = [p for p in pushes if p.channel == PushChannel.APP]
    citizens = sorted({p.citizen_id for p in sms if p.citizen_id})
    enterprises = sorted({p.enterprise_id for p in sms if p.enterprise_id})
    if citizens:
        statement = select(Citizen.id, Citizen.phone).where(Citizen.id.in_(citizens))
        for citizen_id, phone in session.execute(statement):
            if phone:
                found[(PushChannel.SMS, citizen_id, None)] = phone
    if enterprises:
        statement = select(Enterprise.id, Enterprise.contact_phone).where(Enterprise.id.in_(enterprises))
        for enterprise_id, phone in session.execute(statement):
            if phone:
                found[(PushChannel.SMS, None, enterprise_id)] = phone
    citizens = sorted({p.citizen_id for p in app if p.citizen_id})
    enterprises = sorted({p.enterprise_id for p in app if p.enterprise_id})
    if citizens or enterprises:
        statement = (
            select(User.citizen_id, User.enterprise_id, User.username)
            .where(User.is_active.is_(True), _of_subjects(User, citizens, enterprises))
            .order_by(User.id.desc())  # the lowest id is written last and wins
        )
        for citizen_id, enterprise_id, username in session.execute(statement):
            own = (citizen_id, None) if citizen_id in citizens else (None, enterprise_id)
            found[(PushChannel.APP, *own)] = username
    return found


def _queue(session: Session, push: Push, recipient: str, matter_name: str, now: datetime):
    reasons = list(push.reasons)
    if push.channel == PushChannel.SMS:
        first = reasons[0] if reasons else ""
        body = f"您可能需要办理「{matter_name}」。{first}{SMS_FOOTER}"
    else:
        body = "".join(reasons)
    key = f"push:{push.id}"
    message = outbox.enqueue(
        session,
        channel=CHANNELS[push.channel],
        recipient=recipient,
        subject=f"为您推荐：{matter_name}",
        body=body,
        payload={"push_id": push.id, "matter_id": push.matter_id, "bundle_id": push.bundle_id},
        dedup_key=key,
        now=now,
    )
    return message if message is not None else outbox.find_by_dedup_key(session, key)
