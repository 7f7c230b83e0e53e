"""Every threshold, weight and tag name of the portraits, in one place (DOMAIN §7.4).

The portraits are rule based: a tag is a documented condition on the features, a score a documented
weighted sum. Changing a number here changes every portrait at the next rebuild; nothing else holds one.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

CHANNELS = ("window", "pc_web", "mobile_app", "self_service")
ONLINE_CHANNELS = ("pc_web", "mobile_app")

# Enterprise size class from insured employees (参保人数), bound exclusive: micro < 10 <= small < 100 <=
# medium < 300 <= large. Simplified: the statistical standard (统计上大中小微型企业划分办法) also weighs
# revenue and assets and differs by industry; the records hold only the head count.
SIZE_CLASSES = ((10, "micro"), (100, "small"), (300, "medium"))
LARGEST_SIZE = "large"

# Life stage from the years since establishment, bound exclusive: new < 1 <= growing < 3 <= mature < 10
# <= established. An enterprise that applied to deregister itself is "exiting" whatever its age.
LIFE_STAGES = ((1, "new"), (3, "growing"), (10, "mature"))
OLDEST_STAGE = "established"
EXITING = "exiting"
# Deregistration of the business itself (企业/个体工商户注销登记), not the cancellation of one licence
# (食品经营许可（注销）) or of a property title (不动产注销登记), which a going concern also does.
EXIT_MATTER_PATTERN = r"(?:企业|公司|个体工商户|合伙企业|农民专业合作社|分支机构)注销"

# Citizen age bands from birth_year, bound exclusive.
AGE_BANDS = ((18, "under_18"), (30, "18_29"), (45, "30_44"), (60, "45_59"))
OLDEST_BAND = "60_plus"

# GB/T 4754-2017 国民经济行业分类: the section (门类) letter that starts an industry code.
INDUSTRY_SECTIONS = MappingProxyType(
    {
        "A": "农、林、牧、渔业",
        "B": "采矿业",
        "C": "制造业",
        "D": "电力、热力、燃气及水生产和供应业",
        "E": "建筑业",
        "F": "批发和零售业",
        "G": "交通运输、仓储和邮政业",
        "H": "住宿和餐饮业",
        "I": "信息传输、软件和信息技术服务业",
        "J": "金融业",
        "K": "房地产业",
        "L": "租赁和商务服务业",
        "M": "科学研究和技术服务业",
        "N": "水利、环境和公共设施管理业",
        "O": "居民服务、修理和其他服务业",
        "P": "教育",
        "Q": "卫生和社会工作",
        "R": "文化、体育和娱乐业",
        "S": "公共管理、社会保障和社会组织",
        "T": "国际组织",
    }
)

PREFERENCE_TAGS = MappingProxyType(
    {
        "window": "prefers_window",
        "pc_web": "prefers_web",
        "mobile_app": "prefers_mobile",
        "self_service": "prefers_self_service",
    }
)

APPLICANT_TAGS = (*PREFERENCE_TAGS.values(), "frequent", "dormant", "has_pending", "dissatisfied")
TAGS = MappingProxyType(
    {
        "enterprise": (*APPLICANT_TAGS, "new_business", "exiting"),
        "citizen": (*APPLICANT_TAGS, "elderly", "special_group", "repeat_visitor"),
        "staff": (
            "fast",
            "slow",
            "on_time_champion",
            "late_risk",
            "well_reviewed",
            "bad_reviews",
            "heavy_load",
            "versatile",
        ),
        "window": ("hot", "cold", "on_time_champion", "late_risk", "well_reviewed", "bad_reviews"),
    }
)

# Engagement score of citizens and enterprises (0-100), see applicants.engagement_score.
ENGAGEMENT_WEIGHTS = MappingProxyType({"recency": 0.4, "frequency": 0.3, "breadth": 0.2, "digital": 0.1})
# Assessment score of staff and windows (0-100), see workforce.assessment_score.
ASSESSMENT_WEIGHTS = MappingProxyType({"on_time": 0.35, "speed": 0.25, "good_rate": 0.25, "workload": 0.15})


@dataclass(frozen=True)
class Thresholds:
    """The numbers behind the tags and scores; the defaults are the ones in force."""

    # applicants
    recent_days: int = 90  # cases_90d
    year_days: int = 365  # cases_365d; the recency horizon of the engagement score
    preference_share: float = 0.5  # prefers_<channel>: that channel's share of the cases at least this
    min_cases_for_preference: int = 2
    frequent_cases: int = 5  # frequent: at least this many cases in the last year
    frequent_enterprise_cases: int = 12  # ... for an enterprise (one a month)
    dormant_days: int = 365  # dormant: no contact of any kind for longer than this (or never)
    breadth_matters: int = 5  # engagement breadth is full at this many distinct matters
    elderly_age: int = 60
    repeat_visit_tickets: int = 2  # a case needing this many queue tickets is a repeat visit (DOMAIN §4.7)
    top_matters: int = 3
    # staff and windows
    assessment_days: int = 365  # the look-back of the staff and window figures
    min_cases_for_rate: int = 10  # on-time and speed tags need this many completed cases
    min_reviews_for_rate: int = 20  # well_reviewed needs this many valid reviews
    fast_percentile: float = 0.8  # fast: speed percentile within the peer group at least this
    slow_percentile: float = 0.2  # slow: at most this
    on_time_champion_rate: float = 0.98
    late_risk_rate: float = 0.9  # late_risk: on-time rate below this
    well_reviewed_rate: float = 0.98
    bad_review_count: int = 3  # bad_reviews: at least this many bad (level <= 2) valid reviews ...
    bad_review_share: float = 0.05  # ... making at least this share of them (3 of 1,000 is no pattern)
    heavy_load_percentile: float = 0.8
    versatile_matters: int = 20  # versatile: handled or received this many distinct matters
    hot_heat: float = 1.5  # window heat (served per open day / hall median), DOMAIN §4.6
    cold_heat: float = 0.5
    open_minutes_per_day: int = 450  # a full working day (DOMAIN §4.0 D), the load's denominator
    engagement_weights: Mapping[str, float] = field(default_factory=lambda: ENGAGEMENT_WEIGHTS)
    assessment_weights: Mapping[str, float] = field(default_factory=lambda: ASSESSMENT_WEIGHTS)


THRESHOLDS = Thresholds()
