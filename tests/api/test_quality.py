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
    forms = {f["scorecard"]: f for f in client.get(URL.format("C-PROMISE"), headers=auth(keys["qa"])).json()}
    form = forms["service_basics"]
    assert (form["result"], form["score"], form["reviewed_score"]) == ("fatal", 0.0, None)
    items = {i["item"]: i for i in form["items"]}
    assert items["greeting"]["outcome"] == "pass" and items["no_guarantee"]["outcome"] == "fail"
    assert items["no_guarantee"]["turn_index"] == 0 and "li.lei@example.com" not in items["no_guarantee"]["quote"]


def test_review_dispute_and_agreement_through_the_api(
    client: TestClient, keys: dict[str, str], app_settings: Settings
) -> None:
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    store(sessions, [PROMISE])
    classify_pending(app_settings, sessions, embedder=FakeEmbedder())
    base = "/v1/quality"
    review = {"scorecard": "service_basics", "items": {"greeting": {"outcome": "fail", "reason": "too curt"}}}
    for role in ("agent", "analyst", "sales_lead"):
        assert client.post(f"{base}/conversations/C-PROMISE/reviews", json=review,
                           headers=auth(keys[role])).status_code == 403  # fmt: skip
        assert client.get(f"{base}/sample", headers=auth(keys[role])).status_code == 403
        assert client.get(f"{base}/disputes", headers=auth(keys[role])).status_code == 403
    assert client.get(f"{base}/sample", headers=auth(keys["qa"])).json() == ["C-PROMISE"]
    bad = {"scorecard": "service_basics", "items": {"greeting": {"outcome": "fail"}}}
    refused = client.post(f"{base}/conversations/C-PROMISE/reviews", json=bad, headers=auth(keys["qa"]))
    assert refused.status_code == 422 and "needs a reason" in refused.text
    done = client.post(f"{base}/conversations/C-PROMISE/reviews", json=review, headers=auth(keys["qa"]))
    assert done.status_code == 200 and len(done.json()) == 5
    dispute = {"scorecard": "service_basics", "item": "no_guarantee", "reason": "a deposit is not a promise"}
    assert client.post(f"{base}/conversations/C-PROMISE/disputes", json=dispute,
                       headers=auth(keys["sales_lead"])).status_code == 403  # fmt: skip
    raised = client.post(f"{base}/conversations/C-PROMISE/disputes", json=dispute, headers=auth(keys["agent"]))
    assert raised.status_code == 200 and raised.json()["status"] == "open"
    settle = {"decision": "rejected", "reason": "it was a promise"}
    assert client.post(f"{base}/disputes/{raised.json()['id']}", json=settle,
                       headers=auth(keys["agent"])).status_code == 403  # fmt: skip
    settled = client.post(f"{base}/disputes/{raised.json()['id']}", json=settle, headers=auth(keys["qa"]))
    assert settled.status_code == 200 and settled.json()["status"] == "rejected"
    agreement = client.get(f"{base}/agreement", headers=auth(keys["analyst"])).json()
    greeting = next(a for a in agreement if a["item"] == "greeting")
    assert (greeting["reviewed"], greeting["overridden"], greeting["agree"]) == (1, 1, 0.0)
    forms = {f["scorecard"]: f for f in client.get(URL.format("C-PROMISE"), headers=auth(keys["qa"])).json()}
    items = {i["item"]: i for i in forms["service_basics"]["items"]}
    assert items["greeting"]["reviewed"] == "fail" and forms["service_basics"]["reviewed_result"] == "fatal"
    history = client.get(f"{base}/conversations/C-PROMISE/reviews", headers=auth(keys["qa"])).json()
    assert len(history) == 5 and client.get(f"{base}/sample", headers=auth(keys["qa"])).json() == []


def test_the_qa_digest_route(client: TestClient, keys: dict[str, str], app_settings: Settings) -> None:
    from datetime import UTC, datetime

    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    recent = PROMISE.model_copy(update={"started_at": datetime.now(UTC), "agent_id": "A-9", "team": "east"})
    store(sessions, [recent])
    classify_pending(app_settings, sessions, embedder=FakeEmbedder())
    assert client.get("/v1/quality/digest", headers=auth(keys["agent"])).status_code == 403
    got = client.get("/v1/quality/digest", params={"days": 3}, headers=auth(keys["analyst"]))
    assert got.status_code == 200, got.text
    body = got.json()
    assert [t["scorecard"] for t in body["teams"]] == ["east"] and body["agents"][0]["agent_id"] == "A-9"
    assert body["worst"][0]["result"] == "fatal"


def test_raising_a_work_order_for_a_fatal_conversation(
    client: TestClient, keys: dict[str, str], app_settings: Settings
) -> None:
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    store(sessions, [PROMISE, COMPLAINT])
    classify_pending(app_settings, sessions, embedder=FakeEmbedder())
    url = "/v1/quality/conversations/{}/work-order"
    assert client.post(url.format("C-PROMISE"), json={}, headers=auth(keys["agent"])).status_code == 403
    raised = client.post(url.format("C-PROMISE"), json={"note": "coach on promises"}, headers=auth(keys["qa"]))
    assert raised.status_code == 200 and raised.json()["kind"] == "qa" and raised.json()["team"] == "qa"
    assert "li.lei@example.com" not in raised.json()["body"]
    assert client.post(url.format("C-LEAK"), json={}, headers=auth(keys["qa"])).status_code == 422
    orders = client.get("/v1/work-orders", headers=auth(keys["analyst"])).json()
    assert [o["conversation_id"] for o in orders] == ["C-PROMISE"]
