"""Back-office endpoints for matter configuration (matters:write): catalog, bundles, imports."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from core_app.admin import matter_schemas as schemas
from core_app.admin import matter_service as service
from core_app.admin.common import Audit, audit_dependency, commit
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.params import RecordId
from core_app.api.problems import PROBLEM_MEDIA_TYPE, FieldError, Problem
from core_app.imports import ImportReport
from core_app.matters.schemas import MatterBundleRead, MatterRead

router = APIRouter(prefix="/admin", tags=["admin: matters"], responses=WRITE_RESPONSES)

MattersWrite = Annotated[Audit, Depends(audit_dependency("matters:write"))]


@router.post("/matters", response_model=MatterRead, status_code=201)
def create_matter(audit: MattersWrite, data: schemas.MatterCreate):
    """Add a matter to the catalog."""
    matter = service.create_matter(audit=audit, data=data)
    commit(audit.session, on_conflict=("code", "is already used"))
    return matter


@router.patch("/matters/{matter_id}", response_model=MatterRead)
def update_matter(audit: MattersWrite, matter_id: RecordId, data: schemas.MatterUpdate):
    """Change a matter; send the version you read to be refused (409) if someone changed it since."""
    matter = service.update_matter(audit=audit, matter_id=matter_id, data=data)
    commit(audit.session, on_conflict=("code", "is already used"))
    return matter


@router.post(
    "/matters/import",
    response_model=schemas.ImportReportRead,
    responses={422: {"description": "Strict import refused: the report lists every rejected row"}},
)
def import_matters(
    request: Request,
    audit: MattersWrite,
    file: Annotated[UploadFile, File(description="CSV or XLSX, English field names or 中文 headers.")],
    partial: Annotated[bool, Form(description="Write the valid rows even if some are rejected.")] = False,
):
    """Import matters from a file: all-or-nothing unless ``partial``; rejects listed by row and field."""
    report = service.import_matters(
        audit=audit, upload=file.file, filename=file.filename or "", partial=partial
    )
    commit(audit.session)
    body = report_read(report, file.filename or "")
    if report.rejected and not partial:
        return _strict_refusal(request, body)
    return body


def report_read(report: ImportReport, filename: str) -> schemas.ImportReportRead:
    """The JSON form of an import report."""
    return schemas.ImportReportRead(
        kind=report.kind,
        filename=filename,
        rows_read=report.rows_read,
        valid=report.valid,
        rejected=report.rejected,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        written=report.written,
        partial=report.partial,
        rejects=[schemas.RejectedRowRead.model_validate(r, from_attributes=True) for r in report.rejects],
        ignored_columns=report.ignored_columns,
        duplicates_in_file=report.quality.duplicates_in_file,
        duplicates_in_database=report.quality.duplicates_in_database,
    )


def _strict_refusal(request: Request, report: schemas.ImportReportRead) -> JSONResponse:
    errors = [FieldError(field=f"rows.{r.row}.{r.field}", reason=r.reason) for r in report.rejects]
    problem = Problem(
        type="urn:cloud-butler:problem:import-rejected",
        title="Unprocessable Content",
        status=422,
        detail=f"{report.rejected} of {report.rows_read} rows are invalid; nothing was written",
        instance=request.url.path,
        errors=errors,
    )
    # RFC 9457 extension member: the full report, so the client can show every row.
    content = problem.model_dump() | {"report": report.model_dump()}
    return JSONResponse(content, status_code=422, media_type=PROBLEM_MEDIA_TYPE)


@router.post("/bundles", response_model=MatterBundleRead, status_code=201)
def create_bundle(audit: MattersWrite, data: schemas.BundleCreate):
    """Add a one-thing bundle (一件事) with at least two distinct matters in order."""
    bundle = service.create_bundle(audit=audit, data=data)
    commit(audit.session, on_conflict=("name", "is already used"))
    return bundle


@router.patch("/bundles/{bundle_id}", response_model=MatterBundleRead)
def update_bundle(audit: MattersWrite, bundle_id: RecordId, data: schemas.BundleUpdate):
    """Change a bundle: name, lead department, status (candidate/approved/active/retired), matters."""
    bundle = service.update_bundle(audit=audit, bundle_id=bundle_id, data=data)
    commit(audit.session, on_conflict=("name", "is already used"))
    return bundle
