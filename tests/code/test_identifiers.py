"""Identifier validation: GB 11643 ID numbers, GB 32100 credit codes, phones."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core_app.validation.identifiers import (
    check_id_card,
    check_phone,
    check_uscc,
    gender_from_id,
    id_card_check_char,
    pii_hash,
    uscc_check_char,
)

# Published examples: GB 11643 appendix and a real enterprise code.
VALID_ID = "11010519491231002X"
VALID_USCC = "91350100M000100Y43"


def test_published_examples_are_valid() -> None:
    assert check_id_card(VALID_ID) == VALID_ID
    assert check_id_card(VALID_ID.lower()) == VALID_ID
    assert check_uscc(VALID_USCC) == VALID_USCC


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "check digit is 1, expected X"),
        ("11010519491331002X", "impossible birth date"),
        ("11010518491231002X", "out of range"),
        ("1101051949123100", "17 digits"),
        ("11010519491231002Y", "17 digits"),
    ],
)
def test_bad_id_numbers_say_why(number: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_id_card(number)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "expected 3"),
        ("91350100M000100YI3", "without I, O, S, V, Z"),
        ("91350100M000100Y4", "18 characters"),
    ],
)
def test_bad_credit_codes_say_why(code: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_uscc(code)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_every_id_body_has_exactly_one_check_char(body: str) -> None:
    check = id_card_check_char(body)
    others = [c for c in "0123456789X" if c != check]
    assert all(id_card_check_char(body) != c for c in others)


@given(
    st.sampled_from("123456789AY"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=10, max_size=10),
)
def test_uscc_with_its_check_char_validates_and_any_other_fails(kind: str, area: str, body: str) -> None:
    first17 = kind + "1" + area + body[:9]
    code = first17 + uscc_check_char(first17)
    assert check_uscc(code) == code
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[17])
    with pytest.raises(ValueError, match="check character"):
        check_uscc(first17 + wrong)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("138 0013 8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("0755-25551234", "0755-25551234"),
        ("12345", "12345"),
    ],
)
def test_phone_normalisation(raw: str, normalised: str) -> None:
    assert check_phone(raw) == normalised


@pytest.mark.parametrize("raw", ["1380013800", "23800138000", "abc", "138001380001"])
def test_bad_phones_are_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="phone must be"):
        check_phone(raw)


def test_hash_is_keyed_and_case_insensitive() -> None:
    assert pii_hash(VALID_ID, "k1") == pii_hash(VALID_ID.lower(), "k1")
    assert pii_hash(VALID_ID, "k1") != pii_hash(VALID_ID, "k2")
    assert gender_from_id(VALID_ID) == "female"
