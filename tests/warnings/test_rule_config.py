"""A zero threshold: overdue at due_at and special steps over their P90 accept it; other rule types do not."""

from fastapi.testclient import TestClient

from core_app.api.app import create_app

API = "/api/v1/admin/warning-rules"


def test_zero_threshold_only_where_it_means_something(engine, auth_headers) -> None:
    client = TestClient(create_app(), headers=auth_headers("system_admin"))
    base = {"name": "r", "unit": "working_minutes", "threshold": 0}
    for rule_type in ("overdue", "special_step_duration"):
        assert client.post(API, json=base | {"rule_type": rule_type}).status_code == 201
    refused = client.post(API, json=base | {"rule_type": "receipt_response"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.threshold"
    assert client.post(API, json=base | {"rule_type": "overdue", "threshold": -1}).status_code == 422
