"""The Andon webhook: signed, retried on 5xx and connection errors, never retried on 4xx, never fatal."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from api.threaded import free_port
from core.settings import AndonSettings
from flows.webhook import SIGNATURE_HEADER, send, sign
from insights.andon.alerts import AlertView

ALERT = AlertView(
    id="a1",
    product="kettle",
    issue="defect",
    problem="the lid does not close",
    status="open",
    customers=2,
    conversation_ids=["c1", "c2"],
    evidence=[],
    first_seen=datetime(2026, 11, 1, tzinfo=UTC),
    last_seen=datetime(2026, 11, 2, tzinfo=UTC),
    opened_at=datetime(2026, 11, 3, tzinfo=UTC),
    work_orders=[],
)


class Receiver:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[tuple[Receiver, str]]:
    state = Receiver(list(request.param))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def config(url: str) -> AndonSettings:
    return AndonSettings(webhook_url=url, webhook_secret=SecretStr("s3cret"), webhook_attempts=3)


@pytest.mark.parametrize("receiver", [[500, 503]], indirect=True)
def test_signed_and_retried_until_it_is_accepted(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    assert send(config(url), ALERT, wait_max_s=0.01) == "sent"
    assert len(state.requests) == 3
    deliveries = {h["X-Cxloop-Delivery"] for h, _ in state.requests}
    assert len(deliveries) == 1  # the same delivery id on every try
    headers, body = state.requests[-1]
    assert headers[SIGNATURE_HEADER] == sign(body, "s3cret")
    message = json.loads(body)
    assert message["event"] == "andon.opened" and message["alert"]["product"] == "kettle"


@pytest.mark.parametrize("receiver", [[400]], indirect=True)
def test_client_errors_are_not_retried(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    assert send(config(url), ALERT, wait_max_s=0.01) == "failed: HTTP 400"
    assert len(state.requests) == 1


@pytest.mark.parametrize("receiver", [[500, 500, 500]], indirect=True)
def test_gives_up_after_the_attempts(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    assert send(config(url), ALERT, wait_max_s=0.01) == "failed: HTTP 500"
    assert len(state.requests) == 3


def test_unreachable_receiver_fails_softly() -> None:
    status = send(config(f"http://127.0.0.1:{free_port()}/hook"), ALERT, wait_max_s=0.01)
    assert status == "failed: ConnectError"
    assert send(AndonSettings(), ALERT) == "no webhook"
