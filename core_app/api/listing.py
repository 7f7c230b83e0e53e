"""Declarative list and detail endpoints: one ``ResourceSpec`` per resource, no per-resource code.

A spec names the model, its Read schema and which columns may be filtered, searched and sorted. From it
we derive the documented query parameters, validate them (422 naming the parameter and the reason),
and run one COUNT query plus one LIMIT/OFFSET query in SQL.

Query language of a list endpoint:
- ``<field>=v`` exact match; ``<field>=a,b`` matches any of the listed values;
- ``<field>_from=...`` / ``<field>_to=...`` inclusive range on date and datetime columns (a bare date as
  ``_to`` of a datetime column covers that whole day; naive datetimes are Asia/Shanghai time);
- ``q=text`` case-insensitive substring search over the spec's text columns;
- ``sort=-received_at,id`` ascending by default, ``-`` for descending, nulls last;
- ``page`` (>= 1) and ``page_size`` (1..200, default 50).
"""

import enum
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import ColumnElement, String, Text, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import TypeDecorator

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.access.scope import ScopeRule
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import INT_MAX, INT_MIN
from core_app.api.problems import (
    DETAIL_RESPONSES,
    LIST_RESPONSES,
    ForbiddenError,
    InvalidParameterError,
    NotFoundError,
)
from core_app.audit.service import record
from core_app.config import LOCAL_TZ
from core_app.db import registry  # noqa: F401  (all tables known: foreign-key columns get their types)
from core_app.privacy.masking import unmasked_pii

MAX_PAGE = 1_000_000  # deeper pages are a mistake; OFFSET must stay within the database's integers
PAGING_PARAMETERS = frozenset({"page", "page_size", "sort", "q"})
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})


@dataclass(frozen=True)
class ResourceSpec:
    """How one resource is listed, filtered, sorted and shown."""

    model: type
    read_schema: type[BaseModel]
    permission: str
    scope: ScopeRule | None = None  # None: every holder of the permission sees every row
    pii: bool = False  # the read schema has masked fields; ?unmask=true needs pii:view and is audited
    filters: tuple[str, ...] = ()
    ranges: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    sort_fields: tuple[str, ...] = ("id",)
    default_sort: str = "id"
    key: str = "id"
    detail_schema: type[BaseModel] | None = None
    list_options: tuple[Any, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        # Fail at import time, not on the first request, when a spec names a wrong column.
        for name in (*self.filters, *self.ranges, *self.search, *self.sort_fields, self.key):
            column_of(self.model, name)
        _check_filter_types(self)
        clashes = set(self.filters) & PAGING_PARAMETERS
        if clashes:
            raise ValueError(f"filter names clash with paging parameters: {sorted(clashes)}")
        if self.default_sort.removeprefix("-") not in self.sort_fields:
            raise ValueError(f"default sort {self.default_sort!r} is not in sort_fields")

    @property
    def name(self) -> str:
        return self.label or self.model.__name__

    def parameter_names(self) -> frozenset[str]:
        names = {"page", "page_size", "sort", *self.filters}
        names.update(f"{column}_{end}" for column in self.ranges for end in ("from", "to"))
        if self.search:
            names.add("q")
        return frozenset(names)


@dataclass(frozen=True)
class ListQuery:
    """A validated list request, ready to be turned into SQL."""

    conditions: list[ColumnElement[bool]]
    order_by: list[ColumnElement[Any]]
    page: int
    page_size: int


def column_of(model: type, name: str) -> InstrumentedAttribute:
    """Return the mapped column attribute ``name`` of ``model``."""
    if name not in sa_inspect(model).columns:
        raise AttributeError(f"{model.__name__} has no column {name!r}")
    return getattr(model, name)


def _python_type(column: InstrumentedAttribute) -> type:
    column_type = column.type
    # TypeDecorators (TZDateTime) report ``object``; their implementation type knows better.
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return column_type.python_type


def _check_filter_types(spec: ResourceSpec) -> None:
    model = spec.model.__name__
    for name in (*spec.filters, *spec.ranges):
        if _python_type(column_of(spec.model, name)) is object:
            raise TypeError(f"{model}.{name} has no known type to parse filter values with")
    for name in spec.ranges:
        if _python_type(column_of(spec.model, name)) not in (date, datetime):
            raise TypeError(f"{model}.{name} is not a date or datetime column")
    for name in spec.search:
        if not isinstance(column_of(spec.model, name).type, String | Text):
            raise TypeError(f"{model}.{name} is not a text column")


def _parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("must be true or false")


def _parse_enum(raw: str, enum_type: type[enum.Enum]) -> enum.Enum:
    try:
        return enum_type(raw)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_type)
        raise ValueError(f"{raw!r} is not one of: {allowed}") from None


def _parse_datetime(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not an ISO 8601 date or datetime (e.g. 2024-05-01T08:30)") from None
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not an ISO 8601 date (e.g. 2024-05-01)") from None


def _parse_number(raw: str, number_type: type) -> int | float:
    try:
        value = number_type(raw)
    except ValueError:
        kind = "an integer" if number_type is int else "a number"
        raise ValueError(f"{raw!r} is not {kind}") from None
    if number_type is int and not INT_MIN <= value <= INT_MAX:
        raise ValueError(f"{raw} is out of range ({INT_MIN}..{INT_MAX})")
    if number_type is float and value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def parse_value(raw: str, python_type: type) -> Any:
    """Convert one query-string value to the column's Python type or raise ``ValueError``."""
    if python_type is bool:
        return _parse_bool(raw)
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        return _parse_enum(raw, python_type)
    if python_type is datetime:
        return _parse_datetime(raw)
    if python_type is date:
        return _parse_date(raw)
    if python_type in (int, float):
        return _parse_number(raw, python_type)
    return raw


def _single_value(params: Mapping[str, list[str]], name: str) -> str:
    values = params[name]
    if len(values) > 1:
        raise InvalidParameterError(f"query.{name}", "given more than once")
    value = values[0].strip()
    if not value:
        raise InvalidParameterError(f"query.{name}", "must not be empty")
    return value


def _exact_condition(spec: ResourceSpec, name: str, params: Mapping[str, list[str]]) -> ColumnElement[bool]:
    column = column_of(spec.model, name)
    # Repeated parameters and comma lists both mean "any of".
    raw_values = [part.strip() for value in params[name] for part in value.split(",") if part.strip()]
    if not raw_values:
        raise InvalidParameterError(f"query.{name}", "must not be empty")
    try:
        values = [parse_value(raw, _python_type(column)) for raw in raw_values]
    except ValueError as exc:
        raise InvalidParameterError(f"query.{name}", str(exc)) from None
    return column == values[0] if len(values) == 1 else column.in_(values)


def _range_bound(column: InstrumentedAttribute, raw: str, *, upper: bool) -> tuple[Any, bool]:
    """Return the bound and whether it is exclusive (a bare date as upper bound of a datetime)."""
    if _python_type(column) is date:
        return _parse_date(raw), False
    if len(raw) == 10:
        day = _parse_date(raw)
        if upper:
            return datetime.combine(day + timedelta(days=1), time(), LOCAL_TZ), True
        return datetime.combine(day, time(), LOCAL_TZ), False
    return _parse_datetime(raw), False


def _range_conditions(
    spec: ResourceSpec, name: str, params: Mapping[str, list[str]]
) -> list[ColumnElement[bool]]:
    column = column_of(spec.model, name)
    bounds: dict[str, tuple[Any, bool]] = {}
    for end in ("from", "to"):
        parameter = f"{name}_{end}"
        if parameter in params:
            try:
                bounds[end] = _range_bound(column, _single_value(params, parameter), upper=end == "to")
            except ValueError as exc:
                raise InvalidParameterError(f"query.{parameter}", str(exc)) from None
    if "from" in bounds and "to" in bounds and bounds["from"][0] > bounds["to"][0]:
        raise InvalidParameterError(f"query.{name}_to", f"must not be before {name}_from")
    conditions = []
    if "from" in bounds:
        conditions.append(column >= bounds["from"][0])
    if "to" in bounds:
        value, exclusive = bounds["to"]
        conditions.append(column < value if exclusive else column <= value)
    return conditions


def _search_condition(spec: ResourceSpec, params: Mapping[str, list[str]]) -> ColumnElement[bool]:
    text = _single_value(params, "q")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(column_of(spec.model, name).ilike(pattern, escape="\\") for name in spec.search))


def parse_sort(spec: ResourceSpec, raw: str | None) -> list[ColumnElement[Any]]:
    """Turn ``-received_at,id`` into ORDER BY terms; the key is appended so paging is stable."""
    tokens = [token.strip() for token in (raw if raw is not None else spec.default_sort).split(",")]
    order_by, seen = [], set()
    for token in tokens:
        name = token.removeprefix("-")
        if name not in spec.sort_fields:
            allowed = ", ".join(spec.sort_fields)
            raise InvalidParameterError("query.sort", f"unknown sort field {name!r}; allowed: {allowed}")
        if name in seen:
            raise InvalidParameterError("query.sort", f"sort field {name!r} given twice")
        seen.add(name)
        column = column_of(spec.model, name)
        order_by.append((column.desc() if token.startswith("-") else column.asc()).nulls_last())
    if spec.key not in seen:
        order_by.append(column_of(spec.model, spec.key).asc())
    return order_by


def _reject_unknown_parameters(spec: ResourceSpec, params: Mapping[str, list[str]]) -> None:
    allowed = spec.parameter_names()
    for name in params:
        if name not in allowed:
            raise InvalidParameterError(
                f"query.{name}", f"unknown parameter; allowed: {', '.join(sorted(allowed))}"
            )


def parse_list_query(spec: ResourceSpec, params: Mapping[str, list[str]], *, page: int, page_size: int):
    """Validate the query string of a list request against the spec."""
    _reject_unknown_parameters(spec, params)
    conditions = [_exact_condition(spec, name, params) for name in spec.filters if name in params]
    for name in spec.ranges:
        conditions.extend(_range_conditions(spec, name, params))
    if "q" in params:
        conditions.append(_search_condition(spec, params))
    sort = _single_value(params, "sort") if "sort" in params else None
    return ListQuery(conditions, parse_sort(spec, sort), page, page_size)


def scope_conditions(spec: ResourceSpec, principal: Principal) -> list[ColumnElement[bool]]:
    """The data-scope condition of the caller on this resource (none for unscoped resources)."""
    return [] if spec.scope is None else [spec.scope.condition(principal, spec.permission)]


def fetch_page(session: Session, spec: ResourceSpec, query: ListQuery) -> Page:
    """Count the matching rows and load one page of them, both in SQL."""
    total = session.scalar(select(func.count()).select_from(spec.model).where(*query.conditions))
    statement = (
        select(spec.model)
        .options(*spec.list_options)
        .where(*query.conditions)
        .order_by(*query.order_by)
        .limit(query.page_size)
        .offset((query.page - 1) * query.page_size)
    )
    rows = session.scalars(statement).all()
    items = [spec.read_schema.model_validate(row) for row in rows]
    return Page(items=items, total=total or 0, page=query.page, page_size=query.page_size)


def fetch_one(session: Session, spec: ResourceSpec, key: Any, principal: Principal) -> BaseModel:
    """Load one record in the caller's scope as its detail schema, or raise a 404 problem.

    A record outside the scope is answered exactly like a missing one, so its existence does not leak.
    """
    statement = select(spec.model).where(
        column_of(spec.model, spec.key) == key, *scope_conditions(spec, principal)
    )
    row = session.scalars(statement).one_or_none()
    if row is None:
        raise NotFoundError(f"{spec.name} {key} does not exist")
    schema = spec.detail_schema or spec.read_schema
    return schema.model_validate(row)


def _filter_description(spec: ResourceSpec, name: str) -> str:
    python_type = _python_type(column_of(spec.model, name))
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        kind = "one of " + ", ".join(str(member.value) for member in python_type)
    else:
        kind = python_type.__name__
    return f"Exact match ({kind}); comma-separated values match any of them."


def _query_parameters(spec: ResourceSpec) -> list[inspect.Parameter]:
    """The documented query parameters of the spec's list endpoint."""

    def optional(name: str, description: str) -> inspect.Parameter:
        annotation = Annotated[str | None, Query(description=description)]
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)

    sort_help = f"Comma-separated fields, '-' for descending. Allowed: {', '.join(spec.sort_fields)}."
    parameters = [
        inspect.Parameter(
            "page",
            inspect.Parameter.KEYWORD_ONLY,
            default=1,
            annotation=Annotated[int, Query(ge=1, le=MAX_PAGE)],
        ),
        inspect.Parameter(
            "page_size",
            inspect.Parameter.KEYWORD_ONLY,
            default=DEFAULT_PAGE_SIZE,
            annotation=Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)],
        ),
        optional("sort", sort_help),
    ]
    if spec.search:
        parameters.append(optional("q", f"Case-insensitive text search in {', '.join(spec.search)}."))
    parameters.extend(optional(name, _filter_description(spec, name)) for name in spec.filters)
    for name in spec.ranges:
        parameters.append(optional(f"{name}_from", f"{name} on or after this date/datetime."))
        parameters.append(optional(f"{name}_to", f"{name} on or before this date/datetime."))
    return parameters


def _list_endpoint(spec: ResourceSpec) -> Callable[..., Page]:
    def list_records(request: Request, session: SessionDep, principal: Principal, **parameters: Any):
        params = {n: request.query_params.getlist(n) for n in request.query_params if n != "unmask"}
        query = parse_list_query(spec, params, page=parameters["page"], page_size=parameters["page_size"])
        query.conditions.extend(scope_conditions(spec, principal))
        page = fetch_page(session, spec, query)
        if not parameters.get("unmask"):
            return page
        ids = [getattr(item, spec.key) for item in page.items]
        return unmasked_response(session, spec, principal, request, page, ids)

    # FastAPI reads the signature to document and validate parameters: give it one per spec field.
    list_records.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*_own_parameters(spec), *_query_parameters(spec), *_unmask_parameter(spec)]
    )
    return list_records


def _own_parameters(spec: ResourceSpec) -> list[inspect.Parameter]:
    """request, session and the caller, who must hold the spec's permission."""
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    caller = Annotated[Principal, Depends(require(spec.permission))]
    return [
        inspect.Parameter("request", positional, annotation=Request),
        inspect.Parameter("session", positional, annotation=SessionDep),
        inspect.Parameter("principal", positional, annotation=caller),
    ]


def _unmask_parameter(spec: ResourceSpec) -> list[inspect.Parameter]:
    if not spec.pii:
        return []
    description = "Show personal data in clear; needs pii:view, and every such read is audited."
    annotation = Annotated[bool, Query(description=description)]
    return [inspect.Parameter("unmask", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=annotation)]


def unmasked_response(
    session: Session, spec: ResourceSpec, principal: Principal, request: Request, body: BaseModel, ids: list
) -> JSONResponse:
    """Serialise ``body`` without masking for a pii:view holder, and audit the read in the same step."""
    if not principal.can("pii:view"):
        raise ForbiddenError(f"unmask=true needs the permission 'pii:view', which {principal.username} lacks")
    record(
        session,
        principal=principal,
        action="pii_read",
        entity=spec.model.__tablename__,
        entity_id=",".join(map(str, ids))[:64] if ids else None,
        after={"ids": ids, "query": str(request.url.query)},
        request=request,
    )
    session.commit()
    with unmasked_pii():
        return JSONResponse(body.model_dump(mode="json"))


def _detail_endpoint(spec: ResourceSpec) -> Callable[..., BaseModel]:
    def get_record(request: Request, session: SessionDep, principal: Principal, **values: Any):
        item = fetch_one(session, spec, values[spec.key], principal)
        if not values.get("unmask"):
            return item
        return unmasked_response(session, spec, principal, request, item, [values[spec.key]])

    key_type = _python_type(column_of(spec.model, spec.key))
    bounds = {"ge": INT_MIN, "le": INT_MAX} if key_type is int else {}
    key_parameter = inspect.Parameter(
        spec.key,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[key_type, Path(description=f"The {spec.name}'s {spec.key}.", **bounds)],
    )
    get_record.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*_own_parameters(spec), key_parameter, *_unmask_parameter(spec)]
    )
    return get_record


def add_resource_routes(router: APIRouter, path: str, spec: ResourceSpec) -> None:
    """Register ``GET path`` (filtered, sorted, paged list) and ``GET path/{key}`` (one record)."""
    slug = path.strip("/").replace("-", "_")
    router.add_api_route(
        path,
        _list_endpoint(spec),
        methods=["GET"],
        response_model=Page[spec.read_schema],
        responses=LIST_RESPONSES,
        summary=f"List {path.strip('/')}",
        operation_id=f"list_{slug}",
    )
    router.add_api_route(
        f"{path}/{{{spec.key}}}",
        _detail_endpoint(spec),
        methods=["GET"],
        response_model=spec.detail_schema or spec.read_schema,
        responses=DETAIL_RESPONSES,
        summary=f"Get one {spec.name}",
        operation_id=f"get_{slug}",
    )
