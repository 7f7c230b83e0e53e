"""Create the citizens and enterprises a file names for the first time (set-based, inside the import)."""

import pandas as pd
from sqlalchemy import Connection, insert

from core_app.db.base import utcnow
from core_app.imports.lookups import distinct_values, ids_by, map_values
from core_app.people.models import Citizen, Enterprise
from core_app.validation.identifiers import birth_date_from_id, gender_from_id

INSERT_BATCH = 1000


def _citizen_rows(new: pd.DataFrame, name_field: str | None, phone_field: str | None) -> list[dict]:
    now = utcnow()
    numbers = new["id_card_no"]
    return pd.DataFrame(
        {
            "id_card_no": numbers,
            "id_card_hash": new["id_card_hash"],
            "name": new[name_field].fillna("").str.slice(0, 32) if name_field else "",
            "phone": new[phone_field] if phone_field else None,
            "gender": numbers.map(gender_from_id),
            "birth_year": numbers.map(lambda n: birth_date_from_id(n).year),
            "created_at": now,
            "updated_at": now,
        },
        dtype=object,
    ).to_dict("records")


def create_citizens(
    conn: Connection,
    frame: pd.DataFrame,
    id_field: str,
    *,
    name_field: str | None = None,
    phone_field: str | None = None,
) -> int:
    """Insert citizens missing for rows with an ID number, fill `citizen_id`; return how many were new."""
    missing = frame["id_card_hash"].notna() & frame["citizen_id"].isna()
    if not missing.any():
        return 0
    columns = [c for c in (id_field, "id_card_hash", name_field, phone_field) if c]
    new = frame.loc[missing, columns].drop_duplicates("id_card_hash").rename(columns={id_field: "id_card_no"})
    rows = _citizen_rows(new, name_field, phone_field)
    for start in range(0, len(rows), INSERT_BATCH):
        conn.execute(insert(Citizen), rows[start : start + INSERT_BATCH])
    created = ids_by(conn, Citizen.id_card_hash, distinct_values(new["id_card_hash"]))
    frame.loc[missing, "citizen_id"] = map_values(frame.loc[missing, "id_card_hash"], created)
    return len(rows)


def create_enterprises(conn: Connection, frame: pd.DataFrame) -> int:
    """Insert enterprises missing for rows with a USCC, fill `enterprise_id`; return how many were new."""
    missing = frame["uscc"].notna() & frame["enterprise_id"].isna()
    if not missing.any():
        return 0
    new = frame.loc[missing, ["uscc", "applicant_name", "applicant_phone"]].drop_duplicates("uscc")
    now = utcnow()
    rows = pd.DataFrame(
        {
            "uscc": new["uscc"],
            "name": new["applicant_name"].str.slice(0, 100),
            "contact_phone": new["applicant_phone"],
            "created_at": now,
            "updated_at": now,
        },
        dtype=object,
    ).to_dict("records")
    for start in range(0, len(rows), INSERT_BATCH):
        conn.execute(insert(Enterprise), rows[start : start + INSERT_BATCH])
    created = ids_by(conn, Enterprise.uscc, distinct_values(new["uscc"]))
    frame.loc[missing, "enterprise_id"] = map_values(frame.loc[missing, "uscc"], created)
    return len(rows)
