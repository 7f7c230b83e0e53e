"""The SLA scheduler under a frozen clock: two reminders, then 催办 at the deadline, then 督办; each step
exactly once, across restarts, late schedulers and two schedulers at once."""

import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core_app.events.models import AssignmentStatus, Complexity
from core_app.integrations.base import FakeNotifier
from core_app.notify.models import Channel, OutboxMessage
from core_app.notify.worker import deliver_due
from core_app.sla import scheduler, service
from core_app.sla.models import SlaTimer, TimerKind, TimerStatus
from core_app.sla.runner import run_tick
from core_app.supervision.models import Supervision, SupervisionKind, SupervisionStatus, SupervisionTarget
from tests.sla import factories as f
from tests.sla.factories import T0

SIGN_DUE = T0 + timedelta(minutes=15)


def _setup(session: Session):
    """A dispatched event: department with one handler, a dispatcher who dispatched it, the sign timer."""
    dept = f.department(session)
    f.user(session, "dept_handler", scope="department", scope_id=dept.id)
    dispatcher = f.user(session, "dispatcher")
    event = f.event(session, department_id=dept.id)
    assignment = f.assignment(session, event, dept.id, dispatched_by=dispatcher.id)
    timer = service.start_timer(session, assignment, TimerKind.SIGN, T0)
    session.commit()
    return dept, dispatcher, event, assignment, timer


def _supervisions(session: Session) -> list[Supervision]:
    return list(session.scalars(select(Supervision).order_by(Supervision.id)))


def _outbox(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage))


def _tick(engine, at) -> int:
    """One tick in a fresh session, as a scheduler process would run it (timers reloaded from the DB)."""
    with Session(engine, expire_on_commit=False) as fresh:
        return scheduler.tick(fresh, at)


def test_two_reminders_then_urge_then_supervise_at_the_right_times(engine, session) -> None:
    dept, dispatcher, event, assignment, timer = _setup(session)
    assert timer.due_at == SIGN_DUE and assignment.sign_due_at == SIGN_DUE
    assert timer.next_fire_at == T0 + timedelta(minutes=7, seconds=30)

    assert _tick(engine, T0 + timedelta(minutes=5)) == 0
    assert _tick(engine, T0 + timedelta(minutes=7, seconds=29)) == 0
    assert _supervisions(session) == [] and _outbox(session) == 0

    # 50 %: first reminder, to the department's handler only.
    assert _tick(engine, T0 + timedelta(minutes=7, seconds=30)) == 1
    rows = _supervisions(session)
    assert [(r.kind, r.source_key) for r in rows] == [(SupervisionKind.REMIND, f"sla:{timer.id}:0")]
    first = rows[0]
    assert first.issued_by is None and first.respond_by is None and first.department_id == dept.id
    assert (first.target_type, first.target_id, first.event_id) == (
        SupervisionTarget.ASSIGNMENT,
        assignment.id,
        event.id,
    )
    assert _outbox(session) == 1

    # 80 %: second reminder.
    assert _tick(engine, T0 + timedelta(minutes=12)) == 1
    assert [r.kind for r in _supervisions(session)] == [SupervisionKind.REMIND] * 2
    assert _outbox(session) == 2

    # 100 %: 催办, to the department and to the dispatcher; reply within 1 h.
    assert _tick(engine, SIGN_DUE) == 1
    urge = _supervisions(session)[-1]
    assert urge.kind == SupervisionKind.URGE and urge.respond_by == SIGN_DUE + timedelta(hours=1)
    assert _outbox(session) == 4
    recipients = set(
        session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.subject.like("【催办】%")))
    )
    assert recipients == {dispatcher.username, *_handler_names(session, dept.id)}

    # The same instant again: nothing new.
    assert _tick(engine, SIGN_DUE) == 0
    assert len(_supervisions(session)) == 3 and _outbox(session) == 4

    # 150 %: 督办.
    assert _tick(engine, T0 + timedelta(minutes=22)) == 0
    assert _tick(engine, T0 + timedelta(minutes=22, seconds=30)) == 1
    rows = _supervisions(session)
    assert [r.kind for r in rows] == [
        SupervisionKind.REMIND,
        SupervisionKind.REMIND,
        SupervisionKind.URGE,
        SupervisionKind.SUPERVISE,
    ]
    assert [r.source_key for r in rows] == [f"sla:{timer.id}:{i}" for i in range(4)]
    assert rows[-1].respond_by == T0 + timedelta(minutes=22, seconds=30, hours=24)
    assert _outbox(session) == 6
    assert {m.channel for m in session.scalars(select(OutboxMessage))} == {Channel.DING_WORK}

    stored = session.get(SlaTimer, timer.id, populate_existing=True)
    assert (stored.stage, stored.next_fire_at, stored.status) == (4, None, TimerStatus.ACTIVE)
    assert _tick(engine, T0 + timedelta(days=3)) == 0
    assert len(_supervisions(session)) == 4 and _outbox(session) == 6


def _handler_names(session: Session, department_id: int) -> set[str]:
    from core_app.notify.outbox import department_handlers

    return {u.username for u in department_handlers(session, department_id)}


def test_unanswered_urge_turns_overdue_and_an_answered_one_does_not(engine, session) -> None:
    _, _, _, _, timer = _setup(session)
    _tick(engine, SIGN_DUE)
    urge = session.scalar(select(Supervision).where(Supervision.kind == SupervisionKind.URGE))
    assert urge.status == SupervisionStatus.OPEN
    _tick(engine, SIGN_DUE + timedelta(minutes=59))
    session.refresh(urge)
    assert urge.status == SupervisionStatus.OPEN
    _tick(engine, SIGN_DUE + timedelta(hours=1, seconds=1))
    session.refresh(urge)
    assert urge.status == SupervisionStatus.OVERDUE
    reminders = session.scalars(select(Supervision).where(Supervision.kind == SupervisionKind.REMIND)).all()
    assert {r.status for r in reminders} == {SupervisionStatus.OPEN}  # nothing to answer by a time


def test_a_restarted_scheduler_continues_where_the_last_one_stopped(engine, session) -> None:
    _, _, _, _, timer = _setup(session)
    assert _tick(engine, T0 + timedelta(minutes=8)) == 1
    session.close()  # the process goes away; only the database remains
    with Session(engine) as restarted:
        stored = restarted.get(SlaTimer, timer.id)
        assert stored.stage == 1 and stored.next_fire_at == T0 + timedelta(minutes=12)
        assert scheduler.tick(restarted, T0 + timedelta(minutes=8)) == 0
        assert scheduler.tick(restarted, T0 + timedelta(minutes=13)) == 1
        kinds = restarted.scalars(select(Supervision.kind).order_by(Supervision.id)).all()
        assert kinds == [SupervisionKind.REMIND, SupervisionKind.REMIND]


def test_a_late_scheduler_fires_every_missed_step_once_in_order(engine, session) -> None:
    _, _, _, _, timer = _setup(session)
    late = T0 + timedelta(hours=2)
    assert _tick(engine, late) == 4
    rows = _supervisions(session)
    assert [(r.kind, r.source_key) for r in rows] == [
        (SupervisionKind.REMIND, f"sla:{timer.id}:0"),
        (SupervisionKind.REMIND, f"sla:{timer.id}:1"),
        (SupervisionKind.URGE, f"sla:{timer.id}:2"),
        (SupervisionKind.SUPERVISE, f"sla:{timer.id}:3"),
    ]
    assert {r.issued_at for r in rows} == {late}
    # The urge's hour passed long ago: it is overdue at once; the 督办 has a day.
    assert [r.status for r in rows] == [
        SupervisionStatus.OPEN,
        SupervisionStatus.OPEN,
        SupervisionStatus.OVERDUE,
        SupervisionStatus.OPEN,
    ]
    assert _outbox(session) == 1 + 1 + 2 + 2
    assert _tick(engine, late) == 0 and _tick(engine, late + timedelta(days=1)) == 0
    assert len(_supervisions(session)) == 4 and _outbox(session) == 6

    # The messages are due at the scheduler's (frozen) clock: the delivery worker sends them then.
    ding = FakeNotifier(Channel.DING_WORK)
    assert deliver_due(sessionmaker(bind=engine), late, {Channel.DING_WORK: ding}) == 6
    assert [m.subject[:4] for m in ding.sent] == [
        "【提醒】",
        "【提醒】",
        "【催办】",
        "【催办】",
        "【督办】",
        "【督办】",
    ]


def test_a_stale_scheduler_cannot_issue_a_step_twice(engine, session) -> None:
    _, _, _, _, timer = _setup(session)
    at = T0 + timedelta(minutes=8)
    with Session(engine) as first, Session(engine) as second:
        mine = first.get(SlaTimer, timer.id)
        theirs = second.get(SlaTimer, timer.id)  # both saw stage 0
        assert scheduler.fire_due_steps(first, mine, at) == 1
        first.commit()
        assert scheduler.fire_due_steps(second, theirs, at) == 0
        second.commit()
    assert len(_supervisions(session)) == 1 and _outbox(session) == 1


def test_two_schedulers_ticking_at_once_issue_each_step_once(engine, session) -> None:
    timers = [_setup(session)[-1] for _ in range(5)]
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    late = T0 + timedelta(hours=1)
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        for _ in range(3):  # SQLite may refuse one writer ("database is locked"): it tries again
            run_tick(sessions, late)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    keys = session.scalars(select(Supervision.source_key)).all()
    assert sorted(keys) == sorted(f"sla:{t.id}:{i}" for t in timers for i in range(4))
    assert _outbox(session) == 6 * len(timers)


def test_pause_and_resume_move_the_deadline_by_the_time_paused(engine, session) -> None:
    _, _, _, assignment, timer = _setup(session)
    assert _tick(engine, T0 + timedelta(minutes=8)) == 1
    service.pause_timers(session, assignment.id, T0 + timedelta(minutes=10))
    session.commit()
    assert _tick(engine, T0 + timedelta(minutes=40)) == 0  # paused: nothing fires

    resumed = T0 + timedelta(minutes=70)
    service.resume_timers(session, assignment.id, resumed)
    session.commit()
    assert timer.due_at == SIGN_DUE + timedelta(hours=1) == assignment.sign_due_at
    assert assignment.suspended_minutes == 60
    _, steps = service.decode_schedule(timer.schedule)
    assert [s.at for s in steps] == [
        T0 + timedelta(minutes=7, seconds=30),  # fired before the pause: unchanged
        T0 + timedelta(minutes=72),
        T0 + timedelta(minutes=75),
        T0 + timedelta(minutes=82, seconds=30),
    ]
    assert timer.next_fire_at == T0 + timedelta(minutes=72)
    assert _tick(engine, T0 + timedelta(minutes=71)) == 0
    assert _tick(engine, T0 + timedelta(minutes=72)) == 1
    assert _tick(engine, T0 + timedelta(minutes=75)) == 1
    assert [r.kind for r in _supervisions(session)][-1] == SupervisionKind.URGE


def test_an_extension_moves_the_deadline_and_the_steps_not_yet_fired(engine, session) -> None:
    dept = f.department(session)
    event = f.event(session, department_id=dept.id)
    assignment = f.assignment(session, event, dept.id, status=AssignmentStatus.SIGNED)
    timer = service.start_timer(session, assignment, TimerKind.HANDLE, T0)  # simple: 30 min
    session.commit()
    assert timer.due_at == T0 + timedelta(minutes=30) == assignment.handle_due_at
    assert _tick(engine, T0 + timedelta(minutes=15)) == 1

    service.extend_timers(session, assignment.id, 20)
    session.commit()
    assert timer.due_at == T0 + timedelta(minutes=50) == assignment.handle_due_at
    _, steps = service.decode_schedule(timer.schedule)
    assert [s.at for s in steps] == [
        T0 + timedelta(minutes=15),
        T0 + timedelta(minutes=44),
        T0 + timedelta(minutes=50),
        T0 + timedelta(minutes=65),
    ]
    assert _tick(engine, T0 + timedelta(minutes=30)) == 0  # the old deadline no longer urges
    assert _tick(engine, T0 + timedelta(minutes=50)) == 2


def test_a_timer_whose_step_was_done_stops_instead_of_firing(engine, session) -> None:
    _, _, _, assignment, timer = _setup(session)
    assignment.signed_at = T0 + timedelta(minutes=3)  # signed, but nobody stopped the timer
    assignment.status = AssignmentStatus.SIGNED
    session.commit()
    assert _tick(engine, T0 + timedelta(hours=1)) == 0
    session.refresh(timer)
    assert timer.status == TimerStatus.MET and timer.next_fire_at is None
    assert _supervisions(session) == []


def test_finished_and_cancelled_timers_never_fire(engine, session) -> None:
    _, _, _, assignment, timer = _setup(session)
    service.finish_timers(session, assignment.id, T0 + timedelta(minutes=5), kinds=[TimerKind.SIGN])
    session.commit()
    assert (timer.status, timer.finished_at) == (TimerStatus.MET, T0 + timedelta(minutes=5))
    assert _tick(engine, T0 + timedelta(hours=1)) == 0 and _supervisions(session) == []


def test_the_tick_works_through_more_timers_than_one_batch(engine, session) -> None:
    for _ in range(5):
        _setup(session)
    with Session(engine) as fresh:
        assert scheduler.tick(fresh, T0 + timedelta(minutes=8), batch_size=2) == 5
    assert len(_supervisions(session)) == 5


def _complex_handle_timer(session: Session):
    dept = f.department(session)
    f.user(session, "dept_handler", scope="department", scope_id=dept.id)
    event = f.event(session, department_id=dept.id, complexity=Complexity.COMPLEX)
    assignment = f.assignment(session, event, dept.id, status=AssignmentStatus.IN_PROGRESS)
    timer = service.start_timer(session, assignment, TimerKind.HANDLE, T0)  # 24 h; 督办 at 36 h
    session.commit()
    return timer


def test_an_unanswered_urge_brings_the_supervise_step_forward(engine, session) -> None:
    timer = _complex_handle_timer(session)
    due = T0 + timedelta(hours=24)
    assert _tick(engine, due) == 3  # two reminders and the urge
    assert _tick(engine, due + timedelta(hours=1)) == 0  # the hour to answer is not over yet
    escalated_at = due + timedelta(hours=1, seconds=1)
    assert _tick(engine, escalated_at) == 1
    rows = _supervisions(session)
    assert [(r.kind, r.status) for r in rows[2:]] == [
        (SupervisionKind.URGE, SupervisionStatus.OVERDUE),
        (SupervisionKind.SUPERVISE, SupervisionStatus.OPEN),
    ]
    assert rows[-1].issued_at == escalated_at and rows[-1].respond_by == escalated_at + timedelta(hours=24)
    assert rows[-1].source_key == f"sla:{timer.id}:3"
    assert _tick(engine, T0 + timedelta(hours=36)) == 0  # the 督办 is not issued a second time


def test_an_answered_urge_leaves_the_supervise_step_at_its_ratio(engine, session) -> None:
    _complex_handle_timer(session)
    due = T0 + timedelta(hours=24)
    assert _tick(engine, due) == 3
    urge = session.scalar(select(Supervision).where(Supervision.kind == SupervisionKind.URGE))
    urge.status, urge.response = SupervisionStatus.RESPONDED, "正在协调，明日办结"
    session.commit()
    assert _tick(engine, due + timedelta(hours=2)) == 0
    assert _tick(engine, T0 + timedelta(hours=36)) == 1
    assert _supervisions(session)[-1].kind == SupervisionKind.SUPERVISE


def test_a_timer_of_a_cancelled_assignment_is_cancelled_not_met(engine, session) -> None:
    _, _, _, assignment, timer = _setup(session)
    assignment.status = AssignmentStatus.CANCELLED  # re-dispatched elsewhere, timer left running
    session.commit()
    assert _tick(engine, T0 + timedelta(hours=1)) == 0
    session.refresh(timer)
    assert timer.status == TimerStatus.CANCELLED and _supervisions(session) == []
