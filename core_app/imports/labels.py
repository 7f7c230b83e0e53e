"""Chinese labels that source systems write instead of our enum values."""

from core_app.cases.models import (
    ApplicantType,
    CaseResult,
    CaseStatus,
    Channel,
    ReviewRound,
    SourceSystem,
    TicketStatus,
)
from core_app.events.models import Complexity, EventSource, EventStatus, Priority, ReporterType, Satisfaction
from core_app.matters.models import LimitUnit, MatterStatus, MatterType

CHANNEL = {
    "窗口": Channel.WINDOW,
    "线下": Channel.WINDOW,
    "大厅": Channel.WINDOW,
    "网上": Channel.PC_WEB,
    "网办": Channel.PC_WEB,
    "pc": Channel.PC_WEB,
    "浙江政务服务网": Channel.PC_WEB,
    "自助": Channel.SELF_SERVICE,
    "自助终端": Channel.SELF_SERVICE,
    "自助机": Channel.SELF_SERVICE,
    "浙里办": Channel.MOBILE_APP,
    "掌办": Channel.MOBILE_APP,
    "移动端": Channel.MOBILE_APP,
    "app": Channel.MOBILE_APP,
}
SOURCE_SYSTEM = {
    "2.0": SourceSystem.V2,
    "政务服务2.0": SourceSystem.V2,
    "1.0": SourceSystem.V1,
    "政务服务1.0": SourceSystem.V1,
}
CASE_STATUS = {
    "申请": CaseStatus.SUBMITTED,
    "已申请": CaseStatus.SUBMITTED,
    "收件": CaseStatus.RECEIVED,
    "已收件": CaseStatus.RECEIVED,
    "受理": CaseStatus.ACCEPTED,
    "已受理": CaseStatus.ACCEPTED,
    "审批中": CaseStatus.IN_APPROVAL,
    "挂起": CaseStatus.SUSPENDED,
    "办结": CaseStatus.COMPLETED,
    "已办结": CaseStatus.COMPLETED,
    "不予受理": CaseStatus.REJECTED,
    "退件": CaseStatus.RETURNED,
    "作废": CaseStatus.VOIDED,
}
APPLICANT_TYPE = {
    "个人": ApplicantType.CITIZEN,
    "自然人": ApplicantType.CITIZEN,
    "企业": ApplicantType.ENTERPRISE,
    "法人": ApplicantType.ENTERPRISE,
}
CASE_RESULT = {
    "准予": CaseResult.GRANTED,
    "准予许可": CaseResult.GRANTED,
    "同意": CaseResult.GRANTED,
    "不予": CaseResult.REFUSED,
    "不予许可": CaseResult.REFUSED,
    "不同意": CaseResult.REFUSED,
}
EVENT_SOURCE = {
    "12345": EventSource.HOTLINE_12345,
    "12345热线": EventSource.HOTLINE_12345,
    "网格": EventSource.GRID,
    "疫情防控": EventSource.EPIDEMIC,
    "网络安全": EventSource.CYBER_SECURITY,
    "民生诉求": EventSource.LIVELIHOOD,
    "政府在线": EventSource.GOV_ONLINE,
    "市12345": EventSource.CITY_12345,
    "跨境货车司机闭环管理": EventSource.CITY_CROSS_BORDER_TRUCK,
    "市民生诉求": EventSource.CITY_LIVELIHOOD,
    "市网格": EventSource.CITY_GRID,
    "移动端": EventSource.MOBILE,
    "i盐田": EventSource.MOBILE,
}
REPORTER_TYPE = {
    "市民": ReporterType.CITIZEN,
    "个人": ReporterType.CITIZEN,
    "企业": ReporterType.ENTERPRISE,
    "网格员": ReporterType.GRID_WORKER,
    "工作人员": ReporterType.STAFF,
    "匿名": ReporterType.ANONYMOUS,
}
COMPLEXITY = {"简单": Complexity.SIMPLE, "复杂": Complexity.COMPLEX}
PRIORITY: dict[str, Priority] = {}
EVENT_STATUS = {
    "已接收": EventStatus.RECEIVED,
    "无效": EventStatus.INVALID,
    "待分拨": EventStatus.PENDING_DISPATCH,
    "已派单": EventStatus.DISPATCHED,
    "已签收": EventStatus.SIGNED,
    "处置中": EventStatus.IN_PROGRESS,
    "已处置": EventStatus.HANDLED,
    "已结案": EventStatus.CLOSED,
    "仲裁中": EventStatus.IN_ARBITRATION,
}
SATISFACTION = {
    "满意": Satisfaction.SATISFIED,
    "基本满意": Satisfaction.BASICALLY,
    "不满意": Satisfaction.DISSATISFIED,
}
REVIEW_ROUND = {
    "初次": ReviewRound.FIRST,
    "首次": ReviewRound.FIRST,
    "初评": ReviewRound.FIRST,
    "二次": ReviewRound.SECOND,
    "再次": ReviewRound.SECOND,
    "复评": ReviewRound.SECOND,
    "1": ReviewRound.FIRST,
    "2": ReviewRound.SECOND,
}
TICKET_STATUS = {
    "等待": TicketStatus.WAITING,
    "已叫号": TicketStatus.CALLED,
    "办理中": TicketStatus.SERVING,
    "已办理": TicketStatus.SERVED,
    "完成": TicketStatus.SERVED,
    "过号": TicketStatus.MISSED,
    "取消": TicketStatus.CANCELLED,
    "转移": TicketStatus.TRANSFERRED,
}
MATTER_TYPE = {
    "行政许可": MatterType.ADMIN_LICENSING,
    "行政确认": MatterType.ADMIN_CONFIRMATION,
    "行政给付": MatterType.ADMIN_PAYMENT,
    "行政奖励": MatterType.ADMIN_REWARD,
    "行政裁决": MatterType.ADMIN_RULING,
    "行政征收": MatterType.ADMIN_LEVY,
    "其他行政权力": MatterType.OTHER_POWER,
    "公共服务": MatterType.PUBLIC_SERVICE,
}
LIMIT_UNIT = {"工作日": LimitUnit.WORKING_DAY, "自然日": LimitUnit.CALENDAR_DAY, "小时": LimitUnit.HOUR}
MATTER_STATUS = {
    "在用": MatterStatus.ACTIVE,
    "有效": MatterStatus.ACTIVE,
    "暂停": MatterStatus.SUSPENDED,
    "取消": MatterStatus.REVOKED,
    "废止": MatterStatus.REVOKED,
}
REVIEW_LEVEL = {"非常满意": 5, "满意": 4, "基本满意": 3, "不满意": 2, "非常不满意": 1}
