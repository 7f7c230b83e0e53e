"""The rows of one import while they are checked: validated values plus the problems found so far."""

from dataclasses import dataclass, field

import pandas as pd
from pydantic import ValidationError

from core_app.imports.report import RejectedRow
from core_app.imports.rows import ImportRow

ROW_COLUMN = "_row"


@dataclass
class Batch:
    """Validated rows (object dtype, index = file row number) and every reject found."""

    frame: pd.DataFrame
    source_of: dict[str, str]
    rejects: list[RejectedRow] = field(default_factory=list)

    def reject(self, mask: pd.Series, field: str, reason: str, code: str) -> None:
        """Reject the rows selected by `mask`, blaming `field`."""
        column = self.source_of.get(field, "")
        values = (
            self.frame.loc[mask, field] if field in self.frame else pd.Series(None, index=mask[mask].index)
        )
        self.rejects.extend(
            RejectedRow(
                row=int(row), field=field, column=column, value=_text(value), reason=reason, code=code
            )
            for row, value in values.items()
        )

    def rejected_rows(self) -> set[int]:
        return {r.row for r in self.rejects}

    def valid_frame(self) -> pd.DataFrame:
        """The rows with no problem so far."""
        return self.frame[~self.frame.index.isin(list(self.rejected_rows()))]


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def validate_rows(raw: pd.DataFrame, model: type[ImportRow], source_of: dict[str, str]) -> Batch:
    """Run the row model over every row, collecting every field error of every row."""
    valid: dict[int, dict] = {}
    rejects: list[RejectedRow] = []
    fields = list(raw.columns)
    for row, values in zip(raw.index, raw.itertuples(index=False, name=None), strict=True):
        # Empty cells are left out so that the field's default (or "value is required") applies.
        cells = {field: value for field, value in zip(fields, values, strict=True) if value is not None}
        try:
            valid[int(row)] = model.model_validate(cells).model_dump()
        except ValidationError as exc:
            rejects.extend(_rejects_from(int(row), exc, cells, source_of))
    frame = pd.DataFrame.from_dict(valid, orient="index", dtype=object, columns=list(model.model_fields))
    frame.index.name = "row"
    return Batch(frame=frame, source_of=source_of, rejects=rejects)


def _rejects_from(
    row: int, exc: ValidationError, cells: dict, source_of: dict[str, str]
) -> list[RejectedRow]:
    rejects = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else str(error.get("ctx", {}).get("field", ""))
        reason = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            reason = "value is required"
        rejects.append(
            RejectedRow(
                row=row,
                field=field,
                column=source_of.get(field, ""),
                value=_text(cells.get(field)),
                reason=reason,
                code=error["type"],
            )
        )
    return rejects


def reject_duplicate_keys(batch: Batch, key: tuple[str, ...], key_field: str) -> int:
    """Reject every row whose natural key occurs more than once in the file; return how many."""
    frame = batch.frame
    duplicated = frame.loc[frame.duplicated(subset=list(key), keep=False), list(key)]
    if duplicated.empty:
        return 0
    groups = duplicated.groupby(list(key) if len(key) > 1 else key[0], sort=False).groups
    label = " + ".join(key)
    column = batch.source_of.get(key_field, "")
    for rows in groups.values():
        listed = ", ".join(map(str, rows))
        batch.rejects.extend(
            RejectedRow(
                row=int(row),
                field=key_field,
                column=column,
                value=_text(frame.at[row, key_field]),
                reason=f"duplicate {label} in the file (rows {listed})",
                code="duplicate_key",
            )
            for row in rows
        )
    return len(duplicated)
