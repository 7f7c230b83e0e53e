"""The local gazetteer: place an address by the most specific known name in it, or a point by the nearest
community.

Entries come from the district's regions (towns/streets 街道/镇 and villages/communities 社区/村, with their
map centres); operators may add roads and landmarks. Each process keeps the name list in memory: it is
rebuilt when this process changes the table, and otherwise when the table's row count or highest id moved,
checked at most every ``gazetteer_check_seconds``.
"""

import math
import threading
import time
import unicodedata
import weakref
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, event, func, select
from sqlalchemy.orm import Session

from core_app.intake.config import get_intake_settings
from core_app.intake.models import GazetteerEntry, PlaceKind
from core_app.org.models import Region, RegionLevel

# Which kind of name wins when an address holds several: a landmark or a community pins the place down
# more closely than a road, and a road more than a street.
SPECIFICITY = {PlaceKind.LANDMARK: 3, PlaceKind.COMMUNITY: 2, PlaceKind.ROAD: 1, PlaceKind.STREET: 0}
LEVEL_KIND = {RegionLevel.TOWN: PlaceKind.STREET, RegionLevel.VILLAGE: PlaceKind.COMMUNITY}
# A point farther than this from every community centre is outside the district: no street is guessed.
MAX_NEAREST_M = 5_000.0
EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class Place:
    """Where a name or a point lies: coordinates and the region (community or street) and street."""

    name: str
    kind: PlaceKind
    lon: float
    lat: float
    region_id: int | None
    street_id: int | None


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def normalise_address(address: str | None) -> str:
    """Half-width, lower case, no whitespace or punctuation: the form names are matched in."""
    if not address:
        return ""
    text = unicodedata.normalize("NFKC", address).lower()
    return "".join(ch for ch in text if ch.isalnum() or ch == "-")


class Gazetteer:
    """The entries of one database, ready for matching."""

    def __init__(self, places: list[Place]) -> None:
        # Most specific kind first, then the longest name: the first hit is the best one.
        self.places = sorted(places, key=lambda p: (-SPECIFICITY[p.kind], -len(p.name), p.name))
        self.communities = [p for p in self.places if p.kind == PlaceKind.COMMUNITY]
        self.centres = frozenset((round(p.lon, 6), round(p.lat, 6)) for p in self.places)

    def locate(self, address: str | None) -> Place | None:
        """The most specific known name in ADDRESS; a community of a street the address also names wins."""
        text = normalise_address(address)
        if not text:
            return None
        hits = [p for p in self.places if p.name in text]
        if not hits:
            return None
        streets = {p.street_id for p in hits if p.kind == PlaceKind.STREET}
        consistent = [p for p in hits if not streets or p.street_id in streets]
        return (consistent or hits)[0]

    def nearest(self, lon: float, lat: float) -> Place | None:
        """The community whose centre is closest to the point, if the point is in the district at all."""
        best, best_m = None, MAX_NEAREST_M
        for place in self.communities or self.places:
            metres = distance_m(lon, lat, place.lon, place.lat)
            if metres < best_m:
                best, best_m = place, metres
        return best

    def is_centre(self, lon: float | None, lat: float | None) -> bool:
        """Whether the point is exactly a gazetteer centre, i.e. was placed from an address, not measured."""
        return lon is not None and lat is not None and (round(lon, 6), round(lat, 6)) in self.centres


@dataclass
class _Cached:
    gazetteer: Gazetteer
    signature: tuple[int, int | None]
    checked_at: float
    generation: int


_cache: "weakref.WeakKeyDictionary[Engine, _Cached]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_generation = 0  # bumped whenever this process writes gazetteer entries


def invalidate() -> None:
    """Forget every cached name list of this process."""
    global _generation
    with _lock:
        _generation += 1


@event.listens_for(GazetteerEntry, "after_insert")
@event.listens_for(GazetteerEntry, "after_update")
@event.listens_for(GazetteerEntry, "after_delete")
def _entry_changed(_mapper, _connection, _target) -> None:
    invalidate()


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def _signature(session: Session) -> tuple[int, int | None]:
    count, highest = session.execute(select(func.count(), func.max(GazetteerEntry.id))).one()
    return int(count), highest


def _load(session: Session) -> Gazetteer:
    rows = session.scalars(select(GazetteerEntry)).all()
    return Gazetteer(
        [
            Place(
                name=normalise_address(r.name),
                kind=PlaceKind(r.kind),
                lon=r.lon,
                lat=r.lat,
                region_id=r.region_id,
                street_id=r.street_id,
            )
            for r in rows
        ]
    )


def get_gazetteer(session: Session) -> Gazetteer:
    """The cached gazetteer of the session's database, reloaded when the table changed."""
    engine, now = _engine_of(session), time.monotonic()
    cached = _cache.get(engine)
    if cached is not None and cached.generation == _generation:
        if now - cached.checked_at < get_intake_settings().gazetteer_check_seconds:
            return cached.gazetteer
        signature = _signature(session)
        if signature == cached.signature:
            cached.checked_at = now
            return cached.gazetteer
    generation, signature = _generation, _signature(session)
    gazetteer = _load(session)
    _cache[engine] = _Cached(gazetteer, signature, now, generation)
    return gazetteer


def locate(source: Session | Gazetteer, address: str | None) -> Place | None:
    """Place an address by the most specific known name in it (longest match; community beats street)."""
    gazetteer = source if isinstance(source, Gazetteer) else get_gazetteer(source)
    return gazetteer.locate(address)


def nearest(source: Session | Gazetteer, lon: float, lat: float) -> Place | None:
    """The community (with its street) nearest to a point."""
    gazetteer = source if isinstance(source, Gazetteer) else get_gazetteer(source)
    return gazetteer.nearest(lon, lat)


def build_gazetteer(session: Session, *, rebuild: bool = False) -> int:
    """Fill gazetteer_entries from the streets and communities of the regions if it is empty (or REBUILD);
    return the number of entries written. Flushes, does not commit."""
    if rebuild:
        session.execute(delete(GazetteerEntry).where(GazetteerEntry.kind.in_(list(LEVEL_KIND.values()))))
    elif session.scalar(select(func.count()).select_from(GazetteerEntry)):
        return 0
    regions = session.execute(
        select(Region.id, Region.name, Region.level, Region.parent_id, Region.lon, Region.lat).where(
            Region.level.in_(list(LEVEL_KIND)), Region.lon.is_not(None), Region.lat.is_not(None)
        )
    ).all()
    entries = [
        GazetteerEntry(
            name=r.name,
            kind=LEVEL_KIND[RegionLevel(r.level)],
            region_id=r.id,
            street_id=r.id if r.level == RegionLevel.TOWN else r.parent_id,
            lon=r.lon,
            lat=r.lat,
        )
        for r in regions
    ]
    session.add_all(entries)
    session.flush()
    invalidate()
    return len(entries)
