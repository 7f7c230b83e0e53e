"""Chinese names of the event API's codes (sources, statuses, priorities, actions) for the event pages."""

SOURCE = {
    "hotline_12345": "12345热线",
    "grid": "网格",
    "epidemic": "疫情防控",
    "cyber_security": "网络安全",
    "livelihood": "民生诉求",
    "gov_online": "政府在线",
    "city_12345": "市12345",
    "city_cross_border_truck": "跨境货车闭环",
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
COMPLEXITY = {"simple": "简单（30分钟办结）", "complex": "复杂（24小时办结）"}
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
