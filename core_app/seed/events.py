"""Event categories and a year of events (诉求) whose text and department agree, for the dispatch model."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core_app.seed import vocab_events as ve
from core_app.seed import vocab_people as vp
from core_app.seed.identity import mobile_phones, person_names
from core_app.seed.org import Organisation
from core_app.seed.timegrid import seasonal_factor

HOURS = np.array(
    [
        0.4,
        0.25,
        0.2,
        0.15,
        0.15,
        0.3,
        0.8,
        1.8,
        3.6,
        5.0,
        5.2,
        4.6,
        3.2,
        3.0,
        4.4,
        4.6,
        4.4,
        4.0,
        3.2,
        3.4,
        3.6,
        3.0,
        2.0,
        1.0,
    ]
)
SATISFACTION = np.array(["satisfied", "basically", "dissatisfied"])
RETURN_SHARE = 0.04  # events returned by a first, wrong unit (at the median pace)
REDISPATCH_SHARE = 0.02  # events the dispatcher takes off a first unit and sends elsewhere
# Category severity (DOMAIN §7.2 priority input): gas, fire and work safety put lives at risk (critical: every
# such event is urgent and important); unsafe buildings, food safety and flooding are high (important).
SEVERITY = {
    "ZJ04": "critical",  # 燃气安全
    "AQ01": "critical",  # 消防安全
    "AQ03": "critical",  # 安全生产
    "ZJ03": "high",  # 房屋安全
    "SC01": "high",  # 食品安全
    "AQ04": "high",  # 排水防涝
}


@dataclass
class CategoryTree:
    """Category rows plus, per level-2 category, its handling rules and templates."""

    rows: pd.DataFrame
    leaves: list[dict]


def build_categories(org: Organisation) -> CategoryTree:
    """Three-level category tree; every level-2 node names its default department."""
    rows, leaves = [], []
    street_fallback = org.dept_id("YX-ZSJ")
    for code1, name1, children in ve.CATEGORY_TREE:
        parent = len(rows) + 1
        rows.append(
            {
                "id": parent,
                "code": code1,
                "name": name1,
                "parent_id": None,
                "level": 1,
                "default_complexity": "simple",
                "default_department_id": None,
                "sensitive": False,
                "severity": "normal",
            }
        )
        for code2, name2, dept, complexity, street_share, level3, templates in children:
            node = len(rows) + 1
            dept_id = street_fallback if dept == "STREET" else org.dept_id(f"YX-{dept}")
            rows.append(
                {
                    "id": node,
                    "code": code2,
                    "name": name2,
                    "parent_id": parent,
                    "level": 2,
                    "default_complexity": complexity,
                    "default_department_id": dept_id,
                    "sensitive": code2 in ("LD01", "AQ03"),
                    "severity": SEVERITY.get(code2, "normal"),
                }
            )
            subs = []
            for k, name3 in enumerate(level3, start=1):
                subs.append(len(rows) + 1)
                rows.append(
                    {
                        "id": len(rows) + 1,
                        "code": f"{code2}{k:02d}",
                        "name": name3,
                        "parent_id": node,
                        "level": 3,
                        "default_complexity": complexity,
                        "default_department_id": dept_id,
                        "sensitive": False,
                        "severity": SEVERITY.get(code2, "normal"),  # as its level-2 category
                    }
                )
            leaves.append(
                {
                    "id": node,
                    "dept": dept,
                    "dept_id": dept_id,
                    "complexity": complexity,
                    "street_share": street_share,
                    "subs": subs,
                    "templates": templates,
                    "name": name2,
                }
            )
    frame = pd.DataFrame(rows)
    for column in ("parent_id", "default_department_id"):
        frame[column] = frame[column].astype("Int64")
    return CategoryTree(frame, leaves)


class EventGenerator:
    """Generate events with slot-filled texts, tied to the department that handled them."""

    def __init__(
        self,
        org: Organisation,
        tree: CategoryTree,
        *,
        citizens: pd.DataFrame,
        start: np.datetime64,
        now: np.datetime64,
        seed: int,
    ) -> None:
        self.org, self.tree, self.citizens, self.start, self.now, self.seed = (
            org,
            tree,
            citizens,
            start,
            now,
            seed,
        )
        villages = org.villages.reset_index(drop=True)
        self.villages = villages
        offices = org.departments[org.departments["kind"] == "street_office"]
        self.office_of_town = dict(zip(offices["region_id"], offices["id"], strict=True))
        self.town_name = dict(zip(org.regions["id"], org.regions["name"], strict=True))

    def generate(self, total: int) -> pd.DataFrame:
        rng = np.random.default_rng([self.seed, 200])
        days = np.arange(self.start, self.now.astype("datetime64[D]") + 1)
        weights = seasonal_factor(days) * np.where(((days.astype(np.int64) + 3) % 7) >= 5, 0.75, 1.0)
        day = np.repeat(days, rng.multinomial(total, weights / weights.sum()))
        n = len(day)
        reported = day.astype("datetime64[s]") + (
            rng.choice(24, n, p=HOURS / HOURS.sum()) * 3600 + rng.integers(0, 3600, n)
        ).astype("timedelta64[s]")
        order = np.argsort(reported, kind="stable")
        reported = reported[order]
        frame = self._places_and_labels(rng, n)
        frame = self._repeat_reporters(rng, frame)
        frame["reported_at"] = reported
        frame = self._texts(rng, frame)
        frame = self._sources(rng, frame)
        frame = self._lifecycle(rng, frame)
        frame = frame[frame["reported_at"] <= self.now].reset_index(drop=True)
        frame.insert(0, "id", np.arange(1, len(frame) + 1))
        frame["event_no"] = (
            "SJ"
            + pd.Series(
                np.datetime_as_string(frame["reported_at"].to_numpy(dtype="datetime64[D]"), unit="D")
            ).str.replace("-", "", regex=False)
            + frame["id"].astype(str).str.zfill(7)
        )
        frame["external_id"] = frame["_ext_prefix"] + frame["event_no"].str[2:]
        frame["upstream_no"] = np.where(frame["_city"], "HZ12345-" + frame["event_no"].str[2:], None)
        return frame

    def _places_and_labels(self, rng, n: int) -> pd.DataFrame:
        leaves = self.tree.leaves
        weight = np.array([3.0 if leaf["dept"] in ("CGJ", "STREET", "ZJJ") else 1.5 for leaf in leaves])
        leaf_idx = rng.choice(len(leaves), n, p=weight / weight.sum())
        village = rng.integers(0, len(self.villages), n)
        town = self.villages["parent_id"].to_numpy()[village]
        street_share = np.array([leaf["street_share"] for leaf in leaves])[leaf_idx]
        by_street = rng.random(n) < street_share
        default_dept = np.array([leaf["dept_id"] for leaf in leaves])[leaf_idx]
        street_office = np.array([self.office_of_town[t] for t in town])
        category = np.array([leaf["id"] for leaf in leaves])[leaf_idx]
        sub = np.array(
            [
                rng.choice(leaf["subs"]) if leaf["subs"] and rng.random() < 0.6 else leaf["id"]
                for leaf in (leaves[i] for i in leaf_idx)
            ]
        )
        return pd.DataFrame(
            {
                "_leaf": leaf_idx,
                "_village": village,
                "street_id": town,
                "region_id": self.villages["id"].to_numpy()[village],
                "department_id": np.where(by_street, street_office, default_dept),
                "category_id": np.where(sub > 0, sub, category),
                "complexity": np.array([leaf["complexity"] for leaf in leaves])[leaf_idx],
            }
        )

    def _repeat_reporters(self, rng, frame: pd.DataFrame) -> pd.DataFrame:
        """About one event in ten repeats an earlier one: same reporter, place and category."""
        n = len(frame)
        males = rng.random(n) < 0.5
        frame["reporter_name"] = person_names(rng, males)
        frame["reporter_phone"] = mobile_phones(rng, n)
        is_citizen = rng.random(n) < 0.35
        pick = rng.integers(0, len(self.citizens), n)
        frame["citizen_id"] = pd.array(
            np.where(is_citizen, self.citizens["id"].to_numpy()[pick], 0), dtype="Int64"
        )
        frame.loc[~is_citizen, "citizen_id"] = pd.NA
        frame.loc[is_citizen, "reporter_name"] = self.citizens["name"].to_numpy()[pick[is_citizen]]
        frame.loc[is_citizen, "reporter_phone"] = self.citizens["phone"].to_numpy()[pick[is_citizen]]
        repeat = rng.random(n) < 0.1
        repeat[: min(n, 50)] = False
        back = np.maximum(np.arange(n) - rng.integers(1, 400, n), 0)
        source = np.where(repeat, back, np.arange(n))
        for column in (
            "_leaf",
            "_village",
            "street_id",
            "region_id",
            "department_id",
            "category_id",
            "complexity",
            "reporter_name",
            "reporter_phone",
            "citizen_id",
        ):
            frame[column] = (
                frame[column].to_numpy()[source] if column != "citizen_id" else frame[column].array[source]
            )
        frame["_repeat"] = repeat
        frame["_template_seed"] = rng.integers(0, 1 << 30, n)
        frame.loc[repeat, "_template_seed"] = frame["_template_seed"].to_numpy()[source[repeat]]
        return frame

    def _texts(self, rng, frame: pd.DataFrame) -> pd.DataFrame:
        """Fill a department's template with district places; frame it as hotline, online or grid text."""
        n = len(frame)
        angry = rng.random(n) < 0.08 + 0.25 * frame["_repeat"].to_numpy()
        source_kind = rng.random(n)
        titles, bodies, raw, addresses, urgent = [], [], [], [], np.zeros(n, dtype=bool)
        villages, leaves = self.villages, self.tree.leaves
        for i, (leaf_i, village_i, tseed, is_repeat) in enumerate(
            zip(
                frame["_leaf"].to_numpy(),
                frame["_village"].to_numpy(),
                frame["_template_seed"].to_numpy(),
                frame["_repeat"].to_numpy(),
                strict=True,
            )
        ):
            local = np.random.default_rng(int(tseed))
            leaf = leaves[leaf_i]
            template = leaf["templates"][local.integers(len(leaf["templates"]))]
            urgent[i] = template.startswith("!")
            community = villages["name"].iat[village_i]
            street = self.town_name[villages["parent_id"].iat[village_i]]
            poi = (
                vp.POI_WORDS[local.integers(len(vp.POI_WORDS))]
                + vp.POI_SUFFIXES[local.integers(len(vp.POI_SUFFIXES))]
            )
            road = vp.ROADS[local.integers(len(vp.ROADS))]
            place = f"{street}{community}{poi}"
            body = template.lstrip("!").format(
                place=place,
                road=road,
                road2=vp.ROADS[local.integers(len(vp.ROADS))],
                poi=poi,
                time=ve.TIMES[local.integers(len(ve.TIMES))],
                amount=int(local.integers(2, 400)) * 100,
                fare=int(local.integers(15, 160)),
                count=int(local.integers(2, 12)),
                shop=ve.SHOPS[local.integers(len(ve.SHOPS))],
                company=f"{vp.COMPANY_WORDS[local.integers(len(vp.COMPANY_WORDS))]}公司",
                months=int(local.integers(2, 8)),
            )
            frames = ve.HOTLINE_FRAMES if source_kind[i] < 0.6 else ve.ONLINE_FRAMES
            text = frames[rng.integers(len(frames))].format(body=body, place=f"{street}{community}")
            if is_repeat:
                text = ve.REPEAT_PREFIX[rng.integers(3)].format(count=int(rng.integers(2, 5))) + text
            if angry[i]:
                text += ve.ANGRY_SUFFIXES[rng.integers(len(ve.ANGRY_SUFFIXES))]
            if urgent[i]:
                text += ve.URGENT_SUFFIXES[rng.integers(len(ve.URGENT_SUFFIXES))] + "！"
            titles.append(f"{street}{community}{leaf['name']}{ve.TITLE_SUFFIXES[rng.integers(4)]}")
            bodies.append(text)
            raw.append(body + ("。" + ve.URGENT_SUFFIXES[0] if urgent[i] else ""))
            addresses.append(f"云溪区{street}{community}{road}{int(rng.integers(1, 300))}号")
        frame["title"], frame["description"], frame["address"], frame["_body"] = (
            titles,
            bodies,
            addresses,
            raw,
        )
        frame["_angry"], frame["_urgent"], frame["_source_kind"] = angry, urgent, source_kind
        lon = villages["lon"].to_numpy()[frame["_village"].to_numpy()]
        lat = villages["lat"].to_numpy()[frame["_village"].to_numpy()]
        frame["lon"] = np.round(lon + rng.normal(0, 0.003, n), 6)
        frame["lat"] = np.round(lat + rng.normal(0, 0.003, n), 6)
        frame["urgency"] = urgent
        frame["importance"] = urgent | (frame["complexity"].to_numpy() == "complex")
        frame["priority"] = np.where(
            urgent, "p1", np.where(angry, "p2", np.where(frame["importance"], "p3", "p4"))
        )
        frame["emotion_polarity"] = np.where(angry, "negative", "neutral")
        frame["emotion_score"] = np.where(
            angry, -rng.uniform(0.5, 0.95, n), np.round(rng.uniform(-0.2, 0.1, n), 3)
        )
        frame["risk_tags"] = np.where(urgent, "urgent_need", np.where(frame["_repeat"], "may_escalate", ""))
        return frame

    def _sources(self, rng, frame: pd.DataFrame) -> pd.DataFrame:
        n = len(frame)
        names = np.array([s for s, _ in ve.SOURCES])
        p = np.array([w for _, w in ve.SOURCES])
        hotline = frame["_source_kind"].to_numpy() < 0.6
        hot_p = np.where(np.isin(names, ["hotline_12345", "city_12345"]), p, 0)
        web_p = np.where(np.isin(names, ["hotline_12345", "city_12345"]), 0, p)
        source = np.where(
            hotline, rng.choice(names, n, p=hot_p / hot_p.sum()), rng.choice(names, n, p=web_p / web_p.sum())
        )
        grid = np.isin(source, list(ve.GRID_SOURCES))
        frame["source"] = source
        frame["_city"] = np.isin(source, list(ve.CITY_SOURCES))
        frame["_ext_prefix"] = (
            pd.Series(source)
            .map(
                {
                    "hotline_12345": "RX",
                    "city_12345": "SRX",
                    "grid": "WG",
                    "gov_online": "ZF",
                    "mobile": "YD",
                    "livelihood": "MS",
                    "city_grid": "SWG",
                    "city_livelihood": "SMS",
                }
            )
            .to_numpy()
        )
        frame["reporter_type"] = np.where(
            grid,
            "grid_worker",
            np.where(
                frame["citizen_id"].notna(), "citizen", np.where(rng.random(n) < 0.06, "anonymous", "citizen")
            ),
        )
        frame.loc[frame["reporter_type"] == "anonymous", ["reporter_name", "reporter_phone"]] = None
        grid_text = np.array(ve.GRID_FRAMES)[rng.integers(0, len(ve.GRID_FRAMES), n)]
        frame.loc[grid, "description"] = [
            g.format(body=body.rstrip("！"))
            for g, body in zip(grid_text[grid], frame.loc[grid, "_body"], strict=True)
        ]
        return frame

    def _lifecycle(self, rng, frame: pd.DataFrame) -> pd.DataFrame:
        """Timestamps per status change: most events closed, the last days still open.

        Departments work at their own pace (slower ones sign, finish and return later); a few events first
        go to a wrong unit that returns them (退单) or is taken off by a redispatch (改派), which delays the
        final dispatch. Those detours use their own random stream so the others keep their draws.
        """
        n = len(frame)
        minute = np.timedelta64(60, "s")
        detour = np.random.default_rng([self.seed, 201])
        pace = self._department_pace()[frame["department_id"].to_numpy()]
        reported = frame["reported_at"].to_numpy(dtype="datetime64[s]")
        complex_ = frame["complexity"].to_numpy() == "complex"
        received = reported + (rng.uniform(0, 10, n) * minute).astype("timedelta64[s]")
        accepted = received + (rng.exponential(20, n) * minute).astype("timedelta64[s]")
        first = accepted + (rng.exponential(15, n) * minute).astype("timedelta64[s]")
        sign = np.minimum(rng.exponential(9, n), 600) * pace
        handle = np.where(complex_, rng.exponential(14 * 60, n), rng.exponential(28, n)) * pace
        close = rng.uniform(30, 48 * 60, n)
        invalid = rng.random(n) < 0.02
        now = self.now

        returns = np.where(detour.random(n) < RETURN_SHARE * pace, detour.integers(1, 3, n), 0)
        redispatched = (returns == 0) & (detour.random(n) < REDISPATCH_SHARE)
        held = detour.exponential(12, (2, n)) * pace  # minutes a wrong unit keeps the event
        gap = detour.exponential(20, (2, n))  # minutes until the dispatcher sends it on
        earlier = returns + redispatched
        delay = np.where(earlier >= 1, held[0] + gap[0], 0) + np.where(earlier >= 2, held[1] + gap[1], 0)
        dispatched = first + (delay * minute).astype("timedelta64[s]")
        # A detour whose final dispatch would lie in the future did not happen (yet).
        drop = invalid | (dispatched > now)
        returns, redispatched, earlier = (np.where(drop, 0, a) for a in (returns, redispatched, earlier))
        dispatched = np.where(earlier > 0, dispatched, first)
        signed = dispatched + (sign * minute).astype("timedelta64[s]")
        completed = signed + (handle * minute).astype("timedelta64[s]")
        closed = completed + (close * minute).astype("timedelta64[s]")
        nat = np.datetime64("NaT", "s")

        def until(values, ok=True):
            return np.where(ok & ~invalid & (values <= now), values, nat)

        frame["received_at"] = np.where(received <= now, received, nat)
        frame["accepted_at"] = until(accepted)
        frame["dispatched_at"] = until(dispatched)
        frame["signed_at"] = until(signed)
        frame["completed_at"] = until(completed)
        frame["closed_at"] = until(closed)
        frame["upstream_reported_at"] = np.where(
            frame["_city"] & pd.notna(frame["closed_at"]), frame["closed_at"] + np.timedelta64(5, "m"), nat
        )
        frame["upstream_reported_at"] = np.where(
            frame["upstream_reported_at"] <= now, frame["upstream_reported_at"], nat
        )
        status = np.select(
            [
                invalid,
                frame["closed_at"].notna(),
                frame["completed_at"].notna(),
                frame["signed_at"].notna(),
                frame["dispatched_at"].notna(),
                frame["accepted_at"].notna(),
            ],
            ["invalid", "closed", "handled", "in_progress", "dispatched", "pending_dispatch"],
            "received",
        )
        frame["status"] = status
        dissatisfied = np.where(frame["_angry"], 0.3, 0.06) * pace
        roll = rng.random(n)
        level = np.where(roll < dissatisfied, 2, np.where(roll < dissatisfied + 0.14, 1, 0))
        frame["satisfaction"] = np.where(status == "closed", SATISFACTION[level], None)
        frame["return_count"] = returns
        frame["is_difficult"] = returns >= 2
        frame["_first_dispatch"] = first
        frame["_redispatched"] = redispatched
        frame["_earlier"] = earlier
        frame["_held0"], frame["_held1"], frame["_gap0"] = held[0], held[1], gap[0]
        return frame

    def _department_pace(self) -> np.ndarray:
        """A factor per department id on its sign-off, handling and return times (1 = district median)."""
        rng = np.random.default_rng([self.seed, 202])
        ids = self.org.departments["id"].to_numpy()
        pace = np.ones(ids.max() + 1)
        pace[ids] = np.clip(np.exp(rng.normal(0, 0.35, len(ids))), 0.5, 2.0)
        return pace
