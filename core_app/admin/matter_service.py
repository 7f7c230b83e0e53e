"""Matter configuration writes (S1 §3.5): the catalog, one-thing bundles, and catalog imports."""

import shutil
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core_app.admin import matter_schemas as schemas
from core_app.admin.common import (
    Audit,
    audited_create,
    audited_update,
    check_version,
    conflict,
    distinct_in_order,
    ensure_unique,
    get_or_404,
    invalid,
    patch_values,
    require_reference,
)
from core_app.audit.service import snapshot
from core_app.imports import ImportInputError, ImportReport, ImportWriteError, import_file
from core_app.matters.models import Matter, MatterBundle, MatterBundleItem
from core_app.org.models import Department

IMPORT_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def _check_limits(legal: int | None, promised: int | None) -> None:
    if legal is not None and promised is not None and promised > legal:
        raise invalid("promised_limit_days", f"promised limit {promised} exceeds the legal limit {legal}")


def create_matter(*, audit: Audit, data: schemas.MatterCreate) -> Matter:
    """Add a matter to the catalog at version 1."""
    session = audit.session
    ensure_unique(session, Matter, "code", data.code)
    require_reference(session, Department, data.department_id, "department_id")
    _check_limits(data.legal_limit_days, data.promised_limit_days)
    return audited_create(session, audit, Matter(**data.model_dump(), version=1))


def update_matter(*, audit: Audit, matter_id: int, data: schemas.MatterUpdate) -> Matter:
    """Change a matter; each effective change raises its version by one."""
    session = audit.session
    matter = get_or_404(session, Matter, matter_id)
    check_version(matter.version, data.version)
    changes = patch_values(data, Matter)
    if "code" in changes:
        ensure_unique(session, Matter, "code", changes["code"], exclude_id=matter.id)
    require_reference(session, Department, changes.get("department_id"), "department_id")
    _check_limits(
        changes.get("legal_limit_days", matter.legal_limit_days),
        changes.get("promised_limit_days", matter.promised_limit_days),
    )
    changes = {name: value for name, value in changes.items() if getattr(matter, name) != value}
    if not changes:
        return matter
    return audited_update(session, audit, matter, changes | {"version": matter.version + 1})


def _bundle_items(bundle: MatterBundle) -> dict[str, Any]:
    return {"matter_ids": [item.matter_id for item in bundle.items]}


def _check_bundle_matters(session: Session, matter_ids: list[int]) -> list[int]:
    ordered = distinct_in_order(matter_ids)
    if len(ordered) != len(matter_ids):
        raise invalid("matter_ids", "a matter appears twice")
    if len(ordered) < 2:
        raise invalid("matter_ids", "a one-thing bundle joins at least two distinct matters")
    known = set(session.scalars(select(Matter.id).where(Matter.id.in_(ordered))))
    missing = [matter_id for matter_id in ordered if matter_id not in known]
    if missing:
        raise invalid("matter_ids", f"unknown matters: {', '.join(map(str, missing))}")
    return ordered


def _set_items(session: Session, bundle: MatterBundle, matter_ids: list[int]) -> None:
    session.execute(delete(MatterBundleItem).where(MatterBundleItem.bundle_id == bundle.id))
    session.add_all(
        MatterBundleItem(bundle_id=bundle.id, matter_id=matter_id, seq=seq)
        for seq, matter_id in enumerate(matter_ids, start=1)
    )
    session.flush()
    session.expire(bundle, ["items"])


def create_bundle(*, audit: Audit, data: schemas.BundleCreate) -> MatterBundle:
    """Add a one-thing bundle with its matters in the given order."""
    session = audit.session
    ensure_unique(session, MatterBundle, "name", data.name)
    require_reference(session, Department, data.lead_department_id, "lead_department_id")
    matter_ids = _check_bundle_matters(session, data.matter_ids)
    bundle = MatterBundle(**data.model_dump(exclude={"matter_ids"}))
    session.add(bundle)
    session.flush()
    _set_items(session, bundle, matter_ids)
    audit.write("create", "matter_bundles", bundle.id, None, snapshot_bundle(bundle))
    return bundle


def update_bundle(*, audit: Audit, bundle_id: int, data: schemas.BundleUpdate) -> MatterBundle:
    """Change a bundle: name, lead department, origin, status, or its ordered matters."""
    session = audit.session
    bundle = get_or_404(session, MatterBundle, bundle_id, "Bundle")
    changes = patch_values(data, MatterBundle, exclude=frozenset({"matter_ids"}))
    if "name" in changes:
        ensure_unique(session, MatterBundle, "name", changes["name"], exclude_id=bundle.id)
    require_reference(session, Department, changes.get("lead_department_id"), "lead_department_id")
    if "matter_ids" in data.model_fields_set and data.matter_ids is None:
        raise invalid("matter_ids", "must not be null")
    if data.matter_ids is None:
        return audited_update(session, audit, bundle, changes, extra=_bundle_items)
    matter_ids = _check_bundle_matters(session, data.matter_ids)
    before = snapshot_bundle(bundle)
    for name, value in changes.items():
        setattr(bundle, name, value)
    _set_items(session, bundle, matter_ids)
    audit.write("update", "matter_bundles", bundle.id, before, snapshot_bundle(bundle))
    return bundle


def snapshot_bundle(bundle: MatterBundle) -> dict[str, Any]:
    """A bundle's columns plus its ordered matter ids, for audit rows."""
    return snapshot(bundle) | _bundle_items(bundle)


def import_matters(*, audit: Audit, upload: BinaryIO, filename: str, partial: bool) -> ImportReport:
    """Run the catalog importer on an uploaded CSV/XLSX; audit the import when it wrote anything."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise invalid("file", f"unsupported file type {suffix or '(none)'}: upload .csv or .xlsx")
    engine = audit.session.get_bind()
    with tempfile.TemporaryDirectory(prefix="butler-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            shutil.copyfileobj(upload, handle)
        try:
            report = import_file("matters", path, engine=engine, partial=partial)
        except ImportInputError as exc:
            raise invalid("file", str(exc)) from None
        except ImportWriteError as exc:
            raise conflict("file", str(exc)) from None
    if report.written:
        summary = {"filename": filename, "inserted": report.inserted, "updated": report.updated}
        summary |= {"unchanged": report.unchanged, "rejected": report.rejected, "partial": partial}
        audit.write("import", "matters", None, None, summary)
    return report
