"""Chinese names of the API's codes, each enum once, for every page (the words of /work/shared/DOMAIN.md's
glossary where it has them): events, cases, bundles, messages, and the back office's kinds of codes."""

# --- Events ----------------------------------------------------------------------------------------------

SOURCE = {
    "hotline_12345": "12345热线",
    "grid": "网格",
    "epidemic": "疫情防控",
    "cyber_security": "网络安全",
    "livelihood": "民生诉求",
    "gov_online": "政府在线",
    "city_12345": "市12345",
    "city_cross_border_truck": "跨境货车司机闭环管理",
    "city_livelihood": "市民生诉求",
    "city_grid": "市网格",
    "mobile": "移动端",
}
STATUS = {
    "received": "已接收",
    "invalid": "无效",
    "pending_dispatch": "待分拨",
    "dispatched": "待签收",
    "signed": "已签收",
    "in_progress": "处置中",
    "handled": "已处置",
    "closed": "已结案",
    "in_arbitration": "仲裁中",
}
COMPLEXITY = {"simple": "简单", "complex": "复杂"}
# The complexity with the built-in 153024 limit it stands for, as the event pages show it.
COMPLEXITY_WITH_LIMIT = {
    code: f"{COMPLEXITY[code]}（{limit}）"
    for code, limit in (("simple", "30分钟办结"), ("complex", "24小时办结"))
}
PRIORITY = {"p1": "P1 紧急且重要", "p2": "P2 紧急", "p3": "P3 重要", "p4": "P4 一般"}
PRIORITY_COLOR = {"p1": "danger", "p2": "warning", "p3": "info", "p4": "secondary"}
POLARITY = {"negative": "消极", "neutral": "中性", "positive": "积极"}
REPORTER_TYPE = {
    "citizen": "市民",
    "enterprise": "企业",
    "grid_worker": "网格员",
    "staff": "工作人员",
    "anonymous": "匿名",
}
DUE_KIND = {"sign": "签收", "handle": "办结"}
RETURN_REASON = {
    "not_our_remit": "不属本单位职责",
    "wrong_area": "不属本辖区",
    "unclear_ownership": "职责不清",
    "missing_information": "信息不全",
}
FEEDBACK_RESULT = {
    "resolved": "已解决",
    "partly_resolved": "部分解决",
    "explained": "已解释说明",
    "unresolvable": "暂无法解决",
}
# Field names of the action bodies, for "field: reason" messages.
FIELD = {
    "version": "版本",
    "department_id": "部门",
    "override_reason": "改派理由",
    "reason": "理由",
    "reason_code": "退回原因",
    "result": "办理结果",
    "content": "反馈内容",
    "minutes": "延期分钟数",
    "note": "备注",
}


def label(mapping: dict[str, str], code: str | None) -> str:
    """The Chinese name of CODE, or the code itself when none is known, or — for nothing."""
    if code is None or code == "":
        return "—"
    return mapping.get(code, code)


RISK = {
    "accident": "事故",
    "collapse": "坍塌",
    "death": "死亡",
    "electric": "用电",
    "epidemic": "疫情",
    "escalate": "矛盾升级",
    "explosion": "爆炸",
    "fire": "火灾",
    "flood": "水浸",
    "gas": "燃气",
    "group": "群体性",
    "hazardous": "危险品",
    "injury": "受伤",
    "landslide": "滑坡",
    "media": "舆情",
    "poison": "中毒",
    "repeat": "反复投诉",
    "safety": "安全",
    "self_harm": "自伤",
    "utility": "水电气",
    "violence": "暴力",
    "vulnerable": "弱势群体",
    "urgent_need": "急难愁盼",
    "may_escalate": "由微变大",
    "risk_weak_signal": "弱信号强风险",
}
_REASON = {
    "urgent_words": "紧急词",
    "important_words": "重要词",
    "repeat_contact": "30天内重复上报",
    "category_critical": "类别严重程度极高",
    "category_severity": "类别严重程度高",
    "strong_emotion": "强烈负面情绪",
}


def reason_text(reason: dict[str, str]) -> str:
    """A priority reason in Chinese: its kind, then the words or the count it rests on."""
    code, detail = reason.get("code", ""), reason.get("detail", "")
    name = _REASON.get(code)
    if name is None:
        return detail or code
    if code == "repeat_contact":
        count = detail.split(" ", 1)[0]
        return f"{name} {count} 次" if count.isdigit() else name
    if code in ("urgent_words", "important_words"):
        return f"{name}：{detail}"
    if code == "strong_emotion":
        return f"{name}（{detail.split('(', 1)[-1].rstrip(')')}）" if "(" in detail else name
    return name


# --- Cases, bundles, messages ----------------------------------------------------------------------------

CASE_STATUS = {
    "submitted": "已提交",
    "received": "已收件",
    "accepted": "已受理",
    "in_approval": "审批中",
    "suspended": "已挂起",
    "completed": "已办结",
    "rejected": "不予受理",
    "returned": "已退件",
    "voided": "已作废",
}
BUNDLE_STATUS = {"candidate": "候选", "approved": "已批准", "active": "在用", "retired": "停用"}
MESSAGE_CHANNEL = {
    "ding": "浙政钉",
    "sms": "短信",
    "wecom": "政务微信",
    "in_app": "站内消息",
    "app_push": "App推送",
}


def some(mapping: dict[str, str], *codes: str) -> dict[str, str]:
    """The names of CODES only, in that order (the choices one form offers of a wider enum)."""
    return {code: mapping[code] for code in codes}


# The back office's codes by kind, as admin_common.label(kind, code) looks them up.
BY_KIND: dict[str, dict[str, str]] = {
    "hall_kind": {
        "service_center": "政务服务中心",
        "convenience_point": "便民服务网点",
        "self_service_point": "自助办理点",
    },
    "region_level": {
        "city": "市",
        "county": "县（区）",
        "town": "镇（街道）",
        "village": "村（社区）",
        "grid": "网格",
    },
    "window_kind": {"comprehensive": "综合窗口", "department": "部门窗口", "special": "特殊窗口"},
    "window_status": {"open": "开放", "paused": "暂停", "closed": "关闭"},
    "calendar_source": {"chinese_calendar": "法定日历", "admin": "管理员录入"},
    "publication_kind": {
        "notice": "通知公告",
        "policy": "政策文件",
        "guide": "办事指南",
        "led_banner": "LED横幅",
    },
    "publication_status": {
        "draft": "草稿",
        "pending_review": "待审核",
        "scheduled": "定时发布",
        "published": "已发布",
        "withdrawn": "已撤回",
        "expired": "已过期",
    },
    "publication_target": {
        "cockpit": "驾驶舱",
        "led": "LED大屏",
        "hall_screen": "大厅屏",
        "personal_space": "个人空间",
    },
    "publication_channel": some(MESSAGE_CHANNEL, "in_app", "sms", "app_push"),
    "matter_type": {
        "admin_licensing": "行政许可",
        "admin_confirmation": "行政确认",
        "admin_payment": "行政给付",
        "admin_reward": "行政奖励",
        "admin_ruling": "行政裁决",
        "admin_levy": "行政征收",
        "other_power": "其他权力",
        "public_service": "公共服务",
    },
    "limit_unit": {"working_day": "工作日", "calendar_day": "自然日", "hour": "小时"},
    "matter_status": {"active": "在用", "suspended": "暂停", "revoked": "已取消"},
    "bundle_origin": {"official": "官方", "mined": "挖掘"},
    "bundle_status": BUNDLE_STATUS,
    "rule_type": {
        "receipt_response": "收件响应",
        "acceptance_response": "受理响应",
        "near_due": "临期",
        "overdue": "超期",
        "special_step_duration": "特殊环节时长",
        "abnormal_count": "异常件数",
        "bad_review": "差评",
        "sign_sla": "事件签收时限",
        "handle_sla": "事件处置时限",
    },
    "threshold_unit": {"working_minutes": "工作分钟", "minutes": "分钟", "count": "件数", "ratio": "比例"},
    "recipient": {
        "handler": "经办人",
        "dept_admin": "部门管理员",
        "hall_manager": "大厅管理员",
        "supervisor": "督查督办",
    },
    "warning_channel": some(MESSAGE_CHANNEL, "ding", "sms", "in_app"),
    "complexity": COMPLEXITY,
    "sla_clock": {"natural": "自然时间", "working": "工作时间"},
    "event_source": SOURCE,
    "scope": {"all": "全区", "department": "部门", "region": "区域", "hall": "大厅", "self": "本人"},
    "auth_source": {"local": "本地账号"},
}
