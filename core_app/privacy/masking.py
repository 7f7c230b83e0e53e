"""Maskers for personal data and the Annotated types that apply them when a response is serialised.

Every Read schema declares its personal fields with ``MaskedIdCard``, ``MaskedPhone``, ``MaskedName``,
``MaskedAddress`` or ``MaskedText``, so every response is masked by default. Whether masking happens is
decided in one place, ``masking_enabled()``: a later permission check (``pii:unmask``) wraps the request
in ``unmasked_pii()``.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated

from pydantic import PlainSerializer

from core_app.privacy.models import PiiFieldType
from core_app.privacy.rules import DEFAULTS, Rule, active_rules

STARS = "****"

# Compound (two-character) surnames: the whole surname stays visible, as in 欧阳**.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 独孤 南宫 西门 百里 "
    "呼延 东郭 万俟 闻人 赫连 澹台 公冶 宗政 濮阳 太叔 申屠 钟离 仲孙 单于 闾丘 司空 司寇 子车 颛孙 第五 "
    "拓跋 段干 左丘 梁丘 乐正 谷梁 公良 羊舌 微生 巫马 亓官 壤驷 公西 漆雕 鲜于 贺兰 完颜".split()
)

# Province, prefecture-level city and county-level unit at the start of an address; each part is short so
# that a "市" inside a later word (市场) is not taken for a city.
_UPPER_DIVISIONS = re.compile(
    r"^(?:[^省]{1,8}?(?:省|自治区))?(?:[^市州盟]{1,8}?(?:市|自治州|州|盟))?(?:[^区县旗市]{1,8}?(?:区|县|旗|市))?"
)
_TOWN_SUFFIX = re.compile(r"街道|镇|乡")

_ID_CARD_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")

_masking_disabled: ContextVar[bool] = ContextVar("pii_masking_disabled", default=False)


def masking_enabled() -> bool:
    """Tell whether personal data is masked in the current context (the single switch)."""
    return not _masking_disabled.get()


@contextmanager
def unmasked_pii() -> Iterator[None]:
    """Serialise personal data in clear inside this block (for holders of ``pii:unmask``)."""
    token = _masking_disabled.set(True)
    try:
        yield
    finally:
        _masking_disabled.reset(token)


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """Replace all but the first ``keep_start`` and last ``keep_end`` characters with ``*``."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def mask_id_card(value: str, rule: Rule = DEFAULTS[PiiFieldType.ID_CARD]) -> str:
    """Mask an ID number keeping its ends (default first 4 and last 4): ``3302**********123X``."""
    return mask_middle(value, rule.keep_start, rule.keep_end) if rule.enabled else value


def mask_phone(value: str, rule: Rule = DEFAULTS[PiiFieldType.PHONE]) -> str:
    """Mask a phone number keeping its ends (default first 3 and last 4): ``138****5678``."""
    return mask_middle(value, rule.keep_start, rule.keep_end) if rule.enabled else value


def mask_uscc(value: str, rule: Rule = DEFAULTS[PiiFieldType.USCC_PERSONAL]) -> str:
    """Mask the code of a 个体工商户 (category 9, type 2), which identifies a person; others are public."""
    personal = value.startswith("92") and rule.enabled
    return mask_middle(value, rule.keep_start, rule.keep_end) if personal else value


def mask_name(value: str, rule: Rule = DEFAULTS[PiiFieldType.NAME]) -> str:
    """Keep the surname (compound ones whole) and star the given name: ``张*``, ``欧阳**``."""
    if not rule.enabled:
        return value
    name = value.strip()
    if len(name) <= 1:
        return "*" * len(name)
    surname_length = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:surname_length] + "*" * (len(name) - surname_length)


def mask_address(value: str, rule: Rule = DEFAULTS[PiiFieldType.ADDRESS]) -> str:
    """Keep the address up to its street/town part and hide the rest: ``...钟公庙街道****``."""
    if not rule.enabled:
        return value
    upper = _UPPER_DIVISIONS.match(value)
    upper_end = upper.end() if upper else 0
    town = _TOWN_SUFFIX.search(value, upper_end)
    kept = value[: town.end()] if town else value[:upper_end]
    return kept + STARS


def mask_free_text(value: str, rules: dict[PiiFieldType, Rule] = DEFAULTS) -> str:
    """Mask ID numbers and phone numbers wherever they appear in free text."""
    if not rules[PiiFieldType.FREE_TEXT].enabled:
        return value
    value = _ID_CARD_IN_TEXT.sub(lambda m: mask_id_card(m.group(), rules[PiiFieldType.ID_CARD]), value)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(), rules[PiiFieldType.PHONE]), value)


def _serializer(masker: Callable[..., str], field_type: PiiFieldType | None) -> Callable[[str], str]:
    """Serialise with the rule in force (the whole rule set for free text), unless masking is off."""

    def serialize(value: str) -> str:
        if not masking_enabled():
            return value
        rules = active_rules()
        return masker(value, rules if field_type is None else rules[field_type])

    serialize.__name__ = f"serialize_{masker.__name__}"
    return serialize


MaskedIdCard = Annotated[
    str, PlainSerializer(_serializer(mask_id_card, PiiFieldType.ID_CARD), return_type=str)
]
MaskedPhone = Annotated[str, PlainSerializer(_serializer(mask_phone, PiiFieldType.PHONE), return_type=str)]
MaskedName = Annotated[str, PlainSerializer(_serializer(mask_name, PiiFieldType.NAME), return_type=str)]
MaskedAddress = Annotated[
    str, PlainSerializer(_serializer(mask_address, PiiFieldType.ADDRESS), return_type=str)
]
MaskedUscc = Annotated[
    str, PlainSerializer(_serializer(mask_uscc, PiiFieldType.USCC_PERSONAL), return_type=str)
]
MaskedText = Annotated[str, PlainSerializer(_serializer(mask_free_text, None), return_type=str)]
