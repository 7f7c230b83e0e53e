"""The matter catalogue: 500+ matters per department, window bindings and one-thing bundles."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core_app.seed import vocab_org as vo
from core_app.seed.org import Organisation

VARIANT_WEIGHT = {"新办": 1.0, "变更": 0.55, "延续": 0.35, "注销": 0.25}
LEGAL_DAYS = {
    "XK": (20, 30, 15, 10),
    "QR": (10, 15, 20, 30),
    "JF": (20, 30, 15),
    "JL": (30, 20),
    "CJ": (60, 45, 30),
    "ZS": (15, 10),
    "QT": (20, 15),
    "GG": (0, 10, 15, 20),
}
CONVENIENCE_DEPTS = {"YX-RSJ", "YX-YBJ", "YX-MZJ", "YX-SWU", "YX-GAFJ", "YX-WJJ", "YX-TYJR"}


@dataclass
class Catalog:
    """Rows of the matter tables; ``matters`` keeps helper columns starting with ``_``."""

    matters: pd.DataFrame
    window_matters: pd.DataFrame
    matter_bundles: pd.DataFrame
    matter_bundle_items: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "matters": self.matters,
            "window_matters": self.window_matters,
            "matter_bundles": self.matter_bundles,
            "matter_bundle_items": self.matter_bundle_items,
        }


def _matter_lines(org: Organisation) -> list[dict]:
    """One dict per matter: department, name, type and flags, variants expanded."""
    code_to_id = dict(zip(org.departments["code"], org.departments["id"], strict=True))
    lines = []
    for code, _name, _windows, _duty, matters in vo.DEPARTMENTS:
        for line in matters:
            lines.extend(
                _expand(line, dept_code=f"YX-{code}", dept_id=code_to_id[f"YX-{code}"], level="county")
            )
    offices = org.departments[org.departments["kind"] == "street_office"]
    for office in offices.itertuples():
        for line in vo.STREET_MATTERS:
            lines.extend(_expand(line, dept_code=office.code, dept_id=office.id, level="town"))
    return lines


def _expand(line: str, *, dept_code: str, dept_id: int, level: str) -> list[dict]:
    name, type_code, flags = line.split("|")
    variants = vo.VARIANTS if "V" in flags else ("",)
    if (
        type_code == "XK"
        and "V" not in flags
        and not any(w in name for w in ("登记", "设立", "变更", "注销"))
    ):
        variants = vo.LICENCE_VARIANTS
    return [
        {
            "name": f"{name}（{v}）" if v else name,
            "type_code": type_code,
            "flags": flags,
            "variant": v,
            "dept_code": dept_code,
            "department_id": dept_id,
            "handling_levels": level,
        }
        for v in variants
    ]


def build_matters(rng: np.random.Generator, org: Organisation) -> pd.DataFrame:
    """Matters with limits (promised <= legal), flags and a popularity weight for case sampling."""
    frame = pd.DataFrame(_matter_lines(org))
    n = len(frame)
    flags = frame["flags"]
    seq = frame.groupby(["dept_code", "type_code"]).cumcount() + 1
    frame["code"] = (
        "446003-" + frame["dept_code"].str[3:] + "-" + frame["type_code"] + "-" + seq.astype(str).str.zfill(3)
    )
    frame["matter_type"] = frame["type_code"].map(vo.MATTER_TYPE_CODES)
    frame["is_power_matter"] = frame["type_code"] != "GG"
    frame["is_immediate"] = flags.str.contains("I") | (frame["variant"] == "注销") & (rng.random(n) < 0.5)
    legal = np.array([rng.choice(LEGAL_DAYS[t]) for t in frame["type_code"]])
    legal = np.where(frame["is_immediate"], np.where(legal > 0, legal, 0), legal)
    promised = np.maximum(1, np.ceil(legal * rng.uniform(0.15, 0.6, n))).astype(int)
    promised = np.where(frame["is_immediate"], 0, np.where(legal == 0, rng.integers(1, 8, n), promised))
    promised = np.where(legal > 0, np.minimum(promised, legal), promised)
    frame["legal_limit_days"] = pd.array(np.where(legal > 0, legal, -1), dtype="Int64")
    frame.loc[frame["legal_limit_days"] < 0, "legal_limit_days"] = pd.NA
    frame["promised_limit_days"] = promised
    frame["limit_unit"] = "working_day"
    frame["online_capable"] = flags.str.contains("O")
    frame["mobile_capable"] = flags.str.contains("P")
    frame["hall_exempt"] = flags.str.contains("H")
    frame["in_hall"] = ~frame["hall_exempt"]
    frame["max_visits"] = np.where(
        frame["online_capable"] & (rng.random(n) < 0.6), 0, np.where(rng.random(n) < 0.85, 1, 2)
    )
    frame["resident_only"] = False
    frame["commitment_allowed"] = flags.str.contains("C")
    frame["gap_tolerant"] = rng.random(n) < 0.3
    frame["status"] = np.where(rng.random(n) < 0.015, "suspended", "active")
    frame["version"] = rng.choice([1, 1, 1, 2, 3], n)
    frame["_enterprise_share"] = np.where(
        flags.str.contains("E"), 0.96, np.where(flags.str.contains("M"), 0.45, 0.01)
    )
    popularity = rng.lognormal(0.0, 1.1, n) * frame["variant"].map(VARIANT_WEIGHT).fillna(1.0).to_numpy()
    popularity *= np.where(frame["handling_levels"] == "town", 0.4, 1.0)
    popularity *= np.where(flags.str.contains("I") | flags.str.contains("P"), 2.5, 1.0)
    frame["_popularity"] = popularity / popularity.sum()
    frame.insert(0, "id", np.arange(1, n + 1))
    return frame.drop(columns=["type_code", "flags", "variant", "dept_code"])


def bind_windows(org: Organisation, matters: pd.DataFrame) -> pd.DataFrame:
    """Department windows take their department's hall matters; comprehensive windows take the rest."""
    windows, departments = org.windows, org.departments
    in_hall = matters[matters["in_hall"]]
    code_of = dict(zip(departments["id"], departments["code"], strict=True))
    with_window = set(
        windows.loc[(windows["hall_id"] == 1) & (windows["kind"] == "department"), "department_id"]
    )
    pairs = []
    for window in windows.itertuples():
        if window.hall_id == 1 and window.kind == "department":
            chosen = in_hall[in_hall["department_id"] == window.department_id]
        elif window.hall_id == 1:
            chosen = in_hall[~in_hall["department_id"].isin(with_window)]
        else:
            own = in_hall["department_id"] == window.department_id
            near = in_hall["department_id"].map(code_of).isin(CONVENIENCE_DEPTS) & (
                in_hall["_enterprise_share"] < 0.5
            )
            chosen = in_hall[own | near]
        pairs.append(pd.DataFrame({"window_id": window.id, "matter_id": chosen["id"].to_numpy()}))
    return pd.concat(pairs, ignore_index=True)


def build_bundles(org: Organisation, matters: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The official one-thing bundles, their matters found by name in the county catalogue."""
    county = matters[matters["handling_levels"] == "county"]
    first_id = county.drop_duplicates("name").set_index("name")["id"]
    bundles, items = [], []
    for bundle_id, (name, lead, names) in enumerate(vo.BUNDLES, start=1):
        bundles.append(
            {
                "id": bundle_id,
                "name": name,
                "lead_department_id": org.dept_id(f"YX-{lead}"),
                "origin": "official",
                "status": "active",
            }
        )
        items += [
            {
                "bundle_id": bundle_id,
                "matter_id": int(first_id.get(m, first_id.get(f"{m}（新办）"))),
                "seq": seq,
            }
            for seq, m in enumerate(names, start=1)
        ]
    return pd.DataFrame(bundles), pd.DataFrame(items)


def build_catalog(rng: np.random.Generator, org: Organisation) -> Catalog:
    """Build matters, window bindings and bundles."""
    matters = build_matters(rng, org)
    bundles, items = build_bundles(org, matters)
    return Catalog(matters, bind_windows(org, matters), bundles, items)
