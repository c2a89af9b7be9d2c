"""Refuse oversized requests before they are read: 413 in the usual error shape."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_body


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, default_limit: int, upload_limit: int, upload_paths: tuple[str, ...]) -> None:
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            limit = self.upload_limit if scope.get("path", "") in self.upload_paths else self.default_limit
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                response = JSONResponse(
                    error_body("too_large", f"request body of {int(length)} bytes is over the limit of {limit}"),
                    status_code=413,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
