"""GET /v1/knowledge/gaps (analyst), retrieval alone and the document list."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.api.test_assist import kb_client  # noqa: F401  (fixture)


def test_gaps_need_an_analyst_key(kb_client: TestClient, keys: dict[str, str]) -> None:  # noqa: F811
    assert kb_client.get("/v1/knowledge/gaps").status_code == 401
    assert kb_client.get("/v1/knowledge/gaps", headers=auth(keys["agent"])).status_code == 403
    assert kb_client.get("/v1/knowledge/gaps", headers=auth(keys["sales_lead"])).status_code == 403
    assert kb_client.get("/v1/knowledge/gaps", headers=auth(keys["admin"])).status_code == 200


def test_unanswered_and_wrongly_answered_questions_are_grouped(kb_client: TestClient, keys: dict[str, str]) -> None:  # noqa: F811
    agent = auth(keys["agent"])
    for q in (
        "Who won the football world cup in 1998?",
        "who won the football world cup in 1998",
        "明天北京天气怎么样",
    ):
        assert kb_client.post("/v1/assist", json={"question": q}, headers=agent).json()["abstained"]
    answered = kb_client.post("/v1/assist", json={"question": "How long is the kettle warranty?"}, headers=agent)
    kb_client.post(f"/v1/assist/{answered.json()['id']}/feedback", json={"rating": "wrong"}, headers=agent)
    r = kb_client.get("/v1/knowledge/gaps", params={"similarity": 0.9}, headers=auth(keys["analyst"]))
    assert r.status_code == 200
    groups = r.json()
    assert [g["count"] for g in groups] == [2, 1, 1]
    assert groups[0]["reasons"] == {"abstained": 2}
    assert {"wrong": 1} in [g["reasons"] for g in groups]
    assert {"question", "examples", "products", "languages", "first_seen", "last_seen"} <= set(groups[0])
    recent = kb_client.get("/v1/knowledge/gaps", params={"days": 1}, headers=auth(keys["analyst"])).json()
    assert sum(g["count"] for g in recent) == 4


def test_search_is_retrieval_alone(kb_client: TestClient, keys: dict[str, str]) -> None:  # noqa: F811
    r = kb_client.post(
        "/v1/knowledge/search", json={"query": "滤芯更换", "k": 3, "language": "zh"}, headers=auth(keys["agent"])
    )
    hits = r.json()
    assert r.status_code == 200 and 0 < len(hits) <= 3 and hits[0]["section"] == "滤芯更换"
    assert all(h["language"] == "zh" for h in hits)
    assert kb_client.post("/v1/knowledge/search", json={"query": "x"}).status_code == 401
    r = kb_client.post("/v1/knowledge/search", json={"query": "x"}, headers=auth(keys["sales_lead"]))
    assert r.status_code == 403


def test_documents_list(kb_client: TestClient, keys: dict[str, str]) -> None:  # noqa: F811
    docs = kb_client.get("/v1/knowledge/documents", headers=auth(keys["analyst"])).json()
    assert sorted(d["title"] for d in docs) == sorted(
        ["HeatWave Kettle Guide", "AquaPure X3 保养指南", "CoolBreeze Fan Manual", "退货政策"]
    )
    assert all(d["chunks"] >= 1 for d in docs)
    only = kb_client.get("/v1/knowledge/documents", params={"product": "aquapure-x3"}, headers=auth(keys["agent"]))
    assert [d["product"] for d in only.json()] == ["aquapure-x3"]
    assert kb_client.get("/v1/knowledge/documents").status_code == 401
