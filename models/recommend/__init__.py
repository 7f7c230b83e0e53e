"""Next-matter recommendation (DOMAIN §7.6): a learned ranker over history-based candidates, two baselines."""

from models.recommend.baselines import AssociationRuleRecommender, PopularityRecommender
from models.recommend.estimator import RECOMMEND_COLUMNS, NextMatterRecommender, top_k
from models.recommend.split import RecommendError

__all__ = [
    "RECOMMEND_COLUMNS",
    "AssociationRuleRecommender",
    "NextMatterRecommender",
    "PopularityRecommender",
    "RecommendError",
    "top_k",
]
