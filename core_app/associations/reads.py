"""Read stored associations, the graph over them and the mined bundles, for the API and the CLI."""

from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx
import pandas as pd
from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session, aliased

from core_app.api import tables
from core_app.associations.models import MatterAssociation
from core_app.associations.service import MIN_PAIR_SUBJECTS, stored_graph
from core_app.matters.models import BundleOrigin, BundleStatus, Matter, MatterBundle, MatterBundleItem
from core_app.org.models import Department
from features.association.rules import RULE_COLUMNS

ORDERS = {
    "-lift": MatterAssociation.lift.desc(),
    "-confidence": MatterAssociation.confidence.desc(),
    "-support": MatterAssociation.support.desc(),
    "-pair_subjects": MatterAssociation.pair_subjects.desc(),
}
ASSOCIATION_COLUMNS = (
    "antecedent_matter_id",
    "antecedent_name",
    "consequent_matter_id",
    "consequent_name",
    *RULE_COLUMNS[2:],
    "computed_at",
)
BUNDLE_COLUMNS = (
    "rank",
    "id",
    "name",
    "status",
    "score",
    "lead_department_id",
    "lead_department_name",
    "matter_ids",
    "matter_names",
    "path",
    "subjects",
    "mean_lift",
    "min_lift_edge",
    "density",
    "path_subjects",
    "path_share",
    "path_elapsed_days",
    "path_gap_days",
    "computed_at",
)
MAX_EXPORT_ROWS = 100_000
MAX_GRAPH_EDGES = 5_000


@dataclass(frozen=True)
class RuleFilter:
    """Which rules to list: a matter on either side, one side, and floors on the evidence."""

    matter: int | None = None
    antecedent: int | None = None
    consequent: int | None = None
    min_lift: float | None = None
    min_confidence: float | None = None
    min_pair_subjects: int | None = None

    def condition(self) -> ColumnElement[bool]:
        rule = MatterAssociation
        parts = []
        if self.matter is not None:
            parts.append(
                (rule.antecedent_matter_id == self.matter) | (rule.consequent_matter_id == self.matter)
            )
        if self.antecedent is not None:
            parts.append(rule.antecedent_matter_id == self.antecedent)
        if self.consequent is not None:
            parts.append(rule.consequent_matter_id == self.consequent)
        if self.min_lift is not None:
            parts.append(rule.lift >= self.min_lift)
        if self.min_confidence is not None:
            parts.append(rule.confidence >= self.min_confidence)
        if self.min_pair_subjects is not None:
            parts.append(rule.pair_subjects >= self.min_pair_subjects)
        return true() if not parts else _all(parts)

    def lines(self) -> list[tuple[str, str]]:
        return [(name, str(value)) for name, value in asdict(self).items() if value is not None]


def _all(parts: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    condition = parts[0]
    for part in parts[1:]:
        condition = condition & part
    return condition


def _rules_statement(where: RuleFilter, order: str) -> Select:
    rule = MatterAssociation
    first, then = aliased(Matter), aliased(Matter)
    return (
        select(
            rule.antecedent_matter_id,
            first.name.label("antecedent_name"),
            rule.consequent_matter_id,
            then.name.label("consequent_name"),
            *(getattr(rule, column) for column in ASSOCIATION_COLUMNS[4:]),
        )
        .join(first, first.id == rule.antecedent_matter_id)
        .join(then, then.id == rule.consequent_matter_id)
        .where(where.condition())
        .order_by(ORDERS[order], rule.antecedent_matter_id, rule.consequent_matter_id)
    )


def count_rules(session: Session, where: RuleFilter) -> int:
    return session.scalar(select(func.count()).select_from(MatterAssociation).where(where.condition())) or 0


def list_rules(
    session: Session, where: RuleFilter, *, order: str = "-lift", page: int = 1, page_size: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """One page of rules with matter names, and how many match."""
    statement = _rules_statement(where, order).limit(page_size).offset((page - 1) * page_size)
    rows = [dict(row._mapping) for row in session.execute(statement)]
    return rows, count_rules(session, where)


def all_rules(session: Session, where: RuleFilter, *, order: str = "-lift") -> list[dict[str, Any]]:
    """Every matching rule (for exports; the caller checks the count first)."""
    return [dict(row._mapping) for row in session.execute(_rules_statement(where, order))]


def graph_view(
    session: Session,
    *,
    min_lift: float,
    min_pair_subjects: int = MIN_PAIR_SUBJECTS,
    bundled_only: bool = False,
) -> dict:
    """Nodes (matter, department, bundles) and edges (evidence) of the stored rules' graph. The communities
    are the bundles the last rebuild mined (best score first), then the official ones, that hold a node;
    BUNDLED_ONLY keeps the edges inside a community."""
    graph = stored_graph(session, min_lift=min_lift, min_pair_subjects=min_pair_subjects)
    communities = _communities(session, set(graph.nodes))
    if bundled_only:
        graph = _inside_communities(graph, communities)
    if graph.number_of_edges() > MAX_GRAPH_EDGES:
        raise TooLargeError(graph.number_of_edges())
    communities = [c for c in communities if set(graph.nodes).intersection(c["matters"])]
    info = _matters(session, list(graph.nodes))
    nodes = []
    for matter in sorted(graph.nodes):
        holding = [c["bundle_id"] for c in communities if matter in c["matters"]]
        community = holding[0] if holding else None
        nodes.append(
            info[matter] | {"id": matter, "subjects": graph.nodes[matter]["subjects"], "community": community}
        )
    edges = sorted(
        (dict(data) for *_, data in graph.edges(data=True)), key=lambda e: (e["source"], e["target"])
    )
    computed_at = session.scalar(select(func.max(MatterAssociation.computed_at)))
    return {
        "min_lift": min_lift,
        "min_pair_subjects": min_pair_subjects,
        "computed_at": computed_at,
        "nodes": nodes,
        "edges": edges,
        "communities": communities,
    }


def _inside_communities(graph: nx.Graph, communities: list[dict[str, Any]]) -> nx.Graph:
    """The graph of the edges whose two matters share the first community holding each."""
    first: dict[int, int] = {}
    for community in communities:
        for matter in community["matters"]:
            first.setdefault(matter, community["bundle_id"])
    kept = [(a, b) for a, b in graph.edges if a in first and first[a] == first.get(b)]
    return graph.edge_subgraph(kept).copy()


def _communities(session: Session, matters: set[int]) -> list[dict[str, Any]]:
    """Mined bundles (best score first), then official ones (by id), not retired, holding one of MATTERS."""
    statement = (
        select(MatterBundle)
        .where(MatterBundle.status != BundleStatus.RETIRED)
        .order_by(
            (MatterBundle.origin == BundleOrigin.OFFICIAL),
            MatterBundle.score.desc().nulls_last(),
            MatterBundle.id,
        )
    )
    found = []
    for bundle in session.scalars(statement):
        members = [item.matter_id for item in bundle.items]
        if matters.intersection(members):
            found.append(
                {
                    "bundle_id": bundle.id,
                    "name": bundle.name,
                    "origin": bundle.origin,
                    "status": bundle.status,
                    "matters": members,
                }
            )
    return found


class TooLargeError(ValueError):
    def __init__(self, edges: int) -> None:
        super().__init__(
            f"{edges:,} edges: raise min_lift or min_pair_subjects to at most {MAX_GRAPH_EDGES:,}"
        )


def _matters(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = session.execute(
        select(Matter.id, Matter.name, Matter.department_id, Department.name)
        .join(Department, Department.id == Matter.department_id)
        .where(Matter.id.in_(ids))
    )
    return {
        m: {"name": name, "department_id": dept, "department_name": dept_name}
        for m, name, dept, dept_name in rows
    }


def mined_bundles(
    session: Session, *, status: BundleStatus | None = None, page: int = 1, page_size: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Mined bundles, best score first, with their items (path order), names and evidence."""
    among = MatterBundle.origin == BundleOrigin.MINED
    if status is not None:
        among = among & (MatterBundle.status == status)
    total = session.scalar(select(func.count()).select_from(MatterBundle).where(among)) or 0
    statement = (
        select(MatterBundle, Department.name)
        .outerjoin(Department, Department.id == MatterBundle.lead_department_id)
        .where(among)
        .order_by(MatterBundle.score.desc().nulls_last(), MatterBundle.id)
    )
    if page_size is not None:
        statement = statement.limit(page_size).offset((page - 1) * page_size)
    found = session.execute(statement).all()
    names = _matter_names(session, [b.id for b, _ in found])
    return [_bundle_row(bundle, dept_name, names) for bundle, dept_name in found], total


def _matter_names(session: Session, bundle_ids: list[int]) -> dict[int, str]:
    if not bundle_ids:
        return {}
    rows = session.execute(
        select(Matter.id, Matter.name)
        .join(MatterBundleItem, MatterBundleItem.matter_id == Matter.id)
        .where(MatterBundleItem.bundle_id.in_(bundle_ids))
    )
    return dict(rows.all())


def _bundle_row(bundle: MatterBundle, dept_name: str | None, names: dict[int, str]) -> dict[str, Any]:
    evidence = bundle.evidence or {}
    return {
        "id": bundle.id,
        "name": bundle.name,
        "origin": bundle.origin,
        "status": bundle.status,
        "lead_department_id": bundle.lead_department_id,
        "lead_department_name": dept_name,
        "score": bundle.score,
        "items": [
            {"matter_id": i.matter_id, "name": names.get(i.matter_id, ""), "seq": i.seq} for i in bundle.items
        ],
        "path": list(evidence.get("path", [])),
        "evidence": bundle.evidence,
    }


def bundle_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The bundles as flat rows for CSV: one line each, matters joined with →."""
    flat = []
    for rank, row in enumerate(rows, start=1):
        evidence = row["evidence"] or {}
        flat.append(
            {
                "rank": rank,
                "id": row["id"],
                "name": row["name"],
                "status": str(row["status"].value if hasattr(row["status"], "value") else row["status"]),
                "score": row["score"],
                "lead_department_id": row["lead_department_id"],
                "lead_department_name": row["lead_department_name"],
                "matter_ids": " ".join(str(i["matter_id"]) for i in row["items"]),
                "matter_names": " → ".join(i["name"] for i in row["items"]),
                "path": " ".join(str(m) for m in row["path"]),
                **{key: evidence.get(key) for key in BUNDLE_COLUMNS[10:]},
            }
        )
    return pd.DataFrame(flat, columns=list(BUNDLE_COLUMNS))


def to_csv(frame: pd.DataFrame) -> str:
    """The rows with a header of machine names; BOM first so that Excel reads the Chinese names."""
    rows = (
        ["" if _missing(value) else _text(value) for value in row] for row in frame.itertuples(index=False)
    )
    return tables.csv_text(frame.columns, rows)


def to_xlsx(frame: pd.DataFrame, lines: list[tuple[str, str]]) -> bytes:
    """The rows on sheet ``data``, what was asked for on sheet ``filters``."""
    rows = (
        [None if _missing(value) else _cell(value) for value in row] for row in frame.itertuples(index=False)
    )
    return tables.xlsx_bytes(frame.columns, rows, lines)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _cell(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value
