"""The cord, products on hold, work-order detail, comments, reassignment and teams over HTTP: roles, masking, 409s."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from core.db import transaction
from core.tables import ConversationRow, TurnRow
from tests.api.conftest import auth


def seed(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    with transaction(services.sessions) as s:
        s.add(
            ConversationRow(
                id="call:1",
                channel="call",
                source_uri="t",
                source_sha256="0" * 64,
                started_at=datetime(2026, 11, 20, tzinfo=UTC),
                customer_key="k1",
                product="aquapure-x3",
            )
        )
        s.add(TurnRow(conversation_id="call:1", idx=0, speaker="customer", text="净水器漏水了，电话 13812345678"))


def test_an_agent_pulls_the_cord_and_the_product_goes_on_hold(client: TestClient, keys: dict[str, str]) -> None:
    seed(client)
    agent, analyst = auth(keys["agent"]), auth(keys["analyst"])
    body = {"conversation_id": "call:1", "product": "净水器", "issue": "defect", "problem": "滤芯接口漏水"}
    assert client.post("/v1/andon/pull", json=body, headers=auth(keys["sales_lead"])).status_code == 403
    bad = client.post("/v1/andon/pull", json={**body, "issue": "wobbly"}, headers=agent)
    assert bad.status_code == 422 and "valid issues" in bad.json()["error"]["message"]
    pulled = client.post("/v1/andon/pull", json=body, headers=agent)
    assert pulled.status_code == 200, pulled.text
    alert = pulled.json()["alert"]
    assert pulled.json()["opened"] and alert["product"] == "aquapure-x3" and alert["source"] == "manual"
    assert "13812345678" not in pulled.text
    again = client.post("/v1/andon/pull", json=body, headers=agent).json()
    assert not again["opened"] and again["alert"]["id"] == alert["id"]

    products = {p["id"]: p for p in client.get("/v1/products", headers=agent).json()}
    assert products["aquapure-x3"]["hold"]["alert_id"] == alert["id"] and products["crispair-5"]["hold"] is None

    seen = client.get("/v1/conversations/call:1", headers=analyst).json()
    assert seen["product_hold"]["alert_id"] == alert["id"]  # shown wherever the product appears

    orders = client.get("/v1/work-orders?status=active", headers=analyst).json()
    quality = next(o for o in orders if o["kind"] == "quality")
    assert (quality["team"], quality["priority"], quality["product_on_hold"]) == ("water-quality", "urgent", True)
    assert client.get("/v1/work-orders", headers=agent).status_code == 403
    assert client.get("/v1/work-orders", headers=auth(keys["qa"])).status_code == 200
    note = client.post(
        f"/v1/work-orders/{quality['id']}/comments", json={"text": "supplier called back, 13812345678"}, headers=analyst
    )
    assert note.status_code == 200 and "13812345678" not in note.text
    moved = client.post(f"/v1/work-orders/{quality['id']}/assign", json={"team": "quality-supplier"}, headers=analyst)
    assert moved.json()["team"] == "quality-supplier" and moved.json()["assignee"] == "q-li"
    detail = client.get(f"/v1/work-orders/{quality['id']}", headers=analyst).json()
    assert [e["action"] for e in detail["events"]] == ["created", "comment", "assigned"]
    assert client.get("/v1/work-orders/nope", headers=analyst).status_code == 404
    teams = {t["id"]: t for t in client.get("/v1/teams", headers=analyst).json()}
    assert teams["water-quality"]["name_zh"] == "净水品质组"

    false_alarm = client.post(f"/v1/andon/{alert['id']}/close", json={"resolution": "false_alarm"}, headers=analyst)
    assert false_alarm.status_code == 422 and "needs a note" in false_alarm.json()["error"]["message"]
    closed = client.post(
        f"/v1/andon/{alert['id']}/close",
        json={"resolution": "false_alarm", "note": "installation error, not the filter"},
        headers=analyst,
    )
    assert closed.status_code == 200 and closed.json()["resolution"] == "false_alarm"
    products = {p["id"]: p for p in client.get("/v1/products", headers=agent).json()}
    assert products["aquapure-x3"]["hold"] is None
