"""Association endpoints over HTTP: filters and order, CSV/XLSX equal to the JSON, graph, bundles, rebuild,
403 and 422."""

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from core_app.api.app import create_app
from core_app.associations.models import MatterAssociation
from core_app.associations.service import rebuild_associations
from core_app.audit.models import AuditLog
from core_app.matters.models import BundleStatus
from tests.associations.district import NOW, build_district

URL = "/api/v1/associations"


@pytest.fixture
def district(session, auth_headers):
    d = build_district(session)
    rebuild_associations(session, now=NOW)
    session.commit()
    app = create_app()
    return {
        "d": d,
        "ids": {name: m.id for name, m in zip(("1", "2", "3", "4"), d.x, strict=True)}
        | {name: m.id for name, m in zip(("11", "12", "13"), d.y, strict=True)},
        "reader": TestClient(app, headers=auth_headers("data_scientist")),
        "manager": TestClient(app, headers=auth_headers("hall_manager")),
        "staff": TestClient(app, headers=auth_headers("window_staff")),
    }


def pairs(body, ids):
    name = {v: k for k, v in ids.items()}
    return [(name[r["antecedent_matter_id"]], name[r["consequent_matter_id"]]) for r in body["items"]]


def test_filters_order_and_pages(district):
    reader, ids = district["reader"], district["ids"]
    everything = reader.get(URL, params={"page_size": 200}).json()
    assert everything["total"] == 18
    # Y's lift 5 * 93 / (5 * 5) = 18.6 beats X's (15.5 at most); ties in id order
    assert pairs(everything, ids)[:6] == [
        ("11", "12"),
        ("11", "13"),
        ("12", "11"),
        ("12", "13"),
        ("13", "11"),
        ("13", "12"),
    ]
    first = everything["items"][0]
    assert (first["antecedent_name"], first["consequent_name"], first["lift"]) == (
        "参保第1步",
        "参保第2步",
        18.6,
    )

    def total(**params):
        response = reader.get(URL, params=params)
        assert response.status_code == 200, response.text
        return response.json()["total"]

    assert total(matter=ids["1"]) == 6  # 1 -> 2, 3, 4 and back
    assert total(antecedent=ids["1"]) == 3
    assert total(antecedent=ids["1"], consequent=ids["2"]) == 1
    assert total(min_lift=12) == 6 + 2  # Y, and 3 <-> 4: 6 * 93 / (6 * 6) = 15.5; the others 11.625
    # confidence 1: Y's 6, X's 2 -> 1, 1 -> 2 (8/8) and the 3 + 3 rules from 3 or 4 to another X matter (6/6)
    assert total(min_confidence=1) == 6 + 2 + 6
    assert total(min_pair_subjects=6) == 12  # X: 8 or 6 applicants; Y: 5
    by_pairs = reader.get(URL, params={"order": "-pair_subjects", "page_size": 2}).json()
    assert pairs(by_pairs, ids) == [("1", "2"), ("2", "1")]  # 8 applicants each
    last_page = reader.get(URL, params={"page": 4, "page_size": 5}).json()
    assert (len(last_page["items"]), last_page["page"]) == (3, 4)


def test_csv_and_xlsx_hold_exactly_the_json_rows(district):
    reader, ids = district["reader"], district["ids"]
    params = {"matter": ids["2"], "order": "-confidence"}
    items = reader.get(URL, params=params | {"page_size": 200}).json()["items"]
    response = reader.get(URL, params=params | {"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(items) == 6
    for row, item in zip(rows, items, strict=True):
        assert row == {key: str(value) for key, value in item.items()}
    book = load_workbook(io.BytesIO(reader.get(URL, params=params | {"format": "xlsx"}).content))
    sheet = list(book["data"].values)
    assert list(sheet[0]) == list(items[0]) and len(sheet) == 1 + len(items)
    assert sheet[1][list(items[0]).index("lift")] == items[0]["lift"]
    assert ("matter", str(ids["2"])) in list(book["filters"].values)


def test_graph_has_named_nodes_communities_and_evidence(district):
    reader, ids = district["reader"], district["ids"]
    graph = reader.get(f"{URL}/graph").json()
    assert {n["name"] for n in graph["nodes"]} == {
        "开办第1步",
        "开办第2步",
        "开办第3步",
        "开办第4步",
        "参保第1步",
        "参保第2步",
        "参保第3步",
    }
    assert {n["department_name"] for n in graph["nodes"]} == {"市场监管局", "人社局"}
    # communities: the mined X bundle, then the official bundles holding graph matters (Y; 1 and 2)
    mined_id = reader.get(f"{URL}/bundles").json()["items"][0]["id"]
    d = district["d"]
    communities = [(c["bundle_id"], c["origin"], c["matters"]) for c in graph["communities"]]
    assert communities == [
        (mined_id, "mined", [ids[k] for k in ("1", "2", "3", "4")]),
        (d.official_y.id, "official", [ids[k] for k in ("11", "12", "13")]),
        (d.official_other.id, "official", [ids["1"], ids["2"], d.noise[0].id]),
    ]
    community = {n["id"]: n["community"] for n in graph["nodes"]}
    assert community[ids["1"]] == community[ids["4"]] == mined_id
    assert community[ids["11"]] == d.official_y.id
    assert len(graph["edges"]) == 6 + 3
    edge = next(e for e in graph["edges"] if {e["source"], e["target"]} == {ids["1"], ids["3"]})
    # source is the smaller id (1): 1 -> 3 confidence 6/8, 3 -> 1 6/6, 1 always first, 16 days
    assert (edge["confidence_forward"], edge["confidence_backward"]) == (0.75, 1.0)
    assert (edge["source_first_share"], edge["median_gap_forward"], edge["pair_subjects"]) == (1.0, 16.0, 6)
    strong = reader.get(f"{URL}/graph", params={"min_lift": 16}).json()
    assert len(strong["nodes"]) == 3 and len(strong["edges"]) == 3  # only Y's 18.6
    bad = reader.get(f"{URL}/graph", params={"min_lift": 1})
    assert bad.status_code == 422 and "min_lift" in bad.text


def test_graph_bundled_only_keeps_the_edges_inside_a_community(district, session):
    d = district["d"]
    d.official_y.status = BundleStatus.RETIRED  # Y's matters are then in no community
    session.commit()
    graph = district["reader"].get(f"{URL}/graph", params={"bundled_only": True}).json()
    assert len(graph["edges"]) == 6 and len(graph["nodes"]) == 4  # X's edges only
    assert [c["origin"] for c in graph["communities"]] == ["mined", "official"]  # X, and 另一件事 (1, 2)
    everything = district["reader"].get(f"{URL}/graph").json()
    assert len(everything["edges"]) == 9 and None in {n["community"] for n in everything["nodes"]}


def test_mined_bundles_with_path_and_csv(district):
    reader, ids = district["reader"], district["ids"]
    body = reader.get(f"{URL}/bundles").json()
    assert body["total"] == 1  # Y is already the official 参保一件事
    (bundle,) = body["items"]
    assert bundle["name"] == "「开办第1步」等4项（挖掘候选）" and bundle["status"] == "candidate"
    assert [i["name"] for i in bundle["items"]] == ["开办第1步", "开办第2步", "开办第3步", "开办第4步"]
    assert (
        bundle["path"] == [ids[k] for k in ("1", "2", "3", "4")]
        and bundle["lead_department_name"] == "市场监管局"
    )
    assert bundle["evidence"]["path_subjects"] == 6 and bundle["score"] > 0
    assert reader.get(f"{URL}/bundles", params={"status": "approved"}).json()["total"] == 0
    lines = reader.get(f"{URL}/bundles", params={"format": "csv"}).content.decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(lines))
    assert row["matter_names"] == "开办第1步 → 开办第2步 → 开办第3步 → 开办第4步"
    assert (row["id"], row["subjects"], row["path_subjects"]) == (str(bundle["id"]), "8", "6")
    # the admin bundle read shows the evidence and score too
    admin = district["manager"].get(f"/api/v1/bundles/{bundle['id']}").json()
    assert admin["score"] == bundle["score"] and admin["evidence"]["path"] == bundle["path"]


def test_rebuild_validates_and_audits(district, session):
    manager = district["manager"]
    for body, field in (({"window_days": 6}, "body.window_days"), ({"min_lift": 1}, "body.min_lift")):
        response = manager.post(f"{URL}:rebuild", json=body)
        assert response.status_code == 422 and field in response.text, response.text
    response = manager.post(f"{URL}:rebuild", json={"window_days": 30, "min_lift": 2.5})
    assert response.status_code == 200, response.text
    report = response.json()
    # now = the present: the noise case after NOW counts too (94 applicants); every pair is within 30 days
    summary = (report["subjects"], report["rules"], report["candidates"], report["window_days"])
    assert summary == (94, 18, 1, 30)
    assert set(report["seconds"]) == {"read", "rules", "graph", "bundles", "write"}
    session.expire_all()
    assert set(session.scalars(select(MatterAssociation.window_days))) == {30}
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "rebuild")).one()
    assert audit.entity == "matter_associations" and audit.after["rules"] == 18


def test_permissions(district):
    assert district["staff"].get(URL).status_code == 403  # window staff lack portraits:read
    assert district["staff"].get(f"{URL}/bundles").status_code == 403
    assert district["reader"].post(f"{URL}:rebuild", json={}).status_code == 403  # no matters:write
    bad = district["reader"].get(URL, params={"min_confidence": 2})
    assert bad.status_code == 422 and "min_confidence" in bad.text
    assert district["reader"].get(URL, params={"order": "lift"}).status_code == 422
