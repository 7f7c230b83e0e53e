"""Pure helpers of the back-office pages: how limits, thresholds and grants read, and what a form changes."""

from typing import Any

from dashboards.admin_common import changed_fields, label

# A matter's yes/no properties, as the matter form shows them.
MATTER_FLAGS = {
    "is_immediate": "即办件",
    "online_capable": "可网办",
    "mobile_capable": "可掌办",
    "in_hall": "大厅办理",
    "commitment_allowed": "告知承诺",
    "gap_tolerant": "容缺受理",
}
# Which permission each publication workflow action needs (the API checks it too).
ACTION_PERMISSION = {
    "submit": "publications:write",
    "publish": "publications:review",
    "reject": "publications:review",
    "withdraw": "publications:review",
}


def limit_text(matter: dict[str, Any]) -> str:
    """'承诺 5 / 法定 20 工作日', or '即办' for an immediate matter."""
    if matter["is_immediate"]:
        return "即办"
    unit = label("limit_unit", matter["limit_unit"])
    legal = matter["legal_limit_days"]
    return f"承诺 {matter['promised_limit_days']} / 法定 {'—' if legal is None else legal} {unit}"


def matter_changes(matter: dict[str, Any], form: dict[str, Any], flags: list[str]) -> dict[str, Any]:
    """The PATCH body of the matter form: changed fields only, with the version that was read."""
    edited = dict(form) | {name: name in flags for name in MATTER_FLAGS}
    changes = changed_fields(matter, edited)
    return changes | {"version": matter["version"]} if changes else {}


def threshold_text(rule: dict[str, Any]) -> str:
    """A rule's threshold as people say it: '80%' for a ratio, '30 工作分钟' otherwise."""
    if rule["unit"] == "ratio":
        return f"{rule['threshold']:.0%}"
    return f"{rule['threshold']:g} {label('threshold_unit', rule['unit'])}"


def ratios_text(ratios: list[float]) -> str:
    """Reminder ratios as percentages: '50%、80%'."""
    return "、".join(f"{r:.0%}" for r in ratios)


def parse_ratios(text: str | None) -> list[float] | str:
    """'50%,80%' or '0.5, 0.8' as fractions; the text itself when it is not numbers (the API says why)."""
    parts = [p.strip() for p in (text or "").replace("，", ",").replace("、", ",").split(",") if p.strip()]
    try:
        return [float(p[:-1]) / 100 if p.endswith("%") else float(p) for p in parts]
    except ValueError:
        return text or ""


def grant_text(grant: dict[str, Any], targets: dict[tuple[str, int], str] | None = None) -> str:
    """'大厅管理员（大厅：云溪区政务服务中心）': a grant's role and what it reaches."""
    scope = grant["scope"]
    if scope == "all":
        return f"{grant['role']['name']}（全区）"
    target = (targets or {}).get((scope, grant["scope_id"]), grant["scope_id"])
    where = label("scope", scope) if target is None else f"{label('scope', scope)}：{target}"
    return f"{grant['role']['name']}（{where}）"


def allowed_actions(actions: list[str], permissions: frozenset[str]) -> list[str]:
    """The workflow actions of a publication that this viewer may take (edit is the form itself)."""
    return [a for a in actions if a in ACTION_PERMISSION and ACTION_PERMISSION[a] in permissions]


def evidence_text(evidence: dict[str, Any] | None) -> str:
    """Why a bundle was mined, in one line: how many applicants did these matters together, how tied."""
    if not evidence or "subjects" not in evidence:
        return ""
    text = f"挖掘依据：{evidence['subjects']} 位申请人在 {evidence.get('window_days', '—')} 天内共同办理"
    if "mean_lift" in evidence:
        text += f"，平均提升度 {evidence['mean_lift']:.1f}"
    return text + "。"
