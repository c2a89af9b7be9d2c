"""GET /v1/conversations/{id}/insights: roles analyst and sales_lead, 404 for unknown ids, masked evidence."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.settings import Settings
from insights.classify.build import build_analyzer
from insights.classify.config import InsightSettings
from insights.classify.runner import classify_pending
from tests.api.conftest import auth
from tests.conftest import FakeEmbedder
from tests.insights.conftest import COMPLAINT, LOST_DEAL, store

URL = "/v1/conversations/{}/insights"


def test_roles_and_unknown_conversation(client: TestClient, keys: dict[str, str]) -> None:
    store(client.app.state.services.sessions, [COMPLAINT])  # type: ignore[attr-defined]
    assert client.get(URL.format("C-LEAK")).status_code == 401
    assert client.get(URL.format("C-LEAK"), headers=auth(keys["agent"])).status_code == 403
    for role in ("analyst", "sales_lead", "admin"):
        got = client.get(URL.format("C-LEAK"), headers=auth(keys[role]))
        assert got.status_code == 200, (role, got.json())
        assert got.json() == {"conversation_id": "C-LEAK", "classified_at": None, "pipeline_version": None,
                              "insights": []}  # fmt: skip
    missing = client.get(URL.format("nope"), headers=auth(keys["analyst"]))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_classified_conversation_has_its_insights(
    client: TestClient, keys: dict[str, str], app_settings: Settings
) -> None:
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    store(sessions, [COMPLAINT, LOST_DEAL])
    analyzer = build_analyzer(app_settings, embedder=FakeEmbedder(), config=InsightSettings())
    classify_pending(app_settings, sessions, analyzer=analyzer)
    body = client.get(URL.format("S-LOST"), headers=auth(keys["sales_lead"])).json()
    assert body["pipeline_version"] == analyzer.version and body["classified_at"]
    kinds = {i["kind"] for i in body["insights"]}
    assert {"intent", "sentiment", "outcome", "loss_reason", "product"} <= kinds
    reason = next(i for i in body["insights"] if i["kind"] == "loss_reason")
    assert reason["evidence"]["turn_index"] in (1, 3) and reason["evidence"]["quote"]
    assert reason["model_name"] and reason["model_version"] and 0 <= reason["confidence"] <= 1
