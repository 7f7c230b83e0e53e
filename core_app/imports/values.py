"""Cell parsers shared by the row models: local timestamps, dates, yes/no, enums with Chinese labels."""

import enum
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

from core_app.config import LOCAL_TZ

# "2026-03-01 09:30", "2026/3/1 9:30:00", "2026.3.1", "2026年3月1日 9时30分", with optional zone.
DATETIME_PATTERN = re.compile(
    r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:[ T]+(?P<H>\d{1,2})[:时](?P<M>\d{1,2})分?(?:[:](?P<S>\d{1,2})(?:\.(?P<f>\d{1,6}))?秒?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)
COMPACT_PATTERN = re.compile(
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$"
)
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_SERIAL_RANGE = (1.0, 2958465.0)  # 1900-01-01 .. 9999-12-31 as Excel day numbers

TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "on", "是", "有", "√", "✓", "对"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "off", "否", "无", "×", "✗", "不是"})


def _excel_serial(value: float) -> datetime:
    if not EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1]:
        raise ValueError(f"number {value} is not an Excel date")
    return EXCEL_EPOCH + timedelta(days=value)


def _from_match(match: re.Match) -> datetime:
    parts = match.groupdict()
    fraction = (parts.get("f") or "0").ljust(6, "0")
    naive = datetime(
        int(parts["y"]),
        int(parts["m"]),
        int(parts["d"]),
        int(parts.get("H") or 0),
        int(parts.get("M") or 0),
        int(parts.get("S") or 0),
        int(fraction),
    )
    zone = parts.get("tz")
    if not zone:
        return naive
    return datetime.fromisoformat(naive.isoformat() + ("+00:00" if zone == "Z" else zone))


def _parse_text_datetime(text: str) -> datetime:
    for pattern in (DATETIME_PATTERN, COMPACT_PATTERN):
        if match := pattern.match(text):
            try:
                return _from_match(match)
            except ValueError:
                raise ValueError(f"impossible date or time {text!r}") from None
    try:
        return _excel_serial(float(text))
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"unreadable date/time {text!r}; use e.g. 2026-03-01 09:30") from None


def parse_local_datetime(value: Any) -> datetime | None:
    """Read a timestamp cell; one without a zone is Asia/Shanghai local time."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _excel_serial(float(value))
    else:
        parsed = _parse_text_datetime(str(value).strip())
    if hasattr(parsed, "to_pydatetime"):  # a pandas Timestamp from a spreadsheet
        parsed = parsed.to_pydatetime()
    return parsed.replace(tzinfo=LOCAL_TZ) if parsed.tzinfo is None else parsed.astimezone(LOCAL_TZ)


def parse_date(value: Any) -> date | None:
    """Read a date cell in any of the timestamp formats, keeping the local calendar day."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    parsed = parse_local_datetime(value)
    return parsed.date() if parsed else None


def parse_bool(value: Any) -> bool | None:
    """Read yes/no cells: 是/否, Y/N, true/false, 1/0."""
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word.endswith(".0"):  # spreadsheets write 1 as 1.0
        word = word[:-2]
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"expected yes/no (是/否, Y/N, 1/0), got {value!r}")


def enum_reader(enum_cls: type[enum.Enum], labels: Mapping[str, str] | None = None) -> Callable[[Any], Any]:
    """Build a parser accepting an enum's value, its name, or a Chinese label."""
    lookup = {member.value.lower(): member for member in enum_cls}
    lookup |= {member.name.lower(): member for member in enum_cls}
    lookup |= {label.lower(): enum_cls(value) for label, value in (labels or {}).items()}

    def read(value: Any) -> Any:
        if value is None or isinstance(value, enum_cls):
            return value
        word = re.sub(r"[\s-]+", "_", str(value).strip().lower())
        if word in lookup:
            return lookup[word]
        allowed = ", ".join(m.value for m in enum_cls)
        raise ValueError(f"unknown {enum_cls.__name__} {value!r}; allowed: {allowed}")

    return read


def text_reader(value: Any) -> str | None:
    """Keep text as text, even when a spreadsheet stored it as a number (12.0 -> "12")."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


LocalDateTime = Annotated[datetime, BeforeValidator(parse_local_datetime)]
LocalDate = Annotated[date, BeforeValidator(parse_date)]
YesNo = Annotated[bool, BeforeValidator(parse_bool)]
TextCell = Annotated[str, BeforeValidator(text_reader)]


def EnumField(enum_cls: type[enum.Enum], labels: Mapping[str, str] | None = None) -> Any:  # noqa: N802
    """Annotated enum type that also reads Chinese labels."""
    return Annotated[enum_cls, BeforeValidator(enum_reader(enum_cls, labels))]
