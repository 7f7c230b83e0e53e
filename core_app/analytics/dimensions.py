"""The dimensions analyses are sliced by, and how their keys are named on screen and in exports."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.analytics.engine import Dimension
from core_app.cases.models import Channel, SourceSystem, StepType
from core_app.matters.models import Matter, MatterBundle, MatterType
from core_app.org.models import Department, Hall, Region, Staff, Window
from core_app.people.models import Citizen, Enterprise
from core_app.privacy.masking import mask_name

INTAKE_SOURCES = ("window_v2", "window_v1", "self_service", "pc_web", "mobile_app")

CHANNEL_LABELS = {
    "window": "窗口",
    "pc_web": "浙江政务服务网",
    "self_service": "自助终端",
    "mobile_app": "浙里办",
}
MATTER_TYPE_LABELS = {
    "admin_licensing": "行政许可",
    "admin_confirmation": "行政确认",
    "admin_payment": "行政给付",
    "admin_reward": "行政奖励",
    "admin_ruling": "行政裁决",
    "admin_levy": "行政征收",
    "other_power": "其他权力",
    "public_service": "公共服务",
}
INTAKE_SOURCE_LABELS = {
    "window_v2": "窗口（政务服务2.0）",
    "window_v1": "窗口（政务服务1.0）",
    "self_service": "自助终端",
    "pc_web": "浙江政务服务网",
    "mobile_app": "浙里办",
}
SOURCE_SYSTEM_LABELS = {"v2": "政务服务2.0", "v1": "政务服务1.0"}
STEP_TYPE_LABELS = {
    "review": "审查",
    "audit": "审核",
    "decide": "决定",
    "suspend": "挂起",
    "site_survey": "现场踏勘",
    "expert_review": "专家评审",
    "hearing": "听证",
    "public_notice": "公示",
    "correction": "补正",
    "send_back": "退回",
}
REVIEW_LEVEL_LABELS = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}


def _by_id(column_id, column_name, transform: Callable[[str], str] | None = None):
    def names(session: Session, keys: list[Any]) -> dict[Any, str]:
        ids = [int(k) for k in keys if k is not None]
        rows = session.execute(select(column_id, column_name).where(column_id.in_(ids))).all() if ids else []
        return {key: (transform(name) if transform else name) for key, name in rows}

    return names


def _labels(mapping: dict) -> Callable[[Session, list[Any]], dict[Any, str]]:
    return lambda _session, keys: {k: mapping.get(k, str(k)) for k in keys}


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("department", "部门", int, _by_id(Department.id, Department.name)),
        Dimension("matter", "事项", int, _by_id(Matter.id, Matter.name)),
        Dimension(
            "matter_type", "事项类型", str, _labels(MATTER_TYPE_LABELS), tuple(m.value for m in MatterType)
        ),
        Dimension("bundle", "一件事", int, _by_id(MatterBundle.id, MatterBundle.name)),
        # Staff names are personal data (DOMAIN §9): shown masked, like everywhere else.
        Dimension("staff", "工作人员", int, _by_id(Staff.id, Staff.name, mask_name)),
        Dimension("receiver", "收件人", int, _by_id(Staff.id, Staff.name, mask_name)),
        Dimension("hall", "大厅/网点", int, _by_id(Hall.id, Hall.name)),
        Dimension("window", "窗口", int, _by_id(Window.id, Window.window_no)),
        Dimension("town", "镇（街道）", int, _by_id(Region.id, Region.name)),
        Dimension("village", "村（社区）", int, _by_id(Region.id, Region.name)),
        Dimension("channel", "办件渠道", str, _labels(CHANNEL_LABELS), tuple(c.value for c in Channel)),
        Dimension(
            "source_system",
            "业务系统",
            str,
            _labels(SOURCE_SYSTEM_LABELS),
            tuple(s.value for s in SourceSystem),
        ),
        Dimension("intake_source", "收件来源", str, _labels(INTAKE_SOURCE_LABELS), INTAKE_SOURCES),
        Dimension("step_type", "环节类型", str, _labels(STEP_TYPE_LABELS), tuple(s.value for s in StepType)),
        Dimension("level", "评价等级", int, _labels(REVIEW_LEVEL_LABELS)),
        Dimension(
            "applicant_type",
            "申请人类型",
            str,
            _labels({"citizen": "个人", "enterprise": "企业"}),
            ("citizen", "enterprise"),
        ),
        Dimension("citizen", "个人", int, _by_id(Citizen.id, Citizen.name, mask_name)),
        Dimension("enterprise", "企业", int, _by_id(Enterprise.id, Enterprise.name)),
    )
}


def dimension(name: str) -> Dimension:
    return DIMENSIONS[name]
