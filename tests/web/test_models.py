"""The model board in the browser: the registered dispatch model and the live accept rate."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.db.base import utcnow
from core_app.dispatch.models import DispatchRecommendation
from core_app.events.models import Event
from tests.web.conftest import screenshot, wait_for_callbacks


def _decide(web_server, decisions: list[str]) -> None:
    """Store a recommendation with each decision for events of the demo district, decided an hour ago."""
    with Session(web_server.engine()) as session:
        events = session.scalars(select(Event).order_by(Event.id.desc()).limit(len(decisions))).all()
        decided = utcnow() - timedelta(hours=1)
        for event, decision in zip(events, decisions, strict=True):
            session.add(
                DispatchRecommendation(
                    event_id=event.id,
                    model_name="dispatch",
                    model_version="1",
                    table=[],
                    top1_department_id=event.department_id,
                    top1_probability=0.9,
                    abstain=False,
                    threshold=0.5,
                    decision=decision,
                    final_department_id=event.department_id,
                    decided_at=decided,
                )
            )
        session.commit()


def _accept_rate(web_server, days: int) -> str:
    """The accept rate the page should show, from the rows (the workbench tests may have decided more)."""
    since = utcnow() - timedelta(days=days)
    with Session(web_server.engine()) as session:
        decisions = session.scalars(
            select(DispatchRecommendation.decision).where(DispatchRecommendation.decided_at >= since)
        ).all()
    accepted, overridden = decisions.count("accepted"), decisions.count("overridden")
    return f"{accepted / (accepted + overridden):.1%}"


def test_registered_dispatch_model_and_accept_rate(signed_in, web_server) -> None:
    _decide(web_server, ["accepted", "accepted", "accepted", "overridden"])
    page = signed_in("leader", "/models")
    page.wait_for_selector("#md-model-dispatch")
    dispatch = page.locator("#md-model-dispatch").inner_text()
    assert "智能派遣模型" in dispatch and "v1" in dispatch and "champion" in dispatch

    assert _accept_rate(web_server, 30) in page.locator("#md-accept-rate").inner_text()
    assert page.locator("#md-accept-figure .bars .point").count() >= 1  # the day's stacked bars
    assert page.locator("#md-accept-figure .scatterlayer .trace").count() == 1  # the accept-rate line

    page.click("label:has-text('近 7 天')")
    wait_for_callbacks(page)
    assert _accept_rate(web_server, 7) in page.locator("#md-accept-rate").inner_text()
    screenshot(page, "models")
