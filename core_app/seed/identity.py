"""Vectorised generators of personal data: names, phones, ID numbers (GB 11643), USCCs (GB 32100)."""

from datetime import date

import numpy as np

from core_app.seed import vocab_people as vp
from core_app.validation.identifiers import ID_CHECK_CHARS, ID_WEIGHTS, USCC_ALPHABET, USCC_WEIGHTS

_DIGITS = np.array(list("0123456789"))


def person_names(rng: np.random.Generator, genders_male: np.ndarray) -> np.ndarray:
    """Chinese names: a surname (rank-weighted, a few compound ones) and one or two given characters."""
    n = len(genders_male)
    surnames = np.array(list(vp.SURNAMES))
    weights = 1.0 / np.arange(1, len(surnames) + 1) ** vp.SURNAME_WEIGHT_EXPONENT
    family = surnames[rng.choice(len(surnames), size=n, p=weights / weights.sum())].astype(object)
    compound = rng.random(n) < 0.01
    family[compound] = np.array(vp.COMPOUND_SURNAMES, dtype=object)[rng.integers(0, 5, compound.sum())]
    male, female = np.array(list(vp.GIVEN_CHARS_MALE)), np.array(list(vp.GIVEN_CHARS_FEMALE))
    first = np.where(
        genders_male, male[rng.integers(0, len(male), n)], female[rng.integers(0, len(female), n)]
    )
    second = np.where(
        genders_male, male[rng.integers(0, len(male), n)], female[rng.integers(0, len(female), n)]
    )
    two_chars = rng.random(n) < 0.72
    given = np.where(two_chars, np.char.add(first, second), first).astype(object)
    return family + given


def mobile_phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Eleven-digit mainland mobile numbers with real carrier prefixes."""
    prefixes = np.array(vp.MOBILE_PREFIXES, dtype=object)[rng.integers(0, len(vp.MOBILE_PREFIXES), n)]
    tails = np.char.zfill(rng.integers(0, 100_000_000, n).astype(str), 8).astype(object)
    return prefixes + tails


def birth_dates(rng: np.random.Generator, n: int, *, today: date, min_age: int, max_age: int) -> np.ndarray:
    """Birth dates (datetime64[D]) for ages between min_age and max_age, denser at working ages."""
    ages = min_age + (max_age - min_age) * rng.beta(2.0, 2.6, n)
    return np.datetime64(today, "D") - np.round(ages * 365.25).astype("timedelta64[D]")


def id_card_numbers(
    rng: np.random.Generator, births: np.ndarray, males: np.ndarray, *, local_codes: tuple[str, ...]
) -> np.ndarray:
    """Valid 18-digit ID numbers: area code, birth date, sequence (odd for men), check character."""
    n = len(births)
    local = rng.random(n) < vp.LOCAL_BIRTH_SHARE
    all_codes = np.array(vp.HOME_AREA_CODES)
    codes = np.where(
        local,
        np.array(local_codes)[rng.integers(0, len(local_codes), n)],
        all_codes[rng.integers(0, len(all_codes), n)],
    )
    ymd = np.char.replace(np.datetime_as_string(births, unit="D"), "-", "")
    sequence = rng.integers(0, 100, n) * 10 + rng.integers(0, 5, n) * 2 + males.astype(int)
    first17 = np.char.add(np.char.add(codes, ymd), np.char.zfill(sequence.astype(str), 3))
    digits = first17.view("<U1").reshape(n, 17).astype(int)
    check = np.array(list(ID_CHECK_CHARS))[(digits @ np.array(ID_WEIGHTS)) % 11]
    return np.char.add(first17, check).astype(object)


def usccs(rng: np.random.Generator, n: int, *, region_code: str, individual: np.ndarray) -> np.ndarray:
    """Valid unified social credit codes: 91 (company) or 92 (individual business), area, org code, check."""
    alphabet = np.array(list(USCC_ALPHABET))
    kind = np.where(individual, "92", "91")
    body = alphabet[rng.integers(0, len(alphabet), (n, 9))]
    # An organisation code is 8 characters plus its own check; any alphabet character is accepted here.
    first17 = np.char.add(np.char.add(kind, region_code), _join_columns(body))
    values = np.vectorize(USCC_ALPHABET.index, otypes=[int])(first17.view("<U1").reshape(n, 17))
    check = alphabet[(31 - (values @ np.array(USCC_WEIGHTS)) % 31) % 31]
    return np.char.add(first17, check).astype(object)


def _join_columns(chars: np.ndarray) -> np.ndarray:
    """Join a (n, k) array of single characters into n strings."""
    joined = chars[:, 0]
    for column in range(1, chars.shape[1]):
        joined = np.char.add(joined, chars[:, column])
    return joined


def unique_by(values: np.ndarray) -> np.ndarray:
    """Boolean mask keeping the first occurrence of each value."""
    _, first = np.unique(values, return_index=True)
    mask = np.zeros(len(values), dtype=bool)
    mask[first] = True
    return mask
