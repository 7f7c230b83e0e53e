"""好差评 of completed cases: mostly good levels, default reviews, appeals, rectifications, second rounds."""

import numpy as np
import pandas as pd

from core_app.org.workgrid import WorkGrid

LEVEL_P = np.array([0.012, 0.02, 0.05, 0.14, 0.778])
LEVEL_P_LATE = np.array([0.06, 0.08, 0.12, 0.2, 0.54])
COMMENTS = {
    1: ("材料要求反复变，跑了好几趟", "等了很久也没人解释", "工作人员态度很差"),
    2: ("办理时间太长", "电话一直打不通", "窗口排队太久"),
    3: ("还可以", "基本满意，希望再快一点"),
    4: ("服务不错", "办理顺利", "工作人员讲解清楚"),
    5: ("非常满意，效率很高", "一次就办好了，点赞", "服务热情周到", "网上办理很方便"),
}
APPEAL_REASONS = (
    "申请人误操作评价",
    "差评内容与本办件无关",
    "已按规定时限办结，申请人对政策不满",
    "申请人材料不全，已一次性告知",
)
MEASURES = (
    "已电话回访致歉并加强窗口人员培训",
    "已优化办理流程，压缩办理时限",
    "已安排专人跟进并一次性告知所需材料",
    "已增开窗口缓解排队压力",
)
CALLBACK_RESULTS = np.array(["满意", "基本满意", "不满意"])
RECTIFY_WORKING_DAYS = 15


class ReviewGenerator:
    """Turn completed cases into reviews, appeals and rectifications with their own id counters."""

    def __init__(self, grid: WorkGrid, now: np.datetime64) -> None:
        self.grid, self.now = grid, now
        self.next_ids = {"reviews": 1, "review_appeals": 1, "rectifications": 1}

    def block(self, rng: np.random.Generator, cases: pd.DataFrame) -> dict[str, pd.DataFrame]:
        first = self._first_round(rng, cases[cases["completed_at"].notna()])
        appeals, upheld = self._appeals(rng, first)
        first.loc[first["id"].isin(upheld), "is_valid"] = False
        rectifications = self._rectifications(rng, first[(first["level"] <= 2) & ~first["id"].isin(upheld)])
        second = self._second_round(rng, rectifications, first)
        reviews = pd.concat([first, second], ignore_index=True)
        return {"reviews": reviews, "review_appeals": appeals, "rectifications": rectifications}

    def _ids(self, table: str, n: int) -> np.ndarray:
        ids = np.arange(self.next_ids[table], self.next_ids[table] + n)
        self.next_ids[table] += n
        return ids

    def _first_round(self, rng, done: pd.DataFrame) -> pd.DataFrame:
        n = len(done)
        rate = np.where(done["channel"].to_numpy() == "window", 0.62, 0.48)
        chosen = done[rng.random(n) < rate]
        m = len(chosen)
        default = rng.random(m) < 0.25  # no answer within 5 days: the system records a default 5
        late = chosen["completed_at"].to_numpy() > chosen["due_at"].to_numpy()
        level = np.where(late, rng.choice(5, m, p=LEVEL_P_LATE), rng.choice(5, m, p=LEVEL_P)) + 1
        level = np.where(default, 5, level)
        completed = chosen["completed_at"].to_numpy(dtype="datetime64[s]")
        reviewed = np.where(
            default,
            completed + np.timedelta64(5, "D"),
            completed + np.round(np.minimum(rng.exponential(8, m), 72) * 3600).astype("timedelta64[s]"),
        )
        window = chosen["channel"].to_numpy() == "window"
        reviews = pd.DataFrame(
            {
                "case_id": chosen["id"].to_numpy(),
                "matter_id": chosen["matter_id"].to_numpy(),
                "department_id": chosen["department_id"].to_numpy(),
                "staff_id": np.where(window, chosen["receiver_staff_id"], chosen["handler_staff_id"]),
                "channel": chosen["channel"].to_numpy(),
                "level": level,
                "is_good": level >= 3,
                "round": "first",
                "is_active": ~default,
                "is_valid": True,
                "comment": _comments(rng, level, ~default),
                "reviewed_at": reviewed,
            }
        )
        reviews = reviews[reviews["reviewed_at"] <= self.now].reset_index(drop=True)
        reviews.insert(0, "id", self._ids("reviews", len(reviews)))
        return reviews

    def _appeals(self, rng, reviews: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        bad = reviews[(reviews["level"] <= 2) & (rng.random(len(reviews)) < 0.45)]
        m = len(bad)
        submitted = bad["reviewed_at"].to_numpy(dtype="datetime64[s]") + _hours(rng.uniform(12, 72, m))
        decided = submitted + _hours(rng.uniform(24, 120, m))
        known = decided <= self.now
        decision = np.where(known, np.where(rng.random(m) < 0.3, "upheld", "rejected"), "pending")
        appeals = pd.DataFrame(
            {
                "review_id": bad["id"].to_numpy(),
                "reason": np.array(APPEAL_REASONS)[rng.integers(0, 4, m)],
                "submitted_at": submitted,
                "decision": decision,
                "decided_at": np.where(known, decided, np.datetime64("NaT", "s")),
            }
        )
        appeals = appeals[appeals["submitted_at"] <= self.now].reset_index(drop=True)
        appeals.insert(0, "id", self._ids("review_appeals", len(appeals)))
        return appeals, appeals.loc[appeals["decision"] == "upheld", "review_id"].to_numpy()

    def _rectifications(self, rng, bad: pd.DataFrame) -> pd.DataFrame:
        m = len(bad)
        reviewed = bad["reviewed_at"].to_numpy(dtype="datetime64[s]")
        review_day = reviewed.astype("datetime64[D]")
        deadline = self.grid.end_of_day(
            self.grid.nth_workday_after(review_day, np.full(m, RECTIFY_WORKING_DAYS))
        )
        in_time = rng.random(m) < 0.88
        offset = np.where(
            in_time,
            rng.integers(1, RECTIFY_WORKING_DAYS + 1, m),
            RECTIFY_WORKING_DAYS + rng.integers(1, 10, m),
        )
        completed = self.grid.working_offset(
            self.grid.nth_workday_after(review_day, offset), rng.random(m) * self.grid.minutes_per_day
        )
        callback = completed + _hours(rng.uniform(2, 48, m))
        nat = np.datetime64("NaT", "s")
        done = completed <= self.now
        called = done & (callback <= self.now)
        rect = pd.DataFrame(
            {
                "review_id": bad["id"].to_numpy(),
                "department_id": bad["department_id"].to_numpy(),
                "deadline_at": deadline,
                "measure": np.array(MEASURES)[rng.integers(0, len(MEASURES), m)],
                "completed_at": np.where(done, completed, nat),
                "callback_at": np.where(called, callback, nat),
                "callback_result": np.where(
                    called, CALLBACK_RESULTS[rng.choice(3, m, p=[0.6, 0.3, 0.1])], None
                ),
                "_case_id": bad["case_id"].to_numpy(),
            }
        )
        rect.insert(0, "id", self._ids("rectifications", len(rect)))
        return rect

    def _second_round(self, rng, rect: pd.DataFrame, first: pd.DataFrame) -> pd.DataFrame:
        chosen = rect[rect["callback_at"].notna() & (rng.random(len(rect)) < 0.5)]
        origin = first.set_index("id").loc[chosen["review_id"]]
        m = len(chosen)
        unhappy = chosen["callback_result"].to_numpy() == "不满意"
        level = np.where(unhappy, 2, rng.choice([3, 4, 5], m, p=[0.3, 0.4, 0.3]))
        second = pd.DataFrame(
            {
                "case_id": origin["case_id"].to_numpy(),
                "matter_id": origin["matter_id"].to_numpy(),
                "department_id": origin["department_id"].to_numpy(),
                "staff_id": origin["staff_id"].to_numpy(),
                "channel": origin["channel"].to_numpy(),
                "level": level,
                "is_good": level >= 3,
                "round": "second",
                "is_active": True,
                "is_valid": True,
                "comment": _comments(rng, level, np.ones(m, dtype=bool)),
                "reviewed_at": chosen["callback_at"].to_numpy(),
            }
        )
        second.insert(0, "id", self._ids("reviews", m))
        return second


def _comments(rng, levels: np.ndarray, active: np.ndarray) -> np.ndarray:
    """A short comment for about half of the active reviews."""
    out = np.full(len(levels), None, dtype=object)
    say = active & (rng.random(len(levels)) < 0.5)
    for level, pool in COMMENTS.items():
        hit = say & (levels == level)
        out[hit] = np.array(pool, dtype=object)[rng.integers(0, len(pool), hit.sum())]
    return out


def _hours(values) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float) * 3600).astype("timedelta64[s]")
