"""Importer: validation report, all-or-nothing writes, idempotent upserts, every kind, CLI exit codes."""

import csv
import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import typer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core_app.cases.models import Case, CaseStatus, Channel, QueueTicket, Review, ReviewRound, TicketStatus
from core_app.config import LOCAL_TZ
from core_app.db.registry import metadata
from core_app.events.models import Event, EventCategory, EventSource, EventStatus, ReporterType
from core_app.imports import ImportInputError, ImportWriteError, import_file
from core_app.imports.cli import import_command
from core_app.matters.models import Matter, MatterType
from core_app.org.calendar import seed_calendar_years
from core_app.org.models import (
    Department,
    DepartmentKind,
    Hall,
    HallKind,
    Region,
    RegionLevel,
    Staff,
    Window,
    WindowKind,
)
from core_app.people.models import Citizen, Enterprise, Gender
from core_app.validation.identifiers import pii_hash

DATA = Path(__file__).parent / "data" / "import"
CASES_IN_VALID_FILE = 4


@pytest.fixture
def refs(session: Session) -> dict[str, int]:
    """The reference rows the fixture files point to."""
    town = Region(code="330201001", name="城东街道", level=RegionLevel.TOWN)
    session.add(town)
    session.flush()
    community = Region(code="330201001001", name="幸福社区", level=RegionLevel.VILLAGE, parent_id=town.id)
    department = Department(code="D01", name="市场监管局", kind=DepartmentKind.FUNCTIONAL, region_id=town.id)
    session.add_all([community, department])
    session.flush()
    hall = Hall(
        code="H01",
        name="区行政服务中心",
        region_id=town.id,
        level=RegionLevel.COUNTY,
        kind=HallKind.SERVICE_CENTER,
    )
    matter = Matter(
        code="M001",
        name="食品经营许可",
        matter_type=MatterType.ADMIN_LICENSING,
        department_id=department.id,
        legal_limit_days=20,
        promised_limit_days=5,
    )
    staff = Staff(staff_no="S001", name="陈一", department_id=department.id)
    category = EventCategory(code="C01", name="市容环境")
    session.add_all([hall, matter, staff, category])
    session.flush()
    window = Window(
        hall_id=hall.id, window_no="A01", kind=WindowKind.COMPREHENSIVE, department_id=department.id
    )
    session.add(window)
    session.commit()
    return {
        "town": town.id,
        "community": community.id,
        "department": department.id,
        "hall": hall.id,
        "matter": matter.id,
        "staff": staff.id,
        "window": window.id,
        "category": category.id,
    }


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# --- cases: the happy path and idempotency ---------------------------------------------------------


def test_valid_cases_import_then_reimport_changes_nothing(
    engine: Engine, session: Session, refs: dict
) -> None:
    first = import_file("cases", DATA / "cases_valid.csv", engine=engine)
    assert (first.rows_read, first.valid, first.rejected, first.inserted) == (4, 4, 0, CASES_IN_VALID_FILE)
    assert first.created == {"citizens": 2, "enterprises": 1}
    assert first.ignored_columns == ["remark"]
    counts = table_counts(engine)

    second = import_file("cases", DATA / "cases_valid.csv", engine=engine)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, CASES_IN_VALID_FILE)
    assert second.quality.duplicates_in_database == CASES_IN_VALID_FILE
    assert table_counts(engine) == counts

    c001 = session.scalars(select(Case).where(Case.case_no == "C001")).one()
    assert (c001.matter_id, c001.department_id, c001.hall_id, c001.window_id) == (
        refs["matter"],
        refs["department"],
        refs["hall"],
        refs["window"],
    )
    assert (c001.handler_staff_id, c001.intake_region_id) == (refs["staff"], refs["town"])
    assert c001.status is CaseStatus.COMPLETED
    assert c001.accepted_at == datetime(2026, 3, 2, 9, 30, tzinfo=LOCAL_TZ)
    c002 = session.scalars(select(Case).where(Case.case_no == "C002")).one()
    assert c002.accepted_at == datetime(2026, 3, 2, 10, 30, tzinfo=LOCAL_TZ)
    assert c002.channel is Channel.PC_WEB and c002.status is CaseStatus.ACCEPTED
    c004 = session.scalars(select(Case).where(Case.case_no == "C004")).one()
    assert c004.channel is Channel.WINDOW and c004.citizen_id == c001.citizen_id


def test_import_creates_applicants_with_hash_gender_and_birth_year(
    engine: Engine, session: Session, refs: dict
) -> None:
    import_file("cases", DATA / "cases_valid.csv", engine=engine)
    citizen = session.scalars(select(Citizen).where(Citizen.id_card_no == "11010519491231002X")).one()
    assert citizen.id_card_hash == pii_hash("11010519491231002X", "cloud-butler-dev-key")
    assert (citizen.name, citizen.gender, citizen.birth_year) == ("张三", Gender.FEMALE, 1949)
    enterprise = session.scalars(select(Enterprise)).one()
    assert (enterprise.uscc, enterprise.name) == ("91330201MA2H123453", "宁波某某科技有限公司")
    c003 = session.scalars(select(Case).where(Case.case_no == "C003")).one()
    assert c003.enterprise_id == enterprise.id and c003.citizen_id is None


def test_changed_row_is_updated_and_the_rest_unchanged(
    engine: Engine, session: Session, refs: dict, tmp_path: Path
) -> None:
    import_file("cases", DATA / "cases_valid.csv", engine=engine)
    changed = tmp_path / "cases.csv"
    text = (DATA / "cases_valid.csv").read_text(encoding="utf-8")
    changed.write_text(
        text.replace("2026/3/2 10:30:00,,,", "2026/3/2 10:30:00,2026/3/3 16:00,refused,"), encoding="utf-8"
    )
    report = import_file("cases", changed, engine=engine)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 3)
    c002 = session.scalars(select(Case).where(Case.case_no == "C002")).one()
    assert c002.status is CaseStatus.COMPLETED
    assert c002.completed_at == datetime(2026, 3, 3, 16, 0, tzinfo=LOCAL_TZ)


# --- strict mode: bad files change nothing -----------------------------------------------------------


def test_wrong_id_check_digit_rejects_the_whole_file(engine: Engine, refs: dict) -> None:
    before = table_counts(engine)
    report = import_file("cases", DATA / "cases_bad_id.csv", engine=engine)
    assert not report.written and report.inserted == 0
    assert table_counts(engine) == before
    assert [(r.row, r.field, r.value) for r in report.rejects] == [
        (3, "applicant_id_card", "330203199001014420")
    ]
    assert "check digit is 0, expected 9" in report.rejects[0].reason
    assert (report.valid, report.rejected, report.quality.valid_share) == (3, 1, 0.75)
    with report.report_path.open(encoding="utf-8-sig") as handle:
        written = list(csv.DictReader(handle))
    assert written[0]["row"] == "3" and written[0]["field"] == "applicant_id_card"
    assert "check digit" in written[0]["reason"]


def test_missing_column_is_named_and_nothing_is_imported(engine: Engine, refs: dict) -> None:
    before = table_counts(engine)
    with pytest.raises(ImportInputError, match="missing required column.*matter_code"):
        import_file("cases", DATA / "cases_missing_column.csv", engine=engine)
    assert table_counts(engine) == before


def test_bad_date_is_reported_with_row_field_and_reason(engine: Engine, refs: dict) -> None:
    before = table_counts(engine)
    report = import_file("cases", DATA / "cases_bad_date.csv", engine=engine)
    assert [(r.row, r.field, r.value) for r in report.rejects] == [(3, "accepted_at", "2026-13-45 10:30")]
    assert "impossible date" in report.rejects[0].reason
    assert table_counts(engine) == before


CASE_HEADER = [
    "case_no",
    "matter_code",
    "channel",
    "applicant_id_card",
    "applicant_phone",
    "submitted_at",
    "accepted_at",
    "hall_code",
]
ID = "11010519491231002X"


def test_every_problem_of_every_row_is_collected(engine: Engine, refs: dict, tmp_path: Path) -> None:
    rows = [
        ["X1", "M001", "fax", ID, "12345678", "2026-03-01 09:00", "", ""],  # two bad fields
        [
            "X2",
            "M001",
            "window",
            ID,
            "",
            "2026-03-02 09:00",
            "2026-03-01 09:00",
            "",
        ],  # accepted before submitted
        ["X3", "M001", "window", ID, "", "2026-03-02 09:00", "", ""],
        ["X3", "M001", "window", ID, "", "2026-03-02 10:00", "", ""],  # same key twice
        ["X4", "NOPE", "window", ID, "", "2026-03-02 09:00", "", "H99"],  # two unknown references
    ]
    report = import_file("cases", write_csv(tmp_path / "bad.csv", CASE_HEADER, rows), engine=engine)
    assert {(r.row, r.field) for r in report.rejects} == {
        (2, "channel"),
        (2, "applicant_phone"),
        (3, "accepted_at"),
        (4, "case_no"),
        (5, "case_no"),
        (6, "matter_code"),
        (6, "hall_code"),
    }
    assert report.rejected == 5 and report.quality.duplicates_in_file == 2
    reasons = {(r.row, r.field): r.reason for r in report.rejects}
    assert reasons[(3, "accepted_at")] == "accepted_at is before submitted_at (2026-03-02 09:00)"
    assert reasons[(4, "case_no")] == "duplicate case_no in the file (rows 4, 5)"
    assert (reasons[(6, "matter_code")], reasons[(6, "hall_code")]) == (
        "unknown matter code",
        "unknown hall code",
    )


def test_partial_imports_only_the_valid_rows(engine: Engine, session: Session, refs: dict) -> None:
    report = import_file("cases", DATA / "cases_bad_id.csv", engine=engine, partial=True)
    assert report.written and (report.inserted, report.rejected) == (3, 1)
    assert set(session.scalars(select(Case.case_no))) == {"C001", "C003", "C004"}
    # The rejected row's applicant is not created either.
    assert session.scalar(select(func.count()).select_from(Citizen)) == 1


def test_database_error_rolls_back_everything(
    engine: Engine, session: Session, refs: dict, tmp_path: Path
) -> None:
    import_file("events", DATA / "events.csv", engine=engine)
    before = table_counts(engine)
    taken = session.scalars(select(Event.event_no).where(Event.external_id == "H-0001")).one()
    path = write_csv(
        tmp_path / "clash.csv",
        ["source", "external_id", "event_no", "description", "reported_at"],
        [
            ["grid", "NEW-1", "EV-UNIQUE-1", "新事件", "2026-03-04 10:00"],
            ["grid", "NEW-2", taken, "编号冲突", "2026-03-04 11:00"],
        ],
    )
    with pytest.raises(ImportWriteError, match="nothing was written"):
        import_file("events", path, engine=engine)
    assert table_counts(engine) == before


# --- column mapping ---------------------------------------------------------------------------------


def test_chinese_headers_and_labels(engine: Engine, session: Session, refs: dict) -> None:
    report = import_file("cases", DATA / "cases_zh.csv", engine=engine)
    assert (report.inserted, report.rejected, report.ignored_columns) == (2, 0, ["备注"])
    zh1, zh2 = session.scalars(select(Case).order_by(Case.case_no)).all()
    assert (zh1.channel, zh1.status, zh1.result.value) == (Channel.WINDOW, CaseStatus.COMPLETED, "granted")
    assert (zh2.channel, zh2.status, zh2.window_id) == (
        Channel.MOBILE_APP,
        CaseStatus.ACCEPTED,
        refs["window"],
    )
    assert report.quality.completeness["completed_at"] == 0.5


def test_user_mapping_from_options_and_json(
    engine: Engine, session: Session, refs: dict, tmp_path: Path
) -> None:
    mapping = {
        "流水": "case_no",
        "事项": "matter_code",
        "证件": "applicant_id_card",
        "途径": "channel",
        "申报日期": "submitted_at",
        "经办": "handler_staff_no",
    }
    report = import_file("cases", DATA / "cases_mapped.csv", engine=engine, mapping=mapping)
    assert (report.inserted, report.rejected) == (2, 0)
    mp1 = session.scalars(select(Case).where(Case.case_no == "MP001")).one()
    assert (mp1.channel, mp1.handler_staff_id) == (Channel.SELF_SERVICE, refs["staff"])
    with pytest.raises(ImportInputError, match="missing required column"):
        import_file("cases", DATA / "cases_mapped.csv", engine=engine)
    with pytest.raises(ImportInputError, match="not fields of this kind"):
        import_file("cases", DATA / "cases_mapped.csv", engine=engine, mapping={"流水": "serial"})


def test_xlsx_with_excel_datetimes(engine: Engine, session: Session, refs: dict, tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    pd.DataFrame(
        {
            "办件流水号": ["X001", "X002"],
            "事项编码": ["M001", "M001"],
            "申请人证件号码": ["11010519491231002X", "330203199001014429"],
            "办件渠道": ["窗口", "pc_web"],
            "申请时间": [datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 10, 15, 30)],
            "受理时间": [datetime(2026, 3, 2, 9, 30), None],
        }
    ).to_excel(path, index=False)
    report = import_file("cases", path, engine=engine)
    assert (report.inserted, report.rejected) == (2, 0)
    x2 = session.scalars(select(Case).where(Case.case_no == "X002")).one()
    assert x2.submitted_at == datetime(2026, 3, 2, 10, 15, 30, tzinfo=LOCAL_TZ)
    assert x2.status is CaseStatus.SUBMITTED
    assert import_file("cases", path, engine=engine).unchanged == 2


# --- the other kinds --------------------------------------------------------------------------------


def test_matters_import(engine: Engine, session: Session, refs: dict) -> None:
    report = import_file("matters", DATA / "matters.csv", engine=engine)
    assert (report.inserted, report.rejected) == (2, 0)
    m100 = session.scalars(select(Matter).where(Matter.code == "M100")).one()
    assert (m100.matter_type, m100.legal_limit_days, m100.promised_limit_days) == (
        MatterType.ADMIN_LICENSING,
        15,
        3,
    )
    assert (m100.is_immediate, m100.online_capable, m100.department_id) == (False, True, refs["department"])
    assert import_file("matters", DATA / "matters.csv", engine=engine).unchanged == 2


def test_events_import_resolves_regions_by_name_or_code(engine: Engine, session: Session, refs: dict) -> None:
    report = import_file("events", DATA / "events.csv", engine=engine)
    assert (report.inserted, report.rejected) == (3, 0)
    events = {e.external_id: e for e in session.scalars(select(Event))}
    h1 = events["H-0001"]
    assert (h1.source, h1.street_id, h1.region_id) == (
        EventSource.HOTLINE_12345,
        refs["town"],
        refs["community"],
    )
    assert (h1.category_id, h1.department_id, h1.status) == (
        refs["category"],
        refs["department"],
        EventStatus.PENDING_DISPATCH,
    )
    assert h1.title == "楼道堆放杂物影响通行" and h1.reporter_type is ReporterType.CITIZEN
    assert events["G-0001"].source is EventSource.GRID and events["G-0001"].street_id == refs["town"]
    assert events["G-0001"].reporter_type is ReporterType.ANONYMOUS
    assert events["H-0002"].status is EventStatus.CLOSED
    again = import_file("events", DATA / "events.csv", engine=engine)
    assert (again.inserted, again.unchanged) == (0, 3)


def test_reviews_take_matter_department_and_staff_from_the_case(
    engine: Engine, session: Session, refs: dict
) -> None:
    import_file("cases", DATA / "cases_valid.csv", engine=engine)
    report = import_file("reviews", DATA / "reviews.csv", engine=engine)
    assert (report.inserted, report.rejected) == (3, 0)
    second = session.scalars(select(Review).where(Review.round == ReviewRound.SECOND)).one()
    assert (second.level, second.is_good, second.staff_id) == (4, True, refs["staff"])
    assert (second.matter_id, second.department_id, second.channel) == (
        refs["matter"],
        refs["department"],
        Channel.WINDOW,
    )
    bad = session.scalars(select(Review).where(Review.level == 2)).one()
    assert bad.is_good is False and bad.round is ReviewRound.FIRST and bad.channel is Channel.PC_WEB
    assert import_file("reviews", DATA / "reviews.csv", engine=engine).unchanged == 3


def test_tickets_import_keys_on_hall_day_and_number(engine: Engine, session: Session, refs: dict) -> None:
    report = import_file("tickets", DATA / "tickets.csv", engine=engine)
    assert (report.inserted, report.rejected, report.created) == (3, 0, {"citizens": 2})
    served = session.scalars(select(QueueTicket).where(QueueTicket.service_ended_at.is_not(None))).one()
    assert (served.status, served.window_id, served.staff_id) == (
        TicketStatus.SERVED,
        refs["window"],
        refs["staff"],
    )
    waiting = session.scalars(select(QueueTicket).where(QueueTicket.ticket_no == "A002")).one()
    assert (waiting.status, waiting.queue_group, waiting.citizen_id) == (
        TicketStatus.WAITING,
        "general",
        None,
    )
    assert import_file("tickets", DATA / "tickets.csv", engine=engine).unchanged == 3


def test_unknown_kind_and_unreadable_file_are_input_errors(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ImportInputError, match="unknown import kind"):
        import_file("invoices", DATA / "cases_valid.csv", engine=engine)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(ImportInputError, match="cannot read broken.xlsx"):
        import_file("cases", broken, engine=engine)
    with pytest.raises(ImportInputError, match="file not found"):
        import_file("cases", tmp_path / "absent.csv", engine=engine)


# --- CLI --------------------------------------------------------------------------------------------


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command(name="import")(import_command)
    app.command(name="noop")(lambda: None)  # two commands, so "import" stays a sub-command
    return app


def test_cli_exit_codes(engine: Engine, refs: dict, cli: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["import", "cases", str(DATA / "cases_valid.csv")])
    assert ok.exit_code == 0, ok.output
    assert "inserted" in ok.output

    rejected = runner.invoke(cli, ["import", "cases", str(DATA / "cases_bad_id.csv")])
    assert rejected.exit_code == 1
    assert "check digit" in rejected.output and "nothing imported" in rejected.output

    missing = runner.invoke(cli, ["import", "cases", str(DATA / "cases_missing_column.csv")])
    assert missing.exit_code == 2 and "matter_code" in missing.output
    assert "Traceback" not in missing.output

    unreadable = runner.invoke(cli, ["import", "cases", str(tmp_path / "absent.csv")])
    assert unreadable.exit_code == 2 and "file not found" in unreadable.output

    assert runner.invoke(cli, ["import", "invoices", str(DATA / "cases_valid.csv")]).exit_code == 2

    partial = runner.invoke(cli, ["import", "cases", str(DATA / "cases_bad_id.csv"), "--partial"])
    assert partial.exit_code == 0, partial.output


def test_cli_map_and_mapping_file(
    engine: Engine, session: Session, refs: dict, cli: typer.Typer, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"流水": "case_no", "事项": "matter_code", "证件": "applicant_id_card"}), encoding="utf-8"
    )
    args = [
        "import",
        "cases",
        str(DATA / "cases_mapped.csv"),
        "--mapping",
        str(mapping),
        "--map",
        "途径=channel",
        "--map",
        "申报日期=submitted_at",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Case)) == 2
    bad_option = CliRunner().invoke(cli, ["import", "cases", str(DATA / "cases_mapped.csv"), "--map", "流水"])
    assert bad_option.exit_code == 2 and "SOURCE=FIELD" in bad_option.output


def test_missing_deadlines_come_from_the_matter_limits_and_the_work_calendar(
    engine: Engine, session: Session, refs: dict[str, int]
) -> None:
    seed_calendar_years(session, [2026])
    session.commit()
    import_file("cases", DATA / "cases_valid.csv", engine=engine)
    deadlines = {
        case_no: (due, legal)
        for case_no, due, legal in session.execute(select(Case.case_no, Case.due_at, Case.legal_due_at))
    }
    # Accepted Monday 2026-03-02: 5 promised working days -> Monday 9th; 20 legal -> Monday 30th, 17:30.
    assert deadlines["C001"] == (
        datetime(2026, 3, 9, 17, 30, tzinfo=LOCAL_TZ),
        datetime(2026, 3, 30, 17, 30, tzinfo=LOCAL_TZ),
    )
    assert deadlines["C004"] == (None, None)  # never accepted: no clock running
