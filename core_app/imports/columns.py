"""Map the file's headers to our field names: user mapping first, then built-in Chinese aliases."""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core_app.imports.errors import ImportInputError
from core_app.imports.rows import ImportRow

# Header -> candidate fields; the first the kind has wins (事项编码: matter_code on a case, code on a matter).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "办件流水号": ("case_no",),
    "办件编号": ("case_no",),
    "申报号": ("case_no",),
    "办件号": ("case_no",),
    "事项编码": ("matter_code", "code"),
    "事项代码": ("matter_code", "code"),
    "实施编码": ("matter_code", "code"),
    "事项名称": ("name",),
    "事项类型": ("matter_type",),
    "是否权力事项": ("is_power_matter",),
    "法定时限": ("legal_limit_days",),
    "法定办结时限": ("legal_limit_days",),
    "承诺时限": ("promised_limit_days",),
    "承诺办结时限": ("promised_limit_days",),
    "时限单位": ("limit_unit",),
    "是否即办件": ("is_immediate",),
    "即办件": ("is_immediate",),
    "最多跑动次数": ("max_visits",),
    "可网办": ("online_capable",),
    "是否网办": ("online_capable",),
    "可掌办": ("mobile_capable",),
    "是否掌办": ("mobile_capable",),
    "是否进驻": ("in_hall",),
    "不宜进驻": ("hall_exempt",),
    "办理层级": ("handling_levels",),
    "可告知承诺": ("commitment_allowed",),
    "可容缺受理": ("gap_tolerant",),
    "事项状态": ("status",),
    "版本": ("version",),
    "部门编码": ("department_code",),
    "部门代码": ("department_code",),
    "实施部门编码": ("department_code",),
    "受理部门编码": ("department_code",),
    "处置部门编码": ("department_code",),
    "承办部门编码": ("department_code",),
    "大厅编码": ("hall_code",),
    "大厅代码": ("hall_code",),
    "窗口号": ("window_no",),
    "窗口编号": ("window_no",),
    "收件人工号": ("receiver_staff_no",),
    "经办人工号": ("handler_staff_no",),
    "承办人工号": ("handler_staff_no",),
    "工号": ("staff_no",),
    "工作人员工号": ("staff_no",),
    "收件地区编码": ("intake_region_code",),
    "收件区划编码": ("intake_region_code",),
    "申请人类型": ("applicant_type",),
    "申请人证件号码": ("applicant_id_card",),
    "身份证号": ("applicant_id_card",),
    "身份证号码": ("applicant_id_card",),
    "证件号码": ("applicant_id_card", "reporter_id_card"),
    "取号人证件号码": ("applicant_id_card",),
    "申请人名称": ("applicant_name",),
    "申请人姓名": ("applicant_name",),
    "申请人": ("applicant_name",),
    "企业名称": ("applicant_name",),
    "统一社会信用代码": ("uscc",),
    "联系电话": ("applicant_phone", "reporter_phone"),
    "申请人电话": ("applicant_phone",),
    "手机号码": ("applicant_phone", "reporter_phone"),
    "办件渠道": ("channel",),
    "渠道": ("channel",),
    "申请渠道": ("channel",),
    "评价渠道": ("channel",),
    "来源系统": ("source_system",),
    "办件状态": ("status",),
    "状态": ("status",),
    "申请时间": ("submitted_at",),
    "提交时间": ("submitted_at",),
    "收件时间": ("received_at",),
    "接收时间": ("received_at",),
    "受理时间": ("accepted_at",),
    "不予受理时间": ("rejected_at",),
    "退件时间": ("returned_at",),
    "作废时间": ("voided_at",),
    "办结时间": ("completed_at",),
    "承诺办结时间": ("due_at",),
    "法定办结时间": ("legal_due_at",),
    "办理结果": ("result",),
    "办结结果": ("result",),
    "告知承诺": ("is_commitment",),
    "容缺受理": ("is_gap_tolerant",),
    "跑动次数": ("visit_count",),
    "特殊环节时长": ("special_minutes",),
    "无休办公件": ("is_no_rest",),
    "来源": ("source",),
    "事件来源": ("source",),
    "外部编号": ("external_id",),
    "来源编号": ("external_id",),
    "工单编号": ("external_id",),
    "事件编号": ("event_no",),
    "上级工单号": ("upstream_no",),
    "市平台工单号": ("upstream_no",),
    "诉求人": ("reporter_name",),
    "反映人": ("reporter_name",),
    "反映人姓名": ("reporter_name",),
    "反映人类型": ("reporter_type",),
    "反映人电话": ("reporter_phone",),
    "反映人证件号码": ("reporter_id_card",),
    "标题": ("title",),
    "诉求标题": ("title",),
    "诉求内容": ("description",),
    "事件描述": ("description",),
    "内容": ("description",),
    "地址": ("address",),
    "事发地址": ("address",),
    "经度": ("lon",),
    "纬度": ("lat",),
    "街道": ("street",),
    "社区": ("community",),
    "事件分类编码": ("category_code",),
    "分类编码": ("category_code",),
    "复杂程度": ("complexity",),
    "紧急": ("urgency",),
    "重要": ("importance",),
    "优先级": ("priority",),
    "上报时间": ("reported_at",),
    "反映时间": ("reported_at",),
    "来电时间": ("reported_at",),
    "派单时间": ("dispatched_at",),
    "分拨时间": ("dispatched_at",),
    "签收时间": ("signed_at",),
    "结案时间": ("closed_at",),
    "满意度": ("satisfaction",),
    "评价等级": ("level",),
    "评价星级": ("level",),
    "评价轮次": ("round",),
    "评议轮次": ("round",),
    "评价时间": ("reviewed_at",),
    "评价内容": ("comment",),
    "评价意见": ("comment",),
    "主动评价": ("is_active",),
    "有效评价": ("is_valid",),
    "票号": ("ticket_no",),
    "排队号": ("ticket_no",),
    "取号号码": ("ticket_no",),
    "取号时间": ("taken_at",),
    "取号日期": ("taken_on",),
    "叫号时间": ("called_at",),
    "开始办理时间": ("service_started_at",),
    "办理结束时间": ("service_ended_at",),
    "结束办理时间": ("service_ended_at",),
    "队列": ("queue_group",),
    "业务分组": ("queue_group",),
    "是否预约": ("is_booking",),
    "预约": ("is_booking",),
}


@dataclass(frozen=True)
class ColumnPlan:
    """How the file's headers map to fields: `renames` header -> field, and what was left out."""

    renames: dict[str, str]
    ignored: list[str]

    @property
    def source_of(self) -> dict[str, str]:
        return {field: header for header, field in self.renames.items()}


def normalise_header(header: object) -> str:
    """Strip BOMs, full-width spaces and unit suffixes like "(分钟)" that exports add."""
    text = str(header).replace("\ufeff", "").replace("\u3000", " ").strip()
    return re.sub(r"[（(][^）)]*[）)]$", "", text).strip()


def load_mapping_file(path: Path) -> dict[str, str]:
    """Read a {"source column": "field"} JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportInputError(f"cannot read mapping file {path}: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ImportInputError(f"mapping file {path} must be a JSON object of column -> field names")
    return {str(k): v for k, v in data.items()}


def parse_map_options(options: Iterable[str]) -> dict[str, str]:
    """Turn repeated `--map 源列=target` options into a mapping."""
    mapping = {}
    for option in options:
        source, sep, target = option.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ImportInputError(f"--map expects SOURCE=FIELD, got {option!r}")
        mapping[source.strip()] = target.strip()
    return mapping


def _field_for(header: str, fields: set[str], user_mapping: dict[str, str]) -> str | None:
    if header in user_mapping:
        return user_mapping[header]
    if header.lower() in fields:
        return header.lower()
    return next((f for f in HEADER_ALIASES.get(header, ()) if f in fields), None)


def plan_columns(headers: list[str], model: type[ImportRow], user_mapping: dict[str, str]) -> ColumnPlan:
    """Decide which header feeds which field; fail on unknown targets, clashes and missing columns."""
    fields = set(model.model_fields)
    mapping = {normalise_header(k): v for k, v in user_mapping.items()}
    if unknown := sorted(set(mapping.values()) - fields):
        raise ImportInputError(
            f"mapping targets {', '.join(unknown)} are not fields of this kind; "
            f"fields are: {', '.join(model.model_fields)}"
        )
    renames: dict[str, str] = {}
    ignored: list[str] = []
    for header in headers:
        field = _field_for(normalise_header(header), fields, mapping)
        if field is None:
            ignored.append(header)
        elif field in renames.values():
            other = next(h for h, f in renames.items() if f == field)
            raise ImportInputError(
                f"columns {other!r} and {header!r} both map to {field}; use --map to choose"
            )
        else:
            renames[header] = field
    _require_columns(model, set(renames.values()))
    return ColumnPlan(renames=renames, ignored=ignored)


def _require_columns(model: type[ImportRow], present: set[str]) -> None:
    missing = [" or ".join(group) for group in model.REQUIRED if not present.intersection(group)]
    if missing:
        raise ImportInputError(f"missing required column(s): {', '.join(missing)}")
