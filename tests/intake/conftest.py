"""Intake fixtures: a two-street district with its gazetteer, categories, a department and API keys."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core_app.access.apikeys import create_api_key
from core_app.api.app import create_app
from core_app.config import LOCAL_TZ
from core_app.events.models import EventCategory
from core_app.intake.gazetteer import build_gazetteer
from core_app.org.models import Department, DepartmentKind, Region, RegionLevel

INTAKE = "/api/v1/intake/events"
OPEN311 = "/open311/v2"


@dataclass
class District:
    county: Region
    yunxi: Region  # 云溪街道
    xipan: Region  # 溪畔社区 in 云溪街道
    mingzhu: Region  # 明珠社区 in 云溪街道
    haishan: Region  # 海山街道
    wanghai: Region  # 望海社区 in 海山街道
    road_works: EventCategory  # CG01 市政设施, child of CG
    noise: EventCategory  # HB01 噪声污染, child of HB
    department: Department


@pytest.fixture
def district(session: Session) -> District:
    county = Region(code="446003", name="云溪区", level=RegionLevel.COUNTY, lon=114.27, lat=22.59)
    session.add(county)
    session.flush()

    def town(code: str, name: str, lon: float, lat: float) -> Region:
        region = Region(code=code, name=name, level=RegionLevel.TOWN, parent_id=county.id, lon=lon, lat=lat)
        session.add(region)
        session.flush()
        return region

    def village(code: str, name: str, parent: Region, lon: float, lat: float) -> Region:
        region = Region(
            code=code, name=name, level=RegionLevel.VILLAGE, parent_id=parent.id, lon=lon, lat=lat
        )
        session.add(region)
        session.flush()
        return region

    yunxi = town("446003001000", "云溪街道", 114.262, 22.588)
    haishan = town("446003002000", "海山街道", 114.301, 22.571)
    xipan = village("446003001002", "溪畔社区", yunxi, 114.255, 22.592)
    mingzhu = village("446003001003", "明珠社区", yunxi, 114.268, 22.581)
    wanghai = village("446003002002", "望海社区", haishan, 114.305, 22.566)
    department = Department(code="YX-CGJ", name="区城管局", kind=DepartmentKind.FUNCTIONAL)
    session.add(department)
    session.flush()
    cg = EventCategory(code="CG", name="城市管理", level=1)
    hb = EventCategory(code="HB", name="生态环境", level=1)
    session.add_all([cg, hb])
    session.flush()
    road = EventCategory(
        code="CG01", name="市政设施", parent_id=cg.id, level=2, default_department_id=department.id
    )
    noise = EventCategory(code="HB01", name="噪声污染", parent_id=hb.id, level=2)
    session.add_all([road, noise])
    session.flush()
    session.add(EventCategory(code="CG0101", name="路灯不亮", parent_id=road.id, level=3))
    build_gazetteer(session)
    session.commit()
    return District(county, yunxi, xipan, mingzhu, haishan, wanghai, road, noise, department)


MakeKey = Callable[..., str]


@pytest.fixture
def make_key(session: Session) -> MakeKey:
    """Create an API key bound to SOURCE; return the clear key."""

    def make(source: str = "hotline_12345", scopes: tuple[str, ...] = ("events:ingest",)) -> str:
        new = create_api_key(session, name=source, source=source, scopes=list(scopes))
        session.commit()
        return new.key

    return make


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    """An unauthenticated client; tests add the X-API-Key or Authorization header."""
    with TestClient(create_app()) as client:
        yield client


NOW = datetime.now(LOCAL_TZ).replace(microsecond=0)


def payload(external_id: str, **overrides) -> dict:
    """A plausible hotline event about a broken street light in 溪畔社区."""
    body = {
        "external_id": external_id,
        "title": "云溪街道溪畔社区路灯不亮",
        "description": "市民来电反映：云溪街道溪畔社区梧桐路路灯不亮已经一周，晚上行人看不清路，请尽快维修。",
        "reporter_type": "citizen",
        "reporter_name": "张伟",
        "reporter_phone": "13800138000",
        "address": "云溪区云溪街道溪畔社区梧桐路18号",
        "category_code": "CG01",
        "reported_at": (NOW - timedelta(minutes=5)).isoformat(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}
