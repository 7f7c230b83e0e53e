"""The migrations and the models describe the same schema, and the schema enforces its rules."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from core_app.cases.models import Case
from core_app.config import LOCAL_TZ
from core_app.db.migrate import heads
from core_app.db.registry import metadata
from core_app.matters.models import Matter
from core_app.org.models import Department, Region
from core_app.people.models import Enterprise


def test_migrations_have_one_head() -> None:
    assert len(heads()) == 1


def test_migrated_database_matches_the_models(engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


@pytest.fixture
def department(session) -> Department:
    region = Region(code="330201", name="云溪区", level="county")
    session.add(region)
    session.flush()
    dept = Department(code="D01", name="市场监督管理局", region_id=region.id, kind="functional")
    session.add(dept)
    session.flush()
    return dept


def test_timestamps_come_back_in_local_time_on_every_backend(session, department) -> None:
    matter = Matter(
        code="M1", name="食品经营许可（新办）", matter_type="admin_licensing", department_id=department.id
    )
    session.add(matter)
    session.flush()
    submitted = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    enterprise = Enterprise(uscc="91350100M000100Y43", name="海州示例有限公司")
    session.add(enterprise)
    session.flush()
    session.add(
        Case(
            case_no="C1",
            matter_id=matter.id,
            department_id=department.id,
            channel="window",
            applicant_type="enterprise",
            enterprise_id=enterprise.id,
            status="submitted",
            submitted_at=submitted,
        )
    )
    session.commit()
    session.expire_all()
    stored = session.scalar(select(Case.submitted_at).where(Case.case_no == "C1"))
    assert stored == submitted
    assert stored.utcoffset() == LOCAL_TZ.utcoffset(stored.replace(tzinfo=None))
    assert stored.hour == 9


def test_a_case_needs_its_applicant(session, department) -> None:
    matter = Matter(
        code="M2", name="个体工商户设立登记", matter_type="admin_licensing", department_id=department.id
    )
    session.add(matter)
    session.flush()
    session.add(
        Case(
            case_no="C2",
            matter_id=matter.id,
            department_id=department.id,
            channel="window",
            applicant_type="citizen",
            status="submitted",
            submitted_at=datetime.now(UTC),
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_unknown_enum_values_are_refused(session) -> None:
    session.add(Region(code="X", name="x", level="planet"))
    with pytest.raises((StatementError, LookupError)):
        session.flush()
