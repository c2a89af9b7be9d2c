"""Live call assist over a WebSocket, `/v1/calls/live` (role agent): audio in; transcript and suggestions out.

Protocol (README, "Live call assist"): the client sends a JSON `start` (ingest.live.CallStart), then binary audio
frames, and may send `{"type": "rate", "answer_id", "rating"}` at any time and `{"type": "end"}` to hang up. The
server sends `ready`, then `partial` and `final` segments per speaker, `suggestion`s (an answer with citations, or
an abstention) after a customer's question or problem, `rated`, and at the end `stored` (the conversation id and
the ingest job) before it closes. A refusal is an `error` message and a close code: 1008 no key or wrong role,
1007 a bad message, 1013 the server's live calls are all taken (`live.max_calls`).

The console's live page (`api/console/pages/live.py`) talks the same protocol on its own path, signed in by its
session cookie instead of a key.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ValidationError
from starlette.websockets import WebSocketState

from api.auth import presented_key
from api.routes.assist import log_outcome, wait_for_log
from api.routes.ingest import index_new
from api.services import Services
from core.errors import CxloopError, InvalidInput
from core.keys import verify_key
from core.tables import AuditEventRow
from ingest import ledger
from ingest.live import CallStart, LiveCall, Speech, recording_path
from knowledge.assist import Assistant, assistant_for
from knowledge.context import Turn
from knowledge.feedback import Rating, record_feedback
from knowledge.proactive import query_of

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])
LIVE_ROLES = ("agent", "admin")
CONTEXT_TURNS = 6  # the last finals handed to the assistant with a customer's question


@dataclass(frozen=True)
class Caller:
    role: str
    api_key_id: str | None = None
    user: str | None = None


class Slots:
    """Live calls this process takes at once; one more is refused, never queued (a late transcript is no use)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.active >= self.limit:
                return False
            self.active += 1
            return True

    def give(self) -> None:
        with self._lock:
            self.active -= 1


def slots_of(svc: Services) -> Slots:
    return svc.part("live:slots", lambda: Slots(svc.settings.live.max_calls))


class RateIn(BaseModel):
    type: str
    answer_id: str
    rating: Rating
    comment: str | None = None


async def refuse(ws: WebSocket, close_code: int, code: str, message: str) -> None:
    """An `error` message, then the close (accepting first, so a browser can read why)."""
    if ws.client_state == WebSocketState.CONNECTING:
        await ws.accept()
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await ws.send_json({"type": "error", "code": code, "message": message})
        await ws.close(close_code, reason=message[:120])


@router.websocket("/v1/calls/live")
async def live_call(ws: WebSocket) -> None:
    """Stream one call (see the module's doc for the protocol); role agent."""
    svc: Services = ws.app.state.services
    key = presented_key(ws)
    if key is None:
        await refuse(ws, 1008, "unauthorized", "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key'")
        return
    try:
        with svc.sessions() as session:
            who = verify_key(session, key)
    except CxloopError as exc:
        await refuse(ws, 1008, exc.code, exc.message)
        return
    if who.role not in LIVE_ROLES:
        await refuse(ws, 1008, "forbidden", f"role '{who.role}' may not stream calls; allowed: agent, admin")
        return
    await serve_call(ws, svc, Caller(role=who.role, api_key_id=who.key_id))


async def serve_call(ws: WebSocket, svc: Services, caller: Caller) -> None:
    """One live call on an authenticated socket, within the process's limit of live calls."""
    slots = slots_of(svc)
    if not slots.take():
        await refuse(
            ws,
            1013,
            "busy",
            f"this server is taking {slots.limit} live calls, its limit (live.max_calls); try again when one ends",
        )
        return
    began = time.perf_counter()
    status = 1011  # unless the call ends as it should
    try:
        await ws.accept()
        status = await _call(ws, svc, caller)
    except WebSocketDisconnect:
        status = 1001
    finally:
        slots.give()
        _audit(svc, caller, ws.url.path, status, began)


async def _call(ws: WebSocket, svc: Services, caller: Caller) -> int:
    settings = svc.settings
    try:
        first = await asyncio.wait_for(ws.receive_text(), timeout=settings.live.idle_timeout_s)
        start = CallStart.model_validate(json.loads(first))
    except (ValidationError, ValueError, KeyError) as exc:
        await refuse(ws, 1007, "invalid_input", f"the first message must be a JSON start message: {_why(exc)}")
        return 1007
    except TimeoutError:
        await refuse(ws, 1007, "invalid_input", "no start message arrived")
        return 1007
    path = recording_path(settings, start.call_id)
    if path.exists():
        await refuse(ws, 1007, "conflict", f"call '{start.call_id}' was streamed already; give each call its own id")
        return 1007
    transcriber = await asyncio.to_thread(svc.live_transcriber)
    helper = await asyncio.to_thread(assistant_for, svc) if settings.live.suggest else None
    call = LiveCall(start, settings, transcriber, path)
    session = _Session(ws, svc, call, helper, caller)
    await session.send({"type": "ready", "call_id": start.call_id, "max_calls": settings.live.max_calls})
    worker = asyncio.create_task(session.transcribe())
    code = 1000
    try:
        code = await session.listen()
    finally:
        for speech in call.hang_up():
            session.queue.put_nowait(speech)
        session.queue.put_nowait(None)
        await worker
    stored = await asyncio.to_thread(_store, svc, call)
    await session.send({"type": "stored", **stored})
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await ws.close(code)
    return code


class _Session:
    """The two halves of a call: `listen` reads frames and control messages, `transcribe` turns closed speech into
    finals (and suggestions) in order, with partials when it has nothing else to do."""

    def __init__(self, ws: WebSocket, svc: Services, call: LiveCall, helper: Assistant | None, caller: Caller) -> None:
        self.ws, self.svc, self.call, self.helper, self.caller = ws, svc, call, helper, caller
        self.queue: asyncio.Queue[Speech | None] = asyncio.Queue()
        self.gone = False

    async def send(self, event: dict[str, Any]) -> None:
        if self.gone:
            return
        try:
            await self.ws.send_text(json.dumps(event, ensure_ascii=False, default=str))
        except (WebSocketDisconnect, RuntimeError):
            self.gone = True  # the client left; the call is still stored

    async def listen(self) -> int:
        idle = self.svc.settings.live.idle_timeout_s
        while True:
            try:
                message = await asyncio.wait_for(self.ws.receive(), timeout=idle)
            except TimeoutError:
                await self.send({"type": "error", "code": "idle", "message": f"no audio for {idle:g} s; call ended"})
                return 1000
            if message["type"] == "websocket.disconnect":
                self.gone = True
                return 1001
            if message.get("bytes") is not None:
                try:
                    for speech in self.call.feed(message["bytes"]):
                        self.queue.put_nowait(speech)
                except InvalidInput as exc:
                    await self.send({"type": "error", "code": exc.code, "message": exc.message})
                    return 1007
                continue
            if await self._control(message.get("text") or ""):
                return 1000

    async def _control(self, text: str) -> bool:
        """A text message; True when it ends the call."""
        try:
            data = json.loads(text)
            kind = data.get("type") if isinstance(data, dict) else None
        except ValueError:
            kind = None
        if kind == "end":
            return True
        if kind == "rate":
            try:
                rate = RateIn.model_validate(data)
            except ValidationError as exc:
                await self.send({"type": "error", "code": "invalid_input", "message": _why(exc)})
                return False
            try:
                await asyncio.to_thread(self._rate, rate)
            except CxloopError as exc:
                await self.send({"type": "error", "code": exc.code, "message": exc.message})
                return False
            await self.send({"type": "rated", "answer_id": rate.answer_id, "rating": rate.rating})
            return False
        await self.send({"type": "error", "code": "invalid_input", "message": "text messages are rate or end"})
        return False

    def _rate(self, rate: RateIn) -> None:
        wait_for_log(self.svc, rate.answer_id)
        embedder = self.svc.embedder() if rate.rating == "wrong" else None
        with self.svc.sessions() as session, session.begin():
            record_feedback(session, rate.answer_id, rate.rating, comment=rate.comment, embedder=embedder)

    async def transcribe(self) -> None:
        partials = self.svc.settings.live.partial_every_s > 0
        while True:
            try:
                speech = await asyncio.wait_for(self.queue.get(), timeout=0.1)
            except TimeoutError:
                if partials:
                    for open_speech in self.call.due_partials():
                        if not self.queue.empty():
                            break  # a final is waiting: it comes first
                        text = await asyncio.to_thread(self.call.text_of, open_speech)
                        if text:
                            await self.send(self.call.partial_event(open_speech, text))
                continue
            if speech is None:
                return
            try:
                text = await asyncio.to_thread(self.call.text_of, speech)
            except Exception:  # one bad segment must not end the call
                log.exception("live transcription of %s failed", self.call.start.call_id)
                continue
            final = self.call.final(speech, text)
            if final is None:
                continue
            await self.send(final.event())
            query = query_of(final.text) if self.helper is not None and final.speaker != "agent" else None
            if query:
                await self._suggest(final.segment, query)

    async def _suggest(self, segment: int, question: str) -> None:
        assert self.helper is not None
        context = [Turn(speaker=f.speaker, text=f.text) for f in self.call.finals[-CONTEXT_TURNS:]]
        try:
            outcome = await asyncio.to_thread(
                self.helper.answer,
                question,
                context=context,
                product=self.call.start.product,
                language=self.call.language,
            )
        except CxloopError as exc:
            log.warning("no suggestion for %s: %s", self.call.start.call_id, exc.message)
            return
        except Exception:  # a broken store or model must not end the call: the transcript goes on
            log.exception("no suggestion for %s", self.call.start.call_id)
            return
        log_outcome(self.svc, outcome, self.caller.api_key_id, self.helper.retriever.dense.embedder.name)
        await self.send({"type": "suggestion", "segment": segment, **outcome.result.model_dump(mode="json")})


def _store(svc: Services, call: LiveCall) -> dict[str, Any]:
    """The call through the recording ingest path (transcribed again whole, stored, indexed, classified)."""
    if not call.finals or not svc.settings.live.store:
        call.abandon()
        return {"conversation_id": None, "job": None, "reason": "nothing was said" if not call.finals else "off"}
    call.write_metadata()
    run_id = ledger.start_run(svc.sessions, "call", f"live:{call.start.call_id}", status="queued")
    svc.jobs.submit_call(call.recording, run_id, then=lambda: index_new(svc), classify=True)
    return {"conversation_id": f"call:{call.start.call_id}", "job": run_id, "seconds": round(call.received_s, 2)}


def _audit(svc: Services, caller: Caller, route: str, status: int, began: float) -> None:
    row = AuditEventRow(
        api_key_id=caller.api_key_id,
        user=caller.user,
        role=caller.role,
        method="WS",
        route=route,
        status=status,
        duration_ms=round((time.perf_counter() - began) * 1000, 1),
    )
    svc.writer.submit(lambda session: session.add(row))


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in exc.errors()[:5])
    return str(exc)
