"""One JSON error shape for every failure: {"error": {"code", "message", "detail"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.console.errors import console_error, is_console
from core.errors import CxloopError

log = logging.getLogger(__name__)


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "detail": detail}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CxloopError)
    async def _cxloop(request: Request, exc: CxloopError) -> Response:
        if is_console(request):
            return console_error(request, exc.http_status, exc.code, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        return JSONResponse(error_body(exc.code, exc.message, exc.detail), status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        if is_console(request):
            fields = ", ".join(f"{d['loc'][-1]}: {d['msg']}" for d in detail if d["loc"])
            return console_error(request, 422, "invalid_input", f"please check the form ({fields})")
        return JSONResponse(error_body("invalid_input", "request validation failed", detail), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
        if is_console(request):
            return console_error(request, exc.status_code, code, str(exc.detail))
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error: %s", exc.__class__.__name__)
        if is_console(request):
            return console_error(request, 500, "internal_error", "internal server error")
        return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)
