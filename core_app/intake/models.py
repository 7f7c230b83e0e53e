"""The local gazetteer: names of streets, communities, roads and landmarks with coordinates."""

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core_app.db.base import Base, IdMixin, str_enum


class PlaceKind(enum.StrEnum):
    STREET = "street"
    COMMUNITY = "community"
    ROAD = "road"
    LANDMARK = "landmark"


class GazetteerEntry(IdMixin, Base):
    __tablename__ = "gazetteer_entries"

    name: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[PlaceKind] = mapped_column(str_enum(PlaceKind))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))  # the community or street
    street_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    lon: Mapped[float]
    lat: Mapped[float]
