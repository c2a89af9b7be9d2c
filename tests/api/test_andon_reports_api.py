"""Andon, work-order, report and digest routes: roles, actions, pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from core.db import transaction
from core.settings import AndonSettings, Settings
from core.tables import ConversationRow, InsightRow
from insights.andon import alerts
from tests.api.conftest import auth

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def seed(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    with transaction(services.sessions) as s:
        for i, (customer, outcome) in enumerate([("k1", None), ("k2", None), ("k3", "lost")]):
            cid = f"chat:{i}"
            s.add(
                ConversationRow(
                    id=cid,
                    channel="chat",
                    source_uri="t",
                    source_sha256="0" * 64,
                    started_at=NOW - timedelta(days=2 + i),
                    customer_key=customer,
                    team="sales-north",
                    agent_id="S-1",
                    outcome=outcome,
                )
            )
            label, kind = ("kettle/defect", "product_issue") if outcome is None else ("price", "loss_reason")
            s.add(
                InsightRow(
                    conversation_id=cid,
                    kind=kind,
                    label=label,
                    confidence=0.9,
                    evidence_turn=0,
                    evidence_quote="the lid will not close, mail me at li.wei@example.com",
                    model_name="t",
                    model_version="1",
                )
            )
        alerts.check(s, AndonSettings(), now=NOW)


def test_andon_and_work_orders(client: TestClient, keys: dict[str, str]) -> None:
    seed(client)
    assert client.get("/v1/andon").status_code == 401
    assert client.get("/v1/andon", headers=auth(keys["agent"])).status_code == 403
    assert client.get("/v1/work-orders", headers=auth(keys["sales_lead"])).status_code == 403
    listed = client.get("/v1/andon", headers=auth(keys["analyst"])).json()
    assert [(a["product"], a["issue"], a["customers"]) for a in listed] == [("kettle", "defect", 2)]
    assert "li.wei@example.com" not in str(listed)
    alert_id = listed[0]["id"]
    orders = client.get("/v1/work-orders?status=open", headers=auth(keys["analyst"])).json()
    assert {o["kind"] for o in orders} == {"quality", "process"}

    ack = client.post(f"/v1/andon/{alert_id}/acknowledge", headers=auth(keys["analyst"]))
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    analyst = auth(keys["analyst"])
    quality = next(o for o in orders if o["kind"] == "quality")
    process = next(o for o in orders if o["kind"] == "process")
    moved = client.post(f"/v1/work-orders/{quality['id']}/status", json={"status": "in_progress"}, headers=analyst)
    assert moved.status_code == 200 and moved.json()["moves"] == ["waiting", "resolved"]
    refused = client.post(f"/v1/work-orders/{quality['id']}/status", json={"status": "verified"}, headers=analyst)
    assert refused.status_code == 409
    assert refused.json()["error"]["detail"] == {"status": "in_progress", "allowed": ["waiting", "resolved"]}
    bad = client.post(f"/v1/work-orders/{quality['id']}/status", json={"status": "maybe"}, headers=analyst)
    assert bad.status_code == 422
    early = client.post(f"/v1/andon/{alert_id}/close", json={"note": "seal changed"}, headers=analyst)
    assert early.status_code == 409 and early.json()["error"]["detail"]["work_order_id"] == process["id"]
    why = {
        "whys": ["seal too thin", "no thickness check at intake"],
        "fix": "intake gauge check, mail li.wei@example.com",
    }
    cause = client.put(f"/v1/work-orders/{process['id']}/root-cause", json=why, headers=analyst)
    assert cause.status_code == 200 and "li.wei@example.com" not in cause.text
    assert [e["action"] for e in cause.json()["events"]] == ["created", "root_cause"]
    closed = client.post(f"/v1/andon/{alert_id}/close", json={"note": "seal changed"}, headers=analyst)
    assert closed.json()["status"] == "closed" and closed.json()["close_note"] == "seal changed"
    assert {w["status"] for w in closed.json()["work_orders"]} == {"resolved"}
    assert client.get("/v1/andon?status=open", headers=auth(keys["analyst"])).json() == []
    missing = client.post("/v1/andon/nope/close", json={}, headers=auth(keys["analyst"]))
    assert missing.status_code == 404 and "nope" in missing.json()["error"]["message"]


def test_trend_report_and_digest(client: TestClient, keys: dict[str, str], app_settings: Settings) -> None:
    from flows.reporting import write_trend_report

    missing = client.get("/v1/reports/trends", headers=auth(keys["analyst"]))
    assert missing.status_code == 404 and "cxloop flows run reports" in missing.json()["error"]["message"]
    seed(client)
    write_trend_report(app_settings, NOW)
    assert client.get("/v1/reports/trends", headers=auth(keys["sales_lead"])).status_code == 403
    report = client.get("/v1/reports/trends", headers=auth(keys["analyst"])).json()
    assert report["andon_alerts"][0]["product"] == "kettle"
    page = client.get("/v1/reports/trends/page", headers=auth(keys["analyst"]))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<svg" in page.text and "li.wei@example.com" not in page.text
    assert client.get("/v1/reports/trends?day=2020-01-01", headers=auth(keys["analyst"])).status_code == 404
    assert client.get("/v1/reports/trends?day=../../etc", headers=auth(keys["analyst"])).status_code == 422

    digest = client.get("/v1/digests/loss-reasons?end=2026-11-21&days=7", headers=auth(keys["sales_lead"]))
    assert digest.status_code == 200, digest.text
    assert digest.json()["overall"]["lost"] == 1
    assert client.get("/v1/digests/loss-reasons", headers=auth(keys["agent"])).status_code == 403
    future = client.get("/v1/digests/loss-reasons?end=2099-01-01", headers=auth(keys["sales_lead"]))
    assert future.status_code == 422 and "future" in future.json()["error"]["message"]
    html = client.get("/v1/digests/loss-reasons/page?end=2026-11-21", headers=auth(keys["sales_lead"]))
    assert html.status_code == 200 and "price" in html.text and "li.wei@example.com" not in html.text
