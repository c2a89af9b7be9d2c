"""POST /v1/assist, its streaming variant and feedback: answers, abstention, roles, logging."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import transaction
from core.settings import Settings
from core.tables import AssistLogRow
from tests.api.conftest import auth
from tests.conftest import FakeEmbedder
from tests.knowledge.conftest import LEXICAL_CALIBRATION, write_docs


@pytest.fixture
def kb_client(client: TestClient, app_settings: Settings, tmp_path: Path) -> TestClient:
    """The app with the fake embedder and the small bilingual test documents indexed."""
    from api.routes.assist import assistant
    from knowledge.index import index_path, open_store

    svc = client.app.state.services  # type: ignore[attr-defined]
    svc._embedder = FakeEmbedder()
    store = open_store(app_settings, embedder=svc.embedder(), sessions=svc.sessions, index=svc.knowledge_index())
    assert index_path(store, write_docs(tmp_path / "docs")).added == 4
    assistant(svc).calibration = LEXICAL_CALIBRATION  # the fake embedder has no fitted calibration
    return client


def _logs(client: TestClient) -> list[AssistLogRow]:
    client.app.state.services.writer.drain()  # type: ignore[attr-defined]  # rows are written off the request
    with client.app.state.services.sessions() as s:  # type: ignore[attr-defined]
        return list(s.scalars(select(AssistLogRow)))


def test_every_assist_route_needs_a_key(client: TestClient) -> None:
    assert client.post("/v1/assist", json={"question": "x"}).status_code == 401
    assert client.post("/v1/assist/stream", json={"question": "x"}).status_code == 401
    assert client.post("/v1/assist/abc/feedback", json={"rating": "helpful"}).status_code == 401


@pytest.mark.parametrize(("role", "status"), [("agent", 200), ("admin", 200), ("analyst", 403), ("sales_lead", 403)])
def test_assist_is_for_agents(kb_client: TestClient, keys: dict[str, str], role: str, status: int) -> None:
    r = kb_client.post(
        "/v1/assist", json={"question": "How often should I descale the kettle?"}, headers=auth(keys[role])
    )
    assert r.status_code == status


def test_answer_has_citations_confidence_and_is_logged_masked(kb_client: TestClient, keys: dict[str, str]) -> None:
    r = kb_client.post(
        "/v1/assist",
        json={"question": "How often should I descale the kettle? 13812345678"},
        headers=auth(keys["agent"]),
    )
    body = r.json()
    assert r.status_code == 200 and body["mode"] == "extractive" and not body["abstained"]
    assert "every 4 weeks" in body["answer"] and 0 < body["confidence"] <= 1
    citation = body["citations"][0]
    assert {"chunk_id", "document_id", "title", "section", "quote", "source"} <= set(citation)
    assert citation["section"] == "Descaling" and citation["title"] == "HeatWave Kettle Guide"
    assert all(s["citations"] for s in body["sentences"])
    [log] = _logs(kb_client)
    assert log.id == body["id"] and "13812345678" not in log.question
    assert log.cited_chunk_ids == [c["chunk_id"] for c in body["citations"]] and log.api_key_id


def test_unanswerable_question_abstains(kb_client: TestClient, keys: dict[str, str]) -> None:
    body = kb_client.post(
        "/v1/assist", json={"question": "Who won the football world cup in 1998?"}, headers=auth(keys["agent"])
    ).json()
    assert body["abstained"] and body["citations"] == [] and body["answer"] == "Not in the knowledge base."


def test_call_context_without_a_question(kb_client: TestClient, keys: dict[str, str]) -> None:
    turns = [
        {"speaker": "agent", "text": "您好，请问有什么可以帮您？"},
        {"speaker": "customer", "text": "滤芯多久更换一次？"},
    ]
    body = kb_client.post("/v1/assist", json={"context": turns}, headers=auth(keys["agent"])).json()
    assert body["query"] == "滤芯多久更换一次？" and "6 个月" in body["answer"]
    body = kb_client.post(
        "/v1/assist",
        json={"context": "customer: hello\ncustomer: how often should I descale the kettle?"},
        headers=auth(keys["agent"]),
    ).json()
    assert body["query"] == "how often should I descale the kettle?"


def test_product_and_language_filters(kb_client: TestClient, keys: dict[str, str]) -> None:
    body = kb_client.post(
        "/v1/assist",
        json={"question": "滤芯多久更换一次？", "product": "aquapure-x3", "language": "zh"},
        headers=auth(keys["agent"]),
    ).json()
    assert body["citations"] and all("AquaPure" in c["title"] or "退货" in c["title"] for c in body["citations"])


@pytest.mark.parametrize(
    "payload",
    [{}, {"question": "   "}, {"context": []}, {"question": "x" * 2001}, {"question": "q", "language": "fr"}],
)
def test_bad_input_is_422_with_the_error_shape(
    kb_client: TestClient, keys: dict[str, str], payload: dict[str, object]
) -> None:
    r = kb_client.post("/v1/assist", json=payload, headers=auth(keys["agent"]))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"


def _events(text: str) -> list[tuple[str, dict[str, object]]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_stream_sends_citations_first_then_the_answer(kb_client: TestClient, keys: dict[str, str]) -> None:
    with kb_client.stream(
        "POST", "/v1/assist/stream", json={"question": "滤芯多久更换一次？"}, headers=auth(keys["agent"])
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = _events(r.read().decode())
    assert [e for e, _ in events] == ["citations", "answer", "done"]
    citations, answer, done = (d for _, d in events)
    assert citations["final"] is True and citations["citations"] == answer["citations"]
    assert "6 个月" in str(answer["answer"]) and done["id"] == answer["id"] == citations["id"]
    assert [log.id for log in _logs(kb_client)] == [answer["id"]]


def test_stream_refuses_bad_input_and_wrong_roles(kb_client: TestClient, keys: dict[str, str]) -> None:
    assert kb_client.post("/v1/assist/stream", json={}, headers=auth(keys["agent"])).status_code == 422
    r = kb_client.post("/v1/assist/stream", json={"question": "q"}, headers=auth(keys["analyst"]))
    assert r.status_code == 403


def test_feedback_is_recorded_and_unknown_answers_are_404(kb_client: TestClient, keys: dict[str, str]) -> None:
    answer = kb_client.post(
        "/v1/assist", json={"question": "How long is the kettle warranty?"}, headers=auth(keys["agent"])
    ).json()
    r = kb_client.post(
        f"/v1/assist/{answer['id']}/feedback",
        json={"rating": "wrong", "comment": "it is 2 years now"},
        headers=auth(keys["agent"]),
    )
    assert r.status_code == 200 and r.json() == {"id": answer["id"], "feedback": "wrong"}
    [log] = _logs(kb_client)
    assert log.feedback == "wrong" and log.feedback_comment == "it is 2 years now"
    r = kb_client.post("/v1/assist/nope/feedback", json={"rating": "helpful"}, headers=auth(keys["agent"]))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = kb_client.post(f"/v1/assist/{answer['id']}/feedback", json={"rating": "meh"}, headers=auth(keys["agent"]))
    assert r.status_code == 422
    r = kb_client.post(f"/v1/assist/{answer['id']}/feedback", json={"rating": "helpful"}, headers=auth(keys["analyst"]))
    assert r.status_code == 403


def test_the_answer_is_logged_off_the_request_and_feedback_still_finds_it(
    kb_client: TestClient, keys: dict[str, str]
) -> None:
    svc = kb_client.app.state.services  # type: ignore[attr-defined]
    gate = threading.Event()
    svc.writer.submit(lambda session: gate.wait(10))  # the writer is busy: the log row waits in the queue
    answer = kb_client.post(
        "/v1/assist", json={"question": "How long is the kettle warranty?"}, headers=auth(keys["agent"])
    ).json()
    assert svc.writer.pending == 3  # the gate, the answer's log row, its audit row: answered without them
    threading.Timer(0.3, gate.set).start()
    # feedback is not on the fast path: the write barrier commits the queued row first
    r = kb_client.post(f"/v1/assist/{answer['id']}/feedback", json={"rating": "helpful"}, headers=auth(keys["agent"]))
    assert r.status_code == 200 and [log.feedback for log in _logs(kb_client)] == ["helpful"]


def test_feedback_waits_briefly_for_a_row_another_worker_is_still_writing(
    kb_client: TestClient, keys: dict[str, str]
) -> None:
    answer = kb_client.post(
        "/v1/assist", json={"question": "How long is the kettle warranty?"}, headers=auth(keys["agent"])
    ).json()
    [log] = _logs(kb_client)
    sessions = kb_client.app.state.services.sessions  # type: ignore[attr-defined]
    with transaction(sessions) as s:
        s.delete(s.get(AssistLogRow, log.id))

    def other_worker_commits() -> None:
        with transaction(sessions) as s:
            s.add(AssistLogRow(id=log.id, question=log.question, answer=log.answer, latency_ms=1.0, mode="extractive"))

    threading.Timer(0.3, other_worker_commits).start()
    r = kb_client.post(f"/v1/assist/{answer['id']}/feedback", json={"rating": "helpful"}, headers=auth(keys["agent"]))
    assert r.status_code == 200


def test_a_served_app_loads_the_assistant_at_start(app_settings: Settings) -> None:
    from api import create_app

    app = create_app(app_settings, warm=True)
    svc = app.state.services
    svc._embedder = FakeEmbedder()
    with TestClient(app) as c:
        assert "assistant" in svc._parts  # built by the lifespan, before the first question
        assert c.get("/healthz").status_code == 200

    broken = create_app(app_settings, warm=True)
    broken.state.services.embedder = lambda: (_ for _ in ()).throw(RuntimeError("no model"))
    with TestClient(broken) as c:  # a failed warm-up does not stop the server; the first question reports it
        assert c.get("/healthz").status_code == 200
