"""API documentation works offline: local Swagger UI assets and a valid OpenAPI document."""

import re

from fastapi.openapi.models import OpenAPI
from fastapi.testclient import TestClient

from core_app.api.app import create_app


def _client() -> TestClient:
    return TestClient(create_app())


def test_docs_page_uses_only_local_assets() -> None:
    client = _client()

    html = client.get("/docs")
    assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)

    assert html.status_code == 200
    assert "cdn" not in html.text.lower()
    assert not re.search(r"https?://", html.text)
    assert len(assets) == 3 and all(url.startswith("/static/docs/") for url in assets)
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000


def test_swagger_bundle_is_version_5_for_openapi_3_1() -> None:
    bundle = _client().get("/static/docs/swagger-ui-bundle.js").text

    assert "SwaggerUIBundle" in bundle
    assert re.search(r'"5\.\d+\.\d+"', bundle)


def test_openapi_document_is_valid_and_self_contained() -> None:
    document = _client().get("/openapi.json").json()

    OpenAPI.model_validate(document)  # raises on a structurally invalid document
    assert document["info"]["title"] == "Cloud Butler API"
    schemas = document["components"]["schemas"]
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', str(document).replace("'", '"')))
    assert refs <= set(schemas)
    operation_ids = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"/health", "/api/v1/cases", "/api/v1/cases/{id}", "/api/v1/calendar-days/{day}"} <= set(
        document["paths"]
    )
    assert "id_card_hash" not in str(schemas)


def test_list_parameters_and_problem_responses_are_documented() -> None:
    operation = _client().get("/openapi.json").json()["paths"]["/api/v1/events"]["get"]

    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"page", "page_size", "sort", "q", "status", "reported_at_from", "reported_at_to"} <= names
    assert list(operation["responses"]["422"]["content"]) == ["application/problem+json"]
