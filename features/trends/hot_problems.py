"""Hot problems (热点问题, task 2 of the 泰迪杯 2020 C contest): group messages about the same place and the
same matter, then rank the groups by a heat index.

Input: a DataFrame with ``id``, ``text`` and ``time``; optional ``title`` (weighed twice in the similarity and
shown as examples), ``place`` (known place words, e.g. street and community of an event, separated by spaces
or commas), ``support`` and ``oppose`` (点赞数, 反对数; 0 when absent).

Grouping:
1. Places of each message: its ``place`` words plus the place names found in its title (or, without a
   title, the first ``PLACE_CHARS`` characters): jieba words tagged ``ns`` and runs of up to four name-like
   words ending in a place suffix (路, 街, 小区, 村, 花园, 学校 ...). Bare administrative units (A市, A3区,
   西地省, a lone 小区) say too little and are dropped.
2. Similarity: cosine of TF-IDF character 2-3-gram vectors of title + title + the start of the text.
3. Two messages are linked when their similarity is at least ``threshold`` and their places agree (cosine
   of TF-IDF character bigrams of the place names >= ``place_threshold``, so 绿地海外滩小区 matches
   绿地海外滩二期小区), or, when both have a ``place`` given, those are equal; when one of them names no
   place, the similarity must reach ``unplaced_threshold``;
   near copies (``duplicate_threshold``) are linked whatever the extracted places (but never across two
   different given places: templated event texts of different communities read alike). The stricter rule
   without a place
   keeps generic messages (加快建设国家中心城市 ...) from chaining into one large group.
4. Groups are the connected components of that sparse graph.

Heat of a group with n messages, support S, oppose O, first and last message d days apart::

    heat = ln(1 + n) + 0.5 ln(1 + S + O) + 0.5 ln(1 + n / w),   w = max(d, 7) / 7 (span in weeks, >= 1)

three log-scaled parts so that none swamps the others: size, public attention (a vote either way means
someone cared), and concentration (messages per week of its span: a burst is hotter than the same number
of messages spread over a year). Ranked by heat, then count.

Matter summary: the words with the highest summed TF-IDF (jieba, stopwords removed) over the group's
messages, place words left out.
"""

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from features.text.normalize import normalize
from features.text.tokenize import cut, get_tokenizer

PLACE_CHARS = 60
SUMMARY_CHARS = 150
SIMILARITY_CHARS = 300
CHUNK_ROWS = 1000
PLACE_SUFFIXES = (
    "小区",
    "花园",
    "公馆",
    "新城",
    "家园",
    "新村",
    "社区",
    "广场",
    "大厦",
    "公寓",
    "大道",
    "学校",
    "中学",
    "小学",
    "幼儿园",
    "医院",
    "市场",
    "公园",
    "街道",
    "苑",
    "府",
    "城",
    "村",
    "镇",
    "乡",
    "路",
    "街",
    "巷",
    "桥",
    "湾",
    "站",
)
# Administrative prefixes (a市, a3区, 西地省, 经开区), cut before tagging: jieba glues them to the next word.
_ADMIN_PREFIX = re.compile(r"[a-z]\d*[市区县]|[\u4e00-\u9fa5]{2}省|经开区|高新区")
# Bare administrative units and generic words that only look like places.
_ADMIN = re.compile(r"^(?:[a-z]\d*[市区县省]?|[\u4e00-\u9fa5]{1,2}[省市区县])$")
_GENERIC = frozenset(
    {
        "小区",
        "社区",
        "街道",
        "村",
        "镇",
        "路",
        "街",
        "本小区",
        "该小区",
        "我村",
        "学校",
        "医院",
        "市场",
        "城市",
    }
)
# Words that may be part of a place name: nouns, place and organisation names, letters and numbers (k9, 3号).
_NAME_TAGS = ("n", "s", "j", "eng", "m")
MAX_PLACE_WORDS = 4


@dataclass(frozen=True)
class HeatWeights:
    """Weights of the heat index's three parts (see the module docstring)."""

    size: float = 1.0
    votes: float = 0.5
    concentration: float = 0.5


def _is_specific_place(word: str) -> bool:
    return len(word) >= 2 and word not in _GENERIC and not _ADMIN.match(word)


@lru_cache(maxsize=1)
def _pos_tokenizer():
    """A part-of-speech tokenizer over the shared jieba tokenizer (built once: it reads the dictionary)."""
    from jieba import posseg

    return posseg.POSTokenizer(get_tokenizer())


def extract_places(text: str) -> list[str]:
    """Place names in a short normalised text (a title): ``ns`` words, and runs of up to four name-like words
    ending in a word with a place suffix (绿地/海外/滩/小区 -> 绿地海外滩小区)."""
    places, run = [], []
    for pair in _pos_tokenizer().cut(_ADMIN_PREFIX.sub(" ", text)):
        word, flag = pair.word, pair.flag
        if flag == "ns" and _is_specific_place(word):
            places.append(word)
        if not flag.startswith(_NAME_TAGS):
            run = []
            continue
        run = [*run, word][-MAX_PLACE_WORDS:]
        if word.endswith(PLACE_SUFFIXES):
            name = "".join(run)
            if _is_specific_place(name):
                places.append(name)
    return _without_parts(places)


def _without_parts(places: list[str]) -> list[str]:
    """Distinct places, dropping those inside a longer one (滨河 in 伊景园滨河苑)."""
    unique = list(dict.fromkeys(places))
    return [p for p in unique if not any(p != q and p in q for q in unique)]


def _given_places(value: object) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return []
    return [normalize(p) for p in re.split(r"[\s,，;；]+", value) if _is_specific_place(normalize(p))]


def _prepare(messages: pd.DataFrame) -> pd.DataFrame:
    missing = {"id", "text", "time"} - set(messages.columns)
    if missing:
        raise ValueError(f"the messages lack the columns {sorted(missing)}")
    frame = messages.reset_index(drop=True).copy()
    frame["time"] = pd.to_datetime(frame["time"], format="mixed", errors="coerce")
    for column in ("support", "oppose"):
        votes = frame[column] if column in frame else pd.Series(0, index=frame.index)
        frame[column] = pd.to_numeric(votes, errors="coerce").fillna(0).clip(lower=0)
    frame["title"] = frame["title"].fillna("").astype(str) if "title" in frame else ""
    frame["norm_text"] = [normalize(t) for t in frame["text"].fillna("").astype(str)]
    frame["norm_title"] = [normalize(t) for t in frame["title"]]
    return frame


def _cosine_at(vectors: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Cosine of the given row pairs of L2-normalised vectors."""
    return np.asarray(vectors[rows].multiply(vectors[cols]).sum(axis=1)).ravel()


@dataclass(frozen=True)
class _LinkRule:
    threshold: float
    duplicate_threshold: float
    place_threshold: float
    unplaced_threshold: float


def _similarity_graph(
    frame: pd.DataFrame, places: list[str], given: np.ndarray, rule: _LinkRule
) -> sparse.csr_matrix:
    """Sparse adjacency of the linked pairs (rule 3 of the module docstring)."""
    texts = frame["norm_title"] + " " + frame["norm_title"] + " " + frame["norm_text"].str[:SIMILARITY_CHARS]
    char_grams = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True)
    vectors = char_grams.fit_transform(texts).tocsr()
    if any(places):
        place_vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform(places).tocsr()
    else:
        place_vectors = sparse.csr_matrix((len(places), 1))
    has_place = np.asarray([bool(p) for p in places])
    rows, cols = [], []
    for start in range(0, vectors.shape[0], CHUNK_ROWS):
        block = (vectors[start : start + CHUNK_ROWS] @ vectors.T).toarray()
        r, c = np.nonzero(block >= rule.threshold)
        keep = r + start < c  # each pair once, no self pairs
        r, c = r[keep] + start, c[keep]
        near_copy = block[r - start, c] >= rule.duplicate_threshold
        same_place = _cosine_at(place_vectors, r, c) >= rule.place_threshold
        # A place the caller knows (an event's community) is exact: two known places must be equal, even
        # for near copies (templated texts of different communities read alike).
        both_given = (given[r] != "") & (given[c] != "")
        same_place = np.where(both_given, given[r] == given[c], same_place)
        similar = block[r - start, c]
        unplaced = (~has_place[r] | ~has_place[c]) & (similar >= rule.unplaced_threshold)
        linked = np.where(both_given, same_place, near_copy | same_place | unplaced)
        rows.append(r[linked])
        cols.append(c[linked])
    r, c = np.concatenate(rows), np.concatenate(cols)
    n = vectors.shape[0]
    return sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n)).tocsr()


def heat_index(count, votes, span_days, weights: HeatWeights = HeatWeights()) -> np.ndarray:
    """The heat of groups from their message count, support + oppose votes and span in days."""
    count = np.asarray(count, dtype=float)
    weeks = np.maximum(np.asarray(span_days, dtype=float), 7.0) / 7.0
    return (
        weights.size * np.log1p(count)
        + weights.votes * np.log1p(np.asarray(votes, dtype=float))
        + weights.concentration * np.log1p(count / weeks)
    )


def _summaries(frame: pd.DataFrame, labels: np.ndarray, groups: list[int], place_lists, terms: int):
    """Top TF-IDF words of each group (place words left out)."""
    vectorizer = TfidfVectorizer(analyzer=cut, sublinear_tf=True, min_df=1)
    texts = frame["norm_title"] + " " + frame["norm_text"].str[:SUMMARY_CHARS]
    words = vectorizer.fit_transform(texts.str.replace(_ADMIN_PREFIX, " ", regex=True))
    vocabulary = vectorizer.get_feature_names_out()
    summaries = {}
    for group in groups:
        members = np.flatnonzero(labels == group)
        weight = np.asarray(words[members].sum(axis=0)).ravel()
        placed = {w for i in members for w in place_lists[i]}
        order = np.argsort(-weight)
        top = [vocabulary[i] for i in order[: terms * 4] if weight[i] > 0 and vocabulary[i] not in placed]
        top = [w for w in top if len(w) >= 2 and not any(w in p for p in placed)] or top
        summaries[group] = top[:terms]
    return summaries


def hot_problems(
    messages: pd.DataFrame,
    *,
    threshold: float = 0.25,
    unplaced_threshold: float = 0.5,
    duplicate_threshold: float = 0.8,
    place_threshold: float = 0.3,
    min_count: int = 2,
    top: int | None = 20,
    terms: int = 5,
    weights: HeatWeights = HeatWeights(),
) -> pd.DataFrame:
    """Group messages about the same place and matter and rank the groups by heat (module docstring).

    Returns one row per group with at least ``min_count`` messages, hottest first (``top`` of them, all if
    None): rank, heat, count, support, oppose, first, last, span_days, place, summary (list of words),
    member_ids (list, oldest first), titles (up to three example titles or text starts).
    """
    columns = [
        "rank",
        "heat",
        "count",
        "support",
        "oppose",
        "first",
        "last",
        "span_days",
        "place",
        "summary",
        "member_ids",
        "titles",
    ]
    if messages.empty:
        return pd.DataFrame(columns=columns)
    frame = _prepare(messages)
    place_lists = []
    for given, title, text in zip(
        frame["place"] if "place" in frame else [None] * len(frame),
        frame["norm_title"],
        frame["norm_text"],
        strict=True,
    ):
        found = _given_places(given) + extract_places(title or text[:PLACE_CHARS])
        place_lists.append(list(dict.fromkeys(found)))
    rule = _LinkRule(threshold, duplicate_threshold, place_threshold, unplaced_threshold)
    given = (
        frame["place"].fillna("").astype(str).str.strip() if "place" in frame else pd.Series("", frame.index)
    )
    graph = _similarity_graph(frame, [" ".join(p) for p in place_lists], given.to_numpy(dtype=str), rule)
    _, labels = connected_components(graph, directed=False)
    frame["group"] = labels
    sizes = frame.groupby("group").size()
    kept = sizes[sizes >= min_count].index
    grouped = frame[frame["group"].isin(kept)].sort_values(["time", "id"], na_position="last")
    if grouped.empty:
        return pd.DataFrame(columns=columns)
    table = grouped.groupby("group").agg(
        count=("id", "size"),
        support=("support", "sum"),
        oppose=("oppose", "sum"),
        first=("time", "min"),
        last=("time", "max"),
        member_ids=("id", list),
    )
    table["span_days"] = ((table["last"] - table["first"]).dt.total_seconds() / 86400).fillna(0).round(2)
    table["heat"] = heat_index(
        table["count"], table["support"] + table["oppose"], table["span_days"], weights
    )
    table["heat"] = table["heat"].round(4)
    table["place"] = [_main_place(np.flatnonzero(labels == g), place_lists) for g in table.index]
    summaries = _summaries(frame, labels, list(table.index), place_lists, terms)
    table["summary"] = [summaries[g] for g in table.index]
    table["titles"] = [_examples(grouped[grouped["group"] == g]) for g in table.index]
    table = table.sort_values(["heat", "count"], ascending=False).head(top)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reset_index(drop=True)[columns]


def _main_place(members: np.ndarray, place_lists: list[list[str]]) -> str:
    """The longest place named by at least half as many members as the most named one (more specific)."""
    counts = Counter(w for i in members for w in place_lists[i])
    if not counts:
        return ""
    most = max(counts.values())
    common = [w for w, n in counts.items() if n * 2 >= most]
    return max(common, key=lambda w: (len(w), counts[w]))


def _examples(members: pd.DataFrame, limit: int = 3) -> list[str]:
    titles = members["title"].where(members["title"].str.len() > 0, members["text"].astype(str).str[:40])
    return list(dict.fromkeys(titles))[:limit]
