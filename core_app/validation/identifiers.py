"""Chinese identifiers: resident ID card (GB 11643-1999), unified social credit code
(GB 32100-2015), phone numbers. Each ``check_*`` returns the normalised value or raises
``ValueError`` with a reason a person can act on."""

import hashlib
import hmac
import re
from datetime import date

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = re.compile(rf"^[1-9AY][0-9A-Z][0-9]{{6}}[{USCC_ALPHABET}]{{10}}$")

MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_PATTERN = re.compile(r"^0\d{2,3}-?\d{7,8}$")
SERVICE_NUMBER_PATTERN = re.compile(r"^(1\d{4}|[48]00\d{7})$")  # 12345, 400/800 lines


def id_card_check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def check_id_card(value: str) -> str:
    """Validate an 18-digit resident ID number: format, birth date and check digit."""
    number = str(value).strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValueError("ID card number must be 17 digits followed by a digit or X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError(f"ID card number has an impossible birth date {number[6:14]}") from None
    if not date(1900, 1, 1) <= birth <= date.today():
        raise ValueError(f"ID card number has a birth date out of range {number[6:14]}")
    expected = id_card_check_char(number[:17])
    if number[17] != expected:
        raise ValueError(f"ID card check digit is {number[17]}, expected {expected}")
    return number


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(value: str) -> str:
    """Validate an 18-character unified social credit code, including its check character."""
    code = str(value).strip().upper()
    if len(code) != 18 or not USCC_PATTERN.match(code):
        raise ValueError(
            "unified social credit code must be 18 characters of digits and capitals without I, O, S, V, Z"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValueError(f"unified social credit code check character is {code[17]}, expected {expected}")
    return code


def check_phone(value: str) -> str:
    """Validate a mainland mobile, landline or service number; strip spaces and +86."""
    phone = re.sub(r"[\s()]", "", str(value))
    phone = re.sub(r"^(\+?86)(?=1\d{10}$)", "", phone)
    if MOBILE_PATTERN.match(phone) or LANDLINE_PATTERN.match(phone) or SERVICE_NUMBER_PATTERN.match(phone):
        return phone
    raise ValueError(
        "phone must be an 11-digit mobile (1[3-9]…), a landline with area code "
        "(0xx-xxxxxxx) or a service number"
    )


def pii_hash(value: str, key: str) -> str:
    """Keyed hash of an identifier: joins records without keeping the number readable."""
    return hmac.new(key.encode(), value.strip().upper().encode(), hashlib.sha256).hexdigest()


def birth_date_from_id(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_from_id(number: str) -> str:
    return "male" if int(number[16]) % 2 else "female"
