"""Every request leaves an audit row: who (key id and role), route template, status, duration. Never the key."""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.tables import AuditEventRow

log = logging.getLogger(__name__)


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            await self._record(scope, status["code"], (time.perf_counter() - started) * 1000)

    async def _record(self, scope: Scope, status: int, duration_ms: float) -> None:
        state: dict[str, Any] = scope.get("state", {})
        route = scope.get("route")
        # the route template (/v1/conversations/{id}), not the raw path or query, which may carry personal data
        path = getattr(route, "path", None) or "<unmatched>"
        client = scope.get("client")
        row = AuditEventRow(
            api_key_id=state.get("api_key_id"),
            role=state.get("role"),
            method=scope.get("method", "?"),
            route=path,
            status=status,
            duration_ms=round(duration_ms, 3),
            client=client[0] if client else None,
        )
        services = scope["app"].state.services

        def write() -> None:
            with services.sessions() as session, session.begin():
                session.add(row)

        try:
            await anyio.to_thread.run_sync(write)
        except Exception:  # auditing must never turn a good answer into an error
            log.exception("could not write audit event")
