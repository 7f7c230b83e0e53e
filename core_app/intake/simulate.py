"""Reports taken in now, as residents would send them, so a demo district has live work.

The seeded history ends with every event closed: without fresh reports the dispatcher's queue and the
departments' worklists would be empty. These go through the real intake (deduplication, acceptance,
priority, the dispatch model, automatic dispatch where the source's policy allows it), exactly as
reports from the mobile channel do.
"""

import uuid
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from core_app.events.models import EventSource, ReporterType
from core_app.intake.dispatcher import run_after_intake
from core_app.intake.schemas import EventIn
from core_app.intake.service import Actor, ingest
from core_app.seed import vocab_org

# (title, description with a {place} to fill): matters of several departments, calm and urgent alike.
REPORTS = (
    (
        "燃气管道泄漏",
        "{place}楼道里燃气味道很浓，怀疑燃气管道泄漏，老人小孩都在家，非常危险，请立即派人处理！",
    ),
    ("餐馆无证经营", "{place}小区门口新开的餐馆没有营业执照，卫生条件很差，希望市场监管部门核查。"),
    ("路灯不亮", "{place}主路两侧路灯连续一周晚上不亮，行人走路很不方便，请尽快维修。"),
    (
        "夜间施工噪音扰民",
        "{place}工地夜间施工噪音扰民，凌晨还在作业，居民无法休息，多次反映没有结果，非常气愤。",
    ),
    ("垃圾堆积无人清运", "{place}菜市场后面垃圾堆积多日无人清运，臭味很大，蚊蝇很多，请安排清理。"),
    ("超市销售过期食品", "{place}超市货架上有过期食品在售，已经买到一次，要求查处并退款。"),
    ("占道经营", "{place}人行道被流动摊贩长期占用，行人只能走机动车道，很危险。"),
    ("工资拖欠", "{place}一家装修公司拖欠工人三个月工资，老板电话不接，请劳动监察部门帮忙。"),
    ("下水道堵塞", "{place}小区下水道堵塞，污水漫到路面，气味难闻，请尽快疏通。"),
    ("违章搭建", "{place}一楼住户在公共绿地上违章搭建铁皮房，影响消防通道，请核查拆除。"),
    ("学校周边交通拥堵", "{place}学校门口上下学时间车辆乱停，交通拥堵，孩子过马路很危险。"),
    ("电梯故障", "{place}住宅楼电梯一周内坏了三次，有老人被困，物业不处理，请监管部门督促。"),
)


def simulated_reports(count: int, *, seed: int, batch: str) -> list[EventIn]:
    """COUNT reports from residents of the district's streets and communities (reproducible by SEED)."""
    rng = np.random.default_rng(seed)
    reports = []
    for n in range(count):
        title, text = REPORTS[int(rng.integers(len(REPORTS)))]
        street, _lon, _lat, communities = vocab_org.STREETS[int(rng.integers(len(vocab_org.STREETS)))]
        community = communities[int(rng.integers(len(communities)))] + "社区"
        reports.append(
            EventIn(
                external_id=f"simulated-{batch}-{n}",
                title=title,
                description=text.format(place=f"{street}{community}"),
                reporter_type=ReporterType.CITIZEN,
                reporter_name="王先生" if n % 2 else "李女士",
                reporter_phone=f"139{int(rng.integers(10**7, 10**8)):08d}",
                address=f"{street}{community}",
            )
        )
    return reports


def take_in_simulated_reports(session: Session, count: int, *, seed: int, now: datetime) -> list[int]:
    """Take COUNT simulated reports in from the mobile channel and run what follows every intake."""
    batch = uuid.uuid4().hex[:8]
    outcomes = ingest(
        session,
        simulated_reports(count, seed=seed, batch=batch),
        source=EventSource.MOBILE,
        actor=Actor(name="simulate"),
        now=now,
    )
    session.commit()
    ids = [outcome.event.id for outcome in outcomes]
    run_after_intake(session, ids)
    return ids
