"""Portraits as the page shows them: Chinese tag names, the columns of each kind, one row per portrait."""

from typing import Any

KINDS = {"enterprise": "企业画像", "citizen": "群众画像", "staff": "人员画像", "window": "窗口画像"}
TAG_LABELS = {
    "prefers_window": "偏好窗口",
    "prefers_web": "偏好网办",
    "prefers_mobile": "偏好掌办",
    "prefers_self_service": "偏好自助",
    "frequent": "高频办事",
    "dormant": "久未办事",
    "has_pending": "有在办件",
    "dissatisfied": "有不满意",
    "new_business": "新设企业",
    "exiting": "注销退出",
    "elderly": "老年人",
    "special_group": "特殊群体",
    "repeat_visitor": "多次跑动",
    "fast": "办理快",
    "slow": "办理慢",
    "on_time_champion": "按时标兵",
    "late_risk": "超期风险",
    "well_reviewed": "好评多",
    "bad_reviews": "差评多",
    "heavy_load": "工作量大",
    "versatile": "多面手",
    "hot": "热门窗口",
    "cold": "冷门窗口",
}
SCORE_PARTS = {"on_time": "按时办结", "speed": "速度", "good_rate": "好评率", "workload": "工作量"}
# The features each kind's list shows (the detail panel shows them all).
LIST_FEATURES = {
    "enterprise": (
        "industry_section_name",
        "size_class",
        "life_stage",
        "credit_level",
        "cases",
        "pending_cases",
        "preferred_channel",
        "good_rate",
    ),
    "citizen": (
        "age_band",
        "cases",
        "pending_cases",
        "preferred_channel",
        "online_share",
        "good_rate",
        "days_since_last_contact",
    ),
    "staff": ("department_id", "workload", "on_time_rate", "good_rate", "mean_elapsed_days", "bad_reviews"),
    "window": ("hall_id", "served_per_day", "heat", "mean_wait_minutes", "on_time_rate", "good_rate"),
}
CHANNELS = {"window": "窗口", "pc_web": "政务服务网", "mobile_app": "浙里办", "self_service": "自助终端"}
VALUE_LABELS = {
    "size_class": {"micro": "微型", "small": "小型", "medium": "中型", "large": "大型"},
    "life_stage": {
        "new": "新设",
        "growing": "成长",
        "mature": "成熟",
        "established": "稳定",
        "exiting": "退出",
    },
    "preferred_channel": CHANNELS,
    "age_band": {
        "under_18": "18岁以下",
        "18_29": "18-29岁",
        "30_44": "30-44岁",
        "45_59": "45-59岁",
        "60_plus": "60岁及以上",
    },
}
RATE_FEATURES = {
    "good_rate",
    "on_time_rate",
    "online_share",
    "preferred_share",
    "events_satisfaction_rate",
    "load",
}


def tag_label(tag: str) -> str:
    return TAG_LABELS.get(tag, tag)


def feature_label(name: str, labels: dict[str, str]) -> str:
    """The feature's Chinese label as the API gives it (GET /portraits/{kind}/fields)."""
    return labels.get(name, name)


def display_name(item: dict[str, Any]) -> str:
    """A citizen has no name on screen (personal data): the portrait's number stands for them."""
    return item.get("label") or f"{KINDS.get(item['subject_type'], '')[:2]} #{item['subject_id']}"


def list_columns(kind: str, labels: dict[str, str]) -> list[tuple[str, str]]:
    base = [("name", "名称"), ("score", "评分"), ("tags", "标签")]
    return base + [(f, feature_label(f, labels)) for f in LIST_FEATURES[kind]]


def list_row(item: dict[str, Any]) -> dict[str, Any]:
    """One portrait as a table row: id for the click, Chinese tags, the listed features (rates as %)."""
    kind = item["subject_type"]
    row: dict[str, Any] = {
        "id": item["subject_id"],
        "name": display_name(item),
        "score": item["score"],
        "tags": "、".join(tag_label(t) for t in item["tags"]),
    }
    for feature in LIST_FEATURES[kind]:
        row[feature] = format_feature(feature, item["features"].get(feature))
    return row


def format_feature(name: str, value: Any) -> Any:
    """Rates as percentages, nested values compact; None as a dash."""
    if value is None:
        return "—"
    if name in RATE_FEATURES and isinstance(value, int | float):
        return f"{value:.1%}"
    if name in VALUE_LABELS:
        return VALUE_LABELS[name].get(value, value)
    if name == "channel_shares" and isinstance(value, dict):
        return "，".join(f"{CHANNELS.get(k, k)} {v:.0%}" for k, v in value.items())
    if name == "top_matters" and isinstance(value, list):
        return "、".join(f"{m['name']}（{m['cases']}）" for m in value)
    if isinstance(value, dict):
        return "，".join(f"{k} {v:.0%}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return value
