"""Errors that stop an import before or while it writes."""


class ImportInputError(ValueError):
    """The file, its kind or its columns cannot be imported at all (nothing was read into the database)."""


class ImportWriteError(RuntimeError):
    """The database refused the write; the whole import was rolled back."""
