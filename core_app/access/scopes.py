"""The data-scope rule of each scoped resource: which column answers department, region, hall, self."""

from sqlalchemy import select

from core_app.access.models import ScopeKind
from core_app.access.scope import (
    ScopeRule,
    department_subtree,
    equals_scope_id,
    in_department,
    in_region,
    own_records,
    region_subtree,
    through,
)
from core_app.cases.models import Case, QueueTicket, Review
from core_app.events.models import Event
from core_app.org.models import Hall, Window
from core_app.people.models import Citizen, Enterprise

CASES = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Case.department_id),
        ScopeKind.REGION: in_region(Case.intake_region_id),
        ScopeKind.HALL: equals_scope_id(Case.hall_id),
        ScopeKind.SELF: own_records(citizen=Case.citizen_id, enterprise=Case.enterprise_id),
    }
)


def _case_ids(grant, principal):
    return select(Case.id).where(CASES.clauses[grant.scope](grant, principal))


REVIEWS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Review.department_id),
        ScopeKind.REGION: through(Review.case_id, _case_ids),
        ScopeKind.HALL: through(Review.case_id, _case_ids),
        ScopeKind.SELF: through(Review.case_id, _case_ids),
    }
)

TICKETS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: through(
            QueueTicket.window_id,
            lambda g, _p: select(Window.id).where(Window.department_id.in_(department_subtree(g.scope_id))),
        ),
        ScopeKind.REGION: through(
            QueueTicket.hall_id,
            lambda g, _p: select(Hall.id).where(Hall.region_id.in_(region_subtree(g.scope_id))),
        ),
        ScopeKind.HALL: equals_scope_id(QueueTicket.hall_id),
        ScopeKind.SELF: own_records(citizen=QueueTicket.citizen_id),
    }
)

EVENTS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Event.department_id),
        ScopeKind.REGION: in_region(Event.street_id, Event.region_id),
        ScopeKind.SELF: own_records(citizen=Event.citizen_id, enterprise=Event.enterprise_id),
    }
)


def _applicants(person_id, case_column):
    """People reached through the cases a grant reaches (a department sees its own applicants)."""
    return through(person_id, lambda g, p: select(case_column).where(CASES.clauses[g.scope](g, p)))


CITIZENS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: _applicants(Citizen.id, Case.citizen_id),
        ScopeKind.REGION: in_region(Citizen.region_id),
        ScopeKind.HALL: _applicants(Citizen.id, Case.citizen_id),
        ScopeKind.SELF: own_records(citizen=Citizen.id),
    }
)

ENTERPRISES = ScopeRule(
    {
        ScopeKind.DEPARTMENT: _applicants(Enterprise.id, Case.enterprise_id),
        ScopeKind.REGION: in_region(Enterprise.region_id),
        ScopeKind.HALL: _applicants(Enterprise.id, Case.enterprise_id),
        ScopeKind.SELF: own_records(enterprise=Enterprise.id),
    }
)
