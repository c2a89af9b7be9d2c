"""Live call assist through a real server: a demo call streamed at real-time speed over `/v1/calls/live`, with the
packaged Whisper model, the packaged embedder and two of the demo's documents."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import create_app
from api.live_client import Streamed, stream_file
from api.threaded import serving
from core.db import transaction
from core.keys import create_key
from core.settings import Settings
from core.tables import AssistLogRow, ConversationRow, IngestRunRow, InsightRow
from tests.conftest import HUNG_S, ROOT

pytestmark = pytest.mark.integration
CALL = ROOT / "demo" / "calls" / "CALL-0017.ogg"  # a kettle charged twice: "how long does the refund take?"
DOCS = ("returns-refunds.md", "heatwave-kettle-specs.md")
BILLING = """# Billing questions

## I was charged twice for my order: can one of the charges be refunded?

Yes. When a customer was charged twice for one order, the duplicate charge is refunded to the card it came from.
The refund of a duplicate charge shows up on the card statement within 3 to 5 business days.
"""


@dataclass
class Live:
    url: str
    keys: dict[str, str]
    app: FastAPI

    def stream(self, call_id: str, *, role: str = "agent", rate: str | None = None) -> Streamed:
        return asyncio.run(
            stream_file(
                self.url,
                self.keys[role],
                CALL,
                call_id=call_id,
                rate_hz=8000,
                language="en",
                rate=rate,
                speed=2.0,  # twice real time: the same path in half the time (bench/live.py streams in real time)
            )
        )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Live]:
    from knowledge.index import index_path, open_store

    root = tmp_path_factory.mktemp("live")
    settings = Settings(_env_file=None, data_dir=root / "data", demo_dir=ROOT / "demo")
    settings.ensure_dirs()
    settings.models.cache_dir = model_cache
    settings.live.max_calls = 1  # a second call at once is refused
    docs = root / "docs"
    docs.mkdir()
    for name in DOCS:
        shutil.copy(ROOT / "demo" / "docs" / "en" / name, docs / name)
    (docs / "billing-faq.md").write_text(BILLING, encoding="utf-8")  # what the call is about, in plain words
    app = create_app(settings)
    with TestClient(app):  # the lifespan: the app closes its services at the end
        svc = app.state.services
        kb = open_store(settings, embedder=svc.embedder(), sessions=svc.sessions, index=svc.knowledge_index())
        assert index_path(kb, docs).added == len(DOCS) + 1
        with transaction(svc.sessions) as s:
            keys = {role: create_key(s, role=role, name=f"live-{role}").secret for role in ("agent", "analyst")}
        with serving(app, lifespan="off") as url:
            yield Live(url.replace("http://", "ws://") + "/v1/calls/live", keys, app)


def _stored(app: FastAPI, conversation_id: str, job: str) -> ConversationRow:
    """The conversation once the ingest job has stored and classified it (it transcribes the whole recording
    again, in its own process)."""
    svc = app.state.services
    hung = time.monotonic() + HUNG_S
    while time.monotonic() < hung:
        with svc.sessions() as s:
            run = s.get(IngestRunRow, job)
            assert run is not None and run.error is None, run and run.error
            insights = s.scalar(select(func.count()).where(InsightRow.conversation_id == conversation_id))
            if run.status not in ("queued", "running"):
                row = s.get(ConversationRow, conversation_id)
                assert row is not None, f"the ingest job ended {run.status} without the call: {run.counts}"
                if insights:
                    return row
        time.sleep(0.5)
    raise AssertionError("the ingest job did not finish")


def test_a_streamed_call_gets_segments_a_suggestion_and_is_stored(live: Live) -> None:
    result = live.stream("live-t1", rate="helpful")
    finals = result.of("final")
    speakers = {f["speaker"] for f in finals}
    assert speakers == {"agent", "customer"}, finals
    assert [f["segment"] for f in finals] == list(range(len(finals)))
    assert all(f["end"] > f["start"] for f in finals)
    asked = [f for f in finals if f["speaker"] == "customer" and "refund" in f["text"].lower()]
    assert asked, [f["text"] for f in finals]
    suggestions = [s for s in result.of("suggestion") if not s["abstained"]]
    assert suggestions, [(s["query"], s["confidence"]) for s in result.of("suggestion")]
    cited = {c["source"].rsplit("/", 1)[-1] for s in suggestions for c in s["citations"]}
    assert cited & {"billing-faq.md", "returns-refunds.md"}, cited
    assert result.of("rated"), "the suggestion's rating was not taken"
    (stored,) = result.of("stored")
    assert stored["conversation_id"] == "call:live-t1"

    svc = live.app.state.services
    svc.writer.drain()
    with svc.sessions() as s:
        rated = s.get(AssistLogRow, suggestions[0]["id"])
        assert rated is not None and rated.feedback == "helpful"
    row = _stored(live.app, "call:live-t1", stored["job"])
    assert row.channel == "call" and row.language == "en" and row.meta.get("direction") == "live"


def test_the_full_recording_later_replaces_the_live_call(live: Live, tmp_path: Path) -> None:
    from ingest.pipeline import run_ingest

    later = tmp_path / "pbx-export-0017.ogg"  # the phone system's own recording of the call streamed above
    shutil.copy(CALL, later)
    later.with_suffix(".json").write_text(json.dumps({"id": "live-t1", "language": "en"}))
    svc = live.app.state.services
    report = run_ingest(svc.settings, svc.sessions, "call", later, transcriber=svc.transcriber())
    assert report.counts.conversations_replaced == 1 and report.counts.conversations_stored == 0
    with svc.sessions() as s:
        ids = list(s.scalars(select(ConversationRow.id).where(ConversationRow.id.like("call:live-t1%"))))
        assert ids == ["call:live-t1"]
        assert s.get(ConversationRow, "call:live-t1").source_uri == str(later)


def test_a_call_beyond_the_limit_is_refused_with_a_reason(live: Live) -> None:
    from websockets.asyncio.client import connect

    async def two_calls() -> tuple[dict[str, object], int | None]:
        headers = {"X-API-Key": live.keys["agent"]}
        async with connect(live.url, additional_headers=headers) as first:
            await first.send(json.dumps({"type": "start", "call_id": "live-t3", "channels": ["customer"]}))
            assert json.loads(await first.recv())["type"] == "ready"
            second = await connect(live.url, additional_headers=headers)  # refused before its start message
            refusal = json.loads(await second.recv())
            await second.wait_closed()
            code = second.close_code
            await first.send(json.dumps({"type": "end"}))
            async for _ in first:
                pass
        return refusal, code

    refusal, code = asyncio.run(two_calls())
    assert refusal["type"] == "error" and refusal["code"] == "busy"
    assert "limit" in str(refusal["message"]) and "live.max_calls" in str(refusal["message"])
    assert code == 1013


@pytest.mark.parametrize(("role", "code"), [("analyst", "forbidden"), (None, "unauthorized")])
def test_only_agents_stream_calls(live: Live, role: str | None, code: str) -> None:
    from websockets.asyncio.client import connect

    async def attempt() -> dict[str, object]:
        headers = {"X-API-Key": live.keys[role]} if role else {}
        async with connect(live.url, additional_headers=headers) as ws:
            return dict(json.loads(await ws.recv()))

    refusal = asyncio.run(attempt())
    assert refusal["type"] == "error" and refusal["code"] == code


def test_a_bad_start_message_is_refused_with_what_is_wrong(live: Live) -> None:
    from websockets.asyncio.client import connect

    async def attempt() -> tuple[dict[str, object], int | None]:
        async with connect(live.url, additional_headers={"X-API-Key": live.keys["agent"]}) as ws:
            await ws.send(json.dumps({"type": "start", "call_id": "live-t5", "sample_rate": 44100}))
            refusal = dict(json.loads(await ws.recv()))
            await ws.wait_closed()
            return refusal, ws.close_code

    refusal, code = asyncio.run(attempt())
    assert refusal["code"] == "invalid_input" and "sample_rate" in str(refusal["message"])
    assert code == 1007
    assert not (live.app.state.services.settings.data_dir / "live" / "live-t5.wav").exists()  # nothing half-kept
