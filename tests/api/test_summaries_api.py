"""The conversation view carries its summary; summaries are searchable (analyst and admin keys only)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from insights.summaries.run import summarise_pending
from tests.api.conftest import auth
from tests.insights.conftest import COMPLAINT, QUESTION, store


def test_conversation_view_and_summary_search(client: TestClient, keys: dict[str, str]) -> None:
    sessions = client.app.state.services.sessions  # type: ignore[attr-defined]
    store(sessions, [COMPLAINT, QUESTION])
    before = client.get("/v1/conversations/C-LEAK", headers=auth(keys["analyst"])).json()
    assert before["summary"] is None and before["turns"]
    summarise_pending(sessions, None)
    view = client.get("/v1/conversations/C-LEAK", headers=auth(keys["analyst"])).json()
    assert view["summary"]["source"] == "extractive" and "leaking" in view["summary"]["issue"]
    url = "/v1/conversations/summaries?q=filter"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth(keys["agent"])).status_code == 403
    found = client.get(url, headers=auth(keys["analyst"])).json()
    assert [s["conversation_id"] for s in found] == ["C-ASK"]
