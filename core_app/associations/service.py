"""Rebuild the matter associations and the mined 一件事 candidates; read them back (DOMAIN §7.5).

``rebuild_associations`` reads every applicant history once, computes the rules, the graph, its communities
and the ranked candidates with the pure functions of ``features.association``; the graph keeps the rules with
lift >= min_lift whose pair count is also improbable (p < 0.01) for applicants of that kind and activity
(``activity_baseline``: busy enterprises pair everything), then in the caller's
transaction replaces all ``MatterAssociation`` rows and the mined bundles still in ``candidate`` status.
Official bundles and mined bundles a hall manager approved, activated or retired are never changed; a
community with the same matter set as one of them is not proposed again (the report lists the match).
"""

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime

import networkx as nx
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from core_app.analytics.models import CaseFact
from core_app.associations.models import MatterAssociation
from core_app.cases.history import applicant_histories
from core_app.cases.models import Case
from core_app.db.base import utcnow
from core_app.matters.models import BundleOrigin, BundleStatus, Matter, MatterBundle, MatterBundleItem
from core_app.proactive.models import Push
from features.association.graph import association_graph, bundle_candidates, matter_communities
from features.association.rules import RULE_COLUMNS, activity_baseline, association_rules

log = logging.getLogger(__name__)

WINDOW_DAYS = 90
MIN_LIFT = 2.0
MIN_PAIR_SUBJECTS = 5
WINDOW_RANGE = (7, 365)
MAX_P_VALUE = 0.01  # graph edges: pair counts this improbable for applicants of that kind and activity
RECOVERED_JACCARD = 0.5  # an official bundle counts as recovered when a community overlaps it this much
NAME_LENGTH = 100  # MatterBundle.name
SEED = 0


class AssociationInputError(ValueError):
    """A rebuild parameter out of range, naming the parameter."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class RebuildReport:
    """What a rebuild found and wrote, with the seconds each stage took."""

    window_days: int
    min_lift: float
    computed_at: datetime
    cases: int = 0
    subjects: int = 0
    rules: int = 0
    graph_matters: int = 0
    graph_edges: int = 0
    communities: int = 0
    candidates: int = 0  # mined candidate bundles now stored
    created: int = 0
    updated: int = 0
    removed: int = 0  # earlier candidates no longer found
    matching_existing: list[dict] = field(default_factory=list)  # communities equal to a kept bundle
    official_recovery: list[dict] = field(default_factory=list)  # per official bundle: best Jaccard overlap
    recovered_official: int = 0  # official bundles with best Jaccard >= RECOVERED_JACCARD
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def validate(window_days: int, min_lift: float) -> None:
    """Refuse a window outside 7..365 days or a lift threshold that is not above 1."""
    low, high = WINDOW_RANGE
    if not low <= window_days <= high:
        raise AssociationInputError("window_days", f"must be between {low} and {high} days")
    if not (math.isfinite(min_lift) and min_lift > 1):
        raise AssociationInputError("min_lift", "must be greater than 1 (lift 1 means independent)")


def rebuild_associations(
    session: Session,
    *,
    window_days: int = WINDOW_DAYS,
    min_lift: float = MIN_LIFT,
    min_pair_subjects: int = MIN_PAIR_SUBJECTS,
    now: datetime | None = None,
) -> RebuildReport:
    """Recompute rules and mined candidates from the histories before NOW; the caller commits."""
    validate(window_days, min_lift)
    computed_at = now or utcnow()
    report = RebuildReport(window_days=window_days, min_lift=min_lift, computed_at=computed_at)
    clock = _Clock(report.seconds)
    histories = applicant_histories(session, until=now)
    report.cases, report.subjects = len(histories), int(histories["subject"].nunique())
    clock.lap("read")
    rules = association_rules(histories, window_days=window_days, min_pair_subjects=min_pair_subjects)
    report.rules = len(rules)
    clock.lap("rules")
    baseline = activity_baseline(histories, rules)
    graph = association_graph(
        rules.join(baseline), min_lift=min_lift, min_pair_subjects=min_pair_subjects, max_p_value=MAX_P_VALUE
    )
    communities = matter_communities(graph, seed=SEED)
    report.graph_matters, report.graph_edges = graph.number_of_nodes(), graph.number_of_edges()
    report.communities = len(communities)
    clock.lap("graph")
    candidates = bundle_candidates(
        graph,
        communities,
        histories,
        rules,
        mean_elapsed_days(session),
        window_days=window_days,
        min_path_subjects=min_pair_subjects,
    )
    clock.lap("bundles")
    _replace_rules(session, rules, computed_at)
    _replace_candidates(session, candidates, report)
    session.flush()
    clock.lap("write")
    log.info(
        "associations: %d rules, %d communities, %d candidates in %.1f s",
        report.rules,
        report.communities,
        report.candidates,
        sum(report.seconds.values()),
    )
    return report


def run_associations(session: Session, now: datetime | None = None) -> RebuildReport:
    """The scheduled job: rebuild with the default window and lift, and commit."""
    report = rebuild_associations(session, now=now)
    session.commit()
    return report


class _Clock:
    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds
        self.started = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self.started, 3)
        self.started = now


def mean_elapsed_days(session: Session) -> pd.Series | None:
    """Mean elapsed working days A per matter from the case mart (None while the mart is empty)."""
    rows = session.execute(
        select(CaseFact.matter_id, func.avg(CaseFact.elapsed_days))
        .where(CaseFact.elapsed_days.is_not(None))
        .group_by(CaseFact.matter_id)
    ).all()
    if not rows:
        return None
    return pd.Series({int(matter): float(days) for matter, days in rows}, name="elapsed_days")


def _replace_rules(session: Session, rules: pd.DataFrame, computed_at: datetime) -> None:
    """Delete every stored rule and insert the new ones (one bulk statement)."""
    session.execute(delete(MatterAssociation))
    if rules.empty:
        return
    records = rules[list(RULE_COLUMNS)].to_dict("records")
    for record in records:
        record["computed_at"] = computed_at
    session.execute(insert(MatterAssociation), records)


@dataclass(frozen=True)
class _Kept:
    bundle_id: int
    name: str
    origin: str
    status: str
    matters: frozenset[int]


def _replace_candidates(session: Session, candidates: pd.DataFrame, report: RebuildReport) -> None:
    """Store the new candidates: earlier candidates with the same matters keep their id, others go."""
    bundles = session.scalars(select(MatterBundle).order_by(MatterBundle.id)).all()
    kept = [
        _Kept(b.id, b.name, b.origin.value, b.status.value, frozenset(i.matter_id for i in b.items))
        for b in bundles
        if not _is_candidate(b)
    ]
    earlier: dict[frozenset[int], MatterBundle] = {}
    twins = []  # an earlier candidate with the same matters as another: goes with the stale ones
    for bundle in filter(_is_candidate, bundles):
        matters = frozenset(i.matter_id for i in bundle.items)
        if matters in earlier:
            twins.append(bundle)
        else:
            earlier[matters] = bundle
    kept_sets = {k.matters: k for k in kept}
    _record_recovery(report, kept, candidates)
    fresh = []
    for row in candidates.itertuples(index=False):
        matters = frozenset(row.matters)
        if matters in kept_sets:
            match = kept_sets[matters]
            report.matching_existing.append(
                {
                    "bundle_id": match.bundle_id,
                    "name": match.name,
                    "origin": match.origin,
                    "status": match.status,
                    "matters": sorted(matters),
                }
            )
            continue
        fresh.append(row)
    reused = {
        frozenset(row.matters): earlier.pop(frozenset(row.matters))
        for row in fresh
        if frozenset(row.matters) in earlier
    }
    report.removed = _retire_stale(session, [*earlier.values(), *twins])
    for bundle in reused.values():  # free their names first: the new names may swap between them
        bundle.name = f"~{bundle.id}"
    _delete_items(session, [bundle.id for bundle in reused.values()])
    names = _NameBook(set(session.scalars(select(MatterBundle.name))))
    matter_info = _matter_info(session, {m for row in fresh for m in row.matters})
    for row in fresh:
        bundle = reused.get(frozenset(row.matters))
        if bundle is None:
            bundle = MatterBundle(origin=BundleOrigin.MINED, status=BundleStatus.CANDIDATE)
            session.add(bundle)
            report.created += 1
        else:
            report.updated += 1
        first = matter_info[row.path[0]]
        bundle.name = names.take(first["name"], len(row.matters))
        bundle.lead_department_id = first["department_id"]
        bundle.evidence = _evidence(row, report)
        bundle.score = round(float(row.score), 6)
        session.flush()
        items = [{"bundle_id": bundle.id, "matter_id": m, "seq": seq} for seq, m in enumerate(row.matters, 1)]
        session.execute(insert(MatterBundleItem), items)
        session.expire(bundle, ["items"])
    report.candidates = len(fresh)


def _is_candidate(bundle: MatterBundle) -> bool:
    return bundle.origin == BundleOrigin.MINED and bundle.status == BundleStatus.CANDIDATE


def _retire_stale(session: Session, stale: list[MatterBundle]) -> int:
    """Delete earlier candidates not found again; one a case or push refers to is retired instead."""
    if not stale:
        return 0
    ids = [b.id for b in stale]
    referenced = set(session.scalars(select(Case.bundle_id).where(Case.bundle_id.in_(ids)).distinct()))
    referenced |= set(session.scalars(select(Push.bundle_id).where(Push.bundle_id.in_(ids)).distinct()))
    for bundle in stale:
        if bundle.id in referenced:
            bundle.status = BundleStatus.RETIRED
            bundle.evidence = (bundle.evidence or {}) | {"superseded": True}
    gone = [bundle_id for bundle_id in ids if bundle_id not in referenced]
    _delete_items(session, gone)
    if gone:
        session.execute(delete(MatterBundle).where(MatterBundle.id.in_(gone)))
    session.flush()
    return len(stale)


def _delete_items(session: Session, bundle_ids: list[int]) -> None:
    """Delete the items of these bundles with one statement (the ORM would blank their key first)."""
    if bundle_ids:
        session.execute(delete(MatterBundleItem).where(MatterBundleItem.bundle_id.in_(bundle_ids)))
    session.flush()


class _NameBook:
    """Readable unique names: 「first matter」等N项（挖掘候选）, numbered when taken."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def take(self, first_matter: str, size: int) -> str:
        tail = f"」等{size}项（挖掘候选）"
        for number in range(1, 10_000):
            suffix = "" if number == 1 else f" {number}"
            room = NAME_LENGTH - len(tail) - len(suffix) - 1
            name = f"「{first_matter[:room]}{tail}{suffix}"
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise RuntimeError("no free bundle name")  # 10,000 candidates share a first matter: not plausible


def _matter_info(session: Session, ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = session.execute(select(Matter.id, Matter.name, Matter.department_id).where(Matter.id.in_(ids)))
    return {matter_id: {"name": name, "department_id": dept} for matter_id, name, dept in rows}


def _evidence(row, report: RebuildReport) -> dict:
    """The numbers behind a candidate, JSON-ready."""
    return {
        "rank": int(row.rank),
        "window_days": report.window_days,
        "min_lift": report.min_lift,
        "computed_at": report.computed_at.isoformat(),
        "subjects": int(row.subjects),
        "mean_lift": round(float(row.mean_lift), 4),
        "min_lift_edge": round(float(row.min_lift), 4),
        "density": round(float(row.density), 4),
        "path": [int(m) for m in row.path],
        "path_subjects": int(row.path_subjects),
        "path_share": round(float(row.path_share), 4),
        "path_elapsed_days": None
        if row.path_elapsed_days is None
        else round(float(row.path_elapsed_days), 2),
        "path_gap_days": round(float(row.path_gap_days), 2),
        "path_steps": [_json_step(step) for step in row.path_steps],
        "result_use_edges": row.result_use_edges,
    }


def _json_step(step: dict) -> dict:
    return {key: (round(value, 4) if isinstance(value, float) else value) for key, value in step.items()}


def _record_recovery(report: RebuildReport, kept: list[_Kept], candidates: pd.DataFrame) -> None:
    """For each official bundle, the community overlapping it most (Jaccard) and whether it was recovered."""
    found = [frozenset(m) for m in candidates["matters"]] if not candidates.empty else []
    for bundle in kept:
        if bundle.origin != BundleOrigin.OFFICIAL.value or not bundle.matters:
            continue
        overlaps = [(len(bundle.matters & c) / len(bundle.matters | c), c) for c in found]
        best, matters = max(overlaps, key=lambda pair: pair[0], default=(0.0, frozenset()))
        report.official_recovery.append(
            {
                "bundle_id": bundle.bundle_id,
                "name": bundle.name,
                "jaccard": round(best, 4),
                "community": sorted(matters),
            }
        )
    report.recovered_official = sum(r["jaccard"] >= RECOVERED_JACCARD for r in report.official_recovery)


# --- reads -------------------------------------------------------------------------------------------


def rules_from(
    session: Session, matter_ids: list[int], *, limit: int = 10, min_lift: float | None = None
) -> pd.DataFrame:
    """The stored rules leaving each of MATTER_IDS, the LIMIT most confident per antecedent (then lift)."""
    columns = [*RULE_COLUMNS, "computed_at"]
    if not matter_ids:
        return pd.DataFrame({c: [] for c in columns})
    rank = (
        func.row_number()
        .over(
            partition_by=MatterAssociation.antecedent_matter_id,
            order_by=(
                MatterAssociation.confidence.desc(),
                MatterAssociation.lift.desc(),
                MatterAssociation.consequent_matter_id,
            ),
        )
        .label("place")
    )
    among = MatterAssociation.antecedent_matter_id.in_(sorted(set(matter_ids)))
    if min_lift is not None:
        among = among & (MatterAssociation.lift >= min_lift)
    ranked = select(*(getattr(MatterAssociation, c) for c in columns), rank).where(among).subquery()
    statement = (
        select(*(ranked.c[c] for c in columns))
        .where(ranked.c.place <= limit)
        .order_by(ranked.c.antecedent_matter_id, ranked.c.place)
    )
    return pd.DataFrame(session.execute(statement).all(), columns=columns)


def stored_graph(session: Session, *, min_lift: float, min_pair_subjects: int) -> nx.Graph:
    """The association graph of the stored rules."""
    statement = select(*(getattr(MatterAssociation, c) for c in RULE_COLUMNS)).where(
        MatterAssociation.lift >= min_lift, MatterAssociation.pair_subjects >= min_pair_subjects
    )
    rules = pd.DataFrame(session.execute(statement).all(), columns=list(RULE_COLUMNS))
    return association_graph(rules, min_lift=min_lift, min_pair_subjects=min_pair_subjects)
