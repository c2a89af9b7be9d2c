"""Ingest and conversation routes: JSON rows, 422 with the failing row, limits, roles, call upload jobs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth

ROWS = [
    {
        "conversation_id": "API-1",
        "speaker": "customer",
        "text": "滤芯座漏水了，电话13812345678",
        "turn_index": 0,
        "customer_phone": "13812345678",
        "product": "aquapure-x3",
        "started_at": "2026-11-18T10:00:00+08:00",
    },
    {
        "conversation_id": "API-1",
        "speaker": "agent",
        "text": "马上安排上门。",
        "turn_index": 1,
        "customer_phone": "13812345678",
        "product": "aquapure-x3",
        "started_at": "2026-11-18T10:00:00+08:00",
    },
]


def test_post_chats_stores_once_and_masks(vector_backend: str, client: TestClient, keys: dict[str, str]) -> None:
    body = {"source": "crm-2026-11-18", "rows": ROWS}
    first = client.post("/v1/ingest/chats", json=body, headers=auth(keys["admin"]))
    assert first.status_code == 200, first.json()
    assert first.json()["counts"]["rows_stored"] == 2
    again = client.post("/v1/ingest/chats", json=body, headers=auth(keys["admin"]))
    assert again.json()["counts"]["rows_duplicate"] == 2 and again.json()["counts"]["rows_stored"] == 0
    conv = client.get("/v1/conversations/chat:API-1", headers=auth(keys["analyst"]))
    assert conv.status_code == 200
    assert conv.json()["turns"][0]["text"] == "滤芯座漏水了，电话[PHONE]"
    assert "13812345678" not in conv.text
    hits = client.get("/v1/conversations/search", params={"q": "净水器漏水"}, headers=auth(keys["analyst"]))
    assert hits.status_code == 200 and hits.json()[0]["conversation_id"] == "chat:API-1"


def test_failing_rows_are_422_and_nothing_is_stored(client: TestClient, keys: dict[str, str]) -> None:
    rows = [dict(ROWS[0], conversation_id="API-2"), dict(ROWS[1], conversation_id="API-2", text="")]
    r = client.post("/v1/ingest/chats", json={"source": "x", "rows": rows}, headers=auth(keys["admin"]))
    assert r.status_code == 422
    assert r.json()["error"]["detail"] == [{"row": "row 2", "reason": "empty message text in column 'text'"}]
    assert client.get("/v1/conversations/chat:API-2", headers=auth(keys["admin"])).status_code == 404
    r = client.post(
        "/v1/ingest/work-orders", json={"source": "x", "rows": [{"order_id": "W1"}]}, headers=auth(keys["admin"])
    )
    assert r.status_code == 422 and "missing required column" in r.json()["error"]["message"]
    r = client.post("/v1/ingest/chats", json={"source": "x", "rows": []}, headers=auth(keys["admin"]))
    assert r.status_code == 422


def test_limits(client: TestClient, keys: dict[str, str]) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    services.settings.ingest.max_rows_per_request = 1
    r = client.post("/v1/ingest/chats", json={"source": "x", "rows": ROWS}, headers=auth(keys["admin"]))
    assert r.status_code == 422 and "over the limit" in r.json()["error"]["message"]
    huge = {"source": "x", "rows": [{"conversation_id": "B", "text": "x" * 11_000_000}]}
    r = client.post("/v1/ingest/chats", json=huge, headers=auth(keys["admin"]))
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_roles(client: TestClient, keys: dict[str, str]) -> None:
    for role in ("agent", "analyst", "sales_lead"):
        assert (
            client.post("/v1/ingest/chats", json={"source": "x", "rows": ROWS}, headers=auth(keys[role])).status_code
            == 403
        )
    assert client.get("/v1/conversations/search", params={"q": "x"}, headers=auth(keys["agent"])).status_code == 403
    assert client.get("/v1/conversations/chat:none", headers=auth(keys["analyst"])).status_code == 404


def test_upload_rejects_non_audio(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post(
        "/v1/ingest/calls", files={"audio": ("notes.txt", b"hello", "text/plain")}, headers=auth(keys["admin"])
    )
    assert r.status_code == 422 and "unsupported audio type" in r.json()["error"]["message"]


@pytest.mark.integration
def test_call_upload_is_a_job_that_can_be_polled(client: TestClient, keys: dict[str, str]) -> None:
    demo_call = Path(__file__).resolve().parents[2] / "demo" / "calls" / "CALL-0001.ogg"
    r = client.post(
        "/v1/ingest/calls",
        files={"audio": (demo_call.name, demo_call.read_bytes(), "audio/ogg")},
        data={"metadata": '{"id": "UP-1", "agent_id": "A-9", "customer_number": "+1 415-555-0100"}'},
        headers=auth(keys["admin"]),
    )
    assert r.status_code == 202, r.json()
    job = r.json()["id"]
    hung = time.monotonic() + 1800  # far past any correct run on a busy machine: only a hang reaches it
    while time.monotonic() < hung:
        status = client.get(f"/v1/ingest/jobs/{job}", headers=auth(keys["admin"])).json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert status["status"] == "done", status
    assert status["counts"]["conversations_stored"] == 1
    conv = client.get("/v1/conversations/call:UP-1", headers=auth(keys["analyst"])).json()
    assert {t["speaker"] for t in conv["turns"]} == {"agent", "customer"}
    # transcribed by the job process through the ingest run, never by the web process
    assert client.app.state.services._transcriber is None  # type: ignore[attr-defined]
