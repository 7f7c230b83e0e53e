"""Open311 GeoReport v2 under /open311/v2, as the specification words it, so existing 311 clients work.

- ``GET services.{format}``, ``GET services/{service_code}.{format}``: event categories as services.
- ``POST requests.{format}`` (form-encoded; ``api_key`` is one of our ``bk_...`` keys with events:ingest,
  bound to the source the requests are stored under): one event; ``service_request_id`` is the event number.
- ``GET requests.{format}``, ``GET requests/{service_request_id}.{format}``: public, without personal data
  (no names or phones; free text and addresses masked).
Formats: json and xml. Errors are the specification's list of ``{code, description}`` with 400/403/404.

Open311 has no external id. Stated rule: a request's idempotency key hashes the API key, device_id,
account_id, service_code, description, lat/long, address_string and the local date, so a client retrying
the same POST the same day gets the same service_request_id, and the same words sent again another day are
a new request (which dedup then links to the first while that one is open).
"""

import hashlib
import json
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session, aliased
from starlette.concurrency import run_in_threadpool

from core_app.access.apikeys import find_api_key
from core_app.api.deps import SessionDep
from core_app.config import LOCAL_TZ
from core_app.db.base import utcnow
from core_app.events.models import Event, EventCategory, EventSource, EventStatus, ReporterType
from core_app.intake.dispatcher import after_commit
from core_app.intake.schemas import EventIn
from core_app.intake.service import Actor, IntakeError, dispatchable, ingest
from core_app.org.models import Department
from core_app.privacy.masking import mask_address, mask_free_text, mask_name
from core_app.privacy.models import PiiFieldType
from core_app.privacy.rules import DEFAULTS

PREFIX = "/open311/v2"
FORMATS = ("json", "xml")
CLOSED = (EventStatus.CLOSED, EventStatus.INVALID)
DEFAULT_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_DESCRIPTION = 4000  # the specification's limit
INGEST = "events:ingest"
# last_used_at is written at most this often: every request writing the key's row would serialise them.
KEY_TOUCH_INTERVAL = timedelta(minutes=1)


class Open311Error(Exception):
    """An error answered the specification's way: ``[{"code": status, "description": ...}]``."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _format_of(request: Request) -> str:
    fmt = request.path_params.get("response_format", "json")
    return fmt if fmt in FORMATS else "json"


def _xml(root: str, item: str, rows: list[dict[str, Any]]) -> bytes:
    top = ElementTree.Element(root)
    for row in rows:
        element = ElementTree.SubElement(top, item)
        for key, value in row.items():
            child = ElementTree.SubElement(element, key)
            if isinstance(value, list):
                continue  # an empty attribute list
            if value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    return ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)


def respond(
    request: Request, rows: list[dict[str, Any]], *, root: str, item: str, status: int = 200
) -> Response:
    """The rows as a JSON array or as XML, as the resource's format asks."""
    if _format_of(request) == "xml":
        return Response(_xml(root, item, rows), status_code=status, media_type="text/xml; charset=utf-8")
    return JSONResponse(rows, status_code=status, media_type="application/json; charset=utf-8")


def error_response(request: Request, status: int, description: str) -> Response:
    return respond(
        request, [{"code": status, "description": description}], root="errors", item="error", status=status
    )


class Open311Route(APIRoute):
    """Answer Open311 errors (and any parameter the framework refuses) as the specification's error list."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Open311Error as exc:
                return error_response(request, exc.status, exc.description)
            except RequestValidationError as exc:
                fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
                return error_response(request, 400, f"invalid parameters: {fields}")

        return route


router = APIRouter(route_class=Open311Route, tags=["open311"])


def _check_format(response_format: str) -> None:
    if response_format not in FORMATS:
        raise Open311Error(404, f"format {response_format!r} is not offered; use json or xml")


# --- services -------------------------------------------------------------------------------------------


def _services(session: Session, code: str | None = None) -> list[dict[str, Any]]:
    parent = aliased(EventCategory)
    statement = (
        select(EventCategory, parent.name, Department.name)
        .outerjoin(parent, EventCategory.parent_id == parent.id)
        .outerjoin(Department, EventCategory.default_department_id == Department.id)
        .order_by(EventCategory.code)
    )
    if code is not None:
        statement = statement.where(EventCategory.code == code)
    rows = session.execute(statement).all()
    parents = set(
        session.scalars(select(EventCategory.parent_id).where(EventCategory.parent_id.is_not(None)))
    )
    children: dict[int, list[str]] = {}
    for category, _, _ in rows:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category.name)
    services = []
    for category, group, department in rows:
        if code is None and category.parent_id is None and category.id in parents:
            continue  # a top-level category with children is a group, not a service
        description = category.name + (f"（{department}）" if department else "")
        services.append(
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": description,
                "metadata": False,
                "type": "realtime",
                "keywords": ", ".join(children.get(category.id, [])),
                "group": group or category.name,
            }
        )
    return services


@router.get("/services.{response_format}", summary="GeoReport v2: the list of services (event categories)")
def list_services(request: Request, response_format: str, session: SessionDep) -> Response:
    _check_format(response_format)
    return respond(request, _services(session), root="services", item="service")


@router.get(
    "/services/{service_code}.{response_format}", summary="GeoReport v2: a service definition (no attributes)"
)
def service_definition(
    request: Request, service_code: str, response_format: str, session: SessionDep
) -> Response:
    _check_format(response_format)
    if not _services(session, service_code):
        raise Open311Error(404, f"service_code {service_code} not found")
    if response_format == "xml":
        top = ElementTree.Element("service_definition")
        ElementTree.SubElement(top, "service_code").text = service_code
        ElementTree.SubElement(top, "attributes")
        body = ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)
        return Response(body, media_type="text/xml; charset=utf-8")
    return JSONResponse({"service_code": service_code, "attributes": []})


# --- POST requests --------------------------------------------------------------------------------------


async def _parameters(request: Request) -> dict[str, str]:
    """Query and form-encoded body parameters (the body wins), each taken once."""
    params = dict(request.query_params)
    body = (await request.body()).decode("utf-8", errors="replace")
    if body and request.headers.get("content-type", "").startswith("application/json"):
        try:
            decoded = json.loads(body)
        except ValueError:
            raise Open311Error(400, "the body is not valid JSON") from None
        if not isinstance(decoded, dict):
            raise Open311Error(400, "the body must be form fields")
        params.update({k: "" if v is None else str(v) for k, v in decoded.items()})
    elif body:
        params.update(dict(parse_qsl(body, keep_blank_values=True)))
    return {k: v.strip() for k, v in params.items()}


def _source_of_key(session: Session, raw_key: str | None, now: datetime) -> tuple[EventSource, str]:
    if not raw_key:
        raise Open311Error(403, "api_key was not provided")
    record = find_api_key(session, raw_key, now=now)
    if record is None:
        raise Open311Error(403, "api_key is invalid, revoked or expired")
    if INGEST not in record.scopes.split():
        raise Open311Error(403, "this api_key may not submit service requests")
    try:
        source = EventSource(record.source)
    except ValueError:
        raise Open311Error(403, f"an api_key of {record.source} may not submit service requests") from None
    if record.last_used_at is None or record.last_used_at < now - KEY_TOUCH_INTERVAL:
        record.last_used_at = now
    return source, f"apikey:{record.name}"


def _float(params: dict[str, str], name: str, low: float, high: float) -> float | None:
    if not params.get(name):
        return None
    try:
        value = float(params[name])
    except ValueError:
        raise Open311Error(400, f"{name} is not a number") from None
    if not low <= value <= high:
        raise Open311Error(400, f"{name} is out of range")
    return value


def idempotency_key(api_key: str, params: dict[str, str], now: datetime) -> str:
    """The external id of an Open311 request (see the module's stated rule)."""
    parts = [
        api_key,
        *(
            params.get(k, "")
            for k in ("device_id", "account_id", "service_code", "description", "lat", "long")
        ),
        params.get("address_string", ""),
        f"{now.astimezone(LOCAL_TZ):%Y%m%d}",
    ]
    return "o311-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _event_in(session: Session, params: dict[str, str], now: datetime) -> EventIn:
    code = params.get("service_code")
    if not code:
        raise Open311Error(400, "service_code was not provided")
    category = session.scalar(select(EventCategory).where(EventCategory.code == code))
    if category is None:
        raise Open311Error(400, f"service_code {code} not found")
    lat, lon = _float(params, "lat", -90, 90), _float(params, "long", -180, 180)
    address = params.get("address_string") or None
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long come together")
    if lat is None and not address and not params.get("address_id"):
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    description = params.get("description", "")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")
    if params.get("media_url"):
        description = f"{description}\n附件：{params['media_url']}".strip()
    name = (params.get("last_name", "") + params.get("first_name", "")).strip()
    return EventIn(
        external_id="-",  # set by the caller from the API key
        title=(params.get("description") or category.name)[:60],
        description=description or category.name,
        reporter_type=ReporterType.CITIZEN if (name or params.get("phone")) else ReporterType.ANONYMOUS,
        reporter_name=name[:32] or None,
        reporter_phone=params.get("phone") or None,
        address=address[:200] if address else None,
        lon=lon,
        lat=lat,
        category_code=code,
        reported_at=now,
    )


@router.post(
    "/requests.{response_format}",
    summary="GeoReport v2: create a service request (application/x-www-form-urlencoded, with api_key)",
)
async def create_request(request: Request, response_format: str, session: SessionDep) -> Response:
    """One event from the form's fields; 200 with ``[{service_request_id, service_notice, account_id}]``."""
    _check_format(response_format)
    params = await _parameters(request)
    # The database work is blocking: off the event loop, like the synchronous endpoints.
    rows = await run_in_threadpool(_create, session, params)
    return respond(request, rows, root="service_requests", item="request")


def _create(session: Session, params: dict[str, str]) -> list[dict[str, Any]]:
    now = utcnow()
    source, actor = _source_of_key(session, params.get("api_key"), now)
    item = _event_in(session, params, now)
    item.external_id = idempotency_key(params["api_key"], params, now)
    try:
        outcome = ingest(session, [item], source=source, actor=Actor(name=actor), now=now)[0]
    except IntakeError as exc:
        session.rollback()
        raise Open311Error(400, f"{exc.field} {exc.reason}") from None
    session.commit()
    after_commit(session, dispatchable([outcome]))
    event = outcome.event
    if outcome.duplicate is not None:
        notice = f"与已受理的 {outcome.duplicate.event_no} 为同一诉求，将一并处理"
    else:
        notice = f"已受理，编号 {event.event_no}"
    return [
        {
            "service_request_id": event.event_no,
            "service_notice": notice,
            "account_id": params.get("account_id") or None,
        }
    ]


# --- GET requests ---------------------------------------------------------------------------------------


def _parse_time(name: str, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))  # "+" in a query string arrives as " "
    except ValueError:
        raise Open311Error(400, f"{name} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


ORIGINAL = aliased(Event, name="original")
# A linked duplicate is as open or closed as the event it repeats.
SHOWN_STATUS = case((Event.duplicate_of_id.is_not(None), ORIGINAL.status), else_=Event.status)


def _request_select() -> Select:
    original = ORIGINAL
    return (
        select(
            Event,
            EventCategory.code,
            EventCategory.name,
            Department.name,
            original.event_no,
            original.status,
        )
        .outerjoin(EventCategory, Event.category_id == EventCategory.id)
        .outerjoin(Department, Event.department_id == Department.id)
        .outerjoin(original, Event.duplicate_of_id == original.id)
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds") if moment else None


def public_text(event: Event) -> str:
    """The description without the reporter's name and without ID or phone numbers."""
    text = event.description
    if event.reporter_name and len(event.reporter_name) > 1:
        text = text.replace(event.reporter_name, mask_name(event.reporter_name, DEFAULTS[PiiFieldType.NAME]))
    return mask_free_text(text, DEFAULTS)


def _request_row(event: Event, code, name, agency, original_no, original_status) -> dict[str, Any]:
    status = original_status if original_no else event.status
    if original_no:
        notes = f"与 {original_no} 合并处理"
    elif event.status is EventStatus.INVALID:
        notes = "无效诉求"
    elif event.status is EventStatus.CLOSED:
        notes = "已办结"
    else:
        notes = None
    updated = event.closed_at if event.status is EventStatus.CLOSED and event.closed_at else event.updated_at
    return {
        "service_request_id": event.event_no,
        "status": "closed" if status in CLOSED else "open",
        "status_notes": notes,
        "service_name": name,
        "service_code": code,
        "description": public_text(event),
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _iso(event.reported_at),
        "updated_datetime": _iso(updated),
        "expected_datetime": None,
        "address": mask_address(event.address, DEFAULTS[PiiFieldType.ADDRESS]) if event.address else None,
        "address_id": None,
        "zipcode": None,
        "lat": event.lat,
        "long": event.lon,
        "media_url": None,
    }


@router.get(
    "/requests.{response_format}", summary="GeoReport v2: service requests (public, no personal data)"
)
def list_requests(
    request: Request,
    response_format: str,
    session: SessionDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    jurisdiction_id: str | None = None,
) -> Response:
    """Filters as the specification: service_request_id (comma separated) overrides the others; by default
    the last 90 days, newest first, at most 1000."""
    _check_format(response_format)
    statement = _request_select()
    ids = _list(service_request_id)
    if ids:
        statement = statement.where(Event.event_no.in_(ids[:MAX_REQUESTS]))
    else:
        statement = _filtered(statement, service_code, start_date, end_date, status)
    rows = session.execute(statement.order_by(Event.reported_at.desc(), Event.id.desc()).limit(MAX_REQUESTS))
    return respond(request, [_request_row(*row) for row in rows], root="service_requests", item="request")


def _filtered(
    statement: Select,
    service_code: str | None,
    start_date: str | None,
    end_date: str | None,
    status: str | None,
) -> Select:
    start, end = _parse_time("start_date", start_date), _parse_time("end_date", end_date)
    if start and end and end - start > DEFAULT_SPAN:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    if start and end and end < start:
        raise Open311Error(400, "end_date is before start_date")
    if start is None:
        start = (end or utcnow()) - DEFAULT_SPAN
    statement = statement.where(Event.reported_at >= start)
    if end is not None:
        statement = statement.where(Event.reported_at <= end)
    codes = _list(service_code)
    if codes:
        statement = statement.where(EventCategory.code.in_(codes))
    wanted = set(_list(status))
    if wanted - {"open", "closed"}:
        raise Open311Error(400, "status is open or closed (comma separated)")
    closed = [s.value for s in CLOSED]
    if wanted == {"open"}:
        statement = statement.where(SHOWN_STATUS.not_in(closed))
    elif wanted == {"closed"}:
        statement = statement.where(SHOWN_STATUS.in_(closed))
    return statement


@router.get(
    "/requests/{service_request_id}.{response_format}", summary="GeoReport v2: one service request (an array)"
)
def get_request(
    request: Request,
    service_request_id: str,
    response_format: str,
    session: SessionDep,
    jurisdiction_id: str | None = None,
) -> Response:
    _check_format(response_format)
    row = session.execute(_request_select().where(Event.event_no == service_request_id)).first()
    if row is None:
        raise Open311Error(404, f"service_request_id {service_request_id} not found")
    return respond(request, [_request_row(*row)], root="service_requests", item="request")
