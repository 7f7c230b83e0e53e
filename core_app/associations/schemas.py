"""API shapes of matter associations, the association graph, mined bundles and rebuilds."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from core_app.associations.service import MIN_LIFT, WINDOW_DAYS, WINDOW_RANGE
from core_app.matters.models import BundleOrigin, BundleStatus


class AssociationRead(BaseModel):
    """One rule A -> B (DOMAIN §7.5) with both matters' names."""

    antecedent_matter_id: int
    antecedent_name: str
    consequent_matter_id: int
    consequent_name: str
    window_days: int
    antecedent_subjects: int = Field(description="Applicants who did A.")
    consequent_subjects: int = Field(description="Applicants who did B.")
    pair_subjects: int = Field(description="Applicants who did A and B at most window_days apart.")
    support: float = Field(description="pair_subjects / all applicants.")
    confidence: float = Field(description="pair_subjects / antecedent_subjects.")
    lift: float = Field(description="confidence / (consequent_subjects / all applicants).")
    a_before_b_share: float = Field(description="Share of pairs where A came first (same instant: half).")
    median_gap_days: float = Field(description="Median days from A to B where A came first.")
    result_use_share: float = Field(
        description="Of A-first pairs, the share where B followed A's granted result."
    )
    computed_at: datetime


class GraphNode(BaseModel):
    id: int = Field(description="Matter id.")
    name: str
    department_id: int
    department_name: str
    subjects: int = Field(description="Applicants who did the matter.")
    community: int | None = Field(
        description="The bundle id of the first community holding the matter (mined first), else None."
    )


class GraphEdge(BaseModel):
    """An undirected edge; the directed numbers are oriented from source (smaller id) to target."""

    source: int
    target: int
    lift: float
    support: float
    pair_subjects: int
    weight: float = Field(description="Jaccard overlap of the two matters' applicants.")
    confidence_forward: float = Field(description="source -> target.")
    confidence_backward: float | None = Field(description="target -> source.")
    source_first_share: float = Field(description="Share of pairs where source came first.")
    median_gap_forward: float
    median_gap_backward: float | None
    result_use_forward: float
    result_use_backward: float | None


class GraphCommunity(BaseModel):
    """A bundle drawn as a community: mined by the last rebuild (best score first), or official."""

    bundle_id: int
    name: str
    origin: BundleOrigin
    status: BundleStatus
    matters: list[int] = Field(
        description="Matter ids in the bundle's order (mined: the best handling path)."
    )


class AssociationGraph(BaseModel):
    min_lift: float
    min_pair_subjects: int
    computed_at: datetime | None
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    communities: list[GraphCommunity]


class BundleItemRead(BaseModel):
    matter_id: int
    name: str
    seq: int


class MinedBundleRead(BaseModel):
    """A mined 一件事 with the evidence of its rebuild; items in the order of the best handling path."""

    id: int
    name: str
    origin: BundleOrigin
    status: BundleStatus
    lead_department_id: int | None
    lead_department_name: str | None
    score: float | None
    items: list[BundleItemRead]
    path: list[int] = Field(description="最佳办理链路: matter ids in the order most applicants followed.")
    evidence: dict[str, Any] | None


class RebuildRequest(BaseModel):
    window_days: int = Field(
        WINDOW_DAYS,
        ge=WINDOW_RANGE[0],
        le=WINDOW_RANGE[1],
        description="Days between two matters' submissions.",
    )
    min_lift: float = Field(MIN_LIFT, gt=1, le=1000, description="Graph edges need at least this lift.")


class RebuildReportRead(BaseModel):
    window_days: int
    min_lift: float
    computed_at: datetime
    cases: int
    subjects: int
    rules: int
    graph_matters: int
    graph_edges: int
    communities: int
    candidates: int
    created: int
    updated: int
    removed: int
    matching_existing: list[dict[str, Any]]
    official_recovery: list[dict[str, Any]]
    recovered_official: int
    seconds: dict[str, float]
