"""Matter association endpoints under /api/v1/associations (DOMAIN §7.5).

Reading needs ``portraits:read``: the rules (``format=csv|xlsx`` exports every matching row exactly as the
JSON rows), the graph a network chart draws, and the mined 一件事 bundles with their evidence. Rebuilding
needs ``matters:write``; a hall manager approves a candidate with PATCH /api/v1/admin/matters/bundles/{id}.
"""

from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.admin.common import Audit, audit_dependency, commit
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import INT_MAX
from core_app.api.problems import LIST_RESPONSES, InvalidParameterError
from core_app.associations import reads, service
from core_app.associations.models import MatterAssociation
from core_app.associations.schemas import (
    AssociationGraph,
    AssociationRead,
    MinedBundleRead,
    RebuildReportRead,
    RebuildRequest,
)
from core_app.db.base import utcnow
from core_app.matters.models import BundleStatus

router = APIRouter(prefix="/associations", tags=["associations"])

READ_PERMISSION = "portraits:read"
WRITE_PERMISSION = "matters:write"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

Reader = Annotated[Principal, Depends(require(READ_PERMISSION))]
Rebuilder = Annotated[Audit, Depends(audit_dependency(WRITE_PERMISSION))]
MatterQuery = Annotated[int | None, Query(ge=1, le=INT_MAX)]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Format = Literal["json", "csv", "xlsx"]


@router.get(
    "",
    response_model=Page[AssociationRead],
    responses=LIST_RESPONSES,
    summary="Association rules between matters, with support, confidence, lift, order and result use",
)
def list_associations(
    session: SessionDep,
    _: Reader,
    matter: Annotated[MatterQuery, Query(description="On either side.")] = None,
    antecedent: MatterQuery = None,
    consequent: MatterQuery = None,
    min_lift: Annotated[float | None, Query(ge=0, le=1e9)] = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    min_pair_subjects: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
    order: Literal["-lift", "-confidence", "-support", "-pair_subjects"] = "-lift",
    page: PageNo = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    format: Format = "json",
):
    """Rules A -> B from the last rebuild; ``format=csv|xlsx`` exports every matching rule (not one page)."""
    where = reads.RuleFilter(matter, antecedent, consequent, min_lift, min_confidence, min_pair_subjects)
    if format != "json":
        total = reads.count_rules(session, where)
        if total > reads.MAX_EXPORT_ROWS:
            reason = f"{total:,} rules: narrow the filters to at most {reads.MAX_EXPORT_ROWS:,} to export"
            raise InvalidParameterError("query.format", reason)
        rows = [
            AssociationRead(**row).model_dump(mode="json")
            for row in reads.all_rules(session, where, order=order)
        ]
        frame = pd.DataFrame(rows, columns=list(reads.ASSOCIATION_COLUMNS))
        lines = [*where.lines(), ("order", order)]
        return _download(frame, format, "associations", lines)
    rows, total = reads.list_rules(session, where, order=order, page=page, page_size=page_size)
    return Page(items=rows, total=total, page=page, page_size=page_size)


@router.get(
    "/graph",
    response_model=AssociationGraph,
    responses=LIST_RESPONSES,
    summary="The graph of strong rules: matters with department and community, edges with evidence",
)
def association_graph(
    session: SessionDep,
    _: Reader,
    min_lift: Annotated[float, Query(gt=1, le=1e9)] = service.MIN_LIFT,
    min_pair_subjects: Annotated[int, Query(ge=1, le=INT_MAX)] = service.MIN_PAIR_SUBJECTS,
    bundled_only: Annotated[bool, Query(description="Only the edges inside a community.")] = False,
):
    """Edges join matters whose stored rule has lift >= min_lift and at least min_pair_subjects applicants;
    the communities are the bundles holding the matters: those the last rebuild mined, then official ones."""
    try:
        return reads.graph_view(
            session, min_lift=min_lift, min_pair_subjects=min_pair_subjects, bundled_only=bundled_only
        )
    except reads.TooLargeError as error:
        raise InvalidParameterError("query.min_lift", str(error)) from None


@router.get(
    "/bundles",
    response_model=Page[MinedBundleRead],
    responses=LIST_RESPONSES,
    summary="Mined 一件事 bundles ranked by score, with the best handling path and evidence",
)
def mined_bundles(
    session: SessionDep,
    _: Reader,
    status: Annotated[BundleStatus | None, Query(description="candidate, approved, active, retired")] = None,
    page: PageNo = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    format: Literal["json", "csv"] = "json",
):
    """``format=csv`` gives every matching bundle, one line each (matters joined with →)."""
    if format == "csv":
        rows, _total = reads.mined_bundles(session, status=status)
        lines = [("status", status.value)] if status else []
        return _download(reads.bundle_table(rows), "csv", "mined-bundles", lines)
    rows, total = reads.mined_bundles(session, status=status, page=page, page_size=page_size)
    return Page(items=rows, total=total, page=page, page_size=page_size)


@router.post(
    ":rebuild",
    response_model=RebuildReportRead,
    responses=LIST_RESPONSES,
    summary="Recompute the rules, the graph and the mined candidate bundles from all applicant histories",
)
def rebuild(audit: Rebuilder, data: RebuildRequest):
    """Replaces every rule and every mined bundle still a candidate, in one transaction; official bundles and
    mined ones already approved, active or retired are kept (a community equal to one is not proposed)."""
    report = service.rebuild_associations(audit.session, window_days=data.window_days, min_lift=data.min_lift)
    summary = {
        key: value
        for key, value in report.as_dict().items()
        if key in ("window_days", "min_lift", "rules", "communities", "candidates", "recovered_official")
    }
    audit.write("rebuild", MatterAssociation.__tablename__, None, None, summary)
    commit(audit.session, on_conflict=("window_days", "another rebuild ran at the same time; retry"))
    return report.as_dict()


def _download(frame: pd.DataFrame, format: str, stem: str, lines: list[tuple[str, str]]) -> Response:
    generated_at = utcnow()
    if format == "xlsx":
        content, media_type = (
            reads.to_xlsx(frame, [*lines, ("generated_at", generated_at.isoformat())]),
            XLSX_MEDIA_TYPE,
        )
    else:
        content, media_type = reads.to_csv(frame), CSV_MEDIA_TYPE
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{stem}-{generated_at:%Y%m%d}.{format}"',
            "X-Generated-At": generated_at.isoformat(),
        },
    )
