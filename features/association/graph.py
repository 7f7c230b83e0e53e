"""The matter graph of strong association rules, its communities, and ranked 一件事 candidates (DOMAIN §7.5).

- The graph joins two matters when their rule has lift >= ``min_lift``, enough pair subjects and, if asked,
  a pair count improbable (p < ``max_p_value``) for applicants of that kind and activity
  (``rules.activity_baseline``); an edge
  is undirected and carries both directions' numbers oriented from ``source`` (the smaller matter id) to
  ``target``. Its ``weight`` is the Jaccard overlap of the two matters' subjects, pair / (a + b - pair):
  how often they are done together, not how rare they are (lift favours rare matters).
- Communities: Louvain with a fixed seed on ``weight``; a community of more than ``max_size`` matters is
  split by running Louvain again on its subgraph (a bisection where that finds one block); singletons dropped.
- A candidate bundle per community, ranked by ``score`` = ln(1 + subjects) x density x ln(mean lift): more
  applicants doing them together, a denser and a stronger cluster rank higher.
- A subject's chain for a community: its cases of the community's matters in time order, cut into episodes
  wherever two consecutive cases are more than ``window_days`` apart; the first episode holding at least two
  distinct matters gives the chain, the matters in order of first submission (same instant: matter id
  order). ``subjects`` counts the subjects with a chain (at least two of the matters within the window).
- The best handling path (最佳办理链路) is the most frequent chain among the longest ones that enough
  subjects followed exactly: at least ``min_path_subjects`` and ``min_path_share`` of the community's
  subjects (the full matter set when enough did it; a rare long chain is not a path), ties broken by
  the least total mean elapsed working days A of its matters, then by matter ids. Without such a chain,
  the most frequent chain. The bundle's matters are the path, then the rest by their mean relative
  position in the chains.
- Result-use edges: ordered pairs of the community whose rule has ``result_use_share`` >= 0.5 and
  ``a_before_b_share`` >= 0.5 (B regularly follows A's granted result).
"""

import math

import networkx as nx
import numpy as np
import pandas as pd

MAX_COMMUNITY = 8
MIN_PATH_SHARE = 0.05  # of a community's subjects, to follow a chain exactly for it to be the path
RESULT_USE_MIN = 0.5
CANDIDATE_COLUMNS = (
    "rank",
    "community",
    "matters",
    "size",
    "subjects",
    "mean_lift",
    "min_lift",
    "density",
    "path",
    "path_subjects",
    "path_share",
    "path_elapsed_days",
    "path_gap_days",
    "path_steps",
    "result_use_edges",
    "score",
)


def association_graph(
    rules: pd.DataFrame,
    *,
    min_lift: float = 2.0,
    min_pair_subjects: int = 5,
    max_p_value: float | None = None,
) -> nx.Graph:
    """The undirected graph of the rules with lift >= MIN_LIFT and at least MIN_PAIR_SUBJECTS subjects (and,
    given MAX_P_VALUE, a ``p_value`` column below it: see ``rules.activity_baseline``)."""
    keep = (rules["lift"] >= min_lift) & (rules["pair_subjects"] >= min_pair_subjects)
    if max_p_value is not None:
        keep &= rules["p_value"] < max_p_value
    strong = rules[keep]
    forward = strong[strong["antecedent_matter_id"] < strong["consequent_matter_id"]]
    backward = strong[strong["antecedent_matter_id"] > strong["consequent_matter_id"]].rename(
        columns={
            "antecedent_matter_id": "consequent_matter_id",
            "consequent_matter_id": "antecedent_matter_id",
        }
    )
    edges = forward.merge(
        backward[
            [
                "antecedent_matter_id",
                "consequent_matter_id",
                "confidence",
                "median_gap_days",
                "result_use_share",
            ]
        ],
        on=["antecedent_matter_id", "consequent_matter_id"],
        how="left",
        suffixes=("", "_back"),
    ).sort_values(["antecedent_matter_id", "consequent_matter_id"])
    graph = nx.Graph()
    for row in edges.itertuples(index=False):
        source, target = int(row.antecedent_matter_id), int(row.consequent_matter_id)
        graph.add_node(source, subjects=int(row.antecedent_subjects))
        graph.add_node(target, subjects=int(row.consequent_subjects))
        overlap = row.pair_subjects / (row.antecedent_subjects + row.consequent_subjects - row.pair_subjects)
        graph.add_edge(
            source,
            target,
            source=source,
            target=target,
            weight=float(overlap),
            lift=float(row.lift),
            support=float(row.support),
            pair_subjects=int(row.pair_subjects),
            confidence_forward=float(row.confidence),
            confidence_backward=_number(row.confidence_back),
            source_first_share=float(row.a_before_b_share),
            median_gap_forward=float(row.median_gap_days),
            median_gap_backward=_number(row.median_gap_days_back),
            result_use_forward=float(row.result_use_share),
            result_use_backward=_number(row.result_use_share_back),
            adjusted_lift=_number(getattr(row, "adjusted_lift", None)),
            p_value=_number(getattr(row, "p_value", None)),
        )
    return graph


def oriented(graph: nx.Graph, a: int, b: int) -> dict[str, float | int | None]:
    """The edge a-b seen from A: confidence a->b and b->a, share a first, gap and result use a->b."""
    edge = graph.edges[a, b]
    ahead = edge["source"] == a
    return {
        "lift": edge["lift"],
        "pair_subjects": edge["pair_subjects"],
        "confidence": edge["confidence_forward"] if ahead else edge["confidence_backward"],
        "confidence_back": edge["confidence_backward"] if ahead else edge["confidence_forward"],
        "a_before_b_share": edge["source_first_share"] if ahead else 1 - edge["source_first_share"],
        "median_gap_days": edge["median_gap_forward"] if ahead else edge["median_gap_backward"],
        "result_use_share": edge["result_use_forward"] if ahead else edge["result_use_backward"],
    }


def matter_communities(graph: nx.Graph, seed: int = 0, *, max_size: int = MAX_COMMUNITY) -> list[set[int]]:
    """Louvain communities of at most MAX_SIZE matters (bigger ones split again), largest first."""
    if graph.number_of_edges() == 0:
        return []
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    communities = [part for community in found for part in _split(graph, set(community), seed, max_size)]
    return sorted((c for c in communities if len(c) >= 2), key=lambda c: (-len(c), min(c)))


def _split(graph: nx.Graph, community: set[int], seed: int, max_size: int) -> list[set[int]]:
    """The community itself if small enough, else its parts split again: Louvain on its subgraph, or where
    that finds one block, the Kernighan-Lin bisection (two halves cutting the least weight)."""
    if len(community) <= max_size:
        return [community]
    sub = graph.subgraph(sorted(community))
    parts = nx.community.louvain_communities(sub, weight="weight", seed=seed)
    if len(parts) == 1:
        parts = nx.community.kernighan_lin_bisection(sub, weight="weight", seed=seed)
    return [piece for part in parts for piece in _split(graph, set(part), seed, max_size)]


def subject_chains(histories: pd.DataFrame, communities: list[set[int]], window_days: int) -> pd.DataFrame:
    """Per subject and community, the chain of distinct matters of its first multi-matter episode."""
    community_of = {matter: index for index, members in enumerate(communities) for matter in members}
    cases = histories.loc[histories["matter_id"].isin(community_of), ["subject", "matter_id", "submitted_at"]]
    if cases.empty:
        return pd.DataFrame({"subject": [], "community": [], "chain": []})
    cases = cases.assign(community=cases["matter_id"].map(community_of))
    cases = cases.sort_values(["subject", "community", "submitted_at", "matter_id"], kind="stable")
    subject, community = cases["subject"].to_numpy(), cases["community"].to_numpy()
    stamps = pd.to_datetime(cases["submitted_at"]).to_numpy(dtype="datetime64[s]").astype("int64")
    new = np.ones(len(cases), dtype=bool)
    new[1:] = (
        (subject[1:] != subject[:-1])
        | (community[1:] != community[:-1])
        | (stamps[1:] - stamps[:-1] > window_days * 86_400)
    )
    cases = cases.assign(episode=np.cumsum(new)).drop_duplicates(["episode", "matter_id"])
    sizes = cases.groupby("episode")["matter_id"].transform("size")
    cases = cases[sizes >= 2]
    first = cases.groupby(["subject", "community"])["episode"].transform("min")
    cases = cases[cases["episode"] == first]
    chains = cases.groupby(["subject", "community"], sort=True)["matter_id"].agg(
        lambda m: tuple(int(x) for x in m)
    )
    return chains.rename("chain").reset_index()


def best_path(
    chains: pd.Series,
    elapsed_days: pd.Series | None = None,
    *,
    min_path_subjects: int = 5,
    min_path_share: float = MIN_PATH_SHARE,
) -> tuple[tuple[int, ...], int]:
    """The best handling path among CHAINS (tuples, one per subject) and how many subjects followed it."""
    counts = chains.value_counts()
    table = pd.DataFrame({"chain": counts.index, "count": counts.to_numpy()})
    table["length"] = table["chain"].map(len)
    table["days"] = table["chain"].map(lambda chain: _total_days(chain, elapsed_days))
    eligible = table[table["count"] >= max(min_path_subjects, math.ceil(min_path_share * len(chains)))]
    if not eligible.empty:
        table = eligible[eligible["length"] == eligible["length"].max()]
    table = table.sort_values(["count", "days", "chain"], ascending=[False, True, True], kind="stable")
    return table["chain"].iloc[0], int(table["count"].iloc[0])


def _total_days(chain: tuple[int, ...], elapsed_days: pd.Series | None) -> float:
    if elapsed_days is None:
        return 0.0
    return float(elapsed_days.reindex(list(chain)).fillna(0).sum())


def _ordered_matters(members: set[int], path: tuple[int, ...], chains: pd.Series) -> list[int]:
    """The path, then the community's other matters by their mean relative position in the chains."""
    positions: dict[int, list[float]] = {}
    for chain in chains:
        for index, matter in enumerate(chain):
            positions.setdefault(matter, []).append(index / (len(chain) - 1))
    rest = sorted(set(members) - set(path), key=lambda m: (np.mean(positions.get(m, [1.0])), m))
    return [*path, *rest]


def bundle_candidates(
    graph: nx.Graph,
    communities: list[set[int]],
    histories: pd.DataFrame,
    rules: pd.DataFrame,
    elapsed_days: pd.Series | None = None,
    *,
    window_days: int = 90,
    min_path_subjects: int = 5,
    min_path_share: float = MIN_PATH_SHARE,
) -> pd.DataFrame:
    """One ranked candidate per community with its evidence (see the module for every figure)."""
    chains = subject_chains(histories, communities, window_days)
    members_all = set().union(*communities) if communities else set()
    inside = rules["antecedent_matter_id"].isin(members_all) & rules["consequent_matter_id"].isin(members_all)
    by_pair = rules[inside].set_index(["antecedent_matter_id", "consequent_matter_id"]).sort_index()
    rows = []
    for index, members in enumerate(communities):
        own = chains.loc[chains["community"] == index, "chain"]
        if own.empty:
            continue
        path, path_subjects = best_path(
            own, elapsed_days, min_path_subjects=min_path_subjects, min_path_share=min_path_share
        )
        sub = graph.subgraph(members)
        lifts = [lift for _, _, lift in sub.edges(data="lift")]
        mean_lift = float(np.mean(lifts)) if lifts else 0.0
        density = nx.density(sub)
        steps = [_step(by_pair, a, b) for a, b in zip(path[:-1], path[1:], strict=True)]
        rows.append(
            {
                "community": index,
                "matters": _ordered_matters(members, path, own),
                "size": len(members),
                "subjects": len(own),
                "mean_lift": mean_lift,
                "min_lift": float(min(lifts)) if lifts else 0.0,
                "density": density,
                "path": list(path),
                "path_subjects": path_subjects,
                "path_share": path_subjects / len(own),
                "path_elapsed_days": _total_days(path, elapsed_days) if elapsed_days is not None else None,
                "path_gap_days": float(sum(s["median_gap_days"] or 0 for s in steps)),
                "path_steps": steps,
                "result_use_edges": _result_use_edges(by_pair, members),
                "score": math.log1p(len(own)) * density * math.log(max(mean_lift, 1.0)),
            }
        )
    if not rows:
        return pd.DataFrame({column: [] for column in CANDIDATE_COLUMNS})
    table = pd.DataFrame(rows).sort_values(["score", "community"], ascending=[False, True], ignore_index=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table[list(CANDIDATE_COLUMNS)]


def _step(by_pair: pd.DataFrame, a: int, b: int) -> dict:
    """One step of the path with its rule's numbers (None where no rule passed the thresholds)."""
    step = {"from": a, "to": b}
    names = ("pair_subjects", "confidence", "lift", "a_before_b_share", "median_gap_days", "result_use_share")
    if (a, b) not in by_pair.index:
        return step | dict.fromkeys(names)
    rule = by_pair.loc[(a, b)]
    return (
        step | {"pair_subjects": int(rule["pair_subjects"])} | {name: float(rule[name]) for name in names[1:]}
    )


def _result_use_edges(by_pair: pd.DataFrame, members: set[int]) -> list[dict]:
    """Ordered pairs of the community where B regularly follows A's granted result."""
    inside = by_pair[
        by_pair.index.get_level_values(0).isin(members) & by_pair.index.get_level_values(1).isin(members)
    ]
    used = inside[(inside["result_use_share"] >= RESULT_USE_MIN) & (inside["a_before_b_share"] >= 0.5)]
    return [
        {
            "from": int(a),
            "to": int(b),
            "share": float(row["result_use_share"]),
            "pair_subjects": int(row["pair_subjects"]),
        }
        for (a, b), row in used.sort_index().iterrows()
    ]


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
