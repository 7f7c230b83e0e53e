"""The department-subtree helper the warning-rule scope check uses."""

from core_app.admin.scope import department_subtree_ids
from tests.api import builders


def test_department_subtree_ids_follows_parent_links(session):
    root = builders.department(session)
    child = builders.department(session, parent_id=root.id)
    grandchild = builders.department(session, parent_id=child.id)
    builders.department(session)
    assert department_subtree_ids(session, root.id) == {root.id, child.id, grandchild.id}
    assert department_subtree_ids(session, child.id) == {child.id, grandchild.id}
    assert department_subtree_ids(session, 999999) == set()
