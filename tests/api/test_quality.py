"""GET /v1/quality/conversations/{id}: roles qa and analyst, 404 for unknown ids, scores with masked evidence."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core.settings import Settings
from insights.classify.runner import classify_pending
from tests.api.conftest import auth
from tests.conftest import FakeEmbedder
from tests.insights.conftest import COMPLAINT, conversation, store

URL = "/v1/quality/conversations/{}"
PROMISE = conversation("C-PROMISE", [("agent", "Hello, I guarantee a refund, mail me at li.lei@example.com")])


def test_roles_unknown_and_unscored(client: TestClient, keys: dict[str, str]) -> None:
    store(client.app.state.services.sessions, [COMPLAINT])  # type: ignore[attr-defined]
    assert client.get(URL.format("C-LEAK")).status_code == 401
    for role in ("agent", "sales_lead"):
        assert client.get(URL.format("C-LEAK"), headers=auth(keys[role])).status_code == 403
    for role in ("qa", "analyst", "admin"):
        got = client.get(URL.format("C-LEAK"), headers=auth(keys[role]))
        assert got.status_code == 200 and got.json() == [], (role, got.json())
    assert client.get(URL.format("nope"), headers=auth(keys["qa"])).status_code == 404


def test_a_scored_conversation_shows_its_form(client: TestClient, keys: dict[str, str], app_settings: Settings) -> None:
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    store(sessions, [PROMISE])
    classify_pending(app_settings, sessions, embedder=FakeEmbedder())
    [form] = client.get(URL.format("C-PROMISE"), headers=auth(keys["qa"])).json()
    assert (form["scorecard"], form["result"], form["score"]) == ("service_basics", "fatal", 0.0)
    items = {i["item"]: i for i in form["items"]}
    assert items["greeting"]["outcome"] == "pass" and items["no_guarantee"]["outcome"] == "fail"
    assert items["no_guarantee"]["turn_index"] == 0 and "li.lei@example.com" not in items["no_guarantee"]["quote"]
