"""Why a matter is offered: Chinese sentences built from evidence, most convincing first. Pure functions.

Evidence, in the order it is shown:
1. association: a matter the subject did, and how often the district's applicants of that matter went on
   to the offered one (the MatterAssociation row): "您于2026年10月2日办理了「A」。本区办理「A」的申请人中，
   73%在90天内还办理了「B」，通常间隔约6天。" The model's ``because_matter_id`` is used when it names one;
   otherwise the subject's own matter with the most confident rule towards B inside its window.
2. repeat: the subject did B before ("您曾于…办理「B」，可能需要再次办理。").
3. segment: the model's reason was what similar subjects do
   ("与您同类的企业（餐饮业、小型）近期常办理「B」。").
4. popular: only when nothing above applies.
Then the 一件事 the matter belongs to ("可通过「…」一次办理。") and whether it can be done online.

No personal data: matter and bundle names, the subject's own dates, district shares, industry and size
classes, an age band.
"""

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from core_app.config import LOCAL_TZ

ASSOCIATION, REPEAT, SEGMENT, POPULAR = "association", "repeat", "segment", "popular"

# GB/T 4754 divisions named where the section is too broad, then sections (门类).
INDUSTRY_DIVISIONS = {
    "51": "批发业",
    "52": "零售业",
    "61": "住宿业",
    "62": "餐饮业",
    "65": "软件和信息技术服务业",
}
INDUSTRY_SECTIONS = {
    "A": "农林牧渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力燃气及水供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利环境和公共设施管理业",
    "O": "居民服务和修理业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化体育和娱乐业",
}
# Size by insured employees (参保人数), a simplification of the national classification.
SIZE_BINS = (0, 10, 100, 300, np.inf)
SIZE_LABELS = ("微型", "小型", "中型", "大型")


@dataclass(frozen=True)
class Evidence:
    """What the sentences are built from; every frame may hold more rows than needed."""

    matters: pd.DataFrame  # matter_id, name, online (bool)
    bundles: pd.DataFrame  # matter_id, bundle_id, bundle_name: at most one row per matter
    associations: (
        pd.DataFrame
    )  # antecedent_matter_id, consequent_matter_id, window_days, confidence, median_gap_days
    done: pd.DataFrame  # subject, matter_id, last_at (local naive), times: see done_matters
    profiles: pd.DataFrame  # subject, subject_type, industry_code, employee_count, birth_year
    now: datetime


def done_matters(histories: pd.DataFrame) -> pd.DataFrame:
    """Per subject and matter: the last time they submitted it and how many times (applicant histories in)."""
    grouped = histories.groupby(["subject", "matter_id"], sort=False)["submitted_at"]
    return grouped.agg(last_at="max", times="size").reset_index()


def explain(decisions: pd.DataFrame, evidence: Evidence) -> pd.DataFrame:
    """The decisions with ``reasons`` (a list of sentences, most convincing first) and ``bundle_id``."""
    frame = decisions.reset_index(drop=True).copy()
    if frame.empty:
        return frame.assign(
            matter_name=pd.Series(dtype=object),
            reasons=pd.Series(dtype=object),
            bundle_id=pd.Series(dtype="Int64"),
        )
    names = evidence.matters.set_index("matter_id")["name"]
    offered = frame["matter_id"].map(names).fillna("该事项")
    association = association_sentences(frame, evidence, names, offered)
    repeat = repeat_sentences(frame, evidence, offered)
    segment = segment_sentences(frame, evidence, offered)
    popular = pd.Series(
        np.where(frame["because"] == POPULAR, "「" + offered + "」是本区近期办理较多的事项。", "")
    )
    popular = popular.where((association == "") & (repeat == ""), "")
    fallback = pd.Series("根据您的办事记录，您可能需要办理「" + offered + "」。")
    fallback = fallback.where((association + repeat + segment + popular) == "", "")
    bundle = frame[["matter_id"]].merge(_one_bundle_per_matter(evidence.bundles), on="matter_id", how="left")
    bundle_text = ("可通过「" + bundle["bundle_name"] + "」一次办理。").fillna("")
    online = (
        frame["matter_id"].map(evidence.matters.set_index("matter_id")["online"]).fillna(False).astype(bool)
    )
    online_text = pd.Series(np.where(online, "「" + offered + "」可在网上办理，无需到窗口。", ""))
    parts = zip(association, repeat, segment, popular, fallback, bundle_text, online_text, strict=True)
    frame["matter_name"] = offered
    frame["reasons"] = [[sentence for sentence in row if sentence] for row in parts]
    frame["bundle_id"] = bundle["bundle_id"].astype("Int64")
    return frame


def association_sentences(
    frame: pd.DataFrame, evidence: Evidence, names: pd.Series, offered: pd.Series
) -> pd.Series:
    """The association sentence of each row ("" when there is no antecedent to speak of)."""
    stated = frame["because_matter_id"].where(frame["because"] == ASSOCIATION).astype("Int64")
    antecedent = stated.fillna(_discovered_antecedents(frame, evidence))
    keyed = pd.DataFrame(
        {"subject": frame["subject"], "antecedent": antecedent, "matter_id": frame["matter_id"]}
    )
    rules = evidence.associations.rename(
        columns={"antecedent_matter_id": "antecedent", "consequent_matter_id": "matter_id"}
    )
    keyed = keyed.merge(rules.astype({"antecedent": "Int64"}), on=["antecedent", "matter_id"], how="left")
    done = evidence.done.rename(columns={"matter_id": "antecedent"}).astype({"antecedent": "Int64"})
    keyed = keyed.merge(done[["subject", "antecedent", "last_at"]], on=["subject", "antecedent"], how="left")
    a_name = "「" + keyed["antecedent"].map(names).fillna("相关事项") + "」"
    b_name = "「" + offered + "」"
    when = "您于" + chinese_date(keyed["last_at"]) + "办理了" + a_name
    share = (keyed["confidence"] * 100).round().astype("Int64").astype(str)
    window = keyed["window_days"].astype("Int64").astype(str)
    statistic = "本区办理" + a_name + "的申请人中，" + share + "%在" + window + "天内还办理了" + b_name
    statistic = statistic + _gap_clause(keyed["median_gap_days"]) + "。"
    has_rule, has_date = keyed["confidence"].notna(), keyed["last_at"].notna()
    sentence = np.select(
        [has_rule & has_date, has_rule, has_date],
        [when + "。" + statistic, statistic, when + "，办理" + a_name + "的申请人之后常办理" + b_name + "。"],
        default="办理" + a_name + "的申请人之后常办理" + b_name + "。",
    )
    return pd.Series(np.where(keyed["antecedent"].notna(), sentence, ""), index=frame.index)


def _discovered_antecedents(frame: pd.DataFrame, evidence: Evidence) -> pd.Series:
    """For each row, the subject's own matter with the most confident rule to the offered one, done
    within that rule's window before now (NA when none)."""
    done = evidence.done.rename(columns={"matter_id": "antecedent"})
    pairs = frame[["subject", "matter_id"]].reset_index().merge(done, on="subject")
    rules = evidence.associations.rename(
        columns={"antecedent_matter_id": "antecedent", "consequent_matter_id": "matter_id"}
    )
    pairs = pairs.merge(rules, on=["antecedent", "matter_id"])
    now = pd.Timestamp(evidence.now.astimezone(LOCAL_TZ).replace(tzinfo=None))
    recent = pairs["last_at"] >= now - pd.to_timedelta(pairs["window_days"], unit="D")
    pairs = pairs[recent & (pairs["antecedent"] != pairs["matter_id"])]
    best = pairs.sort_values(["index", "confidence"], ascending=[True, False]).drop_duplicates("index")
    found = best.set_index("index")["antecedent"].astype("Int64")
    return found.reindex(frame.index).astype("Int64")


def _gap_clause(gap_days: pd.Series) -> pd.Series:
    days = gap_days.round().astype("Int64")
    clause = ("，通常间隔约" + days.astype(str) + "天").mask((days == 0).fillna(False), "，通常在同一天办理")
    return clause.where(days.notna(), "")


def repeat_sentences(frame: pd.DataFrame, evidence: Evidence, offered: pd.Series) -> pd.Series:
    """ "您曾于…办理「B」" when the subject did the offered matter before."""
    done = frame[["subject", "matter_id"]].merge(evidence.done, on=["subject", "matter_id"], how="left")
    b_name = "「" + offered + "」"
    once = "您曾于" + chinese_date(done["last_at"]) + "办理" + b_name + "，可能需要再次办理。"
    times = done["times"].astype("Int64").astype(str)
    many = (
        "您曾办理"
        + b_name
        + times
        + "次，最近一次在"
        + chinese_date(done["last_at"])
        + "，可能需要再次办理。"
    )
    sentence = np.where(done["times"] > 1, many, once)
    unknown = np.where(frame["because"] == REPEAT, "您曾办理过" + b_name + "，可能需要再次办理。", "")
    return pd.Series(np.where(done["last_at"].notna(), sentence, unknown), index=frame.index)


def segment_sentences(frame: pd.DataFrame, evidence: Evidence, offered: pd.Series) -> pd.Series:
    """ "与您同类的企业（餐饮业、小型）近期常办理「B」。" where the model says segment."""
    profile = frame[["subject"]].merge(evidence.profiles, on="subject", how="left")
    enterprise = profile["subject"].str.startswith("enterprise:")
    firm_labels = _joined_labels(
        industry_label(profile["industry_code"]), size_label(profile["employee_count"])
    )
    person_labels = age_band(profile["birth_year"], evidence.now)
    labels = pd.Series(np.where(enterprise, firm_labels, person_labels))
    bracket = ("（" + labels + "）").where(labels != "", "")
    who = pd.Series(np.where(enterprise, "与您同类的企业", "与您年龄相近的群众"))
    sentence = who + bracket + "近期常办理「" + offered + "」。"
    return sentence.where(frame["because"] == SEGMENT, "")


def industry_label(codes: pd.Series) -> pd.Series:
    """The industry of a GB/T 4754 code such as "H6210": its division when named, else its section."""
    text = codes.fillna("").astype(str).str.upper()
    division = text.str[1:3].map(INDUSTRY_DIVISIONS)
    return division.fillna(text.str[:1].map(INDUSTRY_SECTIONS)).fillna("")


def size_label(employees: pd.Series) -> pd.Series:
    """微型, 小型, 中型 or 大型 from the insured employees ("" when unknown)."""
    bins = pd.cut(pd.to_numeric(employees, errors="coerce"), SIZE_BINS, labels=SIZE_LABELS, right=False)
    return bins.astype("object").fillna("")


def age_band(birth_years: pd.Series, now: datetime) -> pd.Series:
    """ "30-39岁" from the birth year ("" when unknown)."""
    age = now.astimezone(LOCAL_TZ).year - pd.to_numeric(birth_years, errors="coerce")
    low = (age // 10 * 10).astype("Int64")
    band = low.astype(str) + "-" + (low + 9).astype(str) + "岁"
    return band.where(low.notna() & (low >= 0), "")


def _joined_labels(first: pd.Series, second: pd.Series) -> pd.Series:
    both = (first != "") & (second != "")
    return pd.Series(np.where(both, first + "、" + second, first + second))


def chinese_date(values: pd.Series) -> pd.Series:
    """ "2026年10月2日" from local naive timestamps ("" for missing)."""
    stamps = pd.to_datetime(values)
    text = (
        stamps.dt.year.astype("Int64").astype(str)
        + "年"
        + stamps.dt.month.astype("Int64").astype(str)
        + "月"
        + stamps.dt.day.astype("Int64").astype(str)
        + "日"
    )
    return text.where(stamps.notna(), "")


def _one_bundle_per_matter(bundles: pd.DataFrame) -> pd.DataFrame:
    return bundles.sort_values(["matter_id", "bundle_id"]).drop_duplicates("matter_id")
