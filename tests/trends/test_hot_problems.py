"""Hot problems on a small hand-made set: same place and matter together, others apart, heat ordering."""

import math

import pandas as pd

from features.text.normalize import normalize
from features.trends.hot_problems import extract_places, heat_index, hot_problems

MESSAGES = [
    # the same place and matter, phrased three ways
    (
        1,
        "A市伊景园滨河苑捆绑销售车位",
        "开发商强制捆绑销售车位，不买车位不给交房。",
        "2019/8/1 10:00:00",
        30,
        1,
    ),
    (
        2,
        "投诉A市伊景园滨河苑捆绑销售车位",
        "伊景园滨河苑要求购房者必须购买车位。",
        "2019-08-03 09:00:00",
        5,
        0,
    ),
    (
        3,
        "伊景园滨河苑开发商捆绑销售车位",
        "我们是伊景园滨河苑业主，反对捆绑销售车位。",
        "2019/8/9 20:00:00",
        2,
        0,
    ),
    # another place and matter, twice
    (4, "丽发新城小区附近搅拌站噪音扰民", "搅拌站日夜施工，噪音扰民严重。", "2019/11/18 12:00:00", 0, 0),
    (
        5,
        "投诉丽发新城小区附近搅拌站噪音扰民",
        "小区旁边的搅拌站噪音太大，晚上无法休息。",
        "2019/11/20 08:00:00",
        1,
        0,
    ),
    # the same matter at another place: apart
    (6, "融城花园捆绑销售车位", "融城花园开发商捆绑销售车位。", "2019/8/2 10:00:00", 0, 0),
    # another matter: alone
    (7, "郝家坪小学何时改扩建", "孩子上学难，郝家坪小学什么时候改扩建？", "2019/3/24 20:00:00", 0, 0),
]


def _frame() -> pd.DataFrame:
    columns = ["id", "title", "detail", "time", "support", "oppose"]
    frame = pd.DataFrame(MESSAGES, columns=columns)
    frame["text"] = frame["title"] + "。" + frame["detail"]
    return frame


def test_places_from_titles():
    assert extract_places(normalize("A市伊景园滨河苑捆绑销售车位")) == ["伊景园滨河苑"]
    assert extract_places(normalize("A4区绿地海外滩小区距长赣高铁太近了")) == ["绿地海外滩小区"]
    assert extract_places(normalize("A市经开区泉星公园项目规划需优化")) == ["泉星公园"]


def test_same_place_and_matter_grouped_others_apart():
    table = hot_problems(_frame())
    assert [sorted(ids) for ids in table["member_ids"]] == [[1, 2, 3], [4, 5]]
    first = table.iloc[0]
    assert first["rank"] == 1 and first["count"] == 3
    assert (first["support"], first["oppose"]) == (37, 1)
    assert first["place"] == "伊景园滨河苑"
    assert {"捆绑", "车位"} <= set(first["summary"])
    assert first["first"] == pd.Timestamp("2019-08-01 10:00:00")
    assert first["span_days"] == 8.42  # 1 Aug 10:00 to 9 Aug 20:00
    assert table.iloc[1]["place"] == "丽发新城小区"
    # a single message is not a problem group unless min_count allows it
    singles = hot_problems(_frame(), min_count=1, top=None)
    assert sorted(len(ids) for ids in singles["member_ids"]) == [1, 1, 2, 3]


def test_heat_index_by_hand():
    # n = 3, 38 votes, 8.42 days: ln 4 + 0.5 ln 39 + 0.5 ln(1 + 3 / (8.42 / 7))
    expected = math.log(4) + 0.5 * math.log(39) + 0.5 * math.log(1 + 3 / (8.42 / 7))
    assert math.isclose(heat_index([3], [38], [8.42])[0], expected)
    # a span under a week counts as one week
    assert math.isclose(heat_index([2], [0], [1])[0], math.log(3) + 0.5 * math.log(3))


def test_heat_orders_by_count_votes_and_concentration():
    more, fewer = heat_index([5, 3], [0, 0], [10, 10])
    assert more > fewer
    voted, unvoted = heat_index([3, 3], [100, 0], [10, 10])
    assert voted > unvoted
    burst, spread = heat_index([6, 6], [0, 0], [7, 350])
    assert burst > spread


def test_votes_can_lift_a_smaller_group():
    frame = _frame()
    frame.loc[frame["id"] == 4, "support"] = 5000
    table = hot_problems(frame)
    assert sorted(table.iloc[0]["member_ids"]) == [4, 5]


def test_given_places_must_match_exactly():
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "title": ["桥头镇违规广告问题", "桥头镇违规广告问题", "桥头镇违规广告问题"],
            "text": ["电线杆上贴满小广告，影响市容。"] * 3,
            "time": ["2026-10-01", "2026-10-02", "2026-10-03"],
            "place": ["大坑村", "大坑村", "水口村"],
        }
    )
    table = hot_problems(frame)
    assert [sorted(ids) for ids in table["member_ids"]] == [[1, 2]]
    assert table.iloc[0]["support"] == 0


def test_empty_input():
    assert hot_problems(_frame().iloc[0:0]).empty
