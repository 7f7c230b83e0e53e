"""The matter graph, its communities and the mined bundle candidates on a small planted structure."""

import networkx as nx
import pandas as pd
import pytest

from features.association.graph import (
    association_graph,
    best_path,
    bundle_candidates,
    matter_communities,
    oriented,
    subject_chains,
)
from features.association.rules import association_rules

DAY0 = pd.Timestamp("2026-01-05 09:00")


def case(subject: str, matter: int, day: float, done: float = 2) -> dict:
    submitted = DAY0 + pd.Timedelta(days=day)
    return {
        "subject": subject,
        "matter_id": matter,
        "submitted_at": submitted,
        "completed_at": submitted + pd.Timedelta(days=done),
        "granted": True,
    }


def planted() -> pd.DataFrame:
    """Bundle X = 1 -> 2 -> 3 -> 4 and bundle Y = 11 -> 12 -> 13, plus applicants of single matters."""
    rows = []
    for i in range(12):  # the whole of X, 5 + i % 3 days apart, each step after the last was granted
        gap = 5 + i % 3
        rows += [case(f"x{i}", m, 10 * i + step * gap) for step, m in enumerate((1, 2, 3, 4))]
    for i in range(4):  # X without 3
        rows += [case(f"x-short{i}", m, 7 * i + step * 6) for step, m in enumerate((1, 2, 4))]
    for i in range(10):  # Y in its usual order, 3 days apart, before the previous step completed (done 5)
        rows += [case(f"y{i}", m, 9 * i + step * 3, done=5) for step, m in enumerate((11, 12, 13))]
    for i in range(3):  # Y in another order
        rows += [case(f"y-other{i}", m, 11 * i + step * 4) for step, m in enumerate((12, 11, 13))]
    for i in range(40):  # one-off applicants; two noise matters a year apart never pair
        rows.append(case(f"n{i}", 20 + i % 8, i))
        if i % 4 == 0:
            rows.append(case(f"n{i}", 20 + (i + 1) % 8, i + 365))
    return pd.DataFrame(rows)


def test_planted_bundles_become_two_communities_with_their_paths():
    histories = planted()
    rules = association_rules(histories, window_days=90, min_pair_subjects=3)
    graph = association_graph(rules, min_lift=2.0, min_pair_subjects=3)
    # N = 12 + 4 + 10 + 3 + 40 = 69; 1 and 2 each by 16 applicants, together by all 16:
    # lift = 16 * 69 / (16 * 16) = 4.3125; weight (Jaccard) = 16 / (16 + 16 - 16) = 1
    assert graph.edges[1, 2]["lift"] == pytest.approx(69 / 16)
    assert graph.edges[1, 2]["weight"] == 1.0
    # 1 and 3: 12 pairs, 1 by 16, 3 by 12 -> confidence 1 -> 3 = 12/16, 3 -> 1 = 12/12; Jaccard 12/16
    one_three = oriented(graph, 3, 1)
    assert one_three["confidence"] == 1.0 and one_three["confidence_back"] == pytest.approx(0.75)
    assert one_three["a_before_b_share"] == 0.0  # 3 never comes before 1
    assert graph.edges[1, 3]["weight"] == pytest.approx(0.75)
    assert set(graph.nodes) == {1, 2, 3, 4, 11, 12, 13}  # no noise matter passes

    communities = matter_communities(graph, seed=0)
    assert communities == [{1, 2, 3, 4}, {11, 12, 13}]
    candidates = bundle_candidates(graph, communities, histories, rules, window_days=90, min_path_subjects=3)
    x, y = (candidates.set_index("community").loc[i] for i in (0, 1))
    assert x["subjects"] == 16 and x["path"] == [1, 2, 3, 4] and x["path_subjects"] == 12
    assert x["matters"] == [1, 2, 3, 4] and x["density"] == 1.0
    assert y["subjects"] == 13 and y["path"] == [11, 12, 13] and y["path_subjects"] == 10
    # the gaps along X: 1 -> 2 by all 16 (gaps 5,6,7 four times each, 6 four times): median 6
    steps = {(s["from"], s["to"]): s for s in x["path_steps"]}
    assert steps[(1, 2)]["median_gap_days"] == 6.0 and steps[(1, 2)]["a_before_b_share"] == 1.0
    # X's steps come after the previous step's result (done in 2 days, next step 5+ days later);
    # Y's steps come 3 days in, before a 5-day completion: no result use in 11 -> 12 -> 13
    # only 11 -> 13 (6 days after a 5-day 11) is a result use in Y; 12 -> 13 only for the 3 others: 3/13
    assert {(e["from"], e["to"]) for e in x["result_use_edges"]} == {
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 3),
        (2, 4),
        (3, 4),
    }
    assert [(e["from"], e["to"], e["share"]) for e in y["result_use_edges"]] == [(11, 13, 1.0)]
    assert list(candidates["rank"]) == [1, 2]
    assert candidates["score"].is_monotonic_decreasing


def test_big_communities_are_split_and_singletons_dropped():
    graph = nx.Graph()
    for a, b in [(1, 2), (1, 3), (2, 3), (4, 5), (4, 6), (5, 6)]:
        graph.add_edge(a, b, weight=1.0)
    for a in (1, 2, 3):  # the two triangles are tied strongly enough for Louvain to keep one block of 6
        for b in (4, 5, 6):
            graph.add_edge(a, b, weight=0.7)
    graph.add_edge(7, 8, weight=1.0)
    graph.add_node(9)
    assert matter_communities(graph) == [{1, 2, 3, 4, 5, 6}, {7, 8}]
    assert matter_communities(graph, max_size=3) == [{1, 2, 3}, {4, 5, 6}, {7, 8}]  # bisected
    assert matter_communities(nx.Graph()) == []


def test_chains_start_at_the_first_episode_with_two_matters():
    rows = [
        case("a", 1, 0),  # alone: 200 days before the next case
        case("a", 2, 200),
        case("a", 3, 210),
        case("a", 2, 215),  # a repeat does not lengthen the chain
        case("b", 3, 0),
        case("b", 1, 0),  # same instant: matter id order
        case("c", 1, 0),  # only one matter of the community
    ]
    chains = subject_chains(pd.DataFrame(rows), [{1, 2, 3}], window_days=90)
    assert chains.set_index("subject")["chain"].to_dict() == {"a": (2, 3), "b": (1, 3)}


def test_best_path_prefers_long_chains_then_frequency_then_fewer_days():
    chains = pd.Series(
        [(1, 2)] * 9 + [(1, 2, 3)] * 5 + [(2, 1, 3)] * 4 + [(3, 1, 2)] * 5 + [(1, 3, 2, 4)] * 2
    )
    days = pd.Series({1: 2.0, 2: 2.0, 3: 1.0, 4: 0.5})
    # the 4-chain has 2 < 5 applicants; 3-chains with >= 5: (1,2,3) and (3,1,2), same days -> ids decide
    assert best_path(chains, days, min_path_subjects=5) == ((1, 2, 3), 5)
    tied = pd.Series([(1, 2)] * 5 + [(3, 4)] * 5)
    assert best_path(tied, days, min_path_subjects=5) == ((3, 4), 5)  # 1.5 days against 4
    assert best_path(pd.Series([(5, 6), (6, 5), (5, 6)]), None, min_path_subjects=5) == ((5, 6), 2)
    # a long chain must also be followed by 5% of the community's subjects: ceil(0.05 * 106) = 6
    common = [(1, 2)] * 100
    assert best_path(pd.Series(common + [(1, 2, 3)] * 6)) == ((1, 2, 3), 6)
    assert best_path(pd.Series(common[:-1] + [(1, 2, 3)] * 5 + [(3, 2)])) == ((1, 2), 99)  # 5 < 6
