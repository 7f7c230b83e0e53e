"""Citizens (valid ID numbers, hashed) and enterprises (valid USCCs) living in the district."""

from datetime import date

import numpy as np
import pandas as pd

from core_app.seed import vocab_people as vp
from core_app.seed.identity import birth_dates, id_card_numbers, mobile_phones, person_names, unique_by, usccs
from core_app.seed.org import Organisation
from core_app.validation.identifiers import pii_hash

LOCAL_CODES = ("446003", "446001", "446002", "446004", "446005", "446006")
SPECIAL_GROUPS = np.array([None, "老年人", "残疾人", "低保对象", "退役军人"], dtype=object)


def _addresses(rng: np.random.Generator, org: Organisation, region_ids: np.ndarray) -> np.ndarray:
    """Street address inside the given village/community."""
    names = dict(zip(org.regions["id"], org.regions["name"], strict=True))
    parents = dict(zip(org.regions["id"], org.regions["parent_id"], strict=True))
    n = len(region_ids)
    roads = np.array(vp.ROADS)[rng.integers(0, len(vp.ROADS), n)]
    numbers = rng.integers(1, 400, n)
    estates = np.char.add(
        np.array(vp.POI_WORDS)[rng.integers(0, len(vp.POI_WORDS), n)],
        np.array(["花园", "小区", "家园", "新村", "雅苑"])[rng.integers(0, 5, n)],
    )
    buildings, rooms = rng.integers(1, 30, n), rng.integers(1, 33, n) * 100 + rng.integers(1, 9, n)
    return np.array(
        [
            f"云溪区{names[parents[r]]}{names[r]}{road}{num}号{estate}{b}栋{room}室"
            for r, road, num, estate, b, room in zip(
                region_ids, roads, numbers, estates, buildings, rooms, strict=True
            )
        ],
        dtype=object,
    )


def build_citizens(
    rng: np.random.Generator, org: Organisation, n: int, *, today: date, pii_key: str
) -> pd.DataFrame:
    """Citizens with unique valid ID numbers, their keyed hash, names, phones and home community."""
    draw = int(n * 1.05) + 10
    males = rng.random(draw) < 0.51
    births = birth_dates(rng, draw, today=today, min_age=16, max_age=90)
    ids = id_card_numbers(rng, births, males, local_codes=LOCAL_CODES)
    keep = np.flatnonzero(unique_by(ids))[:n]
    ids, males, births = ids[keep], males[keep], births[keep]
    villages = org.villages["id"].to_numpy()
    region_ids = villages[rng.integers(0, len(villages), n)]
    ages = (np.datetime64(today, "D") - births).astype(int) / 365.25
    special = SPECIAL_GROUPS[rng.choice(5, n, p=[0.9, 0.0, 0.03, 0.04, 0.03])]
    special = np.where((ages >= 65) & (rng.random(n) < 0.6), "老年人", special)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "id_card_no": ids,
            "id_card_hash": [pii_hash(v, pii_key) for v in ids],
            "name": person_names(rng, males),
            "phone": mobile_phones(rng, n),
            "address": _addresses(rng, org, region_ids),
            "gender": np.where(males, "male", "female"),
            "birth_year": births.astype("datetime64[Y]").astype(int) + 1970,
            "region_id": region_ids,
            "special_group": special,
        }
    )


def build_enterprises(rng: np.random.Generator, org: Organisation, n: int, *, today: date) -> pd.DataFrame:
    """Companies and individual businesses with unique valid USCCs registered in the district."""
    draw = int(n * 1.05) + 10
    individual = rng.random(draw) < 0.35
    codes = usccs(rng, draw, region_code="446003", individual=individual)
    keep = np.flatnonzero(unique_by(codes))[:n]
    codes, individual = codes[keep], individual[keep]
    trade_idx = rng.integers(0, len(vp.COMPANY_TRADES), n)
    words = np.array(vp.COMPANY_WORDS)[rng.integers(0, len(vp.COMPANY_WORDS), n)]
    words2 = np.array(vp.COMPANY_WORDS)[rng.integers(0, len(vp.COMPANY_WORDS), n)]
    trades = np.array([t[0] for t in vp.COMPANY_TRADES])[trade_idx]
    forms = np.array(vp.COMPANY_FORMS)[rng.integers(0, len(vp.COMPANY_FORMS), n)]
    shops = np.array(vp.INDIVIDUAL_SHOPS)[rng.integers(0, len(vp.INDIVIDUAL_SHOPS), n)]
    company = np.char.add(np.char.add(np.char.add("海州市", words), np.char.add(words2, trades)), forms)
    single = np.char.add(np.char.add("云溪区", np.char.add(words, words2)), shops)
    males = rng.random(n) < 0.62
    births = birth_dates(rng, n, today=today, min_age=22, max_age=70)
    villages = org.villages["id"].to_numpy()
    region_ids = villages[rng.integers(0, len(villages), n)]
    established = np.datetime64(today, "D") - rng.integers(30, 365 * 25, n).astype("timedelta64[D]")
    industry = np.array([t[1] + t[2] for t in vp.COMPANY_TRADES])[trade_idx]
    employees = np.where(
        individual, rng.integers(1, 6, n), np.ceil(rng.lognormal(2.3, 1.3, n)).clip(1, 5_000)
    ).astype(int)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "uscc": codes,
            "name": np.where(individual, single, company).astype(object),
            "legal_rep_name": person_names(rng, males),
            "legal_rep_id_card": id_card_numbers(rng, births, males, local_codes=LOCAL_CODES),
            "contact_phone": mobile_phones(rng, n),
            "registered_address": _addresses(rng, org, region_ids),
            "industry_code": np.where(individual, "F5292", industry),
            "established_on": established,
            "region_id": region_ids,
            "credit_level": np.array(["A", "B", "C", "D"])[rng.choice(4, n, p=[0.62, 0.3, 0.06, 0.02])],
            "employee_count": employees,
        }
    )
