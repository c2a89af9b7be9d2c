"""Every request leaves an audit row: who (key id or signed-in user, and role), route template, status, duration.
Never the key.

The row is handed to the deferred writer (`api/services.py`), not written on the request's clock. Requests on the
agent's hot path (`FAST_PATHS`) go straight through; every other request first waits until this process's queued
rows are committed (a write barrier), so a route that reads the audit trail, the answer log or the knowledge gaps
sees every request this process has answered before it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.tables import AuditEventRow, utcnow

log = logging.getLogger(__name__)

# read nothing the deferred writer holds back; everything else waits for it
FAST_PATHS = frozenset({"/v1/assist", "/v1/assist/stream", "/v1/knowledge/search", "/healthz"})


class AuditMiddleware:
    def __init__(self, app: ASGIApp, *, fast_paths: frozenset[str] = FAST_PATHS) -> None:
        self.app = app
        self.fast_paths = fast_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}
        writer = scope["app"].state.services.writer
        if writer.pending and scope.get("path") not in self.fast_paths:
            await anyio.to_thread.run_sync(writer.drain)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._record(scope, status["code"], (time.perf_counter() - started) * 1000)

    def _record(self, scope: Scope, status: int, duration_ms: float) -> None:
        state: dict[str, Any] = scope.get("state", {})
        route = scope.get("route")
        # the route template (/v1/conversations/{id}), not the raw path or query, which may carry personal data
        path = getattr(route, "path", None) or "<unmatched>"
        client = scope.get("client")
        values = {
            "at": utcnow(),  # when it happened, not when the writer got to it
            "api_key_id": state.get("api_key_id"),
            "user": state.get("user"),  # a console sign-in
            "role": state.get("role"),
            "method": scope.get("method", "?"),
            "route": path,
            "status": status,
            "duration_ms": round(duration_ms, 3),
            "client": client[0] if client else None,
        }
        try:
            scope["app"].state.services.writer.submit(lambda session: session.add(AuditEventRow(**values)))
        except Exception:  # auditing must never turn a good answer into an error
            log.exception("could not queue audit event")
