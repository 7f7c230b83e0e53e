"""The personal space (个人政务空间) under /api/v1/me, permission ``personal:use``: the caller's own cases,
reviews, events, recommended matters, push preferences and notices, and nobody else's."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.admin.common import invalid
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import RecordId
from core_app.api.problems import DETAIL_RESPONSES, LIST_RESPONSES, InvalidParameterError
from core_app.audit.service import record
from core_app.cases.models import CaseStatus
from core_app.db.base import utcnow
from core_app.personal import schemas, service
from core_app.proactive.models import Push
from core_app.publishing.schemas import PublicationRead

router = APIRouter(prefix="/me", tags=["personal space"])

PERMISSION = "personal:use"

User = Annotated[Principal, Depends(require(PERMISSION))]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


def _now() -> datetime:
    return utcnow()


def parse_case_statuses(raw: str | None) -> tuple[CaseStatus, ...]:
    """Case statuses from a comma list; 422 naming query.status otherwise."""
    if raw is None:
        return ()
    try:
        return tuple(CaseStatus(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError:
        allowed = ", ".join(s.value for s in CaseStatus)
        raise InvalidParameterError(
            "query.status", f"{raw!r}: each status must be one of {allowed}"
        ) from None


def my_case(row) -> schemas.MyCase:
    """A case row (case, matter, department and bundle names) as the owner sees it."""
    case, matter_name, department_name, bundle_name = row
    return schemas.MyCase(
        **{name: getattr(case, name) for name in schemas.MyCase.model_fields if hasattr(case, name)},
        matter_name=matter_name,
        department_name=department_name,
        bundle_name=bundle_name,
    )


def my_review(row) -> schemas.MyReview:
    """A review row (review, case number, matter name) as the owner sees it."""
    review, case_no, matter_name = row
    fields = {name: getattr(review, name) for name in schemas.MyReview.model_fields if hasattr(review, name)}
    return schemas.MyReview(**fields, case_no=case_no, matter_name=matter_name)


def my_recommendation(push: Push, matter, bundle_name: str | None) -> schemas.MyRecommendation:
    """A push as the owner sees it: the matter, how it can be done, the reasons."""
    fields = {
        name: getattr(push, name) for name in schemas.MyRecommendation.model_fields if hasattr(push, name)
    }
    return schemas.MyRecommendation(
        **fields,
        matter_name=matter.name,
        online_capable=matter.online_capable,
        mobile_capable=matter.mobile_capable,
        bundle_name=bundle_name,
    )


@router.get("/space", response_model=schemas.SpaceSummary, responses=LIST_RESPONSES)
def space(session: SessionDep, principal: User):
    """Counts for the front page of the caller's space: cases, reviews, events, recommendations, notices."""
    return service.summary(session, service.owner_of(principal), _now())


@router.get("/cases", response_model=Page[schemas.MyCase], responses=LIST_RESPONSES)
def my_cases(
    session: SessionDep,
    principal: User,
    status: Annotated[str | None, Query(description="One case status or a comma list.")] = None,
    page: PageNo = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
):
    """The caller's cases (an enterprise account: the enterprise's), newest first."""
    owner = service.owner_of(principal)
    statement = service.cases_statement(owner, parse_case_statuses(status))
    rows, total = service.page_of(session, statement, page=page, page_size=page_size)
    return Page(items=[my_case(row) for row in rows], total=total, page=page, page_size=page_size)


@router.get("/cases/{case_id}", response_model=schemas.MyCaseDetail, responses=DETAIL_RESPONSES)
def my_case_detail(session: SessionDep, principal: User, case_id: RecordId):
    """One of the caller's cases with its steps and reviews; anyone else's answers 404 like a missing one."""
    owner = service.owner_of(principal)
    case = my_case(service.own_case(session, owner, case_id))
    steps = [
        schemas.MyCaseStep.model_validate(step, from_attributes=True)
        for step in service.case_steps(session, case_id)
    ]
    reviews = [my_review(row) for row in session.execute(service.reviews_statement(owner, case_id)).all()]
    return schemas.MyCaseDetail(**case.model_dump(), steps=steps, reviews=reviews)


@router.get("/reviews", response_model=Page[schemas.MyReview], responses=LIST_RESPONSES)
def my_reviews(
    session: SessionDep, principal: User, page: PageNo = 1, page_size: PageSize = DEFAULT_PAGE_SIZE
):
    """The reviews (好差评) given on the caller's cases, newest first."""
    statement = service.reviews_statement(service.owner_of(principal))
    rows, total = service.page_of(session, statement, page=page, page_size=page_size)
    return Page(items=[my_review(row) for row in rows], total=total, page=page, page_size=page_size)


@router.get("/events", response_model=Page[schemas.MyEvent], responses=LIST_RESPONSES)
def my_events(
    session: SessionDep, principal: User, page: PageNo = 1, page_size: PageSize = DEFAULT_PAGE_SIZE
):
    """The events (诉求) the caller reported, newest first, with their status and satisfaction."""
    statement = service.events_statement(service.owner_of(principal))
    rows, total = service.page_of(session, statement, page=page, page_size=page_size)
    items = [schemas.MyEvent.model_validate(event, from_attributes=True) for (event,) in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/recommendations", response_model=Page[schemas.MyRecommendation], responses=LIST_RESPONSES)
def my_recommendations(
    session: SessionDep, principal: User, page: PageNo = 1, page_size: PageSize = DEFAULT_PAGE_SIZE
):
    """Matters recommended to the caller (sent or opened, not dismissed), with the reasons, newest first."""
    statement = service.recommendations_statement(service.owner_of(principal), _now())
    rows, total = service.page_of(session, statement, page=page, page_size=page_size)
    items = [my_recommendation(*row) for row in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def _change_push(request: Request, session: SessionDep, principal: Principal, push_id: int, action: str):
    owner = service.owner_of(principal)
    now = _now()
    push = service.own_push(session, owner, push_id, now)
    before = {"status": push.status.value}
    (service.open_push if action == "open" else service.dismiss_push)(push, now)
    record(
        session,
        principal=principal,
        action=f"push.{action}",
        entity="pushes",
        entity_id=push.id,
        before=before,
        after={"status": push.status.value},
        request=request,
    )
    session.commit()
    matter, bundle_name = service.push_matter(session, push)
    return my_recommendation(push, matter, bundle_name)


@router.post(
    "/recommendations/{push_id}/open", response_model=schemas.MyRecommendation, responses=DETAIL_RESPONSES
)
def open_recommendation(request: Request, session: SessionDep, principal: User, push_id: RecordId):
    """The caller opened a recommendation (idempotent)."""
    return _change_push(request, session, principal, push_id, "open")


@router.post(
    "/recommendations/{push_id}/dismiss", response_model=schemas.MyRecommendation, responses=DETAIL_RESPONSES
)
def dismiss_recommendation(request: Request, session: SessionDep, principal: User, push_id: RecordId):
    """The caller does not want this recommendation; it leaves the list (409 if already taken up)."""
    return _change_push(request, session, principal, push_id, "dismiss")


def _preferences(row) -> schemas.PreferencesRead:
    start, end = service.district_quiet_hours()
    return schemas.PreferencesRead(
        opted_out=bool(row.opted_out) if row else False,
        channel=row.channel if row else None,
        quiet_start=row.quiet_start if row else None,
        quiet_end=row.quiet_end if row else None,
        district_quiet_start=start,
        district_quiet_end=end,
    )


@router.get("/push-preferences", response_model=schemas.PreferencesRead, responses=LIST_RESPONSES)
def get_preferences(session: SessionDep, principal: User):
    """The caller's push preferences (defaults when never set) and the district's quiet hours."""
    return _preferences(service.preference(session, service.owner_of(principal)))


@router.put("/push-preferences", response_model=schemas.PreferencesRead, responses=LIST_RESPONSES)
def put_preferences(request: Request, session: SessionDep, principal: User, body: schemas.PreferencesUpdate):
    """Replace the caller's push preferences: opt out, channel (sms or app), own quiet hours (HH:MM)."""
    owner = service.owner_of(principal)
    if (body.quiet_start is None) != (body.quiet_end is None):
        missing = "quiet_end" if body.quiet_end is None else "quiet_start"
        raise invalid(missing, "give both quiet_start and quiet_end, or neither (the district's hours)")
    before = service.preference(session, owner)
    before_values = None if before is None else _preferences(before).model_dump(mode="json")
    row = service.save_preference(session, owner, body.model_dump())
    after = _preferences(row)
    record(
        session,
        principal=principal,
        action="push_preferences.update",
        entity="push_preferences",
        entity_id=row.id,
        before=before_values,
        after=after.model_dump(mode="json"),
        request=request,
    )
    session.commit()
    return after


@router.get("/notices", response_model=Page[PublicationRead], responses=LIST_RESPONSES)
def my_notices(
    session: SessionDep, principal: User, page: PageNo = 1, page_size: PageSize = DEFAULT_PAGE_SIZE
):
    """Notices published for the personal space and not expired, newest first."""
    service.owner_of(principal)
    rows, total = service.notices(session, _now(), page=page, page_size=page_size)
    items = [PublicationRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)
