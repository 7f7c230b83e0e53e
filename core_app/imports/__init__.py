"""Bulk import of matters, cases, events, reviews and queue tickets from CSV/XLSX files."""

from core_app.imports.errors import ImportInputError, ImportWriteError
from core_app.imports.kinds import ImportKind
from core_app.imports.report import ImportReport, QualitySummary, RejectedRow
from core_app.imports.service import import_file

__all__ = [
    "ImportInputError",
    "ImportKind",
    "ImportReport",
    "ImportWriteError",
    "QualitySummary",
    "RejectedRow",
    "import_file",
]
