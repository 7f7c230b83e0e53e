"""The district's organisation: region tree, departments, halls, zones, windows, staff and posts."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from core_app.seed import vocab_org as vo
from core_app.seed.identity import birth_dates, id_card_numbers, mobile_phones, person_names
from core_app.validation.identifiers import pii_hash

WINDOW_STAFF_PER_WINDOW = 2
STAFF_TOTAL = 120


@dataclass
class Organisation:
    """Rows of the organisation tables plus look-ups the later stages need."""

    regions: pd.DataFrame
    departments: pd.DataFrame
    halls: pd.DataFrame
    hall_zones: pd.DataFrame
    windows: pd.DataFrame
    staff: pd.DataFrame
    staff_posts: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "regions": self.regions,
            "departments": self.departments,
            "halls": self.halls,
            "hall_zones": self.hall_zones,
            "windows": self.windows,
            "staff": self.staff,
            "staff_posts": self.staff_posts,
        }

    def dept_id(self, code: str) -> int:
        return int(self.departments.loc[self.departments["code"] == code, "id"].iloc[0])

    @property
    def villages(self) -> pd.DataFrame:
        return self.regions[self.regions["level"] == "village"]

    @property
    def towns(self) -> pd.DataFrame:
        return self.regions[self.regions["level"] == "town"]


def build_regions(rng: np.random.Generator) -> pd.DataFrame:
    """City, county, 8 towns/streets and their villages/communities, with map centres."""
    rows = [
        {
            "id": 1,
            "code": vo.CITY[0],
            "name": vo.CITY[1],
            "level": "city",
            "parent_id": None,
            "lon": vo.CITY[2],
            "lat": vo.CITY[3],
        },
        {
            "id": 2,
            "code": vo.COUNTY[0],
            "name": vo.COUNTY[1],
            "level": "county",
            "parent_id": 1,
            "lon": vo.COUNTY[2],
            "lat": vo.COUNTY[3],
        },
    ]
    for t, (street, lon, lat, communities) in enumerate(vo.STREETS, start=1):
        town_id = len(rows) + 1
        town_code = f"{vo.COUNTY[0]}{t:03d}000"
        rows.append(
            {
                "id": town_id,
                "code": town_code,
                "name": street,
                "level": "town",
                "parent_id": 2,
                "lon": lon,
                "lat": lat,
            }
        )
        suffix = vo.TOWN_SUFFIX["镇" if street.endswith("镇") else "街道"]
        for v, community in enumerate(communities, start=1):
            dlon, dlat = rng.normal(0, 0.009, 2)
            rows.append(
                {
                    "id": len(rows) + 1,
                    "code": f"{town_code[:9]}{v:03d}",
                    "name": f"{community}{suffix}",
                    "level": "village",
                    "parent_id": town_id,
                    "lon": round(float(np.clip(lon + dlon, 114.205, 114.345)), 6),
                    "lat": round(float(np.clip(lat + dlat, 22.545, 22.635)), 6),
                }
            )
    frame = pd.DataFrame(rows)
    frame["parent_id"] = frame["parent_id"].astype("Int64")
    return frame


def build_departments(regions: pd.DataFrame) -> pd.DataFrame:
    """Functional bureaus, utilities, arbitration bodies, street offices and community committees."""
    rows = []
    for code, name, windows, duty, _matters in vo.DEPARTMENTS:
        kind = "arbitration_body" if code in vo.ARBITRATION_CODES else "functional"
        rows.append(
            {
                "code": f"YX-{code}",
                "name": f"云溪区{name}" if not name.startswith("区") else f"云溪{name}",
                "parent_id": None,
                "region_id": 2,
                "kind": kind,
                "is_stationed": windows > 0,
                "duty_text": duty,
                "accepts_events": kind == "functional" and code != "XFJ",
            }
        )
    for code, name, duty in vo.THIRD_PARTIES:
        rows.append(
            {
                "code": f"YX-{code}",
                "name": name,
                "parent_id": None,
                "region_id": 2,
                "kind": "third_party",
                "is_stationed": False,
                "duty_text": duty,
                "accepts_events": True,
            }
        )
    frame = pd.DataFrame(rows)
    frame["id"] = np.arange(1, len(frame) + 1)
    streets = _street_offices(regions, start_id=len(frame) + 1)
    communities = _community_committees(regions, streets, start_id=len(frame) + len(streets) + 1)
    frame = pd.concat([frame, streets, communities], ignore_index=True)
    frame["is_active"] = True
    frame["parent_id"] = frame["parent_id"].astype("Int64")
    return frame[
        [
            "id",
            "code",
            "name",
            "parent_id",
            "region_id",
            "kind",
            "is_stationed",
            "duty_text",
            "accepts_events",
            "is_active",
        ]
    ]


def _street_offices(regions: pd.DataFrame, start_id: int) -> pd.DataFrame:
    towns = regions[regions["level"] == "town"].reset_index(drop=True)
    names = [f"{n}人民政府" if n.endswith("镇") else f"{n}办事处" for n in towns["name"]]
    return pd.DataFrame(
        {
            "id": np.arange(start_id, start_id + len(towns)),
            "code": [f"YX-JD{i + 1:02d}" for i in range(len(towns))],
            "name": names,
            "parent_id": None,
            "region_id": towns["id"].to_numpy(),
            "kind": "street_office",
            "is_stationed": False,
            "duty_text": [vo.STREET_OFFICE_DUTY.format(name=n) for n in towns["name"]],
            "accepts_events": True,
        }
    )


def _community_committees(regions: pd.DataFrame, streets: pd.DataFrame, start_id: int) -> pd.DataFrame:
    villages = regions[regions["level"] == "village"].reset_index(drop=True)
    office_of_town = dict(zip(streets["region_id"], streets["id"], strict=True))
    town_names = dict(zip(regions["id"], regions["name"], strict=True))
    names = [f"{n}居委会" if n.endswith("社区") else f"{n}委会" for n in villages["name"]]
    duty = [
        vo.COMMUNITY_DUTY.format(street=town_names[p], name=n)
        for p, n in zip(villages["parent_id"], villages["name"], strict=True)
    ]
    return pd.DataFrame(
        {
            "id": np.arange(start_id, start_id + len(villages)),
            "code": [f"YX-SQ{c[-6:]}" for c in villages["code"]],
            "name": names,
            "parent_id": villages["parent_id"].map(office_of_town).to_numpy(),
            "region_id": villages["id"].to_numpy(),
            "kind": "community",
            "is_stationed": False,
            "duty_text": duty,
            "accepts_events": True,
        }
    )


def build_halls(regions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The district service centre and two town convenience points, with their zones."""
    region_of = dict(zip(regions["name"], regions["id"], strict=True))
    halls = pd.DataFrame(
        [
            {
                "id": i,
                "code": code,
                "name": name,
                "region_id": region_of[town] if town else 2,
                "level": "town" if town else "county",
                "kind": kind,
                "address": f"{vo.COUNTY[1]}{address}",
                "lon": lon,
                "lat": lat,
                "opening_hours": "08:30-12:00,13:30-17:30",
                "no_rest_hours": no_rest,
            }
            for i, (code, name, town, kind, address, lon, lat, no_rest) in enumerate(vo.HALLS, start=1)
        ]
    )
    zones = [{"hall_id": 1, "name": name, "floor": floor} for name, floor, _ in vo.CENTRE_ZONES]
    zones += [{"hall_id": int(h), "name": "综合服务区", "floor": 1} for h in halls["id"].iloc[1:]]
    zone_frame = pd.DataFrame(zones)
    zone_frame.insert(0, "id", np.arange(1, len(zone_frame) + 1))
    return halls, zone_frame


def build_windows(departments: pd.DataFrame, halls: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """40 windows: department windows and comprehensive ones at the centre, comprehensive at the points."""
    code_to_id = dict(zip(departments["code"], departments["id"], strict=True))
    stationed = {code: n for code, _name, n, _d, _m in vo.DEPARTMENTS}
    rows = []
    for zone_index, (zone_name, _floor, codes) in enumerate(vo.CENTRE_ZONES):
        zone_id = int(zones.loc[(zones["hall_id"] == 1) & (zones["name"] == zone_name), "id"].iloc[0])
        letter = "ABCDE"[zone_index]
        for code in codes:
            kind = "comprehensive" if code == "ZSJ" else "department"
            for _ in range(stationed[code]):
                rows.append(
                    {
                        "hall_id": 1,
                        "zone_id": zone_id,
                        "window_no": f"{letter}{len(rows) + 1:02d}",
                        "kind": kind,
                        "department_id": code_to_id[f"YX-{code}"],
                    }
                )
    for hall in halls.iloc[1:].itertuples():
        office = departments[
            (departments["kind"] == "street_office") & (departments["region_id"] == hall.region_id)
        ]
        zone_id = int(zones.loc[zones["hall_id"] == hall.id, "id"].iloc[0])
        for k in range(vo.CONVENIENCE_WINDOWS):
            rows.append(
                {
                    "hall_id": hall.id,
                    "zone_id": zone_id,
                    "window_no": f"{k + 1:02d}",
                    "kind": "comprehensive",
                    "department_id": int(office["id"].iloc[0]),
                }
            )
    windows = pd.DataFrame(rows)
    windows.insert(0, "id", np.arange(1, len(windows) + 1))
    windows["status"] = "open"
    windows.loc[windows.index[-1], "status"] = "paused"
    return windows


def build_staff(
    rng: np.random.Generator, departments: pd.DataFrame, windows: pd.DataFrame, *, today: date, pii_key: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """120 staff: two per window (posted there) and back-office handlers for every department with matters."""
    window_staff_dept = np.repeat(windows["department_id"].to_numpy(), WINDOW_STAFF_PER_WINDOW)
    handling = departments[departments["kind"].isin(["functional", "street_office"])]["id"].to_numpy()
    extra = STAFF_TOTAL - len(window_staff_dept) - len(handling)
    busy = departments.loc[
        departments["code"].isin(
            ["YX-SCJG", "YX-RSJ", "YX-GAFJ", "YX-ZRZY", "YX-SWU", "YX-ZJJ", "YX-MZJ", "YX-YBJ"]
        ),
        "id",
    ].to_numpy()
    back_office_dept = np.concatenate([handling, np.resize(busy, max(extra, 0))])
    dept = np.concatenate([window_staff_dept, back_office_dept])[:STAFF_TOTAL]
    n = len(dept)
    males = rng.random(n) < 0.45
    births = birth_dates(rng, n, today=today, min_age=22, max_age=58)
    ids = id_card_numbers(rng, births, males, local_codes=("446003",))
    staff = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "staff_no": [f"YX{i:05d}" for i in range(1, n + 1)],
            "name": person_names(rng, males),
            "department_id": dept,
            "phone": mobile_phones(rng, n),
            "id_card_no": ids,
            "id_card_hash": [pii_hash(v, pii_key) for v in ids],
            "post": np.where(np.arange(n) < len(window_staff_dept), "window", "back_office"),
            "ding_user_id": [f"ding{rng.integers(10**11, 10**12)}" for _ in range(n)],
            "wecom_user_id": [f"wx_yx{i:05d}" for i in range(1, n + 1)],
            "is_active": True,
        }
    )
    posts = _staff_posts(rng, windows, today=today)
    return staff, posts


def _staff_posts(rng: np.random.Generator, windows: pd.DataFrame, *, today: date) -> pd.DataFrame:
    """Each window clerk holds a current post; some rotated from another window of the same hall."""
    window_ids = np.repeat(windows["id"].to_numpy(), WINDOW_STAFF_PER_WINDOW)
    staff_ids = np.arange(1, len(window_ids) + 1)
    by_window = windows.set_index("id")
    since = np.datetime64(today, "D") - rng.integers(400, 2000, len(window_ids)).astype("timedelta64[D]")
    current = pd.DataFrame(
        {
            "staff_id": staff_ids,
            "window_id": window_ids,
            "department_id": by_window.loc[window_ids, "department_id"].to_numpy(),
            "zone_id": by_window.loc[window_ids, "zone_id"].to_numpy(),
            "valid_from": since,
            "valid_to": np.datetime64("NaT", "D"),
        }
    )
    rotated = current.sample(frac=0.15, random_state=rng).copy()
    same_hall = by_window.loc[rotated["window_id"], "hall_id"].to_numpy()
    earlier = [rng.choice(windows.loc[windows["hall_id"] == h, "id"].to_numpy()) for h in same_hall]
    rotated["window_id"] = earlier
    rotated["department_id"] = by_window.loc[earlier, "department_id"].to_numpy()
    rotated["zone_id"] = by_window.loc[earlier, "zone_id"].to_numpy()
    rotated["valid_to"] = rotated["valid_from"] - np.timedelta64(1, "D")
    rotated["valid_from"] = rotated["valid_to"] - rng.integers(200, 900, len(rotated)).astype(
        "timedelta64[D]"
    )
    posts = pd.concat([current, rotated], ignore_index=True).sort_values(["staff_id", "valid_from"])
    posts.insert(0, "id", np.arange(1, len(posts) + 1))
    return posts.reset_index(drop=True)


def build_organisation(rng: np.random.Generator, *, today: date, pii_key: str) -> Organisation:
    """Build every organisation table for the district."""
    regions = build_regions(rng)
    departments = build_departments(regions)
    halls, zones = build_halls(regions)
    windows = build_windows(departments, halls, zones)
    staff, posts = build_staff(rng, departments, windows, today=today, pii_key=pii_key)
    return Organisation(regions, departments, halls, zones, windows, staff, posts)
