"""Event map data: events as GeoJSON points (RFC 7946) and event counts per street or community."""

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from core_app.events.evaluation import event_conditions
from core_app.events.models import Event, EventCategory, EventStatus, Priority
from core_app.org.models import Region, RegionLevel
from core_app.privacy.masking import MaskedText

GEOJSON_MEDIA_TYPE = "application/geo+json"
DEFAULT_LIMIT = 2000
MAX_LIMIT = 10_000


class HeatLevel(enum.StrEnum):
    STREET = "street"
    COMMUNITY = "community"


@dataclass(frozen=True)
class MapFilter:
    """Which events the map shows: reported in [start, end), category (and below), status, street."""

    start: datetime | None = None
    end: datetime | None = None
    category_id: int | None = None
    statuses: tuple[EventStatus, ...] = ()
    street_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = event_conditions(category_id=self.category_id, street_id=self.street_id)
        if self.start is not None:
            conditions.append(Event.reported_at >= self.start)
        if self.end is not None:
            conditions.append(Event.reported_at < self.end)
        if self.statuses:
            conditions.append(Event.status.in_(self.statuses))
        return conditions


class Point(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: tuple[float, float] = Field(
        description="[longitude, latitude] (WGS 84), as RFC 7946 orders them."
    )


class EventProperties(BaseModel):
    id: int
    event_no: str
    title: MaskedText
    status: EventStatus
    priority: Priority
    category_id: int | None
    category: str | None
    street_id: int | None
    street: str | None
    reported_at: datetime


class EventFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: Point
    properties: EventProperties


class EventFeatureCollection(BaseModel):
    """Events with coordinates, newest first; ``truncated`` says that ``limit`` cut the list."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[EventFeature]
    limit: int
    truncated: bool


class HeatProperties(BaseModel):
    region_id: int
    name: str
    level: RegionLevel
    count: int


class HeatFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: Point
    properties: HeatProperties


class HeatFeatureCollection(BaseModel):
    """One point per street or community at the region's own coordinates, with its event count."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    level: HeatLevel
    features: list[HeatFeature]


def _placed() -> list[ColumnElement[bool]]:
    # Only coordinates a GeoJSON client can draw.
    return [Event.lon.between(-180, 180), Event.lat.between(-90, 90)]


def event_features(
    session: Session, where: MapFilter, *, scope: ColumnElement[bool], limit: int = DEFAULT_LIMIT
) -> EventFeatureCollection:
    """The newest ``limit`` events with coordinates matching the filter, within the caller's scope."""
    street = aliased(Region)
    statement = (
        select(
            Event.id,
            Event.event_no,
            Event.title,
            Event.status,
            Event.priority,
            Event.category_id,
            EventCategory.name.label("category"),
            Event.street_id,
            street.name.label("street"),
            Event.reported_at,
            Event.lon,
            Event.lat,
        )
        .outerjoin(EventCategory, EventCategory.id == Event.category_id)
        .outerjoin(street, street.id == Event.street_id)
        .where(*where.conditions(), *_placed(), scope)
        .order_by(Event.reported_at.desc(), Event.id.desc())
        .limit(limit + 1)  # one more tells whether the limit cut the list
    )
    rows = session.execute(statement).all()
    features = [
        EventFeature(
            id=row.id,
            geometry=Point(coordinates=(row.lon, row.lat)),
            properties=EventProperties.model_validate(row._asdict()),
        )
        for row in rows[:limit]
    ]
    return EventFeatureCollection(features=features, limit=limit, truncated=len(rows) > limit)


def heat_points(
    session: Session, where: MapFilter, *, scope: ColumnElement[bool], level: HeatLevel
) -> HeatFeatureCollection:
    """Event counts per street (``Event.street_id``) or community (``Event.region_id``), grouped in SQL.

    Events without coordinates count too: they are placed by their region. Regions without coordinates
    cannot be drawn and are left out.
    """
    column = Event.street_id if level == HeatLevel.STREET else Event.region_id
    count = func.count(Event.id).label("count")
    statement = (
        select(Region.id, Region.name, Region.level, Region.lon, Region.lat, count)
        .join(Event, column == Region.id)
        .where(*where.conditions(), scope, Region.lon.is_not(None), Region.lat.is_not(None))
        .group_by(Region.id, Region.name, Region.level, Region.lon, Region.lat)
        .order_by(count.desc(), Region.id)
    )
    features = [
        HeatFeature(
            id=row.id,
            geometry=Point(coordinates=(row.lon, row.lat)),
            properties=HeatProperties(region_id=row.id, name=row.name, level=row.level, count=row.count),
        )
        for row in session.execute(statement)
    ]
    return HeatFeatureCollection(level=level, features=features)
