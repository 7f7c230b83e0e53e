"""Hand-built applicant histories in the shape of core_app.cases.history.applicant_histories."""

import numpy as np
import pandas as pd

NOW = pd.Timestamp("2026-11-24")
A, B = 1, 2  # the planted pair: B follows A within a month
R = 3  # the planted renewal: some subjects do it every two months
NOISE = tuple(range(101, 121))  # matters done independently of anything, 101 the most often
NOISE_WEIGHTS = 1 / np.arange(1, 21) / (1 / np.arange(1, 21)).sum()
COLUMNS = ("subject", "subject_type", "subject_id", "case_id", "matter_id", "channel", "submitted_at")


def cases(rows: list[tuple[str, int, str]], *, open_ids: tuple[int, ...] = ()) -> pd.DataFrame:
    """Return histories from (subject, matter_id, 'YYYY-MM-DD HH:MM') rows; cases done 2 days later.

    OPEN_IDS are positions in ROWS whose cases are still open (no completion).
    """
    frame = pd.DataFrame(rows, columns=["subject", "matter_id", "submitted_at"])
    kind = frame["subject"].str.split(":")
    frame["subject_type"], frame["subject_id"] = kind.str[0], kind.str[1].astype("int64")
    frame["case_id"] = np.arange(1, len(frame) + 1, dtype="int64")
    frame["channel"] = "window"
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"]).astype("datetime64[s]")
    frame["completed_at"] = frame["submitted_at"] + pd.Timedelta(days=2)
    frame.loc[list(open_ids), "completed_at"] = pd.NaT
    frame["granted"] = frame["completed_at"].notna()
    return frame[[*COLUMNS, "completed_at", "granted"]].sort_values(
        ["subject", "submitted_at"], ignore_index=True
    )


def planted_district(subjects: int = 1200, days: int = 300, seed: int = 0) -> pd.DataFrame:
    """Return histories where 40% of citizens do A, and 90% of those do B 5-25 days after A.

    A quarter of the citizens renew R every 55-65 days. Everyone also does 2-4 noise matters at random
    days; the noise matters are more popular than B, so a popularity list puts them first.
    """
    rng = np.random.default_rng(seed)
    start = NOW - pd.Timedelta(days=days)
    rows = []
    for i in range(1, subjects + 1):
        subject = f"citizen:{i}"
        for matter in rng.choice(NOISE, size=rng.integers(2, 5), p=NOISE_WEIGHTS):
            rows.append((subject, int(matter), start + pd.Timedelta(days=float(rng.uniform(0, days)))))
        if rng.random() < 0.25:
            day = float(rng.uniform(0, 60))
            while day < days:
                rows.append((subject, R, start + pd.Timedelta(days=day)))
                day += float(rng.uniform(55, 65))
        if rng.random() < 0.4:
            day = float(rng.uniform(0, days))
            rows.append((subject, A, start + pd.Timedelta(days=day)))
            if rng.random() < 0.9:
                rows.append((subject, B, start + pd.Timedelta(days=day + float(rng.uniform(5, 25)))))
    rows = [(s, m, t) for s, m, t in rows if t < NOW]
    return cases([(s, m, t.strftime("%Y-%m-%d %H:%M")) for s, m, t in rows])


def profiles_of(histories: pd.DataFrame) -> pd.DataFrame:
    """Return a profile row per subject (citizens born 1980-1999, alternating gender)."""
    subjects = histories[["subject", "subject_type", "subject_id"]].drop_duplicates("subject")
    ids = subjects["subject_id"].to_numpy()
    return subjects.assign(
        region_id=pd.array([1] * len(subjects), dtype="Int64"),
        birth_year=pd.array(1980 + ids % 20, dtype="Int64"),
        gender=np.where(ids % 2 == 0, "male", "female"),
        special_group=None,
        industry_code=None,
        employee_count=pd.array([pd.NA] * len(subjects), dtype="Int64"),
        established_on=pd.NaT,
        credit_level=None,
    ).reset_index(drop=True)
