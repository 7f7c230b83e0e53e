"""Data scope of portraits and lifecycles: who may see which subject, and which of its records.

Citizens and enterprises are reached as people reading reaches them (``access.scopes.CITIZENS`` /
``ENTERPRISES``: a department or hall sees its own applicants, a town those living there). Staff are
reached by their department, the hall they are posted at (人事岗) and the region of either; windows as
the window analysis reaches them (department, hall, the hall's region).
"""

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from core_app.access import scopes
from core_app.access.models import ScopeKind
from core_app.access.principal import Principal
from core_app.access.scope import ScopeRule, department_subtree, in_department, region_subtree, through
from core_app.analytics.windows import WINDOWS
from core_app.cases.models import Consultation, Rectification, Review
from core_app.matters.models import Matter
from core_app.org.models import Department, Hall, Staff, StaffPost, Window
from core_app.people.models import Citizen, Enterprise
from core_app.portraits.models import Portrait, SubjectType

PERMISSION = "portraits:read"


def _posted(at_halls: ColumnElement[bool]):
    """SELECT the staff posted (人事岗) at a window of the halls meeting the condition."""
    return select(StaffPost.staff_id).join(Window, Window.id == StaffPost.window_id).where(at_halls)


def _halls_in_region(region_id: int | None):
    return select(Hall.id).where(Hall.region_id.in_(region_subtree(region_id)))


STAFF = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Staff.department_id),
        ScopeKind.HALL: through(Staff.id, lambda g, _p: _posted(Window.hall_id == g.scope_id)),
        ScopeKind.REGION: lambda g, _p: or_(
            Staff.department_id.in_(
                select(Department.id).where(Department.region_id.in_(region_subtree(g.scope_id)))
            ),
            Staff.id.in_(_posted(Window.hall_id.in_(_halls_in_region(g.scope_id)))),
        ),
    }
)

# A consultation is its matter's department's, and the asker's region's.
CONSULTATIONS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: through(
            Consultation.matter_id,
            lambda g, _p: select(Matter.id).where(Matter.department_id.in_(department_subtree(g.scope_id))),
        ),
        ScopeKind.REGION: lambda g, _p: or_(
            Consultation.citizen_id.in_(
                select(Citizen.id).where(Citizen.region_id.in_(region_subtree(g.scope_id)))
            ),
            Consultation.enterprise_id.in_(
                select(Enterprise.id).where(Enterprise.region_id.in_(region_subtree(g.scope_id)))
            ),
        ),
    }
)

# A rectification is seen with the review it answers, and by the department doing it.
RECTIFICATIONS = ScopeRule(
    {
        ScopeKind.DEPARTMENT: in_department(Rectification.department_id),
        ScopeKind.REGION: through(Rectification.review_id, lambda g, p: _reviews(g, p)),
        ScopeKind.HALL: through(Rectification.review_id, lambda g, p: _reviews(g, p)),
        ScopeKind.SELF: through(Rectification.review_id, lambda g, p: _reviews(g, p)),
    }
)


def _reviews(grant, principal):
    return select(Review.id).where(scopes.REVIEWS.clauses[grant.scope](grant, principal))


SUBJECTS: dict[SubjectType, tuple[ScopeRule, InstrumentedAttribute]] = {
    SubjectType.CITIZEN: (scopes.CITIZENS, Citizen.id),
    SubjectType.ENTERPRISE: (scopes.ENTERPRISES, Enterprise.id),
    SubjectType.STAFF: (STAFF, Staff.id),
    SubjectType.WINDOW: (WINDOWS, Window.id),
}


def sees_everything(principal: Principal | None) -> bool:
    """No principal (the command line), or a grant of the permission over everything."""
    if principal is None:
        return True
    return any(g.scope == ScopeKind.ALL for g in principal.grants_for(PERMISSION))


def within(rule: ScopeRule, principal: Principal | None) -> ColumnElement[bool]:
    """The rule's condition for the principal's portraits:read grants (everything without a principal)."""
    return true() if sees_everything(principal) else rule.condition(principal, PERMISSION)


def visible_subjects(kind: SubjectType, principal: Principal | None) -> ColumnElement[bool]:
    """A condition on ``Portrait.subject_id``: the subjects of KIND the principal may see."""
    if sees_everything(principal):
        return true()
    rule, key = SUBJECTS[kind]
    return Portrait.subject_id.in_(select(key).where(rule.condition(principal, PERMISSION)))
