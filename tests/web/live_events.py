"""Fresh events for the workbench and handler tests: the demo district is seeded up to its own 'now', so
its dispatcher queue and handler worklists are empty on the day the tests run.

Run as a script in a child process with the worker's database and model registry in its environment
(``make_live_events``): the events go through the product's own intake (``ingest``, then acceptance,
priority and the dispatch model's recommendation as after every intake). The mobile source has its
auto-dispatch switched off first, so every event waits for a human. Events asked for with ``dispatch_to``
(a department code) are then dispatched there by the system, ready to be signed off.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

LIVE_SOURCE = "mobile"
# Texts in the manner of the seeded events: several kinds of trouble, some urgent, some calm.
TEXTS = (
    ("燃气管道泄漏", "楼道里燃气味道很浓，怀疑燃气管道泄漏，老人小孩都在家，非常危险，请立即派人处理！"),
    ("餐馆无证经营", "小区门口新开的餐馆没有营业执照，卫生条件很差，希望市场监管部门核查。"),
    ("路灯不亮", "滨海路两侧路灯连续一周晚上不亮，行人走路很不方便，请尽快维修。"),
    ("噪音扰民", "工地夜间施工噪音扰民，凌晨还在作业，居民无法休息，多次反映没有结果，非常气愤。"),
    ("垃圾堆积", "菜市场后面垃圾堆积多日无人清运，臭味很大，蚊蝇很多，请安排清理。"),
    ("商品过期", "超市货架上有过期食品在售，已经买到一次，要求查处并退款。"),
)


def make_live_events(
    database_url: str,
    var_dir: Path,
    count: int,
    *,
    dispatch_to: str | None = None,
    repeat_first: bool = False,
) -> dict[str, list[int]]:
    """Take COUNT new events in through intake (in a child process): {"events": their ids in order,
    "repeats": the id of a second report of the first event, which intake links as its duplicate}."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}  # the district's registry
    env.update(
        BUTLER_DATABASE_URL=database_url,
        BUTLER_VAR_DIR=str(var_dir),
        BUTLER_SCHEDULER="off",
        MLFLOW_DISABLE_TELEMETRY="true",
        BENTOML_DO_NOT_TRACK="true",
    )
    request = json.dumps({"count": count, "dispatch_to": dispatch_to, "repeat_first": repeat_first})
    result = subprocess.run(
        [sys.executable, __file__, request], env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise RuntimeError(f"live events failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _item(batch: str, n: int, external_id: str):
    from core_app.events.models import ReporterType
    from core_app.intake.schemas import EventIn

    title, description = TEXTS[n % len(TEXTS)]
    return EventIn(
        external_id=external_id,
        title=title,
        description=f"{description}（编号{batch}-{n}）",
        reporter_type=ReporterType.CITIZEN,
        reporter_name="王小明",
        reporter_phone=f"1380000{n:04d}",
        address="云溪街道滨海路18号",
    )


def _main(count: int, dispatch_to: str | None, repeat_first: bool) -> dict[str, list[int]]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from core_app.db import registry  # noqa: F401  (every table mapped before the first query)
    from core_app.db.base import utcnow
    from core_app.db.session import get_engine
    from core_app.events import lifecycle
    from core_app.events.models import EventSource, EventSourcePolicy
    from core_app.intake.dispatcher import run_after_intake
    from core_app.intake.service import Actor, ingest
    from core_app.org.models import Department

    batch = uuid.uuid4().hex[:8]
    with Session(get_engine(), expire_on_commit=False) as session:
        source = EventSource(LIVE_SOURCE)
        policy = session.scalar(select(EventSourcePolicy).where(EventSourcePolicy.source == source))
        if policy is None:
            policy = EventSourcePolicy(source=source)
            session.add(policy)
        policy.auto_dispatch = False
        policy.dedup_window_hours = 0  # the same texts again are new events here, not repeats
        session.commit()
        items = [_item(batch, n, f"live-{batch}-{n}") for n in range(count)]
        outcomes = ingest(session, items, source=source, actor=Actor(name="test"), now=utcnow())
        session.commit()
        ids = [o.event.id for o in outcomes]
        run_after_intake(session, ids)
        if dispatch_to is not None:
            department = session.scalar(select(Department).where(Department.code == dispatch_to))
            for event_id in ids:
                lifecycle.perform(
                    session,
                    event_id=event_id,
                    action="dispatch",
                    principal=None,
                    payload={"department_id": department.id, "override_reason": "测试派单"},
                )
            session.commit()
        repeats = []
        if repeat_first:  # the same caller again about the same thing: a likely duplicate
            policy.dedup_window_hours = 24
            again = ingest(
                session,
                [_item(batch, 0, f"live-{batch}-again")],
                source=source,
                actor=Actor(name="test"),
                now=utcnow(),
            )
            repeats = [again[0].event.id]
            policy.dedup_window_hours = 0
            session.commit()
    return {"events": ids, "repeats": repeats}


if __name__ == "__main__":
    asked = json.loads(sys.argv[1])
    print(json.dumps(_main(asked["count"], asked["dispatch_to"], asked["repeat_first"])))
