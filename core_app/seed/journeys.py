"""Life-event journeys: the matters an applicant does one after another because one life event needs them.

Real applicants do not pick matters independently: a new restaurant registers, then gets its food licence,
fire check and drainage permit; a birth brings the birth certificate, household registration, medical
insurance and a social security card. About a third of the demo district's cases follow such journeys, with
optional steps, random gaps and journeys cut by the 12-month window; the rest stay independent draws. The
journeys exist only here: the association graph and the recommender have to find them in the cases.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

JOURNEY_SHARE = 0.35  # of all cases
LEAD_DAYS = 240  # journeys may have started this long before the history does


@dataclass(frozen=True)
class Step:
    matter: str
    gap: tuple[int, int] = (0, 0)  # days after the previous step, uniform
    p: float = 1.0  # chance that the applicant does this step at all


@dataclass(frozen=True)
class Journey:
    name: str
    applicant: str  # citizen or enterprise
    weight: float
    steps: tuple[Step, ...]
    ages: tuple[int, int] = (18, 90)  # citizens: age at the start
    industries: tuple[str, ...] = ()  # enterprises: industry code prefixes; "" = any company
    founding: bool = False  # the first step registers the enterprise: established_on follows it


def _repeat(matter: str, times: int, gap: tuple[int, int]) -> tuple[Step, ...]:
    return tuple(Step(matter, gap if i else (0, 0), 1.0 if i < 2 else 0.85) for i in range(times))


JOURNEYS: tuple[Journey, ...] = (
    Journey(
        "开办餐饮店",
        "enterprise",
        1.2,
        (
            Step("有限责任公司设立登记"),
            Step("食品经营许可（新办）", (3, 20)),
            Step("公众聚集场所投入使用营业前消防安全检查", (5, 30), 0.7),
            Step("城镇污水排入排水管网许可（新办）", (2, 25), 0.6),
            Step("户外广告设施设置许可（新办）", (5, 45), 0.4),
            Step("税务登记信息确认", (1, 15), 0.8),
        ),
        industries=("H",),
        founding=True,
    ),
    Journey(
        "企业开办",
        "enterprise",
        1.6,
        (
            Step("有限责任公司设立登记"),
            Step("税务登记信息确认", (1, 10)),
            Step("发票领用", (2, 20), 0.9),
            Step("增值税一般纳税人登记", (10, 90), 0.45),
            Step("发票领用", (20, 45), 0.6),
        ),
        industries=("",),
        founding=True,
    ),
    Journey(
        "个体户开业",
        "enterprise",
        1.4,
        (
            Step("个体工商户设立登记"),
            Step("税务登记信息确认", (1, 12), 0.85),
            Step("小餐饮经营备案", (3, 25), 0.45),
            Step("增值税发票代开", (15, 60), 0.6),
            Step("增值税发票代开", (20, 60), 0.5),
        ),
        industries=("F5292",),
        founding=True,
    ),
    Journey(
        "开办药店",
        "enterprise",
        0.5,
        (
            Step("有限责任公司设立登记"),
            Step("药品零售企业许可（新办）", (5, 25)),
            Step("第二类医疗器械经营备案", (3, 30), 0.7),
            Step("医保定点医药机构申请", (40, 150), 0.6),
        ),
        industries=("F5251",),
        founding=True,
    ),
    Journey(
        "建设项目",
        "enterprise",
        0.6,
        (
            Step("企业投资项目备案"),
            Step("建设项目环境影响登记表备案", (5, 30), 0.8),
            Step("建设工程规划许可（新办）", (15, 60)),
            Step("消防设计审查", (5, 40), 0.8),
            Step("建筑工程施工许可（新办）", (10, 50)),
            Step("房屋建筑工程质量监督登记", (1, 15), 0.8),
            Step("消防验收备案", (90, 240), 0.7),
            Step("建设工程竣工验收备案", (5, 40), 0.8),
        ),
        industries=("E", "C"),
    ),
    Journey(
        "物流企业经营",
        "enterprise",
        0.4,
        (
            Step("道路货物运输经营许可（新办）"),
            Step("机动车维修经营备案", (10, 90), 0.4),
            Step("公路超限运输许可", (20, 120), 0.6),
        ),
        industries=("G",),
    ),
    Journey(
        "企业变更",
        "enterprise",
        0.6,
        (
            Step("有限责任公司变更登记"),
            Step("税务登记信息确认", (1, 15), 0.8),
            Step("股权出质登记", (5, 60), 0.3),
        ),
        industries=("",),
    ),
    Journey("按月领用发票", "enterprise", 0.8, _repeat("发票领用", 6, (25, 40)), industries=("",)),
    Journey(
        "结婚生育",
        "citizen",
        1.3,
        (
            Step("结婚登记"),
            Step("生育登记", (60, 300), 0.7),
            Step("出生医学证明办理", (150, 260)),
            Step("出生登记", (3, 25)),
            Step("基本医保参保登记", (2, 30), 0.9),
            Step("社会保障卡申领", (3, 40), 0.8),
            Step("生育医疗费用报销", (5, 60), 0.6),
        ),
        ages=(22, 36),
    ),
    Journey(
        "新生儿出生",
        "citizen",
        1.5,
        (
            Step("出生医学证明办理"),
            Step("出生登记", (3, 25)),
            Step("基本医保参保登记", (2, 30), 0.9),
            Step("社会保障卡申领", (3, 40), 0.8),
            Step("生育医疗费用报销", (5, 60), 0.6),
        ),
        ages=(24, 40),
    ),
    Journey(
        "购买新房",
        "citizen",
        1.2,
        (
            Step("商品房买卖合同网签备案"),
            Step("契税申报", (5, 40)),
            Step("不动产转移登记", (3, 45)),
            Step("户口迁移", (10, 90), 0.4),
            Step("义务教育学位申请", (20, 150), 0.3),
        ),
        ages=(25, 55),
    ),
    Journey(
        "二手房交易",
        "citizen",
        1.0,
        (
            Step("不动产登记资料查询"),
            Step("不动产转移登记", (2, 20)),
            Step("契税申报", (0, 3), 0.9),
            Step("不动产抵押登记", (0, 10), 0.5),
        ),
        ages=(28, 65),
    ),
    Journey(
        "退休",
        "citizen",
        0.9,
        (
            Step("企业职工退休审批"),
            Step("城镇职工基本养老保险关系转移接续", (5, 40), 0.4),
            Step("退休人员养老金领取资格认证", (20, 90), 0.8),
            Step("医保关系转移接续", (10, 60), 0.5),
        ),
        ages=(54, 62),
    ),
    Journey(
        "高龄养老",
        "citizen",
        0.8,
        (
            Step("高龄津贴申领"),
            Step("居家养老服务补贴申请", (10, 90), 0.6),
            Step("长期护理保险待遇申请", (30, 200), 0.4),
            Step("异地就医备案", (20, 200), 0.3),
        ),
        ages=(78, 90),
    ),
    Journey(
        "失业再就业",
        "citizen",
        0.9,
        (
            Step("失业保险金申领"),
            Step("就业困难人员认定", (5, 40), 0.5),
            Step("职业技能等级认定", (20, 120), 0.5),
            Step("技能提升补贴申领", (5, 40), 0.6),
            Step("灵活就业人员社保登记", (20, 150), 0.5),
        ),
        ages=(25, 50),
    ),
    Journey(
        "困难救助",
        "citizen",
        0.6,
        (
            Step("最低生活保障审批"),
            Step("临时救助申请", (10, 90), 0.7),
            Step("医疗救助申请", (10, 120), 0.6),
            Step("残疾人两项补贴申请", (20, 120), 0.3),
        ),
        ages=(30, 85),
    ),
    Journey(
        "退役安置",
        "citizen",
        0.4,
        (
            Step("退役军人优待证申领"),
            Step("退役士兵自主就业一次性经济补助", (5, 30)),
            Step("户口迁移", (5, 60), 0.8),
            Step("退役军人创业贷款贴息", (60, 200), 0.3),
        ),
        ages=(20, 30),
    ),
    Journey(
        "新市民安居",
        "citizen",
        0.9,
        (
            Step("住房租赁合同登记备案"),
            Step("居住证申领", (5, 30), 0.9),
            Step("公共租赁住房资格申请", (20, 120), 0.4),
            Step("义务教育学位申请", (30, 200), 0.4),
        ),
        ages=(20, 45),
    ),
)

PLAN_COLUMNS = ("day", "matter_id", "applicant_type", "citizen_id", "enterprise_id")


def plan_journeys(
    rng: np.random.Generator,
    matters: pd.DataFrame,
    citizens: pd.DataFrame,
    enterprises: pd.DataFrame,
    *,
    start: np.datetime64,
    today: np.datetime64,
    total_cases: int,
) -> pd.DataFrame:
    """The journey cases of the history window: day, matter and applicant of each, about JOURNEY_SHARE of all.

    Sets ``established_on`` of the enterprises a founding journey registers (the frame is changed in place).
    """
    ids = _matter_ids(matters)
    steps_in_window = _mean_steps_in_window(start, today)
    weights = np.array([j.weight for j in JOURNEYS])
    counts = rng.multinomial(int(total_cases * JOURNEY_SHARE / steps_in_window), weights / weights.sum())
    frames = []
    for journey, count in zip(JOURNEYS, counts, strict=True):
        applicants = _applicants(rng, journey, count, citizens, enterprises, today)
        if len(applicants) == 0:
            continue
        days = _step_days(rng, journey, len(applicants), start, today)
        if journey.founding:
            founded = days[:, 0].astype("datetime64[D]")
            enterprises.loc[applicants - 1, "established_on"] = founded
        frames.append(_rows(rng, journey, applicants, days, ids, start, today))
    plan = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(PLAN_COLUMNS))
    return plan.sort_values(["day", "matter_id"], kind="stable").reset_index(drop=True)


def _matter_ids(matters: pd.DataFrame) -> dict[str, int]:
    """Matter id by name in the county catalogue; 0 for a suspended matter (nobody can apply for it)."""
    county = matters[matters["handling_levels"] == "county"].drop_duplicates("name")
    found = dict(zip(county["name"], np.where(county["status"] == "active", county["id"], 0), strict=True))
    wanted = {s.matter for j in JOURNEYS for s in j.steps}
    for name in wanted - set(found):  # a licence named without its variant means the new one
        if f"{name}（新办）" in found:
            found[name] = found[f"{name}（新办）"]
    missing = wanted - set(found)
    if missing:
        raise ValueError(f"journey matters missing from the catalogue: {sorted(missing)}")
    return found


def _mean_steps_in_window(start: np.datetime64, today: np.datetime64) -> float:
    """Expected journey steps that fall inside the window, by simulation with a fixed generator."""
    rng = np.random.default_rng(0)
    weights = np.array([j.weight for j in JOURNEYS])
    total = 0.0
    for journey, share in zip(JOURNEYS, weights / weights.sum(), strict=True):
        days = _step_days(rng, journey, 400, start, today)
        taken = np.column_stack([rng.random(400) < s.p for s in journey.steps])
        inside = (days >= start.astype("datetime64[D]")) & (days <= today.astype("datetime64[D]"))
        total += share * (inside & taken).sum(axis=1).mean()
    return max(total, 0.5)


def _step_days(rng, journey: Journey, n: int, start: np.datetime64, today: np.datetime64) -> np.ndarray:
    """An (n, steps) array of the days each step would happen on."""
    span = int((today - start).astype("timedelta64[D]").astype(int)) + LEAD_DAYS
    first = today.astype("datetime64[D]") - rng.integers(0, span, n).astype("timedelta64[D]")
    gaps = np.column_stack([rng.integers(s.gap[0], s.gap[1] + 1, n) for s in journey.steps])
    return first[:, None] + np.cumsum(gaps, axis=1).astype("timedelta64[D]")


def _applicants(rng, journey: Journey, n: int, citizens, enterprises, today) -> np.ndarray:
    """Ids of the applicants who make the journeys; a founding journey registers each enterprise once."""
    if journey.applicant == "citizen":
        age = today.astype("datetime64[Y]").astype(int) + 1970 - citizens["birth_year"].to_numpy()
        pool = citizens["id"].to_numpy()[(age >= journey.ages[0]) & (age <= journey.ages[1])]
        return rng.choice(pool, n) if len(pool) else pool
    code = enterprises["industry_code"].fillna("").to_numpy().astype(str)
    individual = code == "F5292"
    wanted = np.zeros(len(code), dtype=bool)
    for prefix in journey.industries:
        wanted |= ~individual if prefix == "" else np.char.startswith(code, prefix)
    pool = enterprises["id"].to_numpy()[wanted]
    if journey.founding:
        return rng.permutation(pool)[: min(n, len(pool) // 2)]
    return rng.choice(pool, n) if len(pool) else pool


def _rows(rng, journey: Journey, applicants, days, ids, start, today) -> pd.DataFrame:
    """The steps taken and inside the window, one row each."""
    taken = np.column_stack([rng.random(len(applicants)) < s.p for s in journey.steps])
    taken[:, 0] = True  # the event itself always happens
    inside = (days >= start.astype("datetime64[D]")) & (days <= today.astype("datetime64[D]"))
    available = np.array([ids[s.matter] for s in journey.steps])
    row, col = np.nonzero(taken & inside & (available > 0))
    matter = available[col]
    citizen = journey.applicant == "citizen"
    return pd.DataFrame(
        {
            "day": days[row, col],
            "matter_id": matter,
            "applicant_type": journey.applicant,
            "citizen_id": applicants[row] if citizen else 0,
            "enterprise_id": 0 if citizen else applicants[row],
        }
    )
