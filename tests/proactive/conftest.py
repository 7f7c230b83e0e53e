"""A small district for push generation and a recommender that answers a hand-written frame."""

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

import pandas as pd
import pytest

from core_app.config import LOCAL_TZ, get_settings
from core_app.notify.worker import reset_default_adapters
from core_app.proactive import jobs, service
from serving import recommend
from tests.api import builders as b

NOW = datetime(2026, 10, 12, 10, 0, tzinfo=LOCAL_TZ)  # outside the district's quiet hours (21:00-08:00)


@dataclass
class FrameRecommender:
    """The recommender's answer is the test's input: rows of the frame for the subjects asked about."""

    frame: pd.DataFrame
    version: str = "rec-test-1"
    calls: list = field(default_factory=list)

    def recommend(self, histories: pd.DataFrame, profiles: pd.DataFrame, *, now, k: int = 5) -> pd.DataFrame:
        self.calls.append(SimpleNamespace(histories=histories, profiles=profiles, now=now, k=k))
        asked = set(histories["subject"]) | set(profiles["subject"])
        return self.frame[self.frame["subject"].isin(asked)].groupby("subject").head(k).reset_index(drop=True)


def recommendations(*rows) -> pd.DataFrame:
    """(subject, matter_id, score, because, because_matter_id) rows; rank by order within a subject."""
    frame = pd.DataFrame(rows, columns=["subject", "matter_id", "score", "because", "because_matter_id"])
    frame["rank"] = frame.groupby("subject").cumcount() + 1
    frame["because_matter_id"] = frame["because_matter_id"].astype("Int64")
    return frame[["subject", "rank", "matter_id", "score", "because_matter_id", "because"]]


@pytest.fixture
def district(session):
    """Matters A 食品经营许可 -> B 公共场所卫生许可 (in the bundle 开办餐饮店一件事, online) and C 户口迁移;
    citizen 张 with a phone, citizen 李 without one, a restaurant enterprise; each with a recent case."""
    a = b.matter(session, name="食品经营许可")
    bm = b.matter(session, name="公共场所卫生许可", online_capable=True)
    c = b.matter(session, name="户口迁移")
    bundle = b.bundle(session, matters=[a, bm], name="开办餐饮店一件事", status="active")
    zhang = b.citizen(session, name="张三", phone="13812345678", birth_year=1990)
    li = b.citizen(session, name="李四", phone=None, birth_year=1985)
    firm = b.enterprise(session, industry_code="H6210", employee_count=12)
    b.case(session, matter_id=a.id, citizen_id=zhang.id, submitted_at=b.local(2026, 10, 2, 9, 30))
    b.case(session, matter_id=c.id, citizen_id=li.id, submitted_at=b.local(2026, 9, 1, 10))
    b.case(session, matter_id=a.id, enterprise_id=firm.id, submitted_at=b.local(2026, 8, 20, 10))
    session.commit()
    return SimpleNamespace(
        a=a,
        b=bm,
        c=c,
        bundle=bundle,
        zhang=zhang,
        li=li,
        firm=firm,
        zhang_key=f"citizen:{zhang.id}",
        li_key=f"citizen:{li.id}",
        firm_key=f"enterprise:{firm.id}",
    )


@pytest.fixture(autouse=True)
def _fresh_job_state():
    jobs.forget_last_run()
    reset_default_adapters()
    yield
    jobs.forget_last_run()
    reset_default_adapters()


@pytest.fixture
def no_registry(engine, monkeypatch, tmp_path):
    """An empty model registry: no recommender is registered."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("BUTLER_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    recommend.reset()
    yield
    recommend.reset()
    get_settings.cache_clear()


@pytest.fixture
def registered(monkeypatch):
    """Make ``recommender`` the one generation loads (as if it were the registered champion)."""

    def use(recommender) -> None:
        monkeypatch.setattr(service, "load_recommender", lambda: recommender)

    return use
