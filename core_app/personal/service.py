"""The personal space (个人政务空间): a citizen's or enterprise's own cases, reviews, events,
recommendations, push preferences and notices.

The owner is the caller's account link (User.citizen_id / enterprise_id), never a parameter: every query
is narrowed by it in SQL, and a record of someone else answers exactly like a missing one (404), so ids
cannot be probed. An enterprise account sees the enterprise's cases and events; an account linked to both
a citizen and an enterprise sees both.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, false, func, or_, select
from sqlalchemy.orm import Session

from core_app.access.principal import Principal
from core_app.api.problems import NotFoundError, ProblemError
from core_app.cases.models import Case, CaseStatus, CaseStep, Review
from core_app.config import get_settings
from core_app.events.models import Event, EventStatus
from core_app.matters.models import Matter, MatterBundle
from core_app.org.models import Department
from core_app.proactive.models import Push, PushPreference, PushStatus
from core_app.publishing import service as publishing
from core_app.publishing.models import PublicationStatus

OPEN_CASES = (
    CaseStatus.SUBMITTED,
    CaseStatus.RECEIVED,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_APPROVAL,
    CaseStatus.SUSPENDED,
)
FINISHED_EVENTS = (EventStatus.CLOSED, EventStatus.INVALID)
SHOWN_PUSHES = (PushStatus.SENT, PushStatus.OPENED)  # recommendations still open to the subject
VISIBLE_PUSHES = (PushStatus.SENT, PushStatus.OPENED, PushStatus.CONVERTED, PushStatus.DISMISSED)
NOTICE_TARGET = "personal_space"
NOT_LINKED_SLUG = "not-linked"  # a 403 of its own kind: the permission is there, the link is not
NOT_LINKED = (
    "the personal space belongs to citizens and enterprises: this account ({username}) is linked to "
    "neither a citizen nor an enterprise"
)


@dataclass(frozen=True)
class Owner:
    """Whose space this is."""

    citizen_id: int | None
    enterprise_id: int | None

    def owns(self, model: Any) -> ColumnElement[bool]:
        """Rows of ``model`` (with citizen_id / enterprise_id columns) that belong to the owner."""
        return or_(
            model.citizen_id == self.citizen_id if self.citizen_id is not None else false(),
            model.enterprise_id == self.enterprise_id if self.enterprise_id is not None else false(),
        )

    @property
    def subject_type(self) -> str:
        """citizen, or enterprise for an account linked to an enterprise only."""
        return "citizen" if self.citizen_id is not None else "enterprise"


def owner_of(principal: Principal) -> Owner:
    """The caller's citizen or enterprise; 403 when the account is linked to neither."""
    if principal.citizen_id is None and principal.enterprise_id is None:
        raise ProblemError(403, NOT_LINKED.format(username=principal.username), slug=NOT_LINKED_SLUG)
    return Owner(principal.citizen_id, principal.enterprise_id)


def page_of(session: Session, statement: Select, *, page: int, page_size: int) -> tuple[list, int]:
    """One page of ``statement``'s rows and how many there are."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    rows = session.execute(statement.limit(page_size).offset((page - 1) * page_size)).all()
    return rows, total


def _own_case_ids(owner: Owner) -> Select:
    return select(Case.id).where(owner.owns(Case))


def summary(session: Session, owner: Owner, now: datetime) -> dict[str, Any]:
    """Counts for the space's front page."""
    cases = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(_flag(Case.status.in_(OPEN_CASES))), 0),
            func.coalesce(func.sum(_flag(Case.status == CaseStatus.COMPLETED)), 0),
        ).where(owner.owns(Case))
    ).one()
    events = session.execute(
        select(func.count(), func.coalesce(func.sum(_flag(Event.status.not_in(FINISHED_EVENTS))), 0)).where(
            owner.owns(Event)
        )
    ).one()
    reviews = session.scalar(select(func.count()).where(Review.case_id.in_(_own_case_ids(owner)))) or 0
    pushes = session.execute(
        select(func.count(), func.coalesce(func.sum(_flag(Push.status == PushStatus.SENT)), 0)).where(
            *recommendation_conditions(owner, now)
        )
    ).one()
    _, notice_count = notices(session, now, page=1, page_size=1)
    return {
        "subject_type": owner.subject_type,
        "citizen_id": owner.citizen_id,
        "enterprise_id": owner.enterprise_id,
        "cases_total": int(cases[0]),
        "cases_open": int(cases[1]),
        "cases_completed": int(cases[2]),
        "reviews": int(reviews),
        "events_total": int(events[0]),
        "events_open": int(events[1]),
        "recommendations": int(pushes[0]),
        "recommendations_unread": int(pushes[1]),
        "notices": notice_count,
    }


def _flag(condition: ColumnElement[bool]):
    return case((condition, 1), else_=0)


def cases_statement(owner: Owner, statuses: tuple[CaseStatus, ...] = ()) -> Select:
    """The owner's cases with matter, department and bundle names, newest first."""
    statement = (
        select(Case, Matter.name, Department.name, MatterBundle.name)
        .join(Matter, Matter.id == Case.matter_id)
        .join(Department, Department.id == Case.department_id)
        .outerjoin(MatterBundle, MatterBundle.id == Case.bundle_id)
        .where(owner.owns(Case))
        .order_by(Case.submitted_at.desc(), Case.id.desc())
    )
    return statement.where(Case.status.in_(statuses)) if statuses else statement


def own_case(session: Session, owner: Owner, case_id: int) -> tuple:
    """One of the owner's cases with its names; 404 for anyone else's, exactly as for a missing one."""
    row = session.execute(cases_statement(owner).where(Case.id == case_id)).first()
    if row is None:
        raise NotFoundError(f"Case {case_id} does not exist")
    return row


def case_steps(session: Session, case_id: int) -> list[CaseStep]:
    """The case's approval steps in the order they started."""
    statement = select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.started_at, CaseStep.id)
    return list(session.scalars(statement))


def reviews_statement(owner: Owner, case_id: int | None = None) -> Select:
    """Reviews of the owner's cases, newest first."""
    statement = (
        select(Review, Case.case_no, Matter.name)
        .join(Case, Case.id == Review.case_id)
        .join(Matter, Matter.id == Review.matter_id)
        .where(owner.owns(Case))
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
    )
    return statement.where(Review.case_id == case_id) if case_id is not None else statement


def events_statement(owner: Owner) -> Select:
    """The events the owner reported, newest first."""
    return select(Event).where(owner.owns(Event)).order_by(Event.reported_at.desc(), Event.id.desc())


def recommendation_conditions(owner: Owner, now: datetime) -> list[ColumnElement[bool]]:
    """Recommendations still open to the owner: sent (released by now) or opened, not dismissed."""
    return [owner.owns(Push), Push.status.in_(SHOWN_PUSHES), Push.sent_at <= now]


def recommendations_statement(owner: Owner, now: datetime) -> Select:
    """The owner's open recommendations with their matters and bundle names, newest first."""
    return (
        select(Push, Matter, MatterBundle.name)
        .join(Matter, Matter.id == Push.matter_id)
        .outerjoin(MatterBundle, MatterBundle.id == Push.bundle_id)
        .where(*recommendation_conditions(owner, now))
        .order_by(Push.sent_at.desc(), Push.id.desc())
    )


def own_push(session: Session, owner: Owner, push_id: int, now: datetime) -> Push:
    """One push the owner has been shown; 404 otherwise (someone else's, suppressed, not yet released)."""
    push = session.scalar(
        select(Push).where(
            Push.id == push_id, owner.owns(Push), Push.status.in_(VISIBLE_PUSHES), Push.sent_at <= now
        )
    )
    if push is None:
        raise NotFoundError(f"Recommendation {push_id} does not exist")
    return push


def push_matter(session: Session, push: Push) -> tuple[Matter, str | None]:
    """The pushed matter and the name of its bundle, if any."""
    bundle = session.get(MatterBundle, push.bundle_id) if push.bundle_id is not None else None
    return session.get(Matter, push.matter_id), bundle.name if bundle else None


def open_push(push: Push, now: datetime) -> None:
    """Mark a sent push opened (an opened, converted or dismissed one stays as it is)."""
    if push.status == PushStatus.SENT:
        push.status, push.opened_at = PushStatus.OPENED, now


def dismiss_push(push: Push, now: datetime) -> None:
    """Dismiss a sent or opened push; 409 for one already taken up (converted)."""
    if push.status == PushStatus.CONVERTED:
        raise ProblemError(
            409,
            f"Recommendation {push.id} was already taken up (converted) and cannot be dismissed",
            slug="invalid-transition",
            allowed_actions=["open"],
        )
    if push.status in SHOWN_PUSHES:
        push.status, push.dismissed_at = PushStatus.DISMISSED, now


def preference(session: Session, owner: Owner) -> PushPreference | None:
    """The owner's push preferences, if ever set."""
    return session.scalar(select(PushPreference).where(owner.owns(PushPreference)))


def save_preference(session: Session, owner: Owner, values: dict[str, Any]) -> PushPreference:
    """Replace the owner's push preferences (one row per citizen or enterprise)."""
    row = preference(session, owner)
    if row is None:
        key = {"citizen_id": owner.citizen_id} if owner.citizen_id is not None else {}
        row = PushPreference(**(key or {"enterprise_id": owner.enterprise_id}))
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    return row


def district_quiet_hours() -> tuple[str, str]:
    """The district's quiet hours (start, end), HH:MM."""
    settings = get_settings()
    return settings.push_quiet_start, settings.push_quiet_end


def notices(session: Session, now: datetime, *, page: int, page_size: int) -> tuple[list, int]:
    """Publications published for the personal space and not expired, newest first.

    Scheduled ones whose time has come are published (and expired ones expired) first, as the
    publications reader does, so the page is right without a scheduler.
    """
    if publishing.publish_due(session, now):
        session.commit()
    rows, total = publishing.list_publications(
        session,
        statuses=[PublicationStatus.PUBLISHED],
        target=NOTICE_TARGET,
        kind=None,
        hall_id=None,
        page=page,
        page_size=page_size,
    )
    return list(rows), total
