"""办件渠道分析 (DOMAIN §4.3, S1 §3.2.2.3): cases per channel (window, 浙江政务服务网, 自助终端, 浙里办) and
the online, mobile and 政务服务2.0 rates, on the case mart.

Whether a self-service terminal counts as online is a setting (``analytics_self_service_online``, off by
default: the applicant still comes to a machine in a hall), read when the module is first imported.
"""

from sqlalchemy import ColumnElement

from core_app.analytics.engine import Analysis, Flow, Ratio
from core_app.analytics.models import CaseFact
from core_app.analytics.sources import CASE_FACTS
from core_app.cases.models import Channel, SourceSystem
from core_app.config import get_settings

F = CaseFact
ONLINE_CHANNELS = (Channel.PC_WEB, Channel.MOBILE_APP)


def online_channels(self_service_online: bool) -> tuple[Channel, ...]:
    return (*ONLINE_CHANNELS, Channel.SELF_SERVICE) if self_service_online else ONLINE_CHANNELS


def _accepted(name: str, label: str, when: ColumnElement[bool] | None = None, help: str = "") -> Flow:
    return Flow(name, label, CASE_FACTS, on=F.accepted_at, when=when, help=help)


def build_analysis(*, self_service_online: bool) -> Analysis:
    online = online_channels(self_service_online)
    online_names = "、".join(c.value for c in online)
    return Analysis(
        name="channels",
        title="办件渠道分析",
        section="3.2.2.3",
        measures=(
            _accepted("accepted_count", "受理数", help="受理时间在本期内的办件"),
            Flow("completed_count", "办结数", CASE_FACTS, on=F.completed_at, help="办结时间在本期内的办件"),
            _accepted(
                "online_accepted_count", "网上受理数", F.channel.in_(online), help=f"渠道为 {online_names}"
            ),
            _accepted("mobile_accepted_count", "掌上受理数", F.channel == Channel.MOBILE_APP, help="浙里办"),
            _accepted(
                "v2_accepted_count", "2.0受理数", F.source_system == SourceSystem.V2, help="政务服务2.0"
            ),
            Ratio("online_rate", "网办率", "online_accepted_count", "accepted_count", appraisal=True),
            Ratio("mobile_rate", "掌办率", "mobile_accepted_count", "accepted_count"),
            Ratio("v2_rate", "政务服务2.0一网通办率", "v2_accepted_count", "accepted_count", appraisal=True),
        ),
        dimensions=("channel", "department", "matter_type", "matter", "source_system"),
        drill=("channel", "department", "matter"),
    )


ANALYSIS = build_analysis(self_service_online=get_settings().analytics_self_service_online)
