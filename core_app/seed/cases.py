"""Twelve months of cases with consistent step timestamps, plus special steps and queue tickets.

Cases are generated per block of consecutive days (so every hall-day's tickets fall in one block),
fully vectorised: a block of 100k cases is a few dozen numpy passes.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core_app.org.workgrid import WorkGrid
from core_app.seed.catalog import Catalog
from core_app.seed.org import Organisation
from core_app.seed.timegrid import seasonal_factor, weekday

HALL_SHARE = 0.56
SATURDAY_HALL_WEIGHT = 0.07
WEEKEND_ONLINE_WEIGHT = 0.3
ONLINE_HOURS = np.array(
    [
        0.3,
        0.15,
        0.1,
        0.1,
        0.1,
        0.2,
        0.5,
        1.2,
        2.5,
        4.5,
        5.0,
        4.6,
        2.8,
        2.6,
        4.3,
        4.6,
        4.4,
        3.6,
        2.2,
        2.4,
        3.0,
        2.8,
        1.8,
        0.8,
    ]
)
SPECIAL_STEP_TYPES = np.array(["suspend", "site_survey", "expert_review"])
SPECIAL_STEP_COMMENTS = {
    "suspend": "申请材料需补正，办理挂起",
    "site_survey": "现场踏勘核查经营场所",
    "expert_review": "组织专家评审",
}


@dataclass
class CaseContext:
    """Everything the case generator reads: organisation, catalogue, people and the calendar."""

    org: Organisation
    catalog: Catalog
    citizen_regions: np.ndarray  # region id of citizen i+1
    enterprise_regions: np.ndarray
    grid: WorkGrid
    start: np.datetime64  # first day, datetime64[D]
    now: np.datetime64  # local naive datetime64[s]
    journeys: pd.DataFrame | None = None  # planned journey cases (core_app.seed.journeys.plan_journeys)


@dataclass
class _Csr:
    """Compressed lists: the values for key k are values[starts[k]:starts[k]+counts[k]]."""

    starts: np.ndarray
    counts: np.ndarray
    values: np.ndarray

    @classmethod
    def build(cls, keys: np.ndarray, values: np.ndarray, size: int) -> "_Csr":
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        counts = np.bincount(keys, minlength=size)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return cls(starts, counts, values)

    def pick(self, rng: np.random.Generator, keys: np.ndarray) -> np.ndarray:
        """One random value per key (-1 where the key has none)."""
        counts = self.counts[keys]
        offset = np.floor(rng.random(len(keys)) * np.maximum(counts, 1)).astype(int)
        return np.where(
            counts > 0, self.values[np.minimum(self.starts[keys] + offset, len(self.values) - 1)], -1
        )


class CaseGenerator:
    """Generate the case tables block by block."""

    def __init__(self, ctx: CaseContext, total: int, seed: int, block_size: int = 100_000) -> None:
        self.ctx, self.total, self.seed, self.block_size = ctx, total, seed, block_size
        org, catalog = ctx.org, ctx.catalog
        matters = catalog.matters.set_index("id", drop=False)
        self.matters = matters
        size = int(matters["id"].max()) + 1
        self.m_dept = _by_id(matters, "department_id", size)
        self.m_promised = _by_id(matters, "promised_limit_days", size)
        self.m_legal = _by_id(matters, "legal_limit_days", size, fill=-1)
        self.m_enterprise = _by_id(matters, "_enterprise_share", size, fill=0.0)
        self.m_online = _by_id(matters, "online_capable", size, fill=False)
        self.m_mobile = _by_id(matters, "mobile_capable", size, fill=False)
        self.m_commit = _by_id(matters, "commitment_allowed", size, fill=False)
        self.m_gap = _by_id(matters, "gap_tolerant", size, fill=False)
        self.m_bundle = np.full(size, -1)
        items = catalog.matter_bundle_items.drop_duplicates("matter_id")
        self.m_bundle[items["matter_id"].to_numpy()] = items["bundle_id"].to_numpy()
        windows = org.windows.set_index("id", drop=False)
        wm = catalog.window_matters
        w_hall = windows.loc[wm["window_id"], "hall_id"].to_numpy()
        self.all_windows = _Csr.build(wm["matter_id"].to_numpy(), wm["window_id"].to_numpy(), size)
        centre = w_hall == 1
        self.centre_windows = _Csr.build(
            wm["matter_id"].to_numpy()[centre], wm["window_id"].to_numpy()[centre], size
        )
        wsize = int(windows["id"].max()) + 1
        self.w_hall = _by_id(windows, "hall_id", wsize)
        self.w_zone = _by_id(windows, "zone_id", wsize)
        halls = org.halls.set_index("id")
        self.hall_region = _by_id(org.halls, "region_id", int(halls.index.max()) + 1)
        posts = org.staff_posts[org.staff_posts["valid_to"].isna()]
        self.window_staff = _Csr.build(posts["window_id"].to_numpy(), posts["staff_id"].to_numpy(), wsize)
        back = org.staff[org.staff["post"] == "back_office"]
        dsize = int(org.departments["id"].max()) + 1
        self.dept_staff = _Csr.build(back["department_id"].to_numpy(), back["id"].to_numpy(), dsize)
        self.any_staff = _Csr.build(org.staff["department_id"].to_numpy(), org.staff["id"].to_numpy(), dsize)
        hall_matters = matters[matters["in_hall"] & (matters["status"] == "active")]
        self.hall_matters = hall_matters["id"].to_numpy()
        self.hall_p = _normalise(hall_matters["_popularity"].to_numpy())
        online = matters[matters["online_capable"] & (matters["status"] == "active")]
        self.online_matters = online["id"].to_numpy()
        self.online_p = _normalise(
            online["_popularity"].to_numpy() * np.where(online["mobile_capable"], 1.6, 1.0)
        )
        self.citizen_order = np.random.default_rng([seed, 7]).permutation(len(ctx.citizen_regions)) + 1
        self.next_ids = {"cases": 1, "case_steps": 1, "queue_tickets": 1}
        self.m_hall = np.zeros(size, dtype=bool)
        self.m_hall[self.hall_matters] = self.all_windows.counts[self.hall_matters] > 0
        self.planned = self._route_journeys(ctx.journeys)

    def _route_journeys(self, plan: pd.DataFrame | None) -> pd.DataFrame:
        """Send each planned journey case online or to a hall on a working day; drop those fitting neither."""
        if plan is None or plan.empty:
            return pd.DataFrame(
                columns=["day", "matter_id", "applicant_type", "citizen_id", "enterprise_id", "online"]
            )
        rng = np.random.default_rng([self.seed, 8])
        matter = plan["matter_id"].to_numpy()
        hall, web = self.m_hall[matter], self.m_online[matter]
        online = web & (~hall | (rng.random(len(plan)) < 0.5))
        plan = plan.assign(online=online)[hall | web].copy()
        day = plan["day"].to_numpy(dtype="datetime64[D]")
        for _ in range(10):  # a hall visit waits for the next working day (holidays last at most 8 days)
            closed = ~plan["online"].to_numpy() & ~self.ctx.grid.is_workday(day)
            day = np.where(closed, day + np.timedelta64(1, "D"), day)
        plan["day"] = day
        last = self.ctx.now.astype("datetime64[D]")
        return plan[plan["day"].to_numpy(dtype="datetime64[D]") <= last].reset_index(drop=True)

    # -- day plan ---------------------------------------------------------------------------------

    def daily_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Days and the hall and online case counts per day (weekly and seasonal rhythm)."""
        ctx = self.ctx
        days = np.arange(ctx.start, ctx.now.astype("datetime64[D]") + 1)
        workday = ctx.grid.is_workday(days)
        season = seasonal_factor(days)
        saturday = (weekday(days) == 5) & ~workday
        hall_w = np.where(workday, 1.0, np.where(saturday, SATURDAY_HALL_WEIGHT, 0.0)) * season
        online_w = np.where(workday, 1.0, WEEKEND_ONLINE_WEIGHT) * season
        rng = np.random.default_rng([self.seed, 1])
        planned_online = int(self.planned["online"].sum())
        planned_hall = len(self.planned) - planned_online
        hall_total = int(round(self.total * HALL_SHARE))
        online_total = max(0, self.total - hall_total - planned_online)
        hall = rng.multinomial(max(0, hall_total - planned_hall), hall_w / hall_w.sum())
        online = rng.multinomial(online_total, online_w / online_w.sum())
        return days, hall, online

    def blocks(self) -> Iterator[dict[str, pd.DataFrame]]:
        """Yield the rows of every table, one block of consecutive days at a time."""
        days, hall, online = self.daily_counts()
        planned_days = self.planned["day"].to_numpy(dtype="datetime64[D]")
        per_day = (
            hall + online + np.bincount(np.searchsorted(days, planned_days), minlength=len(days))[: len(days)]
        )
        edges = np.searchsorted(
            np.cumsum(per_day), np.arange(self.block_size, per_day.sum(), self.block_size)
        )
        bounds = [0, *sorted(set((edges + 1).tolist())), len(days)]
        for index, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            if hi <= lo:
                continue
            rng = np.random.default_rng([self.seed, 100, index])
            yield self._block(rng, days[lo:hi], hall[lo:hi], online[lo:hi])

    # -- one block ----------------------------------------------------------------------------------

    def _block(self, rng, days, hall_counts, online_counts) -> dict[str, pd.DataFrame]:
        hall_days = np.repeat(days, hall_counts)
        online_days = np.repeat(days, online_counts)
        planned_days = self.planned["day"].to_numpy(dtype="datetime64[D]")
        planned = self.planned[(planned_days >= days[0]) & (planned_days <= days[-1])]
        on_web = planned["online"].to_numpy(dtype=bool)
        parts = [self._hall_cases(rng, hall_days), self._online_cases(rng, online_days, "online")]
        for frame, make, key in (
            (planned[~on_web], self._hall_cases, "jh"),
            (planned[on_web], self._online_cases, "jo"),
        ):
            if len(frame):
                parts.append(make(rng, frame["day"].to_numpy(dtype="datetime64[D]"), key, frame))
        cases = pd.concat(parts, ignore_index=True)
        cases = self._outcomes(rng, cases)
        cases = cases[cases["submitted_at"] <= self.ctx.now]
        cases = cases[cases["_service_end"].isna() | (cases["_service_end"] <= self.ctx.now)]
        cases = cases.sort_values(["submitted_at", "_key"], kind="stable").reset_index(drop=True)
        cases["id"] = np.arange(self.next_ids["cases"], self.next_ids["cases"] + len(cases))
        self.next_ids["cases"] += len(cases)
        cases["case_no"] = (
            "YX"
            + pd.Series(
                np.datetime_as_string(cases["submitted_at"].to_numpy(dtype="datetime64[D]"), unit="D")
            ).str.replace("-", "", regex=False)
            + cases["id"].astype(str).str.zfill(8)
        )
        steps = self._special_steps(cases)
        tickets = self._tickets(rng, cases)
        return {"cases": cases, "case_steps": steps, "queue_tickets": tickets}

    def _hall_cases(self, rng, days: np.ndarray, key: str = "hall", planned=None) -> pd.DataFrame:
        """Window and self-service cases: ticket, call, service, receipt and acceptance at a hall."""
        n = len(days)
        grid = self.ctx.grid
        matter = (
            rng.choice(self.hall_matters, n, p=self.hall_p)
            if planned is None
            else planned["matter_id"].to_numpy()
        )
        saturday = ~grid.is_workday(days)
        use_centre = saturday | (rng.random(n) < 0.72)
        centre_pick = self.centre_windows.pick(rng, matter)
        any_pick = self.all_windows.pick(rng, matter)
        window = np.where(use_centre & (centre_pick > 0), centre_pick, any_pick)
        self_service = self.m_online[matter] & ~saturday & (rng.random(n) < 0.12)
        offset = rng.beta(1.4, 1.7, n) * (grid.minutes_per_day - 50)
        taken = grid.working_offset(days, offset)
        # Only the centre opens on Saturday mornings (no-rest hours, 09:00-12:00).
        taken = np.where(saturday, days.astype("datetime64[s]") + _minutes(540 + rng.random(n) * 160), taken)
        wait = np.minimum(rng.exponential(11, n), 75)
        called = taken + _minutes(wait)
        started = called + _minutes(rng.uniform(0.3, 2, n))
        submitted = np.where(self_service, taken, started + _minutes(rng.uniform(1, 5, n)))
        received = np.where(
            self_service,
            grid.next_working_instant(submitted + _minutes(rng.exponential(90, n))),
            submitted + _minutes(rng.uniform(0, 2, n)),
        )
        accepted = np.where(
            self_service,
            grid.next_working_instant(received + _minutes(rng.exponential(120, n))),
            received + _minutes(rng.uniform(3, 22, n)),
        )
        window = np.where(self_service, -1, window)
        frame = self._common(rng, matter, days, key, planned)
        frame["channel"] = np.where(self_service, "self_service", "window")
        frame["hall_id"] = self.w_hall[np.where(window > 0, window, any_pick)]
        frame["window_id"] = pd.array(np.where(window > 0, window, 0), dtype="Int64")
        frame.loc[window <= 0, "window_id"] = pd.NA
        frame["intake_region_id"] = self.hall_region[frame["hall_id"].to_numpy()]
        staff_at_window = self.window_staff.pick(rng, np.maximum(window, 0))
        frame["receiver_staff_id"] = np.where(window > 0, staff_at_window, frame["_dept_staff"])
        frame["visit_count"] = 1 + (rng.random(n) < 0.12)
        frame["_taken"], frame["_called"], frame["_started"] = taken, called, started
        frame["submitted_at"], frame["received_at"], frame["accepted_at"] = submitted, received, accepted
        return frame

    def _online_cases(self, rng, days: np.ndarray, key: str = "online", planned=None) -> pd.DataFrame:
        """PC and mobile cases: submitted any hour, received and accepted in working time (mostly)."""
        n = len(days)
        grid = self.ctx.grid
        matter = (
            rng.choice(self.online_matters, n, p=self.online_p)
            if planned is None
            else planned["matter_id"].to_numpy()
        )
        hour = rng.choice(24, n, p=ONLINE_HOURS / ONLINE_HOURS.sum())
        submitted = days.astype("datetime64[s]") + (hour * 3600 + rng.integers(0, 3600, n)).astype(
            "timedelta64[s]"
        )
        received = grid.next_working_instant(submitted + _minutes(rng.exponential(80, n)))
        overtime = rng.random(n) < 0.03
        accepted = np.where(
            overtime,
            received + _minutes(rng.uniform(30, 400, n)),
            grid.next_working_instant(received + _minutes(rng.exponential(150, n))),
        )
        frame = self._common(rng, matter, days, key, planned)
        frame["channel"] = np.where(self.m_mobile[matter] & (rng.random(n) < 0.58), "mobile_app", "pc_web")
        frame["hall_id"] = pd.array([pd.NA] * n, dtype="Int64")
        frame["window_id"] = pd.array([pd.NA] * n, dtype="Int64")
        frame["intake_region_id"] = frame["_applicant_region"]
        frame["receiver_staff_id"] = frame["_dept_staff"]
        frame["visit_count"] = 0
        frame["_taken"] = frame["_called"] = frame["_started"] = np.datetime64("NaT", "s")
        frame["submitted_at"], frame["received_at"], frame["accepted_at"] = submitted, received, accepted
        return frame

    def _common(self, rng, matter: np.ndarray, days: np.ndarray, key: str, planned=None) -> pd.DataFrame:
        """Matter, department, applicant, handler and acceptance flags shared by all channels."""
        n = len(matter)
        dept = self.m_dept[matter]
        enterprise = rng.random(n) < self.m_enterprise[matter]
        citizen_rank = np.floor(len(self.citizen_order) * rng.random(n) ** 1.5).astype(int)
        citizen = self.citizen_order[citizen_rank]
        ent_count = len(self.ctx.enterprise_regions)
        firm = np.floor(ent_count * rng.random(n) ** 1.3).astype(int) + 1
        if planned is not None:  # a journey step: its applicant is given
            enterprise = planned["applicant_type"].to_numpy() == "enterprise"
            citizen = np.where(enterprise, 1, planned["citizen_id"].to_numpy())
            firm = np.where(enterprise, planned["enterprise_id"].to_numpy(), 1)
        applicant_region = np.where(
            enterprise, self.ctx.enterprise_regions[firm - 1], self.ctx.citizen_regions[citizen - 1]
        )
        handler = self.dept_staff.pick(rng, dept)
        handler = np.where(handler > 0, handler, self.any_staff.pick(rng, dept))
        bundle = np.where((self.m_bundle[matter] > 0) & (rng.random(n) < 0.25), self.m_bundle[matter], 0)
        frame = pd.DataFrame(
            {
                "_key": np.char.add(key, np.arange(n).astype(str)),
                "_day": days,
                "matter_id": matter,
                "department_id": dept,
                "applicant_type": np.where(enterprise, "enterprise", "citizen"),
                "citizen_id": pd.array(np.where(enterprise, 0, citizen), dtype="Int64"),
                "enterprise_id": pd.array(np.where(enterprise, firm, 0), dtype="Int64"),
                "_applicant_region": applicant_region,
                "_dept_staff": handler,
                "handler_staff_id": handler,
                "bundle_id": pd.array(bundle, dtype="Int64"),
                "source_system": np.where(rng.random(n) < 0.9, "v2", "v1"),
                "is_commitment": self.m_commit[matter] & (rng.random(n) < 0.25),
                "is_gap_tolerant": self.m_gap[matter] & (rng.random(n) < 0.1),
            }
        )
        for column in ("citizen_id", "enterprise_id", "bundle_id"):
            frame.loc[frame[column] == 0, column] = pd.NA
        return frame

    def _outcomes(self, rng, cases: pd.DataFrame) -> pd.DataFrame:
        """Decide each case's fate and derive every later timestamp, cut at ``now``."""
        grid, now = self.ctx.grid, self.ctx.now
        n = len(cases)
        matter = cases["matter_id"].to_numpy()
        promised = self.m_promised[matter]
        legal = self.m_legal[matter]
        received = cases["received_at"].to_numpy(dtype="datetime64[s]")
        accepted = cases["accepted_at"].to_numpy(dtype="datetime64[s]")
        window = cases["channel"].to_numpy() == "window"
        fate = rng.random(n)
        returned = fate < 0.03
        rejected = (fate >= 0.03) & (fate < 0.045)
        voided = (fate >= 0.045) & (fate < 0.053)
        decided_at = np.where(
            window,
            received + _minutes(rng.uniform(3, 20, n)),
            grid.next_working_instant(received + _minutes(rng.exponential(240, n))),
        )
        acc_day = accepted.astype("datetime64[D]")
        # Special steps: whole working days off the clock, after the first working day.
        special = ~(returned | rejected) & (promised >= 2) & (rng.random(n) < 0.05)
        step_len = rng.integers(1, 6, n)
        step_at = np.minimum(rng.integers(1, 6, n), np.maximum(promised, 1))
        step_start = grid.start_of_day(grid.nth_workday_after(acc_day, np.where(special, step_at, 1)))
        step_end = grid.end_of_day(
            grid.nth_workday_after(acc_day, np.where(special, step_at + step_len - 1, 1))
        )
        step_closed = special & (step_end <= now)
        extra = np.where(step_closed, step_len, 0)
        # Elapsed working days until completion: mostly early, some on the due day, a few overdue.
        pace = rng.random(n)
        elapsed = np.where(
            pace < 0.68,
            np.floor(rng.random(n) * promised),
            np.where(pace < 0.94, promised, promised + rng.integers(1, 9, n)),
        )
        # A special step shifts completion (and the deadline) by its length and ends before completion.
        elapsed = np.where(special, np.maximum(elapsed, step_at) + step_len, elapsed).astype(int)
        due_day = grid.nth_workday_after(acc_day, promised + extra)
        due_at = grid.end_of_day(due_day)
        legal_due = np.where(
            legal >= 0,
            grid.end_of_day(grid.nth_workday_after(acc_day, np.maximum(legal, 0) + extra)),
            np.datetime64("NaT", "s"),
        )
        done_day = grid.nth_workday_after(acc_day, elapsed)
        completed = grid.working_offset(done_day, rng.random(n) * grid.minutes_per_day)
        quick = accepted + _minutes(rng.uniform(2, 30, n))
        same_day = elapsed == 0
        completed = np.where(
            same_day, np.where((quick > due_at) & (due_at > accepted), due_at, quick), completed
        )
        completed = np.maximum(completed, accepted + _minutes(5))
        voided_at = grid.next_working_instant(accepted + _minutes(rng.uniform(60, 6000, n)))
        nat = np.datetime64("NaT", "s")
        cases["returned_at"] = np.where(returned & (decided_at <= now), decided_at, nat)
        cases["rejected_at"] = np.where(rejected & (decided_at <= now), decided_at, nat)
        accepted_ok = ~(returned | rejected) & (accepted <= now)
        cases["accepted_at"] = np.where(accepted_ok, accepted, nat)
        cases["voided_at"] = np.where(accepted_ok & voided & (voided_at <= now), voided_at, nat)
        done = accepted_ok & ~voided & (completed <= now) & (~special | step_closed)
        cases["completed_at"] = np.where(done, completed, nat)
        cases["due_at"] = np.where(accepted_ok, due_at, nat)
        cases["legal_due_at"] = np.where(accepted_ok, legal_due, nat)
        cases["received_at"] = np.where(received <= now, received, nat)
        cases["handler_staff_id"] = np.where(accepted_ok, cases["handler_staff_id"], 0)
        cases["handler_staff_id"] = cases["handler_staff_id"].astype("Int64").replace(0, pd.NA)
        cases["special_minutes"] = extra * grid.minutes_per_day
        cases["is_no_rest"] = accepted_ok & ~grid.is_working_time(np.where(accepted_ok, accepted, received))
        cases["result"] = np.where(done, np.where(rng.random(n) < 0.03, "refused", "granted"), None)
        cases["is_commitment"] &= accepted_ok
        cases["is_gap_tolerant"] &= accepted_ok
        cases["status"] = _status(
            cases, special & (step_start <= now) & ~step_closed, accepted_ok, acc_day, now
        )
        cases["_special"] = special & (step_start <= now)
        cases["_step_type"] = SPECIAL_STEP_TYPES[rng.choice(3, n, p=[0.5, 0.4, 0.1])]
        cases["_step_start"], cases["_step_end"] = step_start, np.where(step_closed, step_end, nat)
        cases["_service_end"] = np.where(
            window,
            _latest(cases[["accepted_at", "returned_at", "rejected_at", "received_at"]])
            + _minutes(rng.uniform(0.5, 3, n)),
            nat,
        )
        cases["_overdue"] = due_at < completed
        return cases

    def _special_steps(self, cases: pd.DataFrame) -> pd.DataFrame:
        """CaseStep rows for suspensions, site surveys and expert reviews."""
        chosen = cases[cases["_special"]]
        steps = pd.DataFrame(
            {
                "case_id": chosen["id"].to_numpy(),
                "step_type": chosen["_step_type"].to_numpy(),
                "is_special": True,
                "staff_id": chosen["handler_staff_id"].to_numpy(),
                "started_at": chosen["_step_start"].to_numpy(),
                "ended_at": chosen["_step_end"].to_numpy(),
                "outcome": np.where(chosen["_step_end"].notna(), "resumed", None),
                "comment": chosen["_step_type"].map(SPECIAL_STEP_COMMENTS).to_numpy(),
            }
        )
        steps.insert(
            0, "id", np.arange(self.next_ids["case_steps"], self.next_ids["case_steps"] + len(steps))
        )
        self.next_ids["case_steps"] += len(steps)
        return steps

    def _tickets(self, rng, cases: pd.DataFrame) -> pd.DataFrame:
        """Served tickets of window cases plus missed, cancelled and consultation-only tickets."""
        now = self.ctx.now
        served = cases[cases["channel"] == "window"]
        base = pd.DataFrame(
            {
                "hall_id": served["hall_id"].astype(int).to_numpy(),
                "window_id": served["window_id"].astype(int).to_numpy(),
                "staff_id": served["receiver_staff_id"].to_numpy(),
                "taken_at": served["_taken"].to_numpy(),
                "called_at": served["_called"].to_numpy(),
                "service_started_at": served["_started"].to_numpy(),
                "service_ended_at": served["_service_end"].to_numpy(),
                "status": "served",
                "case_id": pd.array(served["id"].to_numpy(), dtype="Int64"),
                "citizen_id": served["citizen_id"]
                .where(rng.random(len(served)) < 0.7)
                .astype("Int64")
                .to_numpy(),
            }
        )
        base["_window_for_group"] = base["window_id"]
        extra = self._extra_tickets(rng, base)
        tickets = pd.concat([base, extra], ignore_index=True)
        tickets = tickets[tickets[["taken_at", "called_at", "service_ended_at"]].max(axis=1) <= now]
        tickets = tickets.sort_values(["hall_id", "taken_at"], kind="stable").reset_index(drop=True)
        tickets["taken_on"] = tickets["taken_at"].to_numpy(dtype="datetime64[D]")
        sequence = tickets.groupby(["hall_id", "taken_on"]).cumcount() + 1
        zone = self.w_zone[tickets["_window_for_group"].to_numpy()]
        letters = np.array(list("ABCDEFGH"))[(zone - 1) % 8]
        tickets["ticket_no"] = letters.astype(object) + sequence.astype(str).str.zfill(4).to_numpy()
        zones = self.ctx.org.hall_zones.set_index("id")["name"]
        tickets["queue_group"] = zones.reindex(zone).str.replace(r"^[A-Z]区 ", "", regex=True).to_numpy()
        tickets["is_booking"] = rng.random(len(tickets)) < 0.15
        tickets.insert(
            0, "id", np.arange(self.next_ids["queue_tickets"], self.next_ids["queue_tickets"] + len(tickets))
        )
        self.next_ids["queue_tickets"] += len(tickets)
        return tickets

    def _extra_tickets(self, rng, base: pd.DataFrame) -> pd.DataFrame:
        n = len(base)
        kinds = rng.choice(3, int(n * 0.22), p=[0.3, 0.05, 0.65])  # missed, cancelled, consultation
        source = (
            base.iloc[rng.integers(0, max(n, 1), len(kinds))].reset_index(drop=True) if n else base.head(0)
        )
        m = len(source)
        if not m:
            return source
        shift = _minutes(rng.uniform(-90, 90, m))
        taken = source["taken_at"].to_numpy(dtype="datetime64[s]") + shift
        called = taken + _minutes(np.minimum(rng.exponential(11, m), 75))
        started = called + _minutes(rng.uniform(0.3, 2, m))
        ended = started + _minutes(rng.uniform(2, 12, m))
        missed, cancelled = kinds == 0, kinds == 1
        nat = np.datetime64("NaT", "s")
        extra = pd.DataFrame(
            {
                "hall_id": source["hall_id"].to_numpy(),
                "_window_for_group": source["window_id"].to_numpy(),
                "window_id": pd.array(np.where(cancelled, 0, source["window_id"]), dtype="Int64"),
                "staff_id": pd.array(np.where(cancelled, 0, source["staff_id"]), dtype="Int64"),
                "taken_at": taken,
                "called_at": np.where(cancelled, nat, called),
                "service_started_at": np.where(missed | cancelled, nat, started),
                "service_ended_at": np.where(missed | cancelled, nat, ended),
                "status": np.where(missed, "missed", np.where(cancelled, "cancelled", "served")),
                "case_id": pd.array([pd.NA] * m, dtype="Int64"),
                "citizen_id": source["citizen_id"].to_numpy(),
            }
        )
        for column in ("window_id", "staff_id"):
            extra.loc[extra[column] == 0, column] = pd.NA
        return extra


def _status(
    cases: pd.DataFrame, suspended_now: np.ndarray, accepted_ok: np.ndarray, acc_day, now
) -> np.ndarray:
    """The last state each case reached by ``now``."""
    status = np.where(cases["received_at"].notna(), "received", "submitted").astype(object)
    in_approval = accepted_ok & (acc_day < now.astype("datetime64[D]"))
    status = np.where(accepted_ok, np.where(in_approval, "in_approval", "accepted"), status)
    status = np.where(suspended_now, "suspended", status)
    status = np.where(cases["completed_at"].notna(), "completed", status)
    status = np.where(cases["voided_at"].notna(), "voided", status)
    status = np.where(cases["returned_at"].notna(), "returned", status)
    return np.where(cases["rejected_at"].notna(), "rejected", status)


def _latest(frame: pd.DataFrame) -> np.ndarray:
    return frame.max(axis=1).to_numpy(dtype="datetime64[s]")


def _minutes(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float) * 60).astype("timedelta64[s]")


def _normalise(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _by_id(frame: pd.DataFrame, column: str, size: int, fill=0) -> np.ndarray:
    """A dense array indexed by id holding ``column``."""
    values = frame[column]
    dtype = bool if values.dtype == bool else (float if values.dtype.kind == "f" else int)
    out = np.full(size, fill, dtype=dtype)
    out[frame["id"].to_numpy()] = (
        values.fillna(fill).to_numpy(dtype=dtype) if values.hasnans else values.to_numpy(dtype=dtype)
    )
    return out
