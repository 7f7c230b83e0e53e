"""Personal data is masked in every response (DOMAIN.md §9 item 6); ID hashes never leave."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core_app.people.schemas import CitizenRead
from core_app.privacy.masking import (
    mask_address,
    mask_free_text,
    mask_id_card,
    mask_name,
    mask_phone,
    unmasked_pii,
)
from tests.api import builders


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳修", "欧阳*"),
        ("欧阳", "欧*"),
        ("王", "*"),
    ],
)
def test_names_keep_the_surname(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_id_card_and_phone_keep_their_ends() -> None:
    assert mask_id_card("33020319900101123X") == "3302**********123X"
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("浙江省宁波市鄞州区钟公庙街道天童南路588号", "浙江省宁波市鄞州区钟公庙街道****"),
        # The 镇 inside the district name 镇海区 is not taken for the town.
        ("宁波市镇海区九龙湖镇横溪村12号", "宁波市镇海区九龙湖镇****"),
        ("盐田区沙头角街道海山市场3号", "盐田区沙头角街道****"),
        ("深圳市盐田区海山路1号", "深圳市盐田区****"),
        ("海边小屋", "****"),
    ],
)
def test_address_is_cut_after_the_town(address: str, masked: str) -> None:
    assert mask_address(address) == masked


def test_free_text_masks_id_and_phone_numbers_only() -> None:
    text = "电话13812345678，身份证33020319900101123X，工单号2025030100001，12345热线"

    assert mask_free_text(text) == "电话138****5678，身份证3302**********123X，工单号2025030100001，12345热线"


def test_citizen_response_is_masked_and_has_no_hash(client: TestClient, session: Session) -> None:
    person = builders.citizen(session, name="欧阳娜娜", phone="13812345678")
    session.commit()

    listed = client.get("/api/v1/citizens").json()["items"][0]
    detail = client.get(f"/api/v1/citizens/{person.id}")

    assert listed == detail.json()
    assert listed["name"] == "欧阳**"
    assert listed["phone"] == "138****5678"
    assert listed["id_card_no"] == person.id_card_no[:4] + "*" * 10 + person.id_card_no[-4:]
    assert listed["address"] == "浙江省宁波市鄞州区钟公庙街道****"
    assert "id_card_hash" not in listed
    assert person.id_card_hash not in detail.text
    assert person.id_card_no not in detail.text


def test_event_response_masks_reporter_and_description(client: TestClient, session: Session) -> None:
    report = builders.event(session)
    session.commit()

    response = client.get(f"/api/v1/events/{report.id}")
    body = response.json()

    assert body["reporter_name"] == "李*"
    assert body["reporter_phone"] == "136****5678"
    masked_id = builders.REPORTER_ID_CARD[:4] + "*" * 10 + builders.REPORTER_ID_CARD[-4:]
    assert body["reporter_id_card"] == masked_id
    assert body["description"] == f"小区门口路灯坏了，联系电话136****5678，身份证{masked_id}"
    assert body["address"] == "广东省深圳市盐田区沙头角街道****"
    assert "13612345678" not in response.text
    assert builders.REPORTER_ID_CARD not in response.text


def test_enterprise_keeps_uscc_and_masks_legal_representative(client: TestClient, session: Session) -> None:
    company = builders.enterprise(session)
    session.commit()

    body = client.get(f"/api/v1/enterprises/{company.id}").json()

    assert body["uscc"] == company.uscc
    assert body["legal_rep_name"] == "欧阳**"
    assert body["contact_phone"] == "137****2222"
    assert body["legal_rep_id_card"].count("*") == 10


def test_staff_personal_fields_are_masked(client: TestClient, session: Session) -> None:
    clerk = builders.staff(session, name="王小明", phone="13900001111")
    session.commit()

    body = client.get(f"/api/v1/staff/{clerk.id}").json()

    assert (body["name"], body["phone"]) == ("王**", "139****1111")
    assert "id_card_hash" not in body


def test_masking_switch_reveals_data_only_inside_the_block(session: Session) -> None:
    person = CitizenRead.model_validate(builders.citizen(session, name="张三"))

    with unmasked_pii():
        clear = person.model_dump(mode="json")
    masked = person.model_dump(mode="json")

    assert clear["name"] == "张三" and clear["phone"] == "13812345678"
    assert masked["name"] == "张*"
